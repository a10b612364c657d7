"""The store stage: idempotent save, threading, and quarantine.

Unique keys do the deduplicating, so a re-fetch after a crash, a second worker,
or a second import stores nothing twice: a Sighting is unique per place
(mailbox, folder, uidvalidity, uid), a RawMessage per sha256, a Tip per
fingerprint. Each message gets a savepoint, so one failure never costs the batch.
"""
from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Attachment, Mailbox, Quarantined, RawMessage, Sighting, Tip, utcnow

if TYPE_CHECKING:
    from inbox.pipeline import Failed, Outcome, Pipeline, Prepared, Source

log = logging.getLogger(__name__)


def store_batch(pipeline: Pipeline, batch: list[tuple[bytes, Source]], prepared: list) -> Iterator[Outcome]:
    """Store one batch in one transaction; yields the outcomes once it is committed."""
    from inbox.pipeline import Failed

    outcomes = []
    with pipeline.sessions() as session, session.begin():
        mailboxes = _MailboxIds(session)
        for (raw, source), result in zip(batch, prepared):
            if isinstance(result, Failed):
                outcomes.append(quarantine(session, mailboxes, raw, source, result.stage, result.error))
                continue
            outcomes.append(_store_one(session, pipeline, mailboxes, raw, source, result))
    for outcome in outcomes:
        if outcome.status == "quarantined":
            log.warning("message quarantined: quarantine id %s, stage %s", outcome.quarantine_id, outcome.stage)
    return iter(outcomes)


def _store_one(session: Session, pipeline: Pipeline, mailboxes, raw: bytes, source: Source, prep: Prepared) -> Outcome:
    from inbox.pipeline import describe

    stage = "sort"
    for attempt in (1, 2):  # a second try absorbs a race with another worker on a unique key
        try:
            with session.begin_nested():
                sorter = pipeline.sorter
                sorting = sorter.sort(session, prep.mail) if sorter is not None else None
                stage = "store"
                return _save(session, sorter, sorting, mailboxes.get(source.mailbox), raw, source, prep)
        except IntegrityError as exc:
            if attempt == 2:
                return quarantine(session, mailboxes, raw, source, stage, describe(exc))
        except Exception as exc:  # noqa: BLE001 - quarantine this message, go on with the batch
            return quarantine(session, mailboxes, raw, source, stage, describe(exc))
    raise AssertionError("unreachable")


def _save(session: Session, sorter, sorting, mailbox_id: int, raw: bytes, source: Source, prep: Prepared) -> Outcome:
    from inbox.pipeline import Outcome

    seen = session.scalar(
        select(Sighting.tip_id).where(
            Sighting.mailbox_id == mailbox_id,
            Sighting.folder == source.folder,
            Sighting.uidvalidity == source.uidvalidity,
            Sighting.uid == source.uid,
        )
    )
    if seen is not None:
        return Outcome("duplicate", seen)
    raw_row = _raw_row(session, raw)
    tip = session.scalar(select(Tip).where(Tip.fingerprint == prep.fingerprint))
    status = "duplicate"
    if tip is None:
        tip = _new_tip(session, raw_row, prep)
        status = "threaded" if tip.thread_root_id is not None else "stored"
        session.flush()
        if sorter is not None:
            sorter.remember(session, tip, sorting)
    session.add(
        Sighting(
            tip_id=tip.id,
            mailbox_id=mailbox_id,
            folder=source.folder,
            uidvalidity=source.uidvalidity,
            uid=source.uid,
            raw_message_id=raw_row.id,
        )
    )
    session.flush()
    _resolve_quarantine(session, mailbox_id, source, tip.id)
    return Outcome(status, tip.id)


def _raw_row(session: Session, raw: bytes) -> RawMessage:
    sha = hashlib.sha256(raw).hexdigest()
    row = session.scalar(select(RawMessage).where(RawMessage.sha256 == sha))
    if row is None:
        row = RawMessage(sha256=sha, size=len(raw), data=raw)
        session.add(row)
        session.flush()
    return row


