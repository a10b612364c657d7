"""Personal access tokens for the JSON API (inbox.board.api).

A token is 256 random bits shown once; only its SHA-256 is stored. A fast hash is enough
here, unlike for passwords: nobody can try 2**256 guesses, so there is nothing for a slow
hash to slow down, and a lookup by the hash is one indexed equality per API call (a
password hash such as argon2 would cost tens of milliseconds on every call). A copy of
the database therefore authenticates nobody, as with the board's sessions.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.models.board import User
from inbox.models.core import Base, utcnow

SCOPES = ("read", "write")


class ApiToken(Base):
    """One personal access token: whose, what it may do, until when, and whether it is revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters ("tipi_AbCd"), so that its owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16), default="")
    scope: Mapped[str] = mapped_column(String(10), default="read")  # "read" or "write" (write includes read)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()
