"""/metrics carries the job queue's depth and the deliveries' failures, labelled by kind and
state only (never a URL, an address or a tip)."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from inbox.jobs import Queue
from inbox.models import NotifyChannel, NotifyDelivery
from tests.board.factories import make_tip


def _scrape(client) -> tuple[dict, str]:
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    return {f.name: f for f in text_string_to_metric_families(text)}, text


def _value(families, name, **labels):
    return sum(s.value for s in families[name].samples
               if all(s.labels.get(k) == v for k, v in labels.items()) and not s.name.endswith("_created"))


def test_metrics_show_queue_depth_and_delivery_failures_without_addresses(client_for, db, settings, endpoint, app):
    endpoint.status = 503
    with db() as s, s.begin():
        s.add(NotifyChannel(kind="webhook", url=endpoint.url, secret="x", events="tip.created"))
        tip_id = make_tip(s, topic="courts", sender="maria@lopezfamily.net").id
    Queue(settings, sessions=db).enqueue("notify.new_tips", tip_ids=[tip_id])
    with db() as s:
        assert s.scalars(select(NotifyDelivery.attempts).where(NotifyDelivery.channel_id.is_not(None))).one() == 1
    families, text = _scrape(client_for(None))
    assert _value(families, "inbox_notify_delivery_failures", kind="webhook") == 1
    assert _value(families, "inbox_notify_deliveries", kind="webhook", state="queued") == 1
    assert _value(families, "inbox_jobs_queue_up") == 1
    assert {s.labels["state"] for s in families["inbox_jobs_waiting"].samples} == {"pending", "scheduled"}
    assert "lopezfamily" not in text and "127.0.0.1" not in text and "/hook" not in text
