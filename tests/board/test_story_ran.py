""""The story ran" on the board, with a real SMTP server: an editor links a published story to a
story card; each reader gets one note with the link, addressed to them alone, naming nobody
else; automatic senders get none; off unless the desk turns it on; editors only; audited."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from inbox.config import JobsSettings, RepliesSettings
from inbox.jobs import Queue
from inbox.models import AuditEntry, PublishedStory, Reader
from tests.board.factories import make_tip
from tests.outgoing.conftest import smtp_server, smtp_settings  # noqa: F401  (a fixture)

READERS = ["ada@reader.example", "bo@reader.example", "cy@protected.example"]
STORY = {"url": "https://news.example/depot", "headline": "Trucks at the depot, at night", "scope": "cluster"}


@pytest.fixture
def settings(settings, smtp_server):
    return replace(settings, smtp=smtp_settings(smtp_server), jobs=JobsSettings(backend="immediate"),
                   replies=RepliesSettings(story_ran_notes=True))


@pytest.fixture
def app(app, settings, db):
    app.extensions["inbox"]["jobs"] = Queue(settings, sessions=db)
    return app


@pytest.fixture
def tip_id(db):
    with db() as s, s.begin():
        first = make_tip(s, sender=READERS[0], cluster_id=5, topic="courts")
        make_tip(s, sender=READERS[0], cluster_id=5)  # the same reader twice: one note
        make_tip(s, sender=READERS[1], cluster_id=5)
        make_tip(s, sender=READERS[2], cluster_id=5)
        make_tip(s, sender="noreply@shop.example", cluster_id=5)
        make_tip(s, sender="list@lists.example", cluster_id=5, is_list=True)
        make_tip(s, sender="other@reader.example", cluster_id=6)  # another story
        s.add(Reader(address=READERS[2], protected=True, why="anonymity"))
        return first.id


def test_each_reader_gets_one_note_to_them_alone(client_for, tip_id, smtp_server, db):
    assert client_for("editor").post(f"/tips/{tip_id}/story-ran", STORY).status_code == 302
    got = smtp_server.parsed()
    assert sorted(m["To"] for m in got) == sorted(READERS)
    for m in got:
        raw = m.as_string()
        assert m["Cc"] is None and m["Auto-Submitted"] == "auto-replied"
        assert "https://news.example/depot" in m.get_content()
        assert [r for r in READERS + ["other@reader.example"] if r in raw] == [m["To"]]
        assert m["From"] == "Desk <tips@desk.example>"
    with db() as s:
        story = s.scalars(select(PublishedStory)).one()
        assert story.notes_queued == 3 and story.cluster_id == 5
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "story_ran")).one()
    assert "Trucks at the depot, at night" in client_for("editor").get(f"/tips/{tip_id}").get_data(as_text=True)


def test_a_second_story_within_the_days_tells_nobody_twice(client_for, tip_id, smtp_server):
    c = client_for("editor")
    c.post(f"/tips/{tip_id}/story-ran", STORY)
    c.post(f"/tips/{tip_id}/story-ran", STORY | {"url": "https://news.example/follow-up"})
    assert len(smtp_server.messages) == 3


def test_off_by_default(client_for, tip_id, smtp_server, app, settings):
    app.extensions["inbox"]["settings"] = replace(settings, replies=RepliesSettings())
    assert client_for("editor").post(f"/tips/{tip_id}/story-ran", STORY).status_code == 302
    assert smtp_server.messages == []


def test_reporters_may_not_and_bad_urls_are_refused(client_for, tip_id, smtp_server):
    assert client_for("reporter").post(f"/tips/{tip_id}/story-ran", STORY).status_code == 403
    assert client_for("editor").post(f"/tips/{tip_id}/story-ran", STORY | {"url": "javascript:alert(1)"}).status_code == 400
    assert smtp_server.messages == []
