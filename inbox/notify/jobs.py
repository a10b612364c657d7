"""The queue's notification jobs (rows in inbox/jobs/table.py): each takes ids, never content."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from inbox import notify
from inbox.db import take_write_lock
from inbox.models import NotifyDelivery, NotifyEvent, Tip, utcnow
from inbox.notify import digest
from inbox.notify.deliver import deliver
from inbox.notify.fanout import fan_out

log = logging.getLogger(__name__)
NEW_TIP_WINDOW = 1000  # the sweep looks for un-noticed tips among the last this many ids
REQUEUE_BATCH = 500
def new_tips(session: Session, tip_ids) -> int:
    """Raise tip.created for tips the worker stored (a tip already noticed is skipped)."""
    take_write_lock(session)  # it reads, then writes: on SQLite, wait for the worker's commit rather than fail
    count = 0
    for tip_id in tip_ids:
        if isinstance(tip_id, int) and session.get(Tip, tip_id) is not None:
            notify.record(session, "tip.created", tip_id, key=f"tip.created:{tip_id}")
            count += 1
    session.commit()
    return count


def fanout_and_send(session: Session, settings, queue) -> int:
    ids = fan_out(session)
    for delivery_id in ids:
        queue.enqueue("notify.deliver", delivery_id=delivery_id)
    return len(ids)


def unnoticed_tips(session: Session) -> list[int]:
    """Recent tips no tip.created event names (the worker's job was lost, or never queued)."""
    top = session.scalar(select(func.max(Tip.id))) or 0
    event = aliased(NotifyEvent)
    return list(session.scalars(select(Tip.id).where(
        Tip.id > top - NEW_TIP_WINDOW, Tip.received_at >= utcnow() - timedelta(hours=1),
        ~exists().where(event.kind == "tip.created", event.tip_id == Tip.id)).order_by(Tip.id)))


def due_deliveries(session: Session) -> list[int]:
    return list(session.scalars(select(NotifyDelivery.id).where(
        NotifyDelivery.state == "queued", NotifyDelivery.next_attempt_at <= utcnow())
        .order_by(NotifyDelivery.next_attempt_at).limit(REQUEUE_BATCH)))


# Job targets: fn(ctx, **payload)

def new_tips_job(ctx, tip_ids=()) -> None:
    with ctx.sessions() as session:
        new_tips(session, list(tip_ids))
        fanout_and_send(session, ctx.settings, ctx.queue)


def fanout_job(ctx) -> None:
    with ctx.sessions() as session:
        fanout_and_send(session, ctx.settings, ctx.queue)


def deliver_job(ctx, delivery_id: int) -> None:
    with ctx.sessions() as session:
        deliver(session, ctx.settings, int(delivery_id), ctx.queue)


def sweep_job(ctx) -> None:
    """Every minute: notice stored tips, raise due digests, fan out, and queue what is due."""
    queue = ctx.queue
    with ctx.sessions() as session:
        new_tips(session, unnoticed_tips(session))
        digest.due(session, ctx.settings)
        while fanout_and_send(session, ctx.settings, queue):
            pass
        for delivery_id in due_deliveries(session):
            queue.enqueue("notify.deliver", delivery_id=delivery_id)
