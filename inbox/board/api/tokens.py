"""Personal access tokens as plain functions: made, found, listed and revoked (the board's
token page, `inbox token` and the API's bearer check all call these).

A token is "tipi_" and 43 URL-safe characters (32 random bytes); it is shown once, and
only its SHA-256 is kept (inbox/models/tokens.py says why a fast hash is right here).
Every token expires; making and revoking one is audited, never with the token itself.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from inbox.board import audit
from inbox.models import ApiToken, SCOPES, User, utcnow

PREFIX = "tipi_"
DEFAULT_DAYS = 90
MAX_DAYS = 366
# last_used_at is written at most this often per token: not a write per API call.
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A request for a token that cannot be granted (bad scope, expiry or name)."""


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create(session: Session, user: User, scope: str, days: int = DEFAULT_DAYS, name: str = "", ip: str = "",
           via: str = "board") -> tuple[str, ApiToken]:
    """A new token for user (its only clear copy is returned, to show once) and its row."""
    if scope not in SCOPES:
        raise TokenError("scope must be read or write")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"a token expires after 1 to {MAX_DAYS} days")
    name = name.strip()
    if len(name) > 100 or any(ord(c) < 32 for c in name):
        raise TokenError("a token's name is at most 100 characters, on one line")
    if not user.active:
        raise TokenError("the user is not active")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=token_hash(token), prefix=token[:len(PREFIX) + 4],
                   scope=scope, expires_at=utcnow() + timedelta(days=days))
    session.add(row)
    session.flush()
    audit.record(session, user.id, "token_create", "token", row.id, f"scope {scope}; {days} days; via {via}", ip)
    return token, row


def is_live(row: ApiToken | None, now: datetime | None = None) -> bool:
    """Whether a token still works: not revoked, not expired, its user active."""
    now = now or utcnow()
    return row is not None and row.revoked_at is None and row.expires_at > now and row.user.active


def find(session: Session, token: str) -> ApiToken | None:
    """The live token row for a bearer token, else None (unknown, revoked, expired, user inactive)."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = session.scalar(_BY_HASH, {"hash": token_hash(token)})
    return row if is_live(row) else None


# Built once, the token's user in the same query (every API call asks it).
_BY_HASH = select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == bindparam("hash"))


def touch_due(row: ApiToken, now: datetime | None = None) -> bool:
    """Whether this use should be written as the token's last use."""
    now = now or utcnow()
    return row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY


def touch(session: Session, row: ApiToken) -> None:
    """Record that the token was used now (for its owner's list)."""
    session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=utcnow())
                    .execution_options(synchronize_session=False))


def revoke(session: Session, token_id: int, by: User | None, owner_id: int | None = None, ip: str = "",
           via: str = "board") -> bool:
    """Revoke a token now (owner_id: only if it is theirs); False when there is no such live token."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None or (owner_id is not None and row.user_id != owner_id):
        return False
    row.revoked_at = utcnow()
    audit.record(session, by.id if by is not None else None, "token_revoke", "token", row.id,
                 f"token of user {row.user_id}; via {via}", ip)
    return True


def of_user(session: Session, user_id: int | None = None) -> list[ApiToken]:
    """The tokens of one user (None: everyone's), newest first, revoked and expired ones included."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query))


def state(row: ApiToken, now: datetime | None = None) -> str:
    """"live", "expired" or "revoked", for lists."""
    now = now or utcnow()
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= now else "live"
