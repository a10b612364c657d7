"""Notifications and webhooks: the channels an admin set up, each user's choices, the events the
board and the worker raised, and one delivery row per event and recipient (its attempts and state).

Nothing here holds a tip's content: an event names a tip by id, a delivery names its event and
where it goes, and the words (when a channel may carry them) are read from the tip at delivery.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.core import Base, utcnow

CHANNEL_KINDS = ("slack", "teams", "webhook")
# What a channel can subscribe to. tip.urgent is a tip.created whose tip sorting found urgent;
# tip.assigned is a tip.updated that gave the tip to someone.
CHANNEL_EVENTS = ("tip.created", "tip.urgent", "tip.updated", "tip.assigned", "story.changed")
DELIVERY_STATES = ("queued", "sent", "failed", "held")  # held: its channel is paused


class NotifyChannel(Base):
    """A Slack or Teams incoming webhook, or a signed webhook of the desk's own tools."""

    __tablename__ = "notify_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(200), default="")  # webhooks sign with it
    events: Mapped[str] = mapped_column(Text, default="tip.urgent")  # comma-separated CHANNEL_EVENTS
    include_content: Mapped[bool] = mapped_column(Boolean, default=False)  # sender, subject, preview
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime)
    paused_reason: Mapped[str] = mapped_column(Text, default="")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def event_list(self) -> list[str]:
        return [e.strip() for e in self.events.split(",") if e.strip()]


class NotifyPref(Base):
    """What one user wants by email; a user without a row gets the defaults (all but the digest)."""

    __tablename__ = "notify_prefs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    assigned: Mapped[bool] = mapped_column(Boolean, default=True)
    mentioned: Mapped[bool] = mapped_column(Boolean, default=True)
    urgent_on_beats: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    last_digest_on: Mapped[str] = mapped_column(String(10), default="")  # YYYY-MM-DD (UTC)


class NotifyEvent(Base):
    """Something happened to a tip; fanned out to deliveries by a job (or by the minute's sweep)."""

    __tablename__ = "notify_events"
    __table_args__ = (Index("ix_notify_events_pending", "fanned_out_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # tip.created, tip.updated, story.changed, note.mention, digest
    key: Mapped[str] = mapped_column(String(200), unique=True)  # one event per happening, however often raised
    tip_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: a purged tip leaves its events
    actor_id: Mapped[int | None] = mapped_column(Integer)
    target_user_id: Mapped[int | None] = mapped_column(Integer)  # the assignee, the @mentioned
    detail: Mapped[str] = mapped_column(String(200), default="")  # the action's name, never content
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    fanned_out_at: Mapped[datetime | None] = mapped_column(DateTime)


class NotifyDelivery(Base):
    """One event to one channel or one user; its attempts and state are the durable truth."""

    __tablename__ = "notify_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "target", name="uq_notify_delivery"),
                      Index("ix_notify_deliveries_due", "state", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("notify_events.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("notify_channels.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # an email to them
    target: Mapped[str] = mapped_column(String(40))  # "channel:ID" or "user:ID" (NULLs would not be unique)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")  # the endpoint's status or the error's kind
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
