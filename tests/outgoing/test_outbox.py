"""The outbox against a real SMTP server (aiosmtpd): stored first, sent by a try, retried with
back-off while the server is down, failed with the server's answer on a 5xx, never sent twice
by two jobs for one row, and found again by the sweep after a consumer died."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from inbox.models import Outgoing, utcnow
from inbox.outgoing import queue_message, send_later
from inbox.outgoing.send import build, send_one, sweep


def queued(db, **kw) -> int:
    fields = dict(kind="reply", to="reader@example.org", subject="Re: potholes", body="Thank you.\n")
    fields.update(kw)
    with db() as s:
        row = queue_message(s, **fields)
        s.commit()
        return row.id


def test_a_queued_message_is_stored_and_not_sent(db, out_settings, smtp_server):
    row_id = queued(db)
    with db() as s:
        row = s.get(Outgoing, row_id)
        assert (row.state, row.attempts, row.to_address) == ("queued", 0, "reader@example.org")
    assert smtp_server.messages == []


def test_one_try_sends_it_with_a_message_id_of_the_desk(db, out_settings, smtp_server):
    row_id = queued(db, headers={"In-Reply-To": "<abc@reader.example>", "Auto-Submitted": "auto-replied"})
    assert send_one(out_settings, db, row_id) == "sent"
    [msg] = smtp_server.parsed()
    with db() as s:
        row = s.get(Outgoing, row_id)
        assert row.state == "sent" and row.answer.startswith("250") and row.attempts == 1
        assert msg["Message-ID"] == row.message_id and row.message_id.endswith("@desk.example>")
    assert msg["In-Reply-To"] == "<abc@reader.example>" and msg["Auto-Submitted"] == "auto-replied"
    assert msg["From"] == "Desk <tips@desk.example>" and msg["To"] == "reader@example.org"
    assert msg.get_content().replace("\r\n", "\n") == "Thank you.\n"
    # A second try (a duplicate job) finds nothing to claim.
    assert send_one(out_settings, db, row_id) == "busy"
    assert len(smtp_server.messages) == 1


def test_send_later_runs_the_job_mail_send(db, out_settings, smtp_server):
    from inbox.jobs import Queue

    row_id = queued(db)
    send_later(Queue(out_settings, sessions=db), row_id)
    smtp_server.wait_for(1)
    with db() as s:
        assert s.get(Outgoing, row_id).state == "sent"


def test_server_down_retries_with_back_off_then_delivers(db, out_settings, smtp_server):
    settings = replace(out_settings, smtp=replace(out_settings.smtp, backoff_seconds=30, max_backoff_seconds=3600))
    smtp_server.stop()
    row_id = queued(db)
    waits = []
    for attempt in (1, 2, 3):
        with db() as s:  # make it due now, as the scheduled retry would
            s.execute(update(Outgoing).values(next_try_at=utcnow() - timedelta(seconds=1)))
            s.commit()
        assert send_one(settings, db, row_id) == "queued"
        with db() as s:
            row = s.get(Outgoing, row_id)
            assert row.attempts == attempt and row.answer.startswith("connect:")
            waits.append((row.next_try_at - utcnow()).total_seconds())
    assert waits[0] < waits[1] < waits[2]  # doubling waits (30, 60, 120 s, +-20 %)
    assert smtp_server.messages == []
    smtp_server.start()
    with db() as s:
        s.execute(update(Outgoing).values(next_try_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    assert send_one(settings, db, row_id) == "sent"
    assert len(smtp_server.messages) == 1


def test_a_permanent_refusal_is_failed_with_the_servers_answer(db, out_settings, smtp_server):
    smtp_server.reject_rcpt = "550 5.1.1 No such user here"
    row_id = queued(db)
    assert send_one(out_settings, db, row_id) == "failed"
    with db() as s:
        row = s.get(Outgoing, row_id)
        assert row.state == "failed" and row.answer == "550 5.1.1 No such user here"


def test_the_last_try_fails_for_good(db, out_settings, smtp_server):
    settings = replace(out_settings, smtp=replace(out_settings.smtp, max_attempts=2))
    smtp_server.reject_rcpt = "451 4.3.0 Try later"
    row_id = queued(db)
    assert send_one(settings, db, row_id) == "queued"
    with db() as s:
        s.execute(update(Outgoing).values(next_try_at=utcnow()))
        s.commit()
    assert send_one(settings, db, row_id) == "failed"
    with db() as s:
        assert s.get(Outgoing, row_id).answer == "451 4.3.0 Try later"


def test_the_sweep_finds_a_row_a_dead_consumer_left_sending(db, out_settings, smtp_server):
    row_id = queued(db)
    with db() as s:  # what a consumer killed before DATA leaves behind
        s.execute(update(Outgoing).values(state="sending", attempts=1,
                                          sending_at=utcnow() - timedelta(seconds=60)))
        s.commit()
    assert sweep(out_settings, db) == [row_id]
    assert send_one(out_settings, db, row_id) == "sent"
    assert len(smtp_server.messages) == 1


def test_a_live_lease_is_not_taken_over(db, out_settings, smtp_server):
    row_id = queued(db)
    with db() as s:
        s.execute(update(Outgoing).values(state="sending", sending_at=utcnow()))
        s.commit()
    assert sweep(out_settings, db) == []
    assert send_one(out_settings, db, row_id) == "busy"


@pytest.mark.parametrize("bad", [dict(to="a@x, b@y"), dict(to="nobody"), dict(headers={"Bcc": "x@y"}),
                                 dict(headers={"X-A": "v\r\nBcc: x@y"})])
def test_queue_message_refuses_more_than_one_address_or_injected_headers(db, bad):
    with db() as s, pytest.raises(ValueError):
        queue_message(s, **(dict(kind="reply", to="r@example.org", subject="s", body="b") | bad))
