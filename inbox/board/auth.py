"""Logging in and out, who is logged in, and which role a view needs.

Passwords are hashed with argon2id; TOTP is an optional second factor (required for
admins when configured), and each code works once. Sessions live in the database
(inbox.board.sessions); failed logins are counted there too (inbox.board.limits), per
account and per IP, so every board process shares the limit.
"""
from __future__ import annotations

import functools
import hmac
import logging
import time
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from inbox.board import audit, limits, sessions
from inbox.board.params import is_id
from inbox.board.web import begin_write, client_ip, db, end_transaction, end_write, is_api_request, settings
from inbox.models import User, utcnow

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

IDLE_ENDPOINTS = frozenset({"live.poll"})  # requests that do not count as using the session
# cid images check their own signed token or the session (see attachments._cid_viewer).
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.healthz", "static", "attachments.cid_image",
                              "resets.reset",  # a one-time link is its own credential (inbox.board.resets)
                              "metrics.metrics"})  # /metrics checks its own callers (loopback or token)
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password anyone has")
WRONG = "Wrong email, password or code."


def hash_password(password: str) -> str:
    """An argon2id hash; the only form in which a password is ever stored."""
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """True when password is the user's; costs the same time whether or not the user exists."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def set_password(session: Session, user: User, password: str) -> int:
    """A new password ends every session of the user (the command line and any board path
    use this); returns how many sessions it ended."""
    user.password_hash = hash_password(password)
    session.flush()
    return sessions.end_all(session, user.id)


def totp_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (unix time // 30) whose code this is, allowing one step of clock skew either way."""
    totp = pyotp.TOTP(secret)
    code, now = code.strip(), time.time() if now is None else now
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def use_totp_step(session: Session, user: User, step: int) -> bool:
    """Spend a code: True only for the first login with this step or a later one (one UPDATE,
    so two logins racing with the same code cannot both win)."""
    result = session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    return result.rowcount == 1


@dataclass(frozen=True)
class Checked:
    """A login whose password (and code) were right: the user, and the code's time step or
    the recovery code's id to spend."""
    user: User
    step: int | None
    recovery_id: int | None = None


def authenticate(session: Session, email: str, password: str, code: str, require_totp_for_admins: bool) -> Checked | str:
    """The user, or the reason the login failed (one message for every credential failure).

    Only reads: the caller spends the TOTP step afterwards, so that the slow password hash
    never runs while holding SQLite's write lock."""
    user = session.scalar(select(User).where(User.email == email))
    ok = check_password(user, password) and user is not None and user.active
    step = recovery_id = None
    if ok and user.totp_secret:
        step = totp_step(user.totp_secret, code) if code else None
        ok = step is not None and (user.totp_last_step is None or step > user.totp_last_step)
        if step is None and code:  # a recovery code stands in for the app, once
            from inbox.board.account import find_recovery_code

            recovery_id = find_recovery_code(session, user.id, code)
            ok = recovery_id is not None
    if not ok:
        return WRONG
    if user.role == "admin" and require_totp_for_admins and not user.totp_secret:
        return "Admins must use a second factor here: set one up with `inbox user totp EMAIL`, then log in again."
    return Checked(user, step, recovery_id)


def require(*roles: str):
    """Views only these roles may use; anyone else gets 403."""

    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            if g.user.role not in roles:
                abort(403, description="Your role may not do this.")
            return view(*args, **kwargs)

        return inner

    return wrap


@bp.before_app_request
def _load_user():
    g.user = g.session_row = None
    if is_api_request():
        return None  # the API reads no cookie: its bearer token is checked by inbox.board.api.web
    server_session = sessions.current()
    board = settings().board
    row = sessions.find(db(), server_session.token, board.session_idle_minutes)
    if row is not None:
        g.user, g.session_row = row.user, row
        server_session.attach(row)
    writes = request.method in ("POST", "PUT", "PATCH", "DELETE") and request.endpoint != "auth.login"
    # The board's poll is not use: a board left open must still reach the idle limit.
    if row is not None and sessions.touch_due(row) and request.endpoint not in IDLE_ENDPOINTS:
        begin_write()
        sessions.touch(db(), row)
        if not writes:
            end_write()  # a page view: let the next writer in at once
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        end_transaction()
        target = request.full_path if request.method == "GET" else "/"
        return redirect(url_for("auth.login", next=target.rstrip("?")))
    if writes:
        begin_write()
    else:
        end_transaction()
    return None


