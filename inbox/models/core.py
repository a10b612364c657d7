"""The tip's trip in tables: where mail came from, its raw bytes, the tip, and quarantine.

Identity rules (see README, "Never lose a tip, never store it twice"):
- a *sighting* is one copy in one place: (mailbox, folder, uidvalidity, uid) is unique;
- a *raw message* is the exact bytes, unique by sha256;
- a *tip* is one message, unique by its fingerprint: the Message-ID together with
  the sender and a hash of the body (so a copy delivered to two addresses, which
  differs only in its Received headers, is one tip, and a forged Message-ID cannot
  swallow somebody else's tip); with no Message-ID, the sha256 of the raw bytes.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    JSON,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Mailbox(Base):
    """A reporter's address we read (from config), or the pseudo-mailbox "import"."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Health, written by the worker and shown by `inbox status` and the board.
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    messages_waiting: Mapped[int] = mapped_column(Integer, default=0)

    folders: Mapped[list[FolderState]] = relationship(back_populates="mailbox")


class FolderState(Base):
    """Per-folder sync state: UIDVALIDITY, the highest UID stored, and who owns it."""

    __tablename__ = "folder_states"
    __table_args__ = (UniqueConstraint("mailbox_id", "folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Lease: the worker that owns this folder until lease_until.
    owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)

    mailbox: Mapped[Mailbox] = relationship(back_populates="folders")


class RawMessage(Base):
    """The original bytes, exactly as received: the source of truth for every tip."""

    __tablename__ = "raw_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The desk key (inbox/vault.py) data is sealed to; None: stored in the clear (no key configured).
    key_id: Mapped[str | None] = mapped_column(String(16), index=True)


class Tip(Base):
    """One reader's message, cleaned; follow-ups point at the tip that began the thread."""

    __tablename__ = "tips"
    __table_args__ = (
        Index("ix_tips_status_received", "status", "received_at"),
        Index("ix_tips_sender", "sender_address"),
        Index("ix_tips_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_messages.id"))
    thread_root_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id"), index=True)

    message_id: Mapped[str | None] = mapped_column(String(998))
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str] = mapped_column(Text, default="")
    sender_name: Mapped[str] = mapped_column(String(500), default="")
    sender_address: Mapped[str] = mapped_column(String(320), default="")
    reply_to: Mapped[str] = mapped_column(String(998), default="")
    recipients: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # The whole text body (never cut); the reader's own words end at new_text_end,
    # the signature (if any) starts at signature_start.
    text_body: Mapped[str] = mapped_column(Text, default="")
    new_text_end: Mapped[int] = mapped_column(Integer, default=0)
    signature_start: Mapped[int | None] = mapped_column(Integer)
    # The reader's own words as [[start, end], ...] in text_body: banners, quotes and the signature
    # left out, several pieces for answers between quotes (mail/quotes.py); None on older tips.
    new_text_spans: Mapped[list | None] = mapped_column(JSON)
    # Sanitised; never the original. Loaded when first read, so that listing tips (a thread,
    # a cluster) never reads megabytes of HTML; the tip page reads it only under board.max_html_bytes.
    html_body: Mapped[str | None] = mapped_column(Text, deferred=True)
    # Its length, kept beside it (set with it, below): SQLite reads all of a value to take its
    # length(), so 8 readers asking for a 20 MB part's length took 170 MB.
    html_size: Mapped[int | None] = mapped_column(Integer)
    preview: Mapped[str] = mapped_column(String(500), default="")
    # Encryption at rest (inbox/vault.py, docs/encryption.md): the desk key the sealed columns are
    # sealed to (None: none is). sealed_html holds the sanitised HTML (html_body is then None,
    # html_size kept); for a protected reader's tip sealed_head holds {subject, preview} and
    # sealed_body the text body, and subject, preview and text_body are "" (out of the search index).
    key_id: Mapped[str | None] = mapped_column(String(16), index=True)
    sealed_html: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    sealed_head: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_body: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    defects: Mapped[str] = mapped_column(Text, default="")

    # What the headers say the message is (rule table in mail/headers.py).
    is_auto_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bounce: Mapped[bool] = mapped_column(Boolean, default=False)
    is_list: Mapped[bool] = mapped_column(Boolean, default=False)
    # What sorting found it to be besides a reader's tip (inbox/sort/nontips.py): "" for
    # a reader's own mail, else auto_reply, bounce, newsletter, list or press_release.
    mail_kind: Mapped[str] = mapped_column(String(20), default="", server_default="")

    # Sorting (sort/): topic with its confidence and who decided it, spam, flags.
    topic: Mapped[str | None] = mapped_column(String(200), index=True)
    topic_confidence: Mapped[float | None] = mapped_column(Float)
    topic_source: Mapped[str | None] = mapped_column(String(50))
    spam_score: Mapped[float | None] = mapped_column(Float)
    is_spam: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitive: Mapped[str] = mapped_column(String(500), default="")  # kinds found, never values
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[datetime | None] = mapped_column(DateTime)  # the nearest date the tip's story is due by
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)

    # Triage (board/): status column, assignee, and a version for edit conflicts.
    status: Mapped[str] = mapped_column(String(20), default="new")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    raw: Mapped[RawMessage] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="tip", order_by="Attachment.position", cascade="all, delete-orphan"
    )
    sightings: Mapped[list[Sighting]] = relationship(back_populates="tip", cascade="all, delete-orphan")

    @validates("html_body")
    def _html_size(self, _key: str, html: str | None) -> str | None:
        if html or self.sealed_html is None:  # sealing sets html_body to None and keeps the size
            self.html_size = len(html) if html else None
        return html


