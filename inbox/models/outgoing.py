"""Mail the desk sends: one row per message, stored before anything is sent (inbox/outgoing).

A row's state moves queued -> sending -> sent, or -> failed with the server's answer; a
failure the server calls temporary (4xx, a dropped connection) goes back to queued with a
later next_try_at. `data_at` is set, and committed, just before the DATA command: a row found
"sending" without it was never handed to the server and is safe to send again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.core import Base, utcnow

OUTGOING_STATES = ("queued", "sending", "sent", "failed")


class Outgoing(Base):
    __tablename__ = "outgoing"
    __table_args__ = (
        Index("ix_outgoing_state_next", "state", "next_try_at"),
        Index("ix_outgoing_tip", "tip_id"),
        Index("ix_outgoing_to_kind", "to_address", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "reply", "ack", "story_ran", "notify.*": what made it (the acknowledgement rules count by kind).
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10), default="queued")
    mailbox: Mapped[str | None] = mapped_column(String(200))  # a [[mailbox]] name: picks the From
    to_address: Mapped[str] = mapped_column(String(320))
    from_address: Mapped[str | None] = mapped_column(String(320))  # fixed at the first try
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    message_id: Mapped[str | None] = mapped_column(String(300), unique=True)  # fixed at queue or first try
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str | None] = mapped_column(Text)  # the server's last answer ("250 2.0.0 Ok: queued")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_try_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sending_at: Mapped[datetime | None] = mapped_column(DateTime)  # the lease of the try under way
    data_at: Mapped[datetime | None] = mapped_column(DateTime)  # DATA began on this try
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The sent copy in the mailbox's Sent folder: None (not asked), "appended", or why not.
    sent_copy: Mapped[str | None] = mapped_column(String(200))
