"""The board's tables: people and their roles, their sessions and login limits, what they
did to tips, and the audit log.

The audit log is append-only: no code path updates or deletes it, and the database
refuses to (a trigger on SQLite and on PostgreSQL).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.models.core import Base, Tip, utcnow

ROLES = ("admin", "editor", "reporter")


class User(Base):
    """Someone who works the board. Beats are the topics a reporter sees."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="reporter")
    beats: Mapped[str] = mapped_column(Text, default="")  # comma-separated topics
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The last TOTP time step (unix time // 30) a login used: a code works once, and an
    # older one never again.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def beat_list(self) -> list[str]:
        """The beats as a list of topics."""
        return [b.strip() for b in self.beats.split(",") if b.strip()]

    @property
    def label(self) -> str:
        """How the board names the user: the name, else the email."""
        return self.name or self.email


class UserSession(Base):
    """One login: the cookie carries only a random token, this row says whether it still works.

    The token itself is never stored, only its SHA-256, so a copy of the database logs
    nobody in. Logout, a password change, deactivation or an admin revoke the row; it
    also ends after idle_minutes without a request and session_minutes after login."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # For the admin's list of sessions: a keyed hash of the address (which sessions share
    # one), never the address itself; and the browser's own description of itself.
    ip_hash: Mapped[str] = mapped_column(String(16), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    # Messages for the next page ("Moved to Declined."), as JSON; the session's only data.
    flashes: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()


class LoginLimit(Base):
    """Failed logins in the current window for one account or one client address.

    One row per key, counted up by a single INSERT ... ON CONFLICT DO UPDATE ... RETURNING
    before the password is checked, so parallel guesses cannot all pass a count that
    none of them has added to yet. Keys are hashed: no email or address is stored."""

    __tablename__ = "login_limits"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime, index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class SavedView(Base):
    """A user's named set of board filters (the query string)."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text, default="")


class Note(Base):
    """An internal note on a tip; searched together with the tip's text."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()


class TipEvent(Base):
    """One change to a tip (status, assignee, topic, merge...): the tip's history."""

    __tablename__ = "tip_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


class Merge(Base):
    """A tip folded into another one's thread; undone by a split, which restores the old roots."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    into_tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # "tip_id:old_root" pairs (old_root empty for None), space-separated: what a split restores.
    moved: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    split_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEntry(Base):
    """Who viewed, changed, exported or downloaded what, and when. Never updated or deleted."""

    __tablename__ = "audit_log"
    # ix_audit_log_seen answers "which of these tips has this viewer opened?" (the board's new
    # markers, every page) from the index, however long a viewer's history grows.
    __table_args__ = (Index("ix_audit_log_at", "at"),
                      Index("ix_audit_log_seen", "user_id", "action", "object_type", "object_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(64), default="")


# The board lists thread roots by status, newest first. Topic and assignee ride along so that
# the column counts, a reporter's beats and the common filters are answered from the index
# alone: reading the tips rows themselves (kilobytes of text each) is what makes a board slow.
_tips = Tip.__table__.c
# cluster_id too: a story's card is its lead tip, asked of every card (inbox.board.statements.cards_where),
# and ix_tips_story answers "an earlier tip of this story in this column?" alone.
Index("ix_tips_board", _tips.thread_root_id, _tips.status, _tips.received_at, _tips.topic, _tips.assignee_id,
      _tips.cluster_id)
Index("ix_tips_board_topic", _tips.thread_root_id, _tips.topic, _tips.status, _tips.received_at, _tips.assignee_id,
      _tips.cluster_id)
Index("ix_tips_story", _tips.cluster_id, _tips.status, _tips.thread_root_id, _tips.topic, _tips.assignee_id,
      _tips.received_at)
# The board sorted by deadline: the nearest first, tips without one last, then newest, as
# inbox.board.statements._order has it, walked in order (a sort of the column cost 0.3 s).
Index("ix_tips_deadline", _tips.thread_root_id, _tips.status, _tips.deadline.is_(None), _tips.deadline,
      _tips.received_at.desc(), _tips.id.desc(), _tips.topic, _tips.assignee_id, _tips.cluster_id)
# Search finds tips by id; this answers "which of them are roots, in which column" from the index.
Index("ix_tips_board_id", _tips.id, _tips.thread_root_id, _tips.status, _tips.topic, _tips.assignee_id)

_AUDIT_GUARD_SQLITE = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]
_AUDIT_GUARD_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]


def audit_guard_ddl(dialect: str) -> list[str]:
    """The statements that make audit_log append-only (for create_all and for migrations)."""
    return {"sqlite": _AUDIT_GUARD_SQLITE, "postgresql": _AUDIT_GUARD_POSTGRESQL}.get(dialect, [])


for _dialect in ("sqlite", "postgresql"):
    for _stmt in audit_guard_ddl(_dialect):
        event.listen(AuditEntry.__table__, "after_create", DDL(_stmt).execute_if(dialect=_dialect))
