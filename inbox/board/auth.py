"""Logging in and out, who is logged in, and which role a view needs.

Passwords are hashed with argon2id; TOTP is an optional second factor (required for
admins when configured). Failed logins are counted in the database, per account
and per IP, so every board process shares the limit.
"""
from __future__ import annotations

import functools
import logging
import time
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from inbox.board import audit
from inbox.board.web import begin_write, client_ip, db, end_transaction, settings
from inbox.models import LoginAttempt, User, utcnow

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

# cid images check their own signed token or the session (see attachments._cid_viewer).
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.healthz", "static", "attachments.cid_image"})
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password anyone has")


def hash_password(password: str) -> str:
    """An argon2id hash; the only form in which a password is ever stored."""
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """True when password is the user's; costs the same time whether or not the user exists."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def rate_limited(session: Session, email: str, ip: str, per_minute: int) -> bool:
    """Too many failed logins in the last minute for this account or from this address."""
    since = utcnow() - timedelta(minutes=1)
    failed = select(func.count()).where(LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    by_account = session.scalar(failed.where(LoginAttempt.email == email))
    by_ip = session.scalar(failed.where(LoginAttempt.ip == ip))
    return max(by_account or 0, by_ip or 0) >= per_minute


def authenticate(session: Session, email: str, password: str, code: str, require_totp_for_admins: bool) -> User | str:
    """The user, or the reason the login failed (one message for every credential failure).

    Only reads: the caller records the attempt afterwards, so that the slow password hash
    never runs while holding SQLite's write lock."""
    user = session.scalar(select(User).where(User.email == email))
    ok = check_password(user, password) and user is not None and user.active
    if ok and user.totp_secret:
        ok = bool(code) and pyotp.TOTP(user.totp_secret).verify(code.strip(), valid_window=1)
    if not ok:
        return "Wrong email, password or code."
    if user.role == "admin" and require_totp_for_admins and not user.totp_secret:
        return "Admins must use a second factor here: set one up with `inbox user totp EMAIL`, then log in again."
    return user


def record_attempt(session: Session, email: str, ip: str, user: User | None) -> None:
    """Count the attempt for the rate limit, and forget attempts older than a day (they hold
    addresses and IPs, and no limit looks back that far)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - timedelta(days=1)))
    session.add(LoginAttempt(email=email, ip=ip, success=user is not None))
    if user is not None:
        user.last_login_at = utcnow()


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
    g.user = None
    uid, started = session.get("uid"), session.get("at", 0)
    if uid is not None:
        fresh = time.time() - started < settings().board.session_minutes * 60
        user = db().get(User, uid) if fresh else None
        if user is not None and user.active and user.session_epoch == session.get("epoch"):
            g.user = user
        else:
            session.clear()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        target = request.full_path if request.method == "GET" else "/"
        return redirect(url_for("auth.login", next=target.rstrip("?")))
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.endpoint != "auth.login":
        begin_write()
    else:
        end_transaction()
    return None


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("board.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form, and checking it: rate limit first, then password and TOTP."""
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "").strip().lower()[:320]
    board = settings().board
    session_db, ip = db(), client_ip()
    if rate_limited(session_db, email, ip, board.login_attempts_per_minute):
        log.info("login rate-limited")
        abort(429, description="Too many failed logins. Wait a minute and try again.")
    result = authenticate(session_db, email, request.form.get("password", ""), request.form.get("totp", ""),
                          board.require_totp_for_admins)
    end_transaction()
    begin_write()
    record_attempt(session_db, email, ip, None if isinstance(result, str) else result)
    if isinstance(result, str):
        session_db.commit()
        return render_template("auth/login.html", error=result, email=email, next=request.form.get("next", "")), 401
    audit.record(session_db, result.id, "login", "user", result.id, ip=ip)
    session_db.commit()
    log.info("user %s logged in", result.id)
    session.clear()  # a new session on login: no fixation
    session.permanent = True
    session.update(uid=result.id, epoch=result.session_epoch, at=int(time.time()))
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session (a POST, so no other site can log anyone out)."""
    session.clear()
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
    if ident.isdigit():
        clause = or_(clause, User.id == int(ident))
    return session.scalar(select(User).where(clause))
