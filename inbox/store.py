"""The store stage: idempotent save, threading (inbox/threads.py), and quarantine.

Unique keys do the deduplicating, so a re-fetch after a crash, a second worker,
or a second import stores nothing twice: a Sighting is unique per place
(mailbox, folder, uidvalidity, uid), a RawMessage per sha256, a Tip per
fingerprint. A batch is one transaction; one that raises is stored again with a
savepoint per message, so one failure never costs the batch.

Tips (and clusters) are ORM objects, since sorting reads and changes them in
the transaction; every other row a message brings is a plain Core insert
(db.RowBuffer), its keys handed out beforehand: that halves the store's cost.
"""
from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime
import logging
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inbox.db import RowBuffer, reserve_ids, take_write_lock
from inbox.models import Attachment, Mailbox, Quarantined, RawMessage, Sighting, Tip, utcnow
from inbox.sealing import protected_senders, raw_values, seal_new_tip, seal_reader_tips
from inbox.threads import Threads
from inbox.retry import discard_quarantined, retry_delay, retry_quarantined  # noqa: F401 - where callers find them

if TYPE_CHECKING:
    from inbox.pipeline import Copy, Failed, Outcome, Pipeline, Prepared, Source

log = logging.getLogger(__name__)


def store_batch(pipeline: Pipeline, batch: list[tuple[bytes, Source]], prepared: list) -> Iterator[Outcome]:
    """Store one batch in one transaction; yields the outcomes once it is committed.

    First the fast way: no savepoints, tip ids handed out before insert, one flush
    for the batch. If anything in it raises, the transaction is
    rolled back and the batch stored again the careful way, a savepoint per
    message, so the one bad message is quarantined and the rest stored.
    """
    try:
        with pipeline.sessions() as session, session.begin():
            outcomes = _store_fast(session, pipeline, batch, prepared)
    except Exception as exc:  # noqa: BLE001 - the careful pass finds and quarantines the culprit
        log.info("batch of %d: stored again one message at a time (%s)", len(batch), type(exc).__name__)
        log.debug("fast path failed", exc_info=True)
        with pipeline.sessions() as session, session.begin():
            outcomes = _store_careful(session, pipeline, batch, prepared)
    for outcome in outcomes:
        if outcome.status == "quarantined":
            log.warning("message quarantined: quarantine id %s, stage %s", outcome.quarantine_id, outcome.stage)
    return iter(outcomes)


def _store_fast(session: Session, pipeline: Pipeline, batch: list[tuple[bytes, Source]], prepared: list) -> list[Outcome]:
    from inbox.pipeline import Copy, Failed, Outcome

    take_write_lock(session)
    known = _Known(session, batch, prepared, pipeline.vault)
    known.insert_raws(session, batch, prepared)
    sorter = pipeline.sorter
    pending: list = []  # (status, tip object or id) or a finished Outcome
    with _sorter_batch(sorter, session, known.rows):
        for (raw, source), result in zip(batch, prepared):
            if isinstance(result, Failed):
                pending.append(quarantine(session, known.mailboxes, raw, source, result.stage, result.error, known.sealer))
            elif isinstance(result, Copy):
                pending.append(_sighting(session, known, source, result.tip_id, result.raw_id, "duplicate", False))
            else:
                pending.append(_sort_and_save(session, sorter, known, raw, source, result, flush=False))
        known.rows.write(session)
    seal_reader_tips(session, pipeline.vault, *sorted(known.newly_protected))
    session.flush()
    return [p if isinstance(p, Outcome) else Outcome(p[0], _id(p[1])) for p in pending]


def _store_careful(session: Session, pipeline: Pipeline, batch: list[tuple[bytes, Source]], prepared: list) -> list[Outcome]:
    from inbox.pipeline import Failed

    outcomes = []
    take_write_lock(session)
    known = _Known(session, batch, prepared, pipeline.vault)
    with _sorter_batch(pipeline.sorter, session, known.rows):
        for (raw, source), result in zip(batch, prepared):
            if isinstance(result, Failed):
                outcomes.append(quarantine(session, known.mailboxes, raw, source, result.stage, result.error, known.sealer))
                continue
            outcomes.append(_store_one(session, pipeline, known, raw, source, result))
    seal_reader_tips(session, pipeline.vault, *sorted(known.newly_protected))
    return outcomes


def _sorter_batch(sorter, session: Session, rows: RowBuffer):
    """The sorter's per-batch bookkeeping (deferred cluster counts, its rows), if it keeps any."""
    return sorter.batch(session, rows) if hasattr(sorter, "batch") else contextlib.nullcontext()


