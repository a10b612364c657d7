"""Admin pages: users and roles, mailbox health, the quarantine, the audit log; and the
health banner every page shows when a mailbox is late or failing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.exc import IntegrityError

from inbox.board import audit, sessions
from inbox.board.auth import hash_password, require
from inbox.board.desk import parse_beats, topic_list
from inbox.board.params import int_arg
from inbox.board.web import begin_write, client_ip, db, end_transaction, raw_bytes, settings, user, vault
from inbox.models import ROLES, Mailbox, Quarantined, User, utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")
MIN_PASSWORD = 12


@bp.before_request
@require("admin")
def _admins_only():
    return None


class FormError(Exception):
    """A user form's mistake: field -> message, shown beside the field with what was typed."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _role_and_beats() -> tuple[str, str]:
    role = request.form.get("role", "")
    if role not in ROLES:
        raise FormError("role", "Pick admin, editor or reporter.")
    beats, problem = parse_beats(db(), settings(), request.form.getlist("beats"))
    if problem:
        raise FormError("beats", problem)
    return role, beats[:5000]


def _users_page(code: int = 200, errors: dict | None = None, typed=None, row_errors: dict | None = None):
    session, idle = db(), settings().board.session_idle_minutes
    return render_template("admin/users.html", users=session.scalars(select(User).order_by(User.email)).all(), roles=ROLES,
                           live=sessions.live_sessions(session, idle), live_count=sessions.live_count(session, idle),
                           desk_topics=topic_list(session, settings()), errors=errors or {}, typed=typed,
                           row_errors=row_errors or {}), code


@bp.route("/users")
def users():
    """Every account with its role, beats, second factor and live sessions."""
    return _users_page()


@bp.route("/users", methods=["POST"])
def create_user():
    """Add an account (the first admin comes from `inbox user add`); a mistake is shown beside its field."""
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    session = db()
    try:
        if "@" not in email or len(email) > 320 or any(ch.isspace() for ch in email):
            raise FormError("email", "Give a valid email address, like name@newsroom.example.")
        if len(password) < MIN_PASSWORD:
            raise FormError("password", f"The password must be at least {MIN_PASSWORD} characters.")
        role, beats = _role_and_beats()
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            raise FormError("email", "A user with that email already exists.")
    except FormError as exc:
        return _users_page(400, {exc.field: str(exc)}, request.form)
    new = User(email=email, name=request.form.get("name", "").strip()[:200], role=role, beats=beats,
               password_hash=hash_password(password))
    session.add(new)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return _users_page(400, {"email": "A user with that email already exists."}, request.form)
    audit.record(session, user().id, "user_create", "user", new.id, f"role {role}", client_ip())
    session.commit()
    flash("User added.")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["POST"])
def update_user(user_id: int):
    """Change role, beats or access; deactivating ends the user's sessions."""
    session = db()
    target = session.get(User, user_id)
    if target is None:
        abort(404, description="There is no such user.")
    try:
        role, beats = _role_and_beats()
        active = request.form.get("active") == "1"
        if target.id == user().id and (role != "admin" or not active):
            raise FormError("role", "You cannot remove your own admin role or deactivate yourself.")
    except FormError as exc:
        return _users_page(400, row_errors={target.id: str(exc)})
    ended = sessions.end_all(session, target.id) if not active and target.active else 0  # logs them out everywhere
    target.role, target.beats, target.active = role, beats, active
    audit.record(session, user().id, "user_update", "user", target.id,
                 f"role {role}, active {active}" + (f", {ended} session(s) ended" if ended else ""), client_ip())
    session.commit()
    flash("User updated." + (f" Deactivated: {ended} session{'s' if ended != 1 else ''} ended." if ended else ""))
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
def end_sessions(user_id: int):
    """End every session of a user (a lost laptop, a shared computer): their cookies stop working at once."""
    session = db()
    target = session.get(User, user_id)
    if target is None:
        abort(404, description="There is no such user.")
    ended = sessions.end_all(session, target.id)
    audit.record(session, user().id, "sessions_end", "user", target.id, f"{ended} session(s)", client_ip())
    session.commit()
    flash(f"Ended {ended} session{'s' if ended != 1 else ''} of {target.label}.")
    return redirect(url_for("admin.users"))


@bp.route("/mailboxes")
def mailboxes():
    """The worker's health rows: last good sync, failures, last error."""
    session = db()
    problems = {p.mailbox: p for p in mailbox_problems(session, settings().board.stale_sync_minutes)}
    boxes = session.scalars(select(Mailbox).order_by(Mailbox.name)).all()
    return render_template("admin/mailboxes.html", boxes=boxes, problems=problems)


