"""What retention keeps of a purged tip, and what stops a purge.

A tombstone says a tip existed and went: its id, when it arrived and when it went, by
which rule or decision, and who. Never its content: no subject, sender or body, so a
tombstone table handed over reveals nothing about a reader.

A legal hold stops every purge and deletion of what it names (a tip and its thread, a
story, or every tip of one sender address) until it is lifted; lifted holds stay as history.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.core import Base, utcnow

HOLD_KINDS = ("tip", "cluster", "reader")


class Tombstone(Base):
    """A purged or deleted tip: ids and dates only."""

    __tablename__ = "tombstones"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(Integer, index=True)  # no foreign key: the tip is gone
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    purged_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The rule's label ("spam after 7 days"), "deleted" (an admin, now) or "forgotten" (a reader).
    reason: Mapped[str] = mapped_column(String(200))
    # "retention" (the rules), "cli", or "user <id>".
    by: Mapped[str] = mapped_column(String(40))


class Hold(Base):
    """A legal hold on one tip (and its thread), one story (cluster) or one reader (address)."""

    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_lifted_kind", "lifted_at", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # HOLD_KINDS
    tip_id: Mapped[int | None] = mapped_column(Integer)  # kept when the tip is (later) purged: no foreign key
    cluster_id: Mapped[int | None] = mapped_column(Integer)
    reader_address: Mapped[str | None] = mapped_column(String(320))  # as Tip.sender_address: lower-cased
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(40))  # "cli" or "user <id>"
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(40))

    @property
    def target(self) -> str:
        """What it holds, as lists show it."""
        if self.kind == "tip":
            return f"tip {self.tip_id}"
        if self.kind == "cluster":
            return f"story {self.cluster_id}"
        return f"reader {self.reader_address}"


class RetentionRun(Base):
    """One run of the rules: the worker's daily hook reads the newest finished one."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    purged: Mapped[int] = mapped_column(Integer, default=0)
    by: Mapped[str] = mapped_column(String(40))