def _store_one(session: Session, pipeline: Pipeline, known: _Known, raw: bytes, source: Source,
               prep: Prepared | Copy) -> Outcome:
    from inbox.pipeline import Copy, Outcome, describe

    for attempt in (1, 2):  # a second try absorbs a race with another worker on a unique key
        try:
            with session.begin_nested():
                if isinstance(prep, Copy):
                    status, tip = _sighting(session, known, source, prep.tip_id, prep.raw_id, "duplicate", True)
                else:
                    status, tip = _sort_and_save(session, pipeline.sorter, known, raw, source, prep, flush=True)
                return Outcome(status, _id(tip))
        except IntegrityError as exc:
            known.rows.clear()
            known.forget(prep)
            if attempt == 2:
                return quarantine(session, known.mailboxes, raw, source, "store", describe(exc), known.sealer)
        except Exception as exc:  # noqa: BLE001 - quarantine this message, go on with the batch
            known.rows.clear()
            known.forget(prep)
            stage, cause = ("sort", exc.__cause__) if isinstance(exc, SortFailed) else ("store", exc)
            return quarantine(session, known.mailboxes, raw, source, stage, describe(cause), known.sealer)
    raise AssertionError("unreachable")


class SortFailed(Exception):
    """The sort stage raised (kept apart from the store's own errors for the quarantine's stage)."""


def _sort_and_save(session: Session, sorter, known: _Known, raw: bytes, source: Source, prep: Prepared, flush: bool):
    """The sort stage's database part (for a message not stored yet), then the store stage."""
    sorting = None
    if sorter is not None and known.is_new(source, prep):
        try:
            sorting = sorter.sort(session, prep.mail, prep.sorting)
        except Exception as exc:
            raise SortFailed() from exc
    return _save(session, sorter, sorting, known, raw, source, prep, flush)


def _id(tip_or_id) -> int:
    return tip_or_id if isinstance(tip_or_id, int) else tip_or_id.id


def _save(session: Session, sorter, sorting, known: _Known, raw: bytes, source: Source, prep: Prepared, flush: bool):
    """Add one message's rows; returns (status, the tip or its id). Writes them only when asked."""
    seen = known.sightings.get(known.place(source))
    if seen is not None:  # fetched again (after a crash): stored already
        return "duplicate", seen
    raw_id = known.raw_id(session, prep.mail.parsed.sha256, raw)  # of the raw bytes, hashed once by parse
    tip = known.tips.get(prep.fingerprint)
    status = "duplicate"
    if tip is None:
        root = known.threads.root(prep)
        tip = known.tips[prep.fingerprint] = _new_tip(session, known, prep, source, root, raw_id, sorting)
        known.threads.stored(session, tip, root)
        status = "threaded" if root is not None else "stored"
    if status != "duplicate" and sorter is not None:
        sorter.remember(session, tip, sorting)
    return _sighting(session, known, source, tip, raw_id, status, flush)


def _sighting(session: Session, known: _Known, source: Source, tip, raw_id: int, status: str, flush: bool):
    """Record where this copy of the tip lies; returns (status, the tip or its id)."""
    place = known.place(source)
    seen = known.sightings.get(place)
    if seen is not None:
        return "duplicate", seen
    known.rows.add(Sighting, tip_id=_id(tip), mailbox_id=place[0], folder=source.folder,
                   uidvalidity=source.uidvalidity, uid=source.uid, raw_message_id=raw_id, seen_at=utcnow())
    if flush:
        known.rows.write(session)
    known.sightings[place] = tip
    if place in known.quarantined:
        session.flush()
        _resolve_quarantine(session, place[0], source, _id(tip))
    return status, tip


