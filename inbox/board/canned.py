"""Canned replies: the desk's reply templates, edited by admins in the browser (audited).
Placeholders, filled when a reply is written (inbox.board.replies.fill): {reader_name},
{subject}, {desk} (the desk's address), {writer} (who replies)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inbox.board import audit
from inbox.board.auth import require
from inbox.board.web import begin_write, client_ip, db, user
from inbox.models import ReplyTemplate, utcnow

bp = Blueprint("canned", __name__, url_prefix="/admin/replies")


@bp.before_request
@require("admin")
def _admins_only():
    return None


@bp.route("")
def index():
    rows = db().scalars(select(ReplyTemplate).order_by(ReplyTemplate.name)).all()
    return render_template("admin/replies.html", rows=rows)


def _fields() -> tuple[str, str]:
    name = " ".join(request.form.get("name", "").split())
    body = request.form.get("body", "").replace("\r\n", "\n").strip()
    if not name or len(name) > 200:
        abort(400, description="Give the canned reply a name (at most 200 characters).")
    if not body or len(body) > 20_000:
        abort(400, description="Write the canned reply's text (at most 20,000 characters).")
    return name, body


@bp.route("", methods=["POST"])
@bp.route("/<int:template_id>", methods=["POST"])
def save(template_id: int | None = None):
    """Add a canned reply, or change one; audited with its id (not its text)."""
    name, body = _fields()
    session = db()
    begin_write()
    row = session.get(ReplyTemplate, template_id) if template_id else ReplyTemplate()
    if row is None:
        abort(404, description="No such canned reply.")
    row.name, row.body, row.updated_at, row.updated_by = name, body, utcnow(), user().id
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        abort(400, description="Another canned reply has that name.")
    audit.record(session, user().id, "reply_template", "reply_template", row.id,
                 detail="changed" if template_id else "added", ip=client_ip())
    session.commit()
    flash("Canned reply saved.")
    return redirect(url_for("canned.index"))


@bp.route("/<int:template_id>/delete", methods=["POST"])
def remove(template_id: int):
    session = db()
    begin_write()
    row = session.get(ReplyTemplate, template_id)
    if row is None:
        abort(404, description="No such canned reply.")
    session.delete(row)
    audit.record(session, user().id, "reply_template", "reply_template", template_id, detail="deleted", ip=client_ip())
    session.commit()
    flash("Canned reply deleted.")
    return redirect(url_for("canned.index"))
