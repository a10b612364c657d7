"""The quarantine's way back: retrying quarantined messages, and discarding them.

(Quarantining itself is the store's: inbox.store.quarantine.)
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Mailbox, Quarantined, utcnow
from inbox.sealing import open_raw

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from inbox.pipeline import Outcome, Pipeline


def retry_quarantined(pipeline: Pipeline, quarantine_id: int | None = None, due_only: bool = False) -> list[Outcome]:
    """Run quarantined messages through the pipeline again (one, or every unresolved one)."""
    from inbox.pipeline import Source

    with pipeline.sessions() as session:
        query = select(Quarantined, Mailbox.name).join(Mailbox, Mailbox.id == Quarantined.mailbox_id)
        if quarantine_id is not None:
            query = query.where(Quarantined.id == quarantine_id)
        else:
            query = query.where(Quarantined.resolved_at.is_(None))
        rows = session.execute(query.order_by(Quarantined.id)).all()
    items = []
    now = utcnow()
    vault = pipeline.vault
    for q, name in rows:
        if q.resolution == "discarded":  # its bytes are gone: nothing to retry
            continue
        if due_only and q.last_failed_at and (now - q.last_failed_at).total_seconds() < retry_delay(q.attempts):
            continue
        if q.key_id is not None and (vault is None or not vault.can_open):
            # Sealed to the desk key, which a worker never holds: retried where the key is unlocked.
            log.info("quarantined message %s is encrypted: retry it from the board or `inbox quarantine retry`", q.id)
            continue
        items.append((open_raw(vault, q.data, q.key_id), Source(name, q.folder, q.uidvalidity, q.uid)))
    return list(pipeline.process_many(items))


def retry_delay(attempts: int) -> float:
    """Seconds before an automatic retry: doubling from a minute, at most a day."""
    return min(60.0 * 2 ** max(attempts - 1, 0), 86400.0)


def discard_quarantined(sessions: sessionmaker[Session], quarantine_id: int, by: str = "cli") -> bool:
    """An admin's decision that a quarantined message is not a tip: its raw bytes are deleted
    (SQLite overwrites them: secure_delete, then a checkpoint moves the change out of the WAL);
    the row keeps its facts (sha256, size, stage, error, dates) and who discarded it."""
    with sessions() as session, session.begin():
        row = session.get(Quarantined, quarantine_id)
        if row is None:
            return False
        row.size = len(row.data) if row.data else row.size
        row.data = b""
        row.resolved_at, row.resolution, row.discarded_by = utcnow(), "discarded", by[:40]
    with sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return True
