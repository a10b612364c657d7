"""Your account in the browser: change your password, turn on a second factor (TOTP, with
a QR code and one-time recovery codes), or turn it off. Every change is audited.

A new password ends every other session of the user (sessions.end_all) and keeps this
one going under a fresh token. The TOTP secret being enrolled is not stored until a code
from the app proves it was scanned: until then it travels in the form, signed with the
board's key and bound to the user, and expires after ENROL_SECONDS.
"""
from __future__ import annotations

import hashlib
import secrets

import pyotp
import segno
from flask import Blueprint, flash, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from inbox.board import audit, sessions
from inbox.board.auth import check_password, set_password, totp_step
from inbox.board.web import client_ip, db, settings, user
from inbox.models import RecoveryCode, utcnow

bp = Blueprint("account", __name__, url_prefix="/account")
MIN_PASSWORD = 12
MAX_PASSWORD = 1000
ENROL_SECONDS = 15 * 60
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are read off paper


def password_problem(new: str, again: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(new) < MIN_PASSWORD:
        return f"The new password must be at least {MIN_PASSWORD} characters."
    if len(new) > MAX_PASSWORD:
        return f"The new password may be at most {MAX_PASSWORD} characters."
    if new != again:
        return "The two new passwords differ."
    return None


def normalise_code(code: str) -> str:
    """A recovery code as typed (any case, with or without dashes and spaces) -> its canonical form."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def code_hash(code: str) -> str:
    """What the database keeps of a recovery code (80 random bits: no salt needed)."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def new_recovery_codes(session: Session, user_id: int) -> list[str]:
    """A fresh set of codes (the old set stops working); returns them to show once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        session.add(RecoveryCode(user_id=user_id, code_hash=code_hash(raw)))
    session.flush()
    return codes


def find_recovery_code(session: Session, user_id: int, code: str) -> int | None:
    """The id of the user's unused recovery code that this is, else None (reads only)."""
    if not 12 <= len(normalise_code(code)) <= 32:
        return None
    return session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None),
                                                        RecoveryCode.code_hash == code_hash(code)))


def use_recovery_code(session: Session, code_id: int) -> bool:
    """Spend a code: True only for the first login that uses it (one UPDATE: two racing logins cannot both win)."""
    result = session.execute(update(RecoveryCode).where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
                             .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1


def codes_left(session: Session, user_id: int) -> int:
    """How many recovery codes the user has not used yet."""
    return session.scalar(select(func.count()).select_from(RecoveryCode)
                          .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings().board.secret_key, salt="totp-enrol")


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (no image request, no data: URI: the CSP allows it as is)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff",
                                                title="QR code for your authenticator app")


def _page(code: int = 200, **values):
    me = user()
    values.setdefault("errors", {})
    return render_template("account/account.html", me=me, codes_left=codes_left(db(), me.id),
                           must_keep_totp=me.role == "admin" and settings().board.require_totp_for_admins,
                           **values), code


@bp.route("")
def show():
    """Your account: password, second factor, recovery codes."""
    return _page()


@bp.route("/password", methods=["POST"])
def change_password():
    """A new password (the current one required); every other session ends, this one goes on."""
    me, session = user(), db()
    current, new, again = (request.form.get(k, "") for k in ("current", "new", "again"))
    if not check_password(me, current):
        return _page(400, errors={"current": "That is not your current password."})
    problem = password_problem(new, again)
    if problem:
        return _page(400, errors={"new": problem})
    ended = set_password(session, me, new) - 1  # set_password ends this session too: one is this one
    token, row = sessions.start(session, me, settings().board.session_minutes,
                                sessions.ip_fingerprint(settings().board.secret_key, client_ip()),
                                request.headers.get("User-Agent", ""))
    audit.record(session, me.id, "password_change", "user", me.id, f"{max(ended, 0)} other session(s) ended", client_ip())
    session.commit()
    sessions.current().begin(token, row)
    flash(f"Password changed. {max(ended, 0)} other session{'s' if ended != 1 else ''} ended.")
    return redirect(url_for("account.show"))


@bp.route("/totp")
def totp_start():
    """Enrolment, step one: a new secret as a QR code; nothing is stored yet."""
    return _enrol_page(pyotp.random_base32())


def _enrol_page(secret: str, error: str | None = None, code: int = 200):
    me = user()
    uri = pyotp.TOTP(secret).provisioning_uri(name=me.email, issuer_name="Tip Inbox")
    return _page(code, enrol={"qr": qr_svg(uri), "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                              "signed": _signer().dumps([me.id, secret])},
                 errors={"code": error} if error else {})


@bp.route("/totp", methods=["POST"])
def totp_confirm():
    """Enrolment, step two: a code from the app proves the secret; then the recovery codes, shown once."""
    me, session = user(), db()
    try:
        user_id, secret = _signer().loads(request.form.get("signed", ""), max_age=ENROL_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return _page(400, errors={"enrol": "The set-up expired or was not made for you. Start again."})
    if user_id != me.id:
        return _page(400, errors={"enrol": "The set-up expired or was not made for you. Start again."})
    step = totp_step(secret, request.form.get("code", ""))
    if step is None:
        return _enrol_page(secret, "That code does not match: type the 6 digits the app shows now.", 400)
    me.totp_secret, me.totp_last_step = secret, step
    codes = new_recovery_codes(session, me.id)
    audit.record(session, me.id, "totp_enrol", "user", me.id, ip=client_ip())
    session.commit()
    return _page(codes=codes, done="Second factor on: from now on, log in with a code from the app.")


@bp.route("/totp/off", methods=["POST"])
def totp_off():
    """Turn the second factor off (password required; admins keep it where it is required)."""
    me, session = user(), db()
    if not check_password(me, request.form.get("password", "")):
        return _page(400, errors={"off": "That is not your current password."})
    if me.role == "admin" and settings().board.require_totp_for_admins:
        return _page(400, errors={"off": "Admins must keep a second factor on this board."})
    me.totp_secret, me.totp_last_step = None, None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == me.id))
    audit.record(session, me.id, "totp_off", "user", me.id, ip=client_ip())
    session.commit()
    flash("Second factor off; the recovery codes no longer work.")
    return redirect(url_for("account.show"))


@bp.route("/recovery", methods=["POST"])
def recovery():
    """A new set of recovery codes (password required); the old set stops working."""
    me, session = user(), db()
    if not me.totp_secret:
        return _page(400, errors={"recovery": "Turn the second factor on first."})
    if not check_password(me, request.form.get("password", "")):
        return _page(400, errors={"recovery": "That is not your current password."})
    codes = new_recovery_codes(session, me.id)
    audit.record(session, me.id, "recovery_codes", "user", me.id, ip=client_ip())
    session.commit()
    return _page(codes=codes, done="New recovery codes: the old ones no longer work.")