class _Known:
    """What the database already holds for one batch, fetched in a few queries, not per message."""

    def __init__(self, session: Session, batch: list[tuple[bytes, Source]], prepared: list, vault=None):
        from inbox.pipeline import Prepared

        self.mailboxes = _MailboxIds(session)
        places = {self.place(s) for _, s in batch}
        self.sightings: dict[tuple, int] = _at_places(session, Sighting, places)
        self.quarantined = set(_at_places(session, Quarantined, places, Quarantined.resolved_at.is_(None)))
        shas = {p.mail.parsed.sha256 for p in prepared if isinstance(p, Prepared)}
        self.raws = {k: v for k, v in session.execute(select(RawMessage.sha256, RawMessage.id).where(RawMessage.sha256.in_(shas)))}
        self.rows = RowBuffer()
        self._reserved: dict[str, list[int]] = {}  # table -> primary keys handed out, not used yet
        self._batch_size = max(1, len(batch))
        self.threads = Threads(session, prepared)
        fps = {p.fingerprint for p in prepared if isinstance(p, Prepared)}
        self.tips = {k: v for k, v in session.execute(select(Tip.fingerprint, Tip.id).where(Tip.fingerprint.in_(fps)))}
        # Encryption at rest (inbox/sealing.py): one data key for the batch, and the senders whose
        # tips are sealed whole (protected readers, and those a tip of this batch protects).
        self.sealer = vault.sealer() if vault is not None and vault.public is not None else None
        self.protected = protected_senders(session, (p.mail.parsed.from_address for p in prepared
                                                     if isinstance(p, Prepared))) if self.sealer else set()
        self.newly_protected: set[str] = set()  # by a tip of this batch: their older tips are sealed at its end

    def place(self, source: Source) -> tuple:
        """Where a copy lies: (mailbox id, folder, uidvalidity, uid), the sightings' unique key."""
        return self.mailboxes.get(source.mailbox), source.folder, source.uidvalidity, source.uid

    def new_id(self, session: Session, table: str) -> int:
        """A primary key for a row of table, from keys reserved a batch's worth at a time."""
        free = self._reserved.get(table)
        if not free:
            free = self._reserved[table] = reserve_ids(session, table, self._batch_size)[::-1]
        return free.pop()

    def insert_raws(self, session: Session, batch: list[tuple[bytes, Source]], prepared: list) -> None:
        """The raw bytes of every message this batch stores, in one insert (tips point at them)."""
        from inbox.pipeline import Prepared

        rows = []
        for (raw, source), prep in zip(batch, prepared):
            sha = prep.mail.parsed.sha256 if isinstance(prep, Prepared) else None
            if sha is not None and self.place(source) not in self.sightings and sha not in self.raws:
                self.raws[sha] = self.new_id(session, "raw_messages")
                rows.append(_raw_row(self.raws[sha], sha, raw, self.sealer))
        if rows:
            session.execute(insert(RawMessage.__table__), rows)

    def raw_id(self, session: Session, sha: str, raw: bytes) -> int:
        """The id of the raw bytes' row, inserting it now if the batch has not."""
        raw_id = self.raws.get(sha)
        if raw_id is None:
            raw_id = self.raws[sha] = self.new_id(session, "raw_messages")
            session.execute(insert(RawMessage.__table__), [_raw_row(raw_id, sha, raw, self.sealer)])
        return raw_id

    def is_new(self, source: Source, prep: Prepared) -> bool:
        return self.place(source) not in self.sightings and prep.fingerprint not in self.tips

    def forget(self, prep: Prepared | Copy) -> None:
        """After a rolled-back savepoint or a lost race: ask the database again."""
        from inbox.pipeline import Copy

        if isinstance(prep, Copy):
            return  # it brought no keys of its own
        session = self.mailboxes.session
        sha = prep.mail.parsed.sha256
        for cache, column, key, value in ((self.tips, Tip.fingerprint, prep.fingerprint, Tip.id), (self.raws, RawMessage.sha256, sha, RawMessage.id)):
            found = session.scalar(select(value).where(column == key))
            if found is None:
                cache.pop(key, None)
            else:
                cache[key] = found


def _new_tip(session: Session, known: _Known, prep: Prepared, source: Source, root, raw_id: int, sorting=None) -> Tip:
    mail, parsed = prep.mail, prep.mail.parsed
    tip = Tip(
        id=known.new_id(session, "tips"),
        raw_message_id=raw_id,
        fingerprint=prep.fingerprint,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references),
        sender_name=parsed.from_name[:500],
        sender_address=parsed.from_address[:320],
        reply_to=parsed.reply_to[:998],
        recipients=", ".join(parsed.to + parsed.cc),
        subject=parsed.subject,
        sent_at=parsed.date,
        received_at=received_at(source, parsed.date),
        text_body=mail.text,
        new_text_end=mail.new_text_end,
        signature_start=mail.signature_start,
        new_text_spans=[list(span) for span in mail.new_text_spans],
        html_body=mail.html,
        preview=mail.preview[:500],
        defects="; ".join(parsed.defects),
        is_auto_reply=mail.is_auto_reply,
        is_bounce=mail.is_bounce,
        is_list=mail.is_list,
        status="new",  # set here, not left to the column default: sorting reads it before the insert
    )
    if known.sealer is not None:  # sealed before the tip is ever written: no plaintext reaches the file
        seal_new_tip(tip, known.sealer, sorting, known.protected, known.newly_protected)
    for i, a in enumerate(prep.attachments):
        known.rows.add(Attachment, tip_id=tip.id, position=i, part_path=a.part_path, filename=a.filename[:500],
                       content_type=a.content_type[:200], size=a.size, sha256=a.sha256,
                       content_id=a.content_id, inline=a.inline)
    if root is not None:
        # A tip of this batch has its id already (reserved), like a stored one.
        tip.thread_root_id = root if isinstance(root, int) else root.id
    session.add(tip)
    return tip


