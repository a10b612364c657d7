"""Password resets by a one-time link: an admin makes it for a user and hands it over (the
board sends no mail); the user opens it, without logging in, and sets a new password.

A link is 256 random bits; only its SHA-256 is stored. It works once, for LINK_HOURS,
and only while the account is active; a newer link replaces an older one. Using it ends
every session of the user. Making and using a link are audited.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inbox.board import audit
from inbox.board.account import password_problem
from inbox.board.auth import require, set_password
from inbox.board.sessions import token_hash
from inbox.board.web import client_ip, db, user
from inbox.models import ResetLink, User, utcnow

bp = Blueprint("resets", __name__)
LINK_HOURS = 24


def make_link(session: Session, target: User, by: int) -> str:
    """A new reset token for target (older unused ones stop working); returns the token to show once."""
    now = utcnow()
    session.execute(update(ResetLink).where(ResetLink.user_id == target.id, ResetLink.used_at.is_(None))
                    .values(used_at=now).execution_options(synchronize_session=False))
    token = secrets.token_urlsafe(32)
    session.add(ResetLink(token_hash=token_hash(token), user_id=target.id, created_by=by, created_at=now,
                          expires_at=now + timedelta(hours=LINK_HOURS)))
    session.flush()
    return token


def find_link(session: Session, token: str) -> ResetLink | None:
    """The link this token opens, if it is unused, unexpired and its user active."""
    if not token or len(token) > 100:
        return None
    link = session.scalar(select(ResetLink).where(ResetLink.token_hash == token_hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    target = session.get(User, link.user_id)
    return link if target is not None and target.active else None


def use_link(session: Session, link: ResetLink) -> bool:
    """Spend the link: True only for the first request that does (one UPDATE)."""
    result = session.execute(update(ResetLink).where(ResetLink.id == link.id, ResetLink.used_at.is_(None))
                             .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1


GONE = "This reset link has expired, was used already, or was replaced by a newer one. Ask an admin for a new one."


@bp.route("/admin/users/<int:user_id>/reset", methods=["POST"])
@require("admin")
def make(user_id: int):
    """An admin makes a one-time link for a user; the page shows it once."""
    session = db()
    target = session.get(User, user_id)
    if target is None:
        abort(404, description="There is no such user.")
    if not target.active:
        abort(409, description="The account is deactivated: activate it first, then make a reset link.")
    token = make_link(session, target, user().id)
    audit.record(session, user().id, "reset_link", "user", target.id, f"valid {LINK_HOURS} h", client_ip())
    session.commit()
    return render_template("account/reset_made.html", target=target, hours=LINK_HOURS,
                           link=url_for("resets.reset", token=token, _external=True))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Open a reset link (no login): a form for the new password; it works once."""
    session = db()
    link = find_link(session, token)
    if link is None:
        abort(404, description=GONE)
    target = session.get(User, link.user_id)
    if request.method == "GET":
        return render_template("account/reset.html", target=target, errors={})
    problem = password_problem(request.form.get("new", ""), request.form.get("again", ""))
    if problem:
        return render_template("account/reset.html", target=target, errors={"new": problem}), 400
    if not use_link(session, link):
        abort(404, description=GONE)
    ended = set_password(session, target, request.form.get("new", ""))
    audit.record(session, target.id, "password_reset", "user", target.id, f"{ended} session(s) ended", client_ip())
    session.commit()
    return render_template("auth/login.html", email=target.email, next="",
                           notice="Your new password is set. Log in with it.")
