"""Purging tips so that nothing of them is left: the one place rows of a tip are deleted.

A purge deletes the tip and, by the schema's ON DELETE CASCADE, its attachments rows,
sightings, sort decisions (the training rows), story signatures, suggestions and
decisions, events, merges; its notes explicitly (so the notes' search rows go by their
trigger); its raw bytes unless another tip or sighting still uses them; the copies the
quarantine kept of them; and a reader row left with no tip. A tombstone (ids, dates,
reason, who) is written in the same transaction. What the database then keeps in freed
pages is for release() (see README, "Retention").
"""
from __future__ import annotations

from sqlalchemy import and_, delete, distinct, exists, func, or_, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from inbox.db import take_write_lock
from inbox.models import (
    Cluster,
    Hold,
    Note,
    Outgoing,
    Quarantined,
    RawMessage,
    Reader,
    Sighting,
    Tip,
    Tombstone,
    utcnow,
)


class Held(Exception):
    """What was to be deleted is under a legal hold (the message names ids, never content)."""


def held_clause():
    """True for a tip an active hold names: itself or its thread's root, its story, or its sender."""
    return exists().where(Hold.lifted_at.is_(None), or_(
        and_(Hold.kind == "tip", or_(Hold.tip_id == Tip.id, Hold.tip_id == Tip.thread_root_id)),
        and_(Hold.kind == "cluster", Hold.cluster_id == Tip.cluster_id),
        and_(Hold.kind == "reader", Hold.reader_address == Tip.sender_address),
    ))


def held_ids(session: Session, ids: list[int]) -> list[int]:
    """The tips among ids that are held."""
    return list(session.scalars(select(Tip.id).where(Tip.id.in_(ids), held_clause())))


def purge_tips(session: Session, ids: list[int], reason: str, by: str) -> int:
    """Delete these tips and everything of them, in the caller's transaction; a held one is
    left alone (checked again here, under the write lock). Returns how many went."""
    if not ids:
        return 0
    take_write_lock(session)
    rows = session.execute(select(Tip.id, Tip.received_at, Tip.raw_message_id, Tip.cluster_id, Tip.sender_address)
                           .where(Tip.id.in_(ids), ~held_clause())).all()
    ids = [r.id for r in rows]
    if not ids:
        return 0
    raws = {r.raw_message_id for r in rows}
    raws |= set(session.scalars(select(Sighting.raw_message_id).where(Sighting.tip_id.in_(ids))))
    _reroot_followups(session, ids)
    session.execute(update(Tip).where(Tip.id.in_(ids)).values(thread_root_id=None))
    session.execute(delete(Note).where(Note.tip_id.in_(ids)))  # its trigger takes the notes' search rows
    # The desk's mail to its reader (it may quote them) goes with the tip, sent or not.
    session.execute(delete(Outgoing).where(Outgoing.tip_id.in_(ids)))
    now = utcnow()
    session.execute(Tombstone.__table__.insert(), [
        {"tip_id": r.id, "received_at": r.received_at, "purged_at": now, "reason": reason[:200], "by": by[:40]}
        for r in rows])
    unused = sorted(raws - _raws_in_use(session, raws, ids))
    shas = select(RawMessage.sha256).where(RawMessage.id.in_(unused)).scalar_subquery()
    _forget_quarantined(session, or_(Quarantined.tip_id.in_(ids), Quarantined.sha256.in_(shas)))
    session.execute(delete(Tip).where(Tip.id.in_(ids)))  # cascades; the search rows go by trigger or index
    if unused:
        session.execute(delete(RawMessage).where(RawMessage.id.in_(unused)))
    _recount_clusters(session, {r.cluster_id for r in rows if r.cluster_id is not None})
    senders = {r.sender_address for r in rows if r.sender_address}
    if senders:
        left = set(session.scalars(select(distinct(Tip.sender_address)).where(Tip.sender_address.in_(senders))))
        if senders - left:
            session.execute(delete(Reader).where(Reader.address.in_(sorted(senders - left))))
    return len(ids)


def _raws_in_use(session: Session, raws: set[int], going: list[int]) -> set[int]:
    """The raw rows among raws that a tip or sighting not going still points at."""
    ids = sorted(raws)
    used = set(session.scalars(select(Tip.raw_message_id).where(Tip.raw_message_id.in_(ids), Tip.id.not_in(going))))
    return used | set(session.scalars(select(Sighting.raw_message_id)
                                      .where(Sighting.raw_message_id.in_(ids), Sighting.tip_id.not_in(going))))


def _forget_quarantined(session: Session, which) -> None:
    """The quarantine's copy of purged bytes (a message that failed once, then was stored)."""
    session.execute(update(Quarantined).where(which, Quarantined.data != b"")
                    .values(size=func.coalesce(Quarantined.size, func.length(Quarantined.data)), data=b"")
                    .execution_options(synchronize_session=False))


def _reroot_followups(session: Session, ids: list[int]) -> None:
    """A purged thread root's surviving follow-ups make a thread of their own, rooted at the earliest."""
    roots = session.scalars(select(distinct(Tip.thread_root_id))
                            .where(Tip.thread_root_id.in_(ids), Tip.id.not_in(ids))).all()
    for root in roots:
        left = session.scalars(select(Tip.id).where(Tip.thread_root_id == root, Tip.id.not_in(ids))
                               .order_by(Tip.received_at, Tip.id)).all()
        session.execute(update(Tip).where(Tip.id == left[0]).values(thread_root_id=None))
        if left[1:]:
            session.execute(update(Tip).where(Tip.id.in_(left[1:])).values(thread_root_id=left[0]))


def _recount_clusters(session: Session, clusters: set[int]) -> None:
    """Stories that lost tips: their sizes again, and an emptied one goes."""
    for cluster_id in sorted(clusters):
        size, readers, first = session.execute(
            select(func.count(), func.count(distinct(Tip.sender_address)), func.min(Tip.id))
            .where(Tip.cluster_id == cluster_id)).one()
        if not size:
            session.execute(delete(Cluster).where(Cluster.id == cluster_id))
            continue
        session.execute(update(Cluster).where(Cluster.id == cluster_id).values(
            size=size, readers=readers, updated_at=utcnow(),
            representative_tip_id=func.coalesce(Cluster.representative_tip_id, first)))


def compact_search(session: Session) -> None:
    """SQLite: merge the full-text index's segments, so deleted rows' words leave it (an FTS5
    delete only adds a marker until then). PostgreSQL's GIN index drops them at VACUUM."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO tips_fts(tips_fts) VALUES ('optimize')"))
        session.execute(text("INSERT INTO notes_fts(notes_fts) VALUES ('optimize')"))


def release(engine: Engine, vacuum: bool) -> None:
    """Let deleted bytes leave the files. SQLite (secure_delete zeroes what a delete frees):
    VACUUM when asked (the file rewritten and shrunk), then always a checkpoint that empties
    the WAL, whose frames still hold the pages as they were; until then the database file
    keeps the old pages too. PostgreSQL: VACUUM when asked (dead rows' space made reusable)."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            if vacuum:
                raw.driver_connection.execute("VACUUM")
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return
    if vacuum:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
