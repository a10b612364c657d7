"""Admin pages for what is kept: legal holds (list, put, lift), and deleting a tip now or
forgetting its reader, each after a confirmation page that names the count."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from inbox import retention
from inbox.board import audit
from inbox.board.auth import require
from inbox.board.params import parse_int
from inbox.board.web import begin_write, client_ip, db, end_transaction, settings, user
from inbox.models import Tip
from inbox.retention import holds as hold_rules

bp = Blueprint("holds", __name__, url_prefix="/admin")


@bp.before_request
@require("admin")
def _admins_only():
    return None


def _by() -> str:
    return f"user {user().id}"


@bp.route("/holds")
def holds():
    """Every hold, active ones first, and the form to put one."""
    rows = hold_rules.listed(db(), lifted=True)
    return render_template("admin/holds.html", rows=sorted(rows, key=lambda h: h.lifted_at is not None))


@bp.route("/holds", methods=["POST"])
def add_hold():
    """Put a hold on a tip, a story or a reader (the form's kind and target)."""
    kind = request.form.get("kind", "")
    raw = request.form.get("target", "").strip()
    target = raw if kind == "reader" else parse_int(raw, "target")
    begin_write()
    session = db()
    try:
        hold = hold_rules.add(session, kind, target, request.form.get("reason", ""), _by())
    except hold_rules.BadHold as exc:
        session.rollback()
        abort(400, description=f"{exc}.")
    audit.record(session, user().id, "hold_add", "hold", hold.id, kind, client_ip())
    session.commit()
    flash(f"Hold {hold.id} put on {'the ' + kind if kind != 'tip' else 'tip #' + str(target)}.")
    back = request.form.get("back", "")
    return redirect(url_for("tips.show", tip_id=hold.tip_id) if back == "tip" and hold.tip_id else url_for("holds.holds"))


@bp.route("/holds/<int:hold_id>/lift", methods=["POST"])
def lift_hold(hold_id: int):
    """Lift a hold; the row stays as history."""
    begin_write()
    session = db()
    hold = hold_rules.lift(session, hold_id, _by())
    if hold is None:
        abort(404, description="There is no such active hold.")
    audit.record(session, user().id, "hold_lift", "hold", hold.id, hold.kind, client_ip())
    session.commit()
    flash(f"Hold {hold_id} lifted.")
    return redirect(url_for("holds.holds"))


def _tip(tip_id: int) -> Tip:
    tip = db().get(Tip, tip_id)
    if tip is None:
        abort(404, description="There is no such tip.")
    return tip


def _count(what: str, tip: Tip) -> int:
    return 1 if what == "delete" else len(retention.reader_tip_ids(db(), tip.sender_address))


@bp.route("/tips/<int:tip_id>/delete", defaults={"what": "delete"})
@bp.route("/tips/<int:tip_id>/forget", defaults={"what": "forget"})
def confirm(tip_id: int, what: str):
    """The confirmation page: what will be deleted, how many tips, and whether a hold refuses it."""
    tip = _tip(tip_id)
    n = _count(what, tip)
    ids = [tip.id] if what == "delete" else retention.reader_tip_ids(db(), tip.sender_address)
    held = len(retention.held_ids(db(), ids)) if ids else 0
    return render_template("admin/holds.html", confirm=what, tip=tip, count=n, held=held, rows=None)


@bp.route("/tips/<int:tip_id>/delete", methods=["POST"], defaults={"what": "delete"})
@bp.route("/tips/<int:tip_id>/forget", methods=["POST"], defaults={"what": "forget"})
def delete(tip_id: int, what: str):
    """Delete the tip now, or every tip of its sender; the form must repeat the count it was shown."""
    begin_write()
    session = db()
    tip = _tip(tip_id)
    n = _count(what, tip)
    if parse_int(request.form.get("count", ""), "count", lo=0) != n:
        abort(400, description=f"The count to confirm is {n}: open the confirmation page again.")
    try:
        if what == "delete":
            done = retention.delete_tip(session, tip.id, _by())
        else:
            done = retention.forget_reader(session, tip.sender_address, _by())
    except retention.Held as exc:
        session.rollback()
        abort(409, description=f"Refused: {exc}. Lift the hold first.")
    audit.record(session, user().id, "tip_delete" if what == "delete" else "reader_forget", "tip", tip_id,
                 f"{done} tip(s)", client_ip())
    end_transaction()
    retention.finish(current_app.extensions["inbox"]["sessions"], settings())
    flash(f"Deleted {done} tip{'s' if done != 1 else ''}; tombstones kept.")
    return redirect(url_for("board.index"))