def safe_next(target: str | None) -> str:
    """Where to go after logging in: target if it is a path on this board, else the board.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
    "/<tab>/host/" and "/<backslash>host" lead off the board; anything with whitespace or control
    characters, a second leading slash or backslash, a scheme or a host is refused, also
    once Unicode compatibility forms are folded ("／／host")."""
    if not target or len(target) > 2000:
        return url_for("board.index")
    for candidate in (target, unicodedata.normalize("NFKC", target)):
        if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in candidate):
            return url_for("board.index")
        if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
            return url_for("board.index")
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return url_for("board.index")
    return target


def _login_page(code: int, error: str, email: str = "", headers: dict | None = None):
    page = render_template("auth/login.html", error=error, email=email, next=request.form.get("next", ""))
    return page, code, headers or {}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form, and checking it: the limit first, then password and TOTP."""
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "").strip().lower()[:320]
    board = settings().board
    session_db, ip = db(), client_ip()
    begin_write()  # count this attempt and commit it before the password is checked
    counts = [limits.count_attempt(session_db, key) for key in limits.keys(board.secret_key, email, ip)]
    limits.forget_old(session_db)
    end_write()
    wait = limits.seconds_to_wait(counts, board.login_attempts_per_minute)
    if wait:
        log.info("login rate-limited")
        return _login_page(429, f"Too many failed logins for this account or from this address. "
                                f"Wait {wait} second{'s' if wait != 1 else ''}, then log in again.",
                           email, {"Retry-After": str(wait)})
    result = authenticate(session_db, email, request.form.get("password", ""), request.form.get("totp", ""),
                          board.require_totp_for_admins)
    end_transaction()
    begin_write()
    if isinstance(result, Checked) and result.step is not None and not use_totp_step(session_db, result.user, result.step):
        result = WRONG  # the same code, used by a login that won the race
    if isinstance(result, Checked) and result.recovery_id is not None:
        from inbox.board.account import use_recovery_code

        if use_recovery_code(session_db, result.recovery_id):
            audit.record(session_db, result.user.id, "recovery_code_used", "user", result.user.id, ip=ip)
        else:
            result = WRONG
    if isinstance(result, str):
        session_db.commit()
        return _login_page(401, result, email)
    user = result.user
    limits.take_back(session_db, counts)
    user.last_login_at = utcnow()
    token, row = sessions.start(session_db, user, board.session_minutes, sessions.ip_fingerprint(board.secret_key, ip),
                                request.headers.get("User-Agent", ""))
    sessions.forget_old(session_db)
    audit.record(session_db, user.id, "login", "user", user.id, ip=ip)
    session_db.commit()
    log.info("user %s logged in", user.id)
    sessions.current().begin(token, row)
    return redirect(safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session on the server, for every copy of its cookie (a POST, so no other site can log anyone out)."""
    row = sessions.current_row()
    if row is not None:
        sessions.end(db(), row.id)
        db().commit()
    sessions.current().finish()
    return redirect(url_for("auth.login"))


@bp.route("/healthz")
def healthz():
    """For load balancers and monitoring: the app is up and the database answers."""
    db().execute(select(1))
    return {"status": "ok"}


def may_use_admin() -> bool:
    """For templates: whether to show the admin links."""
    return g.get("user") is not None and g.user.role == "admin"


@bp.app_context_processor
def _user_helpers():
    return {"current_user": g.get("user"), "is_admin": may_use_admin()}


def find_user(session: Session, ident: str) -> User | None:
    """A user by id or by email (for the command line and admin forms)."""
    clause = User.email == ident.lower()
    if is_id(ident):
        clause = or_(clause, User.id == int(ident))
    return session.scalar(select(User).where(clause))
