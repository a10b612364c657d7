"""Sessions kept on the server: the cookie is a random token, the user_sessions row decides.

A signed cookie that carries the user id works until it expires, whoever holds a copy;
here every request looks the token's hash up, so logout, a password change, an admin's
"End sessions" or deactivation end a session at once, for every copy of the cookie.
The only other state a session has, the flash messages, lives in its row too; the CSRF
token is derived from the cookie's token, so it needs no storage.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import datetime, timedelta

from flask import g
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload
from werkzeug.datastructures import CallbackDict

from inbox.models import User, UserSession, utcnow

log = logging.getLogger(__name__)
# Writing last_seen_at on every request would make every page view a write; once a minute
# is precise enough for an idle limit counted in minutes.
TOUCH_EVERY = timedelta(seconds=60)


def token_hash(token: str) -> str:
    """What the database keeps of a token (tokens are 256 random bits: no salt needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def ip_fingerprint(secret_key: str, ip: str) -> str:
    """A keyed hash of the client address: the admin sees which sessions share one, not the address."""
    return hmac.new(secret_key.encode(), ip.encode(), hashlib.sha256).hexdigest()[:16]


def start(session: Session, user: User, minutes: int, ip_hash: str = "", user_agent: str = "") -> tuple[str, UserSession]:
    """A new session for user, ending minutes from now; returns the cookie's token and the row."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                      expires_at=now + timedelta(minutes=minutes), ip_hash=ip_hash, user_agent=user_agent[:200],
                      flashes="")
    session.add(row)
    session.flush()
    return token, row


def is_live(row: UserSession | None, idle_minutes: int, now: datetime | None = None) -> bool:
    """Not revoked, not past its absolute end, used within idle_minutes, and its user still active."""
    now = now or utcnow()
    return (row is not None and row.revoked_at is None and row.expires_at > now
            and row.last_seen_at > now - timedelta(minutes=idle_minutes) and row.user.active)


def find(session: Session, token: str | None, idle_minutes: int) -> UserSession | None:
    """The live session this cookie token belongs to (with its user), else None."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(_BY_HASH, {"hash": token_hash(token)})
    return row if is_live(row, idle_minutes) else None


# Built once (every page asks it): the session of a token's hash, with its user.
_BY_HASH = select(UserSession).options(joinedload(UserSession.user)).where(UserSession.token_hash == bindparam("hash"))


def touch_due(row: UserSession) -> bool:
    """Whether the session's last use is worth writing down again (once a TOUCH_EVERY)."""
    return utcnow() - row.last_seen_at >= TOUCH_EVERY


def touch(session: Session, row: UserSession) -> None:
    """Record that the session is being used now (the idle limit counts from here)."""
    session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=utcnow())
                    .execution_options(synchronize_session=False))


def end(session: Session, session_id: int) -> None:
    """End one session (logout)."""
    session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
                    .values(revoked_at=utcnow()).execution_options(synchronize_session=False))


def end_all(session: Session, user_id: int) -> int:
    """End every session of a user (password change, deactivation, an admin's "End sessions");
    returns how many were still open."""
    result = session.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
                             .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


def live_sessions(session: Session, idle_minutes: int) -> list[UserSession]:
    """Every session that still works, newest use first (the admin's users page)."""
    now = utcnow()
    return list(session.scalars(
        select(UserSession).options(joinedload(UserSession.user))
        .where(UserSession.revoked_at.is_(None), UserSession.expires_at > now,
               UserSession.last_seen_at > now - timedelta(minutes=idle_minutes))
        .order_by(UserSession.last_seen_at.desc())))


def forget_old(session: Session, days: int = 7) -> None:
    """Delete sessions that ended more than days ago (they only matter while they could work)."""
    cutoff = utcnow() - timedelta(days=days)
    session.execute(delete(UserSession).where(or_(UserSession.expires_at < cutoff, UserSession.revoked_at < cutoff)))


def live_count(session: Session, idle_minutes: int) -> dict[int, int]:
    """user id -> how many live sessions they have."""
    now = utcnow()
    rows = session.execute(select(UserSession.user_id, func.count())
                           .where(UserSession.revoked_at.is_(None), UserSession.expires_at > now,
                                  UserSession.last_seen_at > now - timedelta(minutes=idle_minutes))
                           .group_by(UserSession.user_id))
    return dict(rows.all())


class ServerSession(CallbackDict, SessionMixin):
    """Flask's `session` for one request: the cookie's token, the row it names (set by the
    login check) and the row's flash messages as the dict's contents."""

    def __init__(self, token: str | None):
        def changed(_self):
            self.modified = True

        super().__init__(None, changed)
        self.token = token  # as the browser sent it (None: no cookie)
        self.row: UserSession | None = None
        self.send_token: str | None = None  # a new token for the cookie (login, or a first visit)
        self.drop_cookie = False
        self.modified = False

    def attach(self, row: UserSession) -> None:
        """This request belongs to row: load its flashes (without marking them changed)."""
        self.row = row
        try:
            data = json.loads(row.flashes) if row.flashes else {}
        except ValueError:
            data = {}
        dict.update(self, data if isinstance(data, dict) else {})

    def begin(self, token: str, row: UserSession) -> None:
        """A new login: the response sets the new token (the old one, if any, is forgotten: no fixation)."""
        dict.clear(self)
        self.token, self.send_token, self.row, self.modified = token, token, row, False

    def finish(self) -> None:
        """Logout: the response deletes the cookie."""
        dict.clear(self)
        self.row, self.token, self.send_token, self.drop_cookie, self.modified = None, None, None, True, False

    def csrf_basis(self) -> str:
        """The token CSRF tokens are derived from; a visitor without a cookie is given one."""
        if self.token is None:
            self.token = self.send_token = secrets.token_urlsafe(32)
        return self.token


class ServerSessions(SessionInterface):
    """Flask's session interface for server-side sessions (see the module's docstring)."""

    def open_session(self, app, request) -> ServerSession:
        return ServerSession(request.cookies.get(self.get_cookie_name(app)))

    def save_session(self, app, session: ServerSession, response) -> None:
        name = self.get_cookie_name(app)
        options = {"domain": self.get_cookie_domain(app), "path": self.get_cookie_path(app),
                   "httponly": self.get_cookie_httponly(app), "secure": self.get_cookie_secure(app),
                   "samesite": self.get_cookie_samesite(app)}
        if session.drop_cookie:
            response.delete_cookie(name, **options)
        if session.send_token is not None:
            max_age = int(app.permanent_session_lifetime.total_seconds())
            response.set_cookie(name, session.send_token, max_age=max_age, **options)
            response.vary.add("Cookie")
        if session.modified and session.row is not None:
            _save_flashes(session.row.id, dict(session))


def _save_flashes(session_id: int, data: dict) -> None:
    from inbox.board.web import begin_write, db

    try:
        begin_write()
        db().execute(update(UserSession).where(UserSession.id == session_id)
                     .values(flashes=json.dumps(data) if data else "").execution_options(synchronize_session=False))
        db().commit()
    except Exception:  # noqa: BLE001 - a lost "Moved to Declined." must not turn the page into an error
        db().rollback()
        log.warning("could not save the flash messages of session %s", session_id)


def current() -> ServerSession:
    """This request's ServerSession."""
    from flask import session

    return session  # type: ignore[return-value]


def current_row() -> UserSession | None:
    """The live session row of this request (None when nobody is logged in)."""
    return g.get("session_row")