@bp.route("/quarantine")
def quarantine():
    """Messages a stage could not handle, waiting ones first."""
    session = db()
    rows = session.execute(
        select(Quarantined.id, Quarantined.stage, Quarantined.error, Quarantined.attempts, Quarantined.last_failed_at,
               Quarantined.resolution, Quarantined.folder, Mailbox.name)
        .join(Mailbox, Mailbox.id == Quarantined.mailbox_id)
        .order_by(Quarantined.resolved_at.is_not(None), Quarantined.id.desc()).limit(500)
    ).all()
    return render_template("admin/quarantine.html", rows=rows)


@bp.route("/quarantine/<int:qid>")
def quarantine_item(qid: int):
    """One quarantined message: the error and its raw headers (never the body)."""
    session = db()
    item = session.get(Quarantined, qid)
    if item is None:
        abort(404, description="There is no such quarantined message.")
    head = raw_bytes(item.data, item.key_id).split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:65536]
    try:
        headers = list(BytesHeaderParser(policy=default_policy).parsebytes(head).raw_items())
    except Exception:  # noqa: BLE001 - a quarantined message is bad input by definition
        headers = [("(unparsable)", head.decode("utf-8", "replace"))]
    begin_write()
    audit.record(session, user().id, "quarantine_view", "quarantine", qid, ip=client_ip())
    session.commit()
    return render_template("admin/quarantine_item.html", item=item, headers=headers)


@bp.route("/quarantine/<int:qid>/retry", methods=["POST"])
def quarantine_retry(qid: int):
    """Run the message through the pipeline again."""
    from inbox.pipeline import Pipeline
    from inbox.store import retry_quarantined

    session = db()
    if session.get(Quarantined, qid) is None:
        abort(404, description="There is no such quarantined message.")
    audit.record(session, user().id, "quarantine_retry", "quarantine", qid, ip=client_ip())
    end_transaction()  # the pipeline writes with sessions of its own
    with Pipeline(settings(), _sessions(), processes=1, vault=vault()) as pipeline:
        outcomes = retry_quarantined(pipeline, qid)
    status = outcomes[0].status if outcomes else "nothing to do"
    flash(f"Retried: {status}." if status != "quarantined" else f"Still failing at {outcomes[0].stage}: {outcomes[0].error}")
    return redirect(url_for("admin.quarantine_item", qid=qid))


@bp.route("/quarantine/<int:qid>/discard", methods=["POST"])
def quarantine_discard(qid: int):
    """Decide it is not a tip; the row stays as history."""
    from inbox.store import discard_quarantined

    end_transaction()  # discard_quarantined writes with a session of its own
    if not discard_quarantined(_sessions(), qid, by=f"user {user().id}"):
        abort(404, description="There is no such quarantined message.")
    session = db()
    audit.record(session, user().id, "quarantine_discard", "quarantine", qid, ip=client_ip())
    session.commit()
    flash("Discarded; the row stays as history.")
    return redirect(url_for("admin.quarantine"))


@bp.route("/audit")
def audit_log():
    """Who viewed, changed, exported or downloaded what, newest first."""
    number = int_arg("page", 1, 1_000_000, default=1)
    user_id, tip_id = int_arg("user", default=None), int_arg("tip", default=None)
    action = request.args.get("action", "")
    if action and action not in audit.ACTIONS:
        abort(400, description="That is not an action the audit log records.")
    rows, has_next = audit.page(db(), number, action, user_id, tip_id)
    filters = {k: v for k, v in (("action", action), ("user", user_id), ("tip", tip_id)) if v}
    return render_template("admin/audit.html", rows=rows, page=number, has_next=has_next, filters=filters,
                           actions=audit.ACTIONS)


@dataclass(frozen=True)
class Problem:
    """A mailbox the banner warns about, and why."""
    mailbox: str
    what: str  # "failing" | "late"
    failures: int
    last_success_at: datetime | None


def mailbox_problems(session: Session, stale_minutes: int, now: datetime | None = None) -> list[Problem]:
    """Mailboxes whose login keeps failing or whose last good sync is older than stale_minutes."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=stale_minutes)
    problems = []
    for box in session.scalars(select(Mailbox).where(Mailbox.name != "import").order_by(Mailbox.name)):
        if box.consecutive_failures > 0:
            problems.append(Problem(box.name, "failing", box.consecutive_failures, box.last_success_at))
        elif (box.last_success_at or box.created_at) < cutoff:
            problems.append(Problem(box.name, "late", 0, box.last_success_at))
    return problems


@bp.app_context_processor
def _health_banner():
    if g.get("user") is None:
        return {"health_problems": []}
    return {"health_problems": mailbox_problems(db(), settings().board.stale_sync_minutes)}


def _sessions():
    from flask import current_app

    return current_app.extensions["inbox"]["sessions"]
