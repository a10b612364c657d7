"""Slack, Teams and signed webhooks, end to end: a change on the board or a stored tip reaches a
local HTTP endpoint, content-free unless the admin turned content on, never naming a protected
reader; the signature verifies; an endpoint that keeps failing is retried, then paused."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from inbox.jobs import Queue
from inbox.models import AuditEntry, NotifyChannel, NotifyDelivery, Reader, User, utcnow
from inbox.notify.deliver import deliver
from tests.board.factories import make_tip

SECRET_WORDS = ("Ada Reader", "reader@example.org", "Trucks at the depot", "unloading")


def add_channel(client, kind, url, events=("tip.urgent",), content=False, secret=""):
    data = {"kind": kind, "url": url, "name": f"#{kind}", "events": list(events), "secret": secret}
    if content:
        data["include_content"] = "1"
    response = client.post("/admin/notify", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def store_urgent_tip(db, settings, **fields):
    with db() as s, s.begin():
        tip = make_tip(s, topic="courts", urgent=True, **fields)
        tip_id = tip.id
    Queue(settings, sessions=db).enqueue("notify.new_tips", tip_ids=[tip_id])  # what the worker does after store
    return tip_id


def texts(received):
    return [r.body.decode() for r in received]


def test_slack_and_teams_get_tip_id_topic_urgency_and_link_but_no_content(client_for, db, settings, endpoint):
    admin = client_for("admin")
    add_channel(admin, "slack", endpoint.url + "/slack")
    add_channel(admin, "teams", endpoint.url + "/teams")
    tip_id = store_urgent_tip(db, settings)
    paths = sorted(r.path for r in endpoint.received)
    assert paths == ["/hook/slack", "/hook/teams"]
    for body in texts(endpoint.received):
        assert f"#{tip_id}" in body and "courts" in body and "urgent" in body
        assert f"https://tips.newsroom.example/tips/{tip_id}" in body
        for word in SECRET_WORDS:
            assert word not in body
    teams = next(r for r in endpoint.received if r.path.endswith("teams")).json
    assert teams["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


def test_a_channel_with_content_on_gets_sender_and_subject(client_for, db, settings, endpoint):
    add_channel(client_for("admin"), "slack", endpoint.url, content=True)
    store_urgent_tip(db, settings)
    (body,) = texts(endpoint.received)
    assert "reader@example.org" in body and "Trucks at the depot" in body


def test_a_protected_reader_never_reaches_a_channel_even_with_content_on(client_for, db, settings, endpoint):
    add_channel(client_for("admin"), "slack", endpoint.url, content=True)
    add_channel(client_for("admin"), "webhook", endpoint.url + "/w", events=("tip.created",), content=True)
    with db() as s, s.begin():
        s.add(Reader(address="reader@example.org", protected=True, why="asked"))
    store_urgent_tip(db, settings, body="Ada Reader here, call me on 555-123-4567. Trucks again.")
    assert len(endpoint.received) == 2
    for body in texts(endpoint.received):
        assert "reader@example.org" not in body and "Ada Reader" not in body and "555-123-4567" not in body
        assert "Reader " in body  # the pseudonym


@pytest.mark.parametrize("subject, body", [
    ("Re: Boiler, as ana.ruiz@elmcourt.example said", "Same here.\nOn Mon, Ana Ruiz <ana.ruiz@elmcourt.example> wrote:\n> No heat."),
    ("What Ana Ruiz saw", "Ana Ruiz from 3B says the boiler failed."),  # by her full name alone
])
def test_a_protected_reader_named_in_another_readers_tip_never_reaches_a_channel(client_for, db, settings, endpoint,
                                                                                 subject, body):
    add_channel(client_for("admin"), "slack", endpoint.url, content=True)
    with db() as s, s.begin():
        s.add(Reader(address="ana.ruiz@elmcourt.example", protected=True, why="asked"))
        make_tip(s, subject="Boiler", body="No heat.", sender="ana.ruiz@elmcourt.example", sender_name="Ana Ruiz",
                 age_hours=30)
    store_urgent_tip(db, settings, subject=subject, body=body)
    (sent,) = texts(endpoint.received)
    assert "ana.ruiz" not in sent and "Ruiz" not in sent and "reader@example.org" in sent
    assert ("Same here" if "Same" in body else "from 3B says") in sent


def test_a_webhook_is_signed_over_timestamp_and_body(client_for, db, settings, endpoint):
    add_channel(client_for("admin"), "webhook", endpoint.url, events=("tip.created", "tip.updated"), secret="s3cret")
    tip_id = store_urgent_tip(db, settings)
    (got,) = endpoint.received
    stamp, signature = got.headers["X-Inbox-Timestamp"], got.headers["X-Inbox-Signature"]
    expected = hmac.new(b"s3cret", stamp.encode() + b"." + got.body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    assert hmac.new(b"wrong", stamp.encode() + b"." + got.body, hashlib.sha256).hexdigest() not in signature
    payload = got.json
    assert payload["event"] == "tip.created" and payload["tip"]["id"] == tip_id and payload["tip"]["urgent"] is True
    assert set(payload["tip"]) == {"id", "topic", "urgent", "status", "url"}  # content-free
    assert got.headers["X-Inbox-Event"] == "tip.created" and got.headers["X-Inbox-Delivery"] == str(payload["id"])


def test_a_board_change_sends_tip_updated_and_a_merge_story_changed(client_for, db, settings, endpoint, users):
    admin = client_for("admin")
    add_channel(admin, "webhook", endpoint.url, events=("tip.updated", "story.changed"))
    with db() as s, s.begin():
        one, two = make_tip(s, topic="courts"), make_tip(s, topic="courts")
        ids = one.id, two.id
    editor = client_for("editor")
    assert editor.post(f"/tips/{ids[0]}/status", data={"status": "reviewing", "version": "1"}).status_code == 302
    assert editor.post(f"/tips/{ids[0]}/merge", data={"into": str(ids[1]), "version": "2"}).status_code == 302
    events = [(r.json["event"], r.json["change"], r.json["tip"]["id"]) for r in endpoint.received]
    assert events == [("tip.updated", "status", ids[0]), ("story.changed", "merge", ids[0])]


def _retry_now(db, delivery_id):
    with db() as s, s.begin():
        s.execute(update(NotifyDelivery).where(NotifyDelivery.id == delivery_id).values(next_attempt_at=utcnow()))


def test_a_failing_endpoint_is_retried_with_back_off_then_paused_and_the_admin_sees_why(
        client_for, db, settings, endpoint):
    admin = client_for("admin")
    add_channel(admin, "webhook", endpoint.url, events=("tip.created",))
    endpoint.status = 500
    store_urgent_tip(db, settings)  # the first try, inline
    with db() as s:
        delivery = s.scalars(select(NotifyDelivery).where(NotifyDelivery.channel_id.is_not(None))).one()
        first_wait = delivery.next_attempt_at - utcnow()
        delivery_id = delivery.id
    assert delivery.state == "queued" and delivery.attempts == 1 and "HTTP 500" in delivery.last_error
    assert first_wait > timedelta(seconds=20)  # backoff_seconds 30, with jitter
    with db() as s:
        assert deliver(s, settings, delivery_id) == "skipped"  # not due yet: no second post
    assert len(endpoint.received) == 1
    for _ in range(2):  # the clock moves on: tries 2 and 3
        _retry_now(db, delivery_id)
        with db() as s:
            deliver(s, settings, delivery_id)
    assert len(endpoint.received) == 3
    with db() as s:
        channel = s.scalars(select(NotifyChannel)).one()
        assert channel.paused_at is not None and "3 tries in a row failed" in channel.paused_reason
        assert "HTTP 500" in channel.paused_reason
        assert s.get(NotifyDelivery, delivery_id).state == "held"
    _retry_now(db, delivery_id)
    with db() as s:
        assert deliver(s, settings, delivery_id) == "skipped"  # held: a paused channel gets nothing
    assert len(endpoint.received) == 3
    page = admin.get("/admin/notify").get_data(as_text=True)
    assert "paused" in page and "3 tries in a row failed; the last: HTTP 500" in page
    endpoint.status = 200
    assert admin.post(f"/admin/notify/{channel.id}/resume").status_code == 302
    assert len(endpoint.received) == 4
    with db() as s:
        assert s.get(NotifyDelivery, delivery_id).state == "sent"
        assert s.scalars(select(NotifyChannel)).one().paused_at is None
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.object_type == "channel").order_by(AuditEntry.id))]
    assert actions == ["channel_add", "channel_update"]


def test_a_delivery_is_given_up_after_max_attempts(client_for, db, settings, endpoint):
    from dataclasses import replace

    settings = replace(settings, notify=replace(settings.notify, max_attempts=2, pause_after_failures=99))
    add_channel(client_for("admin"), "slack", endpoint.url)
    endpoint.status = 404
    store_urgent_tip(db, settings)
    with db() as s:
        delivery_id = s.scalars(select(NotifyDelivery.id).where(NotifyDelivery.channel_id.is_not(None))).one()
    _retry_now(db, delivery_id)
    with db() as s:
        assert deliver(s, settings, delivery_id) == "failed"
    _retry_now(db, delivery_id)
    with db() as s:
        assert deliver(s, settings, delivery_id) == "skipped"
    assert len(endpoint.received) == 2


def test_the_sweep_notices_a_stored_tip_whose_job_was_lost(client_for, db, settings, endpoint):
    from inbox.notify.jobs import sweep_job

    add_channel(client_for("admin"), "slack", endpoint.url)
    with db() as s, s.begin():
        make_tip(s, topic="courts", urgent=True, age_hours=0.1)
    sweep_job(Queue(settings, sessions=db).context())
    sweep_job(Queue(settings, sessions=db).context())  # twice: still one message
    assert len(endpoint.received) == 1


def test_only_admins_configure_channels_and_a_bad_url_is_a_clear_400(client_for, endpoint):
    assert client_for("editor").get("/admin/notify").status_code == 403
    response = client_for("admin").post("/admin/notify", data={"kind": "slack", "url": "file:///etc/passwd",
                                                               "events": ["tip.urgent"]})
    assert response.status_code == 400 and "http(s) URL" in response.get_data(as_text=True)