class Attachment(Base):
    """An attachment's facts. Its bytes stay inside the raw message (part_path says where)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    part_path: Mapped[str] = mapped_column(String(200))  # e.g. "1.2": walk order in the MIME tree
    filename: Mapped[str] = mapped_column(String(500), default="")
    content_type: Mapped[str] = mapped_column(String(200), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    content_id: Mapped[str | None] = mapped_column(String(998))
    inline: Mapped[bool] = mapped_column(Boolean, default=False)

    tip: Mapped[Tip] = relationship(back_populates="attachments")


class Sighting(Base):
    """One copy of a tip in one place: which mailboxes (and files) a tip arrived in."""

    __tablename__ = "sightings"
    __table_args__ = (UniqueConstraint("mailbox_id", "folder", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"))
    folder: Mapped[str] = mapped_column(String(1000))
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    uid: Mapped[int] = mapped_column(BigInteger, default=0)
    # Indexed: a fetched copy is looked up by its bytes (Pipeline._copies).
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_messages.id"), index=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    tip: Mapped[Tip] = relationship(back_populates="sightings")
    mailbox: Mapped[Mailbox] = relationship()
    raw: Mapped[RawMessage] = relationship()


class Quarantined(Base):
    """A message some stage could not handle: raw bytes, the stage, the error, retries."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("mailbox_id", "folder", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"))
    folder: Mapped[str] = mapped_column(String(1000))
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    uid: Mapped[int] = mapped_column(BigInteger, default=0)
    stage: Mapped[str] = mapped_column(String(20))
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_failed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set when a retry succeeded (the row stays as history) or an admin discarded it.
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(String(20))  # "stored" | "discarded"
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"))
    # The raw bytes' size, kept when a discard deletes them (data is then empty).
    size: Mapped[int | None] = mapped_column(BigInteger)
    # Who discarded it: "user <id>" (the board) or "cli".
    discarded_by: Mapped[str | None] = mapped_column(String(40))
    # The desk key data is sealed to (inbox/vault.py); None: in the clear.
    key_id: Mapped[str | None] = mapped_column(String(16))