def _new_tip(session: Session, raw_row: RawMessage, prep: Prepared) -> Tip:
    mail, parsed = prep.mail, prep.mail.parsed
    tip = Tip(
        fingerprint=prep.fingerprint,
        raw_message_id=raw_row.id,
        thread_root_id=thread_root(session, parsed.from_address, parsed.in_reply_to, parsed.references),
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references),
        sender_name=parsed.from_name[:500],
        sender_address=parsed.from_address[:320],
        reply_to=parsed.reply_to[:998],
        recipients=", ".join(parsed.to + parsed.cc),
        subject=parsed.subject,
        sent_at=parsed.date,
        received_at=utcnow(),
        text_body=mail.text,
        new_text_end=mail.new_text_end,
        signature_start=mail.signature_start,
        html_body=mail.html,
        preview=mail.preview[:500],
        defects="; ".join(parsed.defects),
        is_auto_reply=mail.is_auto_reply,
        is_bounce=mail.is_bounce,
        is_list=mail.is_list,
    )
    tip.attachments = [
        Attachment(
            position=i,
            part_path=a.part_path,
            filename=a.filename[:500],
            content_type=a.content_type[:200],
            size=a.size,
            sha256=a.sha256,
            content_id=a.content_id,
            inline=a.inline,
        )
        for i, a in enumerate(prep.attachments)
    ]
    session.add(tip)
    return tip


def thread_root(session: Session, sender: str, in_reply_to: str | None, references: tuple[str, ...]) -> int | None:
    """The thread a follow-up joins: only a tip from the SAME sender, whatever it quotes.

    Joining on Message-ID alone would let a stranger who quotes (or guesses) a
    source's Message-ID put their mail into that source's thread.
    """
    ids = [i for i in ((in_reply_to,) + tuple(reversed(references))) if i]
    if not ids or not sender:
        return None
    rows = session.execute(
        select(Tip.id, Tip.thread_root_id, Tip.message_id).where(
            Tip.message_id.in_(ids), Tip.sender_address == sender
        )
    ).all()
    if not rows:
        return None
    order = {mid: n for n, mid in enumerate(ids)}
    best = min(rows, key=lambda r: order.get(r.message_id, len(ids)))
    return best.thread_root_id or best.id


def quarantine(session: Session, mailboxes, raw: bytes, source: Source, stage: str, error: str) -> Outcome:
    """Keep the raw bytes with the stage and error; a repeat failure counts an attempt."""
    from inbox.pipeline import Outcome

    mailbox_id = mailboxes.get(source.mailbox)
    with session.begin_nested():
        row = session.scalar(
            select(Quarantined).where(
                Quarantined.mailbox_id == mailbox_id,
                Quarantined.folder == source.folder,
                Quarantined.uidvalidity == source.uidvalidity,
                Quarantined.uid == source.uid,
            )
        )
        if row is None:
            row = Quarantined(
                sha256=hashlib.sha256(raw).hexdigest(),
                data=raw,
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
            row.resolved_at = row.resolution = row.tip_id = None
        session.flush()
    return Outcome("quarantined", None, row.id, stage, error)


def _resolve_quarantine(session: Session, mailbox_id: int, source: Source, tip_id: int) -> None:
    row = session.scalar(
        select(Quarantined).where(
            Quarantined.mailbox_id == mailbox_id,
            Quarantined.folder == source.folder,
            Quarantined.uidvalidity == source.uidvalidity,
            Quarantined.uid == source.uid,
            Quarantined.resolved_at.is_(None),
        )
    )
    if row is not None:
        row.resolved_at, row.resolution, row.tip_id = utcnow(), "stored", tip_id


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
    for q, name in rows:
        if due_only and q.last_failed_at and (now - q.last_failed_at).total_seconds() < retry_delay(q.attempts):
            continue
        items.append((q.data, Source(name, q.folder, q.uidvalidity, q.uid)))
    return list(pipeline.process_many(items))


def retry_delay(attempts: int) -> float:
    """Seconds before an automatic retry: doubling from a minute, at most a day."""
    return min(60.0 * 2 ** max(attempts - 1, 0), 86400.0)


def discard_quarantined(sessions: sessionmaker[Session], quarantine_id: int) -> bool:
    """An admin's decision that a quarantined message is not a tip; the row is kept as history."""
    with sessions() as session, session.begin():
        row = session.get(Quarantined, quarantine_id)
        if row is None:
            return False
        row.resolved_at, row.resolution = utcnow(), "discarded"
        return True
