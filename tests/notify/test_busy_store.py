"""The notification jobs share the store with the worker: on SQLite a job that read first and
wrote second failed at once ("database is locked") whenever the worker committed in between,
and was tried again half a minute later. The jobs now take the write lock before they read, and a delivery records its outcome in a
transaction of its own, begun after the post."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, update

from inbox.models import Mailbox, NotifyDelivery, NotifyEvent
from inbox.notify.deliver import deliver
from inbox.notify.fanout import fan_out
from inbox.notify.jobs import new_tips
from tests.board.factories import make_tip
from tests.notify.test_channels import _retry_now, add_channel, store_urgent_tip


def test_noticing_tips_while_another_connection_keeps_committing_never_fails(db):
    with db() as s, s.begin():
        tip_ids = [make_tip(s, subject=f"Tip {i}").id for i in range(40)]
        s.add(Mailbox(name="busy"))
    stop, writes = threading.Event(), [0]

    def worker_like_writer():  # commits as fast as it can, as a worker storing batches does
        while not stop.is_set():
            with db() as s, s.begin():
                s.execute(update(Mailbox).where(Mailbox.name == "busy").values(name="busy"))
            writes[0] += 1

    writer = threading.Thread(target=worker_like_writer, daemon=True)
    writer.start()
    try:
        for tip_id in tip_ids:
            with db() as s:
                assert new_tips(s, [tip_id]) == 1
                fan_out(s)
    finally:
        stop.set()
        writer.join(10)
    assert writes[0] > 0, "the writer really was writing meanwhile"
    with db() as s:
        assert s.scalar(select(func.count()).select_from(NotifyEvent)) == len(tip_ids)
        assert s.scalar(select(func.count()).where(NotifyEvent.fanned_out_at.is_(None))) == 0


def _commit_elsewhere(db):
    def commit():  # the worker stores a batch while the webhook is in flight
        with db() as s, s.begin():
            s.add(Mailbox(name=f"meanwhile {s.scalar(select(func.count()).select_from(Mailbox))}"))
    return commit


@pytest.mark.parametrize("status, state", [(200, "sent"), (500, "queued")])
def test_a_delivery_records_its_outcome_though_the_store_changed_during_the_post(
        client_for, db, settings, endpoint, status, state):
    add_channel(client_for("admin"), "webhook", endpoint.url, events=("tip.created",))
    endpoint.status = 503
    store_urgent_tip(db, settings)  # its first try fails: the row waits, queued
    with db() as s:
        delivery_id = s.scalars(select(NotifyDelivery.id).where(NotifyDelivery.channel_id.is_not(None))).one()
    _retry_now(db, delivery_id)
    endpoint.status, endpoint.on_post = status, _commit_elsewhere(db)
    with db() as s:
        assert deliver(s, settings, delivery_id) == state
    with db() as s:
        row = s.get(NotifyDelivery, delivery_id)
        assert (row.state, row.attempts) == (state, 2)
        assert s.scalar(select(func.count()).where(Mailbox.name.like("meanwhile%"))) == 1
