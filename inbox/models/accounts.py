"""Accounts and the desk's list, as the browser manages them: recovery codes for a lost
authenticator, one-time password-reset links, and the topics admins add or retire.

Codes and link tokens are stored as SHA-256 hashes only (they are 80+ random bits: no
salt needed), so a copy of the database logs nobody in and resets nobody's password.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.core import Base, utcnow


class RecoveryCode(Base):
    """One single-use code that stands in for the authenticator at login."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class ResetLink(Base):
    """A one-time link an admin made for a user to set a new password: expires, works once."""

    __tablename__ = "reset_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class DeskTopic(Base):
    """A topic an admin added to the desk's list, or a topic of the desk they retired.

    The desk's own topics come from the configuration (or the built-in desk); this table
    only holds the changes made in the browser, so the configuration stays the source of
    the rules and the list is the configured names + added - retired."""

    __tablename__ = "desk_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    added: Mapped[bool] = mapped_column(default=True)  # False: a configured topic, listed here only to retire it
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