def _raw_row(raw_id: int, sha: str, raw: bytes, sealer=None) -> dict:
    return {"id": raw_id, "sha256": sha, "size": len(raw), "received_at": utcnow(), **raw_values(raw, sealer)}


def received_at(source: Source, date) -> datetime:
    """When the desk got the tip: the server's word, else a past Date header, else now."""
    now = utcnow()
    if source.received_at is not None:
        return source.received_at
    if date is not None and date <= now:
        return date
    return now


def quarantine(session: Session, mailboxes, raw: bytes, source: Source, stage: str, error: str,
               sealer=None) -> Outcome:
    """Keep the raw bytes (sealed, with a key) with the stage and error; a repeat failure counts an attempt."""
    from inbox.pipeline import Outcome

    mailbox_id = mailboxes.get(source.mailbox)
    with session.begin_nested():
        row = session.scalar(_quarantined_at(mailbox_id, source))
        if row is None:
            row = Quarantined(
                sha256=hashlib.sha256(raw).hexdigest(),
                **raw_values(raw, sealer),
                size=len(raw),
                mailbox_id=mailbox_id,
                folder=source.folder,
                uidvalidity=source.uidvalidity,
                uid=source.uid,
                stage=stage,
                error=error,
            )
            session.add(row)
        else:
            row.attempts += 1
            row.stage, row.error, row.last_failed_at = stage, error, utcnow()
            row.resolved_at = row.resolution = row.tip_id = row.discarded_by = None
            if not row.data:  # discarded before: keep these bytes now
                row.size, row.sha256 = len(raw), hashlib.sha256(raw).hexdigest()
                row.data, row.key_id = raw_values(raw, sealer).values()
        session.flush()
    return Outcome("quarantined", None, row.id, stage, error)


def _quarantined_at(mailbox_id: int, source: Source):
    """The quarantine row for one place (a message's mailbox, folder and UID), as a query."""
    return select(Quarantined).where(
        Quarantined.mailbox_id == mailbox_id,
        Quarantined.folder == source.folder,
        Quarantined.uidvalidity == source.uidvalidity,
        Quarantined.uid == source.uid,
    )


def _resolve_quarantine(session: Session, mailbox_id: int, source: Source, tip_id: int) -> None:
    row = session.scalar(_quarantined_at(mailbox_id, source).where(Quarantined.resolved_at.is_(None)))
    if row is not None:
        row.resolved_at, row.resolution, row.tip_id = utcnow(), "stored", tip_id


def _at_places(session: Session, model, places: set[tuple], *where) -> dict[tuple, int | None]:
    """Rows of model (Sighting or Quarantined) at any of the places: place -> tip id."""
    query = select(model.mailbox_id, model.folder, model.uidvalidity, model.uid, model.tip_id).where(
        model.mailbox_id.in_({p[0] for p in places}),
        model.folder.in_({p[1] for p in places}),
        model.uid.in_({p[3] for p in places}),
        *where,
    )
    found = {}
    for mailbox_id, folder, uidvalidity, uid, tip_id in session.execute(query):
        if (mailbox_id, folder, uidvalidity, uid) in places:
            found[(mailbox_id, folder, uidvalidity, uid)] = tip_id
    return found


class _MailboxIds:
    """Mailbox name -> id, creating the row on first sight."""

    def __init__(self, session: Session):
        self.session = session
        self.ids: dict[str, int] = {}

    def get(self, name: str) -> int:
        if name not in self.ids:
            mid = self.session.scalar(select(Mailbox.id).where(Mailbox.name == name))
            if mid is None:
                with self.session.begin_nested():
                    box = Mailbox(name=name)
                    self.session.add(box)
                    self.session.flush()
                    mid = box.id
            self.ids[name] = mid
        return self.ids[name]
