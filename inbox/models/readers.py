"""Readers (the people who write in, by their address) and who may see the protected ones.

Protection belongs to the reader, not to one tip: a reader becomes protected when any
of their tips carries an identity risk (IDENTITY_RISKS, found by sorting) or when an
editor says so, and then every tip of theirs is masked for everyone but editors,
admins and the users an editor granted that reader to (a grant row, revocable).
The address is stored as the tips store it (lower-cased); the tips table holds it
already, so this table adds no new copy of anyone's identity beyond the row itself.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from inbox.models.core import Base, utcnow

# Sensitive kinds (Tip.sensitive) that put the writer at risk of being identified: any one of
# them on any tip protects its reader. Read top to bottom; one comment a row.
IDENTITY_RISKS = (
    "anonymity",  # "please don't use my name", fear of retaliation, a throwaway address (sorting decides)
    "immigration_status",  # a reader writing about their own or family's status risks enforcement
    "alien_number",  # an A-number identifies a person to immigration enforcement
)


class Reader(Base):
    """One sender address, and whether the board must hide who they are."""

    __tablename__ = "readers"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)  # as Tip.sender_address: lower-cased
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    why: Mapped[str] = mapped_column(String(500), default="")  # the risk kind, or the editor's reason
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: sorting
    # A random salt in the pseudonym's HMAC: "Reader 7F3A9C" stays the same on every page, and the
    # pseudonyms of two databases that share a secret key cannot be matched up.
    pseudonym_seed: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(8))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReaderGrant(Base):
    """An editor let one user see one protected reader; revoked_at ends it (rows are kept)."""

    __tablename__ = "reader_grants"
    __table_args__ = (Index("ix_reader_grants_reader_user", "reader_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def identity_risks(sensitive: str) -> list[str]:
    """The identity-risk kinds among a tip's sensitive kinds ("a,b,c")."""
    kinds = set(filter(None, sensitive.split(",")))
    return [k for k in IDENTITY_RISKS if k in kinds]


def protect_if_at_risk(session: Session, address: str, sensitive: str, received_at: datetime | None = None) -> bool:
    """Sorting's hook for one tip: protect its reader when it carries an identity risk (see protect_at_risk)."""
    return bool(protect_at_risk(session, [(address, sensitive, received_at)]))


def protect_at_risk(session: Session, tips: list[tuple[str, str, datetime | None]]) -> int:
    """Protect the readers of the tips (address, sensitive kinds, received) that carry an identity risk.

    Costs nothing for tips without one; otherwise one upsert statement for all of them (the
    store calls it once a batch). changed_at records the evidence: the tip's arrival. A
    reader an editor unprotected is protected again only by a tip that arrived after that
    decision (new evidence), never by re-sorting the old ones. Returns the readers at risk."""
    now = utcnow()
    rows: dict[str, dict] = {}
    for address, sensitive, received_at in tips:
        risks = identity_risks(sensitive) if sensitive else []
        if risks and address and address not in rows:
            rows[address] = {"address": address, "protected": True, "why": risks[0], "changed_at": received_at or now,
                             "changed_by": None, "pseudonym_seed": secrets.token_hex(8), "created_at": now}
    if not rows:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = Reader.__table__
    stmt = insert(table).values(list(rows.values()))
    new_evidence = table.c.changed_by.is_(None) | (table.c.changed_at < stmt.excluded.changed_at)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[table.c.address],
        set_={"protected": True, "why": stmt.excluded.why, "changed_at": stmt.excluded.changed_at, "changed_by": None},
        where=table.c.protected.is_(False) & new_evidence,
    ))
    return len(rows)


def reader_for(session: Session, address: str, create: bool = False) -> Reader | None:
    """The reader row of an address (made, unprotected, when create and there is none)."""
    row = session.scalar(select(Reader).where(Reader.address == address))
    if row is None and create and address:
        row = Reader(address=address, protected=False)
        session.add(row)
        session.flush()
    return row

