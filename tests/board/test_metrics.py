"""/metrics: Prometheus text with the desk's figures and request latency per route, for loopback
callers or the metrics token only, and never a reader's address in a label."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from inbox.board import create_app
from inbox.models import FolderState, Mailbox, Quarantined, Reader, utcnow
from inbox.pipeline import Pipeline, Source
from tests.board.factories import make_mailbox, make_tip, sight

ADDRESS = "maria@lopezfamily.net"
MAIL = (f"From: Maria Lopez <{ADDRESS}>\r\nTo: tips@newsroom.example\r\nSubject: ICE at the courthouse\r\n"
        "Message-ID: <ice@lopezfamily.net>\r\nDate: Fri, 27 Nov 2026 18:00:00 +0000\r\n\r\n"
        "Please keep my name out of it. Call me at 555-867-5309.\r\n").encode()
FAMILIES = {"inbox_database_up", "inbox_tips_ingested", "inbox_tips", "inbox_quarantined",
            "inbox_folder_sync_lag_seconds", "inbox_folder_last_sync_timestamp_seconds",
            "inbox_mailbox_last_success_timestamp_seconds", "inbox_mailbox_consecutive_failures",
            "inbox_http_request_duration_seconds"}
TOKEN = "scrape-token-123"


def _scrape(client, **kw) -> dict:
    response = client.get("/metrics", **kw)
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain; version=")
    return {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}


def _value(families, name, sample=None, **labels) -> float:
    wanted = [s.value for s in families[name].samples
              if (sample is None or s.name == sample) and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(wanted) == 1, (name, labels, families[name].samples)
    return wanted[0]


@pytest.fixture
def desk(db):
    """Two mailboxes, tips seen in them, a folder synced ten minutes ago, one quarantined message
    waiting and one already retried."""
    now = utcnow()
    with db() as s, s.begin():
        tips_box = make_mailbox(s, "tips", last_success_at=now - timedelta(minutes=10), consecutive_failures=0)
        courts_box = make_mailbox(s, "courts-desk", consecutive_failures=3)
        first, second = make_tip(s, subject="One"), make_tip(s, subject="Two", status="reviewing")
        sight(s, first, tips_box, 1)
        sight(s, second, tips_box, 2)
        sight(s, second, courts_box, 1)
        s.add(FolderState(mailbox_id=tips_box.id, folder="INBOX", last_uid=2, last_sync_at=now - timedelta(minutes=10)))
        for uid, resolved in ((7, None), (8, now)):
            s.add(Quarantined(sha256="0" * 64, data=b"x", mailbox_id=tips_box.id, folder="INBOX", uid=uid, stage="parse",
                              error="ValueError", resolved_at=resolved))


def test_metrics_parse_and_carry_the_desks_figures(client_for, desk):
    families = _scrape(client_for(None))
    assert FAMILIES <= set(families)
    assert _value(families, "inbox_database_up") == 1
    assert _value(families, "inbox_tips_ingested", mailbox="tips") == 2
    assert _value(families, "inbox_tips_ingested", mailbox="courts-desk") == 1
    assert _value(families, "inbox_tips", status="new") == 1 and _value(families, "inbox_tips", status="reviewing") == 1
    assert _value(families, "inbox_quarantined") == 1  # the retried one no longer counts
    assert 600 <= _value(families, "inbox_folder_sync_lag_seconds", mailbox="tips", folder="INBOX") < 3600
    synced = _value(families, "inbox_folder_last_sync_timestamp_seconds", mailbox="tips", folder="INBOX")
    assert synced == pytest.approx(_value(families, "inbox_mailbox_last_success_timestamp_seconds", mailbox="tips"))
    assert _value(families, "inbox_mailbox_consecutive_failures", mailbox="courts-desk") == 3


def test_request_latency_is_labelled_by_route_never_by_the_raw_path(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s).id
    editor = client_for("editor")
    assert editor.get(f"/tips/{tip_id}").status_code == 200
    assert editor.get("/tips/999999").status_code == 404
    editor.get("/no/such/page")
    families = _scrape(editor)
    latency = families["inbox_http_request_duration_seconds"]
    routes = {s.labels["route"] for s in latency.samples}
    assert {"/tips/<int:tip_id>", "/login", "(no route)"} <= routes
    assert not any(str(tip_id) in r or "999999" in r or "/no/such" in r for r in routes)
    assert _value(families, "inbox_http_request_duration_seconds", "inbox_http_request_duration_seconds_count",
                  route="/tips/<int:tip_id>", method="GET", status="200") == 1
    assert _value(families, "inbox_http_request_duration_seconds", "inbox_http_request_duration_seconds_count",
                  route="/tips/<int:tip_id>", method="GET", status="404") == 1


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_a_loopback_caller_needs_no_token(client_for, address):
    _scrape(client_for(None), environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.2", "::ffff:192.0.2.1", ""])
def test_any_other_caller_gets_404_without_the_token_even_when_logged_in(client_for, address):
    for role in (None, "admin"):
        response = client_for(role).get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 404
        assert b"inbox_" not in response.data


def test_the_metrics_token_lets_a_remote_scraper_in_and_a_wrong_one_does_not(settings, db):
    board = dataclasses.replace(settings.board, metrics_token=TOKEN)
    app = create_app(dataclasses.replace(settings, board=board), db)
    client, remote = app.test_client(), {"REMOTE_ADDR": "203.0.113.9"}
    assert "inbox_tips" in _scrape(client, environ_base=remote, headers={"Authorization": f"Bearer {TOKEN}"})
    for header in (f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer ", TOKEN):
        assert client.get("/metrics", environ_base=remote, headers={"Authorization": header}).status_code == 404
    assert client.get("/metrics", environ_base=remote).status_code == 404


def test_without_a_configured_token_no_bearer_opens_it(client_for):
    response = client_for(None).get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                                    headers={"Authorization": "Bearer "})
    assert response.status_code == 404


def test_no_label_carries_a_readers_address_after_their_tip_is_ingested(settings, db, client_for):
    with db() as s, s.begin():
        s.add(Mailbox(name="tips", address="tips@newsroom.example"))
    with Pipeline(settings, db, sorter=None, processes=1) as pipeline:
        outcome = pipeline.process(MAIL, Source("tips", "INBOX", 1, 1))
    assert outcome.status == "stored", outcome
    with db() as s, s.begin():
        s.add(Reader(address=ADDRESS, protected=True, why="anonymity"))
    editor = client_for("editor")
    editor.get(f"/tips/{outcome.tip_id}")
    editor.get("/?q=maria")
    text = editor.get("/metrics").get_data(as_text=True)
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert _value(families, "inbox_tips_ingested", mailbox="tips") == 1
    values = {v for f in families.values() for sample in f.samples for v in sample.labels.values()}
    for secret in (ADDRESS, "lopezfamily", "maria", "ICE at the courthouse", "555-867-5309", "@"):
        assert not any(secret.lower() in v.lower() for v in values), secret
