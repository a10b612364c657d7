"""Retention: the rules (status and age, per mailbox) that purge tips, what a run would
purge, the run itself, and an admin's deletions. Holds: inbox.retention.holds; backups:
inbox.retention.backup; the deleting itself: inbox.retention.purge.

A run purges in batches, one transaction each, so a killed run loses at most the batch in
hand and a re-run finishes it; the finishing step (the search index compacted, VACUUM)
runs again after any run that did not reach it. Nothing held is purged.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from inbox.config import RetentionRule, Settings
from inbox.db import transaction
from inbox.models import Mailbox, RetentionRun, Sighting, Tip, TipEvent, utcnow
from inbox.retention import purge
from inbox.retention.purge import Held, held_clause, held_ids

__all__ = ["Held", "PlanRow", "RunResult", "delete_tip", "forget_reader", "plan", "purge_date", "run", "run_if_due"]


@dataclass(frozen=True)
class PlanRow:
    """One rule's share of a plan: counts only."""
    rule: str
    due: int
    held: int


@dataclass
class RunResult:
    purged: Counter = field(default_factory=Counter)  # rule label -> tips
    vacuumed: bool = False

    @property
    def total(self) -> int:
        return sum(self.purged.values())


def _age_from():
    """When a tip's age starts: the last change anyone made to it on the board, else when the desk
    stored it, else its received time. So a backfill of old mail is not purged on arrival, and a
    tip declined today keeps its 30 days however old it is."""
    changed = select(func.max(TipEvent.at)).where(TipEvent.tip_id == Tip.id).scalar_subquery()
    stored = select(func.min(Sighting.seen_at)).where(Sighting.tip_id == Tip.id).scalar_subquery()
    return func.coalesce(changed, stored, Tip.received_at)


def _due(rule: RetentionRule, now: datetime, held: bool = False):
    """The select of the ids of tips this rule purges now (or, held=True, would but for a hold)."""
    query = select(Tip.id).where(Tip.status == rule.status, _age_from() < now - timedelta(days=rule.days),
                                 held_clause() if held else ~held_clause())
    if rule.mailbox:
        query = query.where(exists().where(Sighting.tip_id == Tip.id, Sighting.mailbox_id == Mailbox.id,
                                           Mailbox.name == rule.mailbox))
    return query


def plan(session: Session, settings: Settings, now: datetime | None = None) -> list[PlanRow]:
    """What a run now would purge, rule by rule, and what holds keep back; never content."""
    now = now or utcnow()
    count = lambda q: session.scalar(select(func.count()).select_from(q.subquery())) or 0  # noqa: E731
    return [PlanRow(rule.label, count(_due(rule, now)), count(_due(rule, now, held=True)))
            for rule in settings.retention.rules]


def run(sessions: sessionmaker[Session], settings: Settings, by: str = "retention",
        now: datetime | None = None) -> RunResult:
    """Purge every tip the rules name, a batch per transaction; then compact and (if configured) VACUUM."""
    now, result = now or utcnow(), RunResult()
    with transaction(sessions) as session:
        unfinished = session.scalar(select(func.count()).select_from(RetentionRun)
                                    .where(RetentionRun.finished_at.is_(None))) or 0
        row = RetentionRun(by=by[:40], started_at=utcnow())
        session.add(row)
        session.flush()
        run_id = row.id
    batch = max(settings.retention.batch_size, 1)
    for rule in settings.retention.rules:
        while True:
            with transaction(sessions) as session:
                ids = list(session.scalars(_due(rule, now).order_by(Tip.id).limit(batch)))
                done = purge.purge_tips(session, ids, rule.label, by)
                session.execute(update(RetentionRun).where(RetentionRun.id == run_id)
                                .values(purged=RetentionRun.purged + done))
            result.purged[rule.label] += done
            if len(ids) < batch or not done:
                break
    if result.total or unfinished:
        with transaction(sessions) as session:
            purge.compact_search(session)
        purge.release(sessions.kw["bind"], settings.retention.vacuum)
        result.vacuumed = settings.retention.vacuum
    with transaction(sessions) as session:  # this run and any killed one before it are finished now
        session.execute(update(RetentionRun).where(RetentionRun.id <= run_id, RetentionRun.finished_at.is_(None))
                        .values(finished_at=utcnow()))
    return result


def run_if_due(sessions: sessionmaker[Session], settings: Settings) -> RunResult | None:
    """The worker's daily hook: run when the last finished run is older than every_hours."""
    with sessions() as session:
        last = session.scalar(select(func.max(RetentionRun.finished_at)))
    if last is not None and utcnow() - last < timedelta(hours=settings.retention.every_hours):
        return None
    return run(sessions, settings)


def purge_date(session: Session, rules: tuple[RetentionRule, ...], tip: Tip) -> datetime | None:
    """When the rules will purge this tip as it stands (its status now), or None: never."""
    boxes: set[str] | None = None
    for rule in rules:
        if rule.status != tip.status:
            continue
        if rule.mailbox:
            if boxes is None:
                boxes = set(session.scalars(select(Mailbox.name).join(Sighting, Sighting.mailbox_id == Mailbox.id)
                                            .where(Sighting.tip_id == tip.id)))
            if rule.mailbox not in boxes:
                continue
        start = session.scalar(select(_age_from()).where(Tip.id == tip.id)) or tip.received_at
        return start + timedelta(days=rule.days)
    return None


def reader_tip_ids(session: Session, address: str) -> list[int]:
    """Every tip of one sender address (as the tips store it: lower-cased)."""
    return list(session.scalars(select(Tip.id).where(Tip.sender_address == address.strip().lower()).order_by(Tip.id)))


def delete_tip(session: Session, tip_id: int, by: str) -> int:
    """An admin's deletion of one tip now, in the caller's transaction; Held if it is held."""
    if held_ids(session, [tip_id]):
        raise Held(f"tip {tip_id} is under a legal hold")
    return purge.purge_tips(session, [tip_id], "deleted", by)


def forget_reader(session: Session, address: str, by: str) -> int:
    """Every tip of one sender, and all that hangs on them, in the caller's transaction; Held
    (deleting nothing) if any of them is held. Returns how many tips went."""
    ids = reader_tip_ids(session, address)
    held = held_ids(session, ids) if ids else []
    if held:
        raise Held(f"{len(held)} of the reader's {len(ids)} tip(s) are under a legal hold")
    done = 0
    for start in range(0, len(ids), 500):
        done += purge.purge_tips(session, ids[start:start + 500], "forgotten", by)
    return done


def finish(sessions: sessionmaker[Session], settings: Settings) -> None:
    """After a deletion outside a run: the search index compacted, and VACUUM when configured."""
    with transaction(sessions) as session:
        purge.compact_search(session)
    purge.release(sessions.kw["bind"], settings.retention.vacuum)
