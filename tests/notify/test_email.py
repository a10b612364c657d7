"""Notification emails reach a real SMTP server (aiosmtpd, through the outbox of inbox/outgoing):
to the assignee, the @mentioned and the users whose beat an urgent tip is on, as each chose;
content-free by default; with content on, a protected reader stays masked for a user who may
not see them."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from inbox.jobs import Queue
from inbox.models import NotifyPref, Reader, User
from tests.board.factories import make_tip, make_user
from tests.outgoing.conftest import smtp_server, smtp_settings  # noqa: F401 - the fixture

SECRET_WORDS = ("Ada Reader", "reader@example.org", "Trucks at the depot", "unloading")


@pytest.fixture
def settings(settings, smtp_server):  # noqa: F811 - the notify settings, with the SMTP server
    return replace(settings, smtp=smtp_settings(smtp_server))


def bodies(server):
    return [(m["To"], m["Subject"], m.get_content()) for m in server.parsed()]


def assert_content_free(server):
    for to, subject, body in bodies(server):
        for word in SECRET_WORDS:
            assert word not in subject and word not in body, (to, word)


def make_beat_tip(db, **fields):
    with db() as s, s.begin():
        return make_tip(s, topic="courts", **fields).id


def test_the_assignee_gets_an_email_with_the_tip_number_and_link_only(client_for, db, users, smtp_server):
    tip_id = make_beat_tip(db)
    reporter_id, reporter_email = users["reporter"]
    editor = client_for("editor")
    assert editor.post(f"/tips/{tip_id}/assign", data={"assignee_id": str(reporter_id), "version": "1"}).status_code == 302
    smtp_server.wait_for(1)
    ((to, subject, body),) = bodies(smtp_server)
    assert to == reporter_email and f"#{tip_id}" in subject and "assigned to you" in subject
    assert f"https://tips.newsroom.example/tips/{tip_id}" in body and "courts" in body
    assert_content_free(smtp_server)
    assert smtp_server.parsed()[0]["From"] == "Desk <tips@desk.example>"


def test_a_mention_in_a_note_emails_the_mentioned_user(client_for, db, users, smtp_server):
    tip_id = make_beat_tip(db)
    with db() as s, s.begin():
        make_user(s, "editor", "ada.jones@newsroom.example")
    client_for("editor").post(f"/tips/{tip_id}/notes", data={"body": "@ada.jones can you call the clerk? @nobody"})
    smtp_server.wait_for(1)
    ((to, subject, body),) = bodies(smtp_server)
    assert to == "ada.jones@newsroom.example" and "mentioned" in subject
    assert "call the clerk" not in body  # the note's words stay on the board
    assert_content_free(smtp_server)


def test_an_urgent_tip_emails_the_users_whose_beat_it_is_on_who_chose_it(db, settings, users, smtp_server):
    with db() as s, s.begin():
        quiet = make_user(s, "reporter", "quiet@newsroom.example", beats="courts")
        s.add(NotifyPref(user_id=quiet.id, assigned=True, mentioned=True, urgent_on_beats=False, digest=False,
                         last_digest_on=""))
        make_user(s, "reporter", "schools@newsroom.example", beats="schools")
    tip_id = make_beat_tip(db, urgent=True)
    Queue(settings, sessions=db).enqueue("notify.new_tips", tip_ids=[tip_id])
    smtp_server.wait_for(1)
    assert [to for to, _s, _b in bodies(smtp_server)] == [users["reporter"][1]]
    assert "Urgent tip" in bodies(smtp_server)[0][1]
    assert_content_free(smtp_server)


def test_with_content_on_a_protected_reader_is_masked_for_a_user_who_may_not_see_them(db, settings, users, smtp_server):
    settings = replace(settings, notify=replace(settings.notify, email_include_content=True))
    with db() as s, s.begin():
        s.add(Reader(address="reader@example.org", protected=True, why="asked"))
        boss = make_user(s, "editor", "boss@newsroom.example", beats="courts")
        boss_id = boss.id
    tip_id = make_beat_tip(db, urgent=True)
    Queue(settings, sessions=db).enqueue("notify.new_tips", tip_ids=[tip_id])
    smtp_server.wait_for(2)
    got = {to: body for to, _s, body in bodies(smtp_server)}
    reporter = got[users["reporter"][1]]
    assert "reader@example.org" not in reporter and "Ada Reader" not in reporter and "From: Reader " in reporter
    assert "reader@example.org" in got["boss@newsroom.example"]  # an editor may see the reader
    assert boss_id


def test_a_user_who_turned_assignment_emails_off_gets_none(client_for, db, users, smtp_server):
    reporter = client_for("reporter")
    assert reporter.get("/account/notifications").status_code == 200
    assert reporter.post("/account/notifications", data={"mentioned": "1"}).status_code == 302
    with db() as s:
        pref = s.get(NotifyPref, users["reporter"][0])
        assert (pref.assigned, pref.mentioned, pref.urgent_on_beats, pref.digest) == (False, True, False, False)
    tip_id = make_beat_tip(db)
    client_for("editor").post(f"/tips/{tip_id}/assign", data={"assignee_id": str(users["reporter"][0]), "version": "1"})
    assert smtp_server.messages == []


def test_the_daily_digest_lists_tips_the_user_may_open_without_content(db, settings, users, smtp_server):
    from inbox.notify.jobs import sweep_job

    settings = replace(settings, notify=replace(settings.notify, digest_hour=0))
    reporter_id = users["reporter"][0]
    with db() as s, s.begin():
        s.add(NotifyPref(user_id=reporter_id, assigned=True, mentioned=True, urgent_on_beats=True, digest=True,
                         last_digest_on=""))
        mine = make_tip(s, topic="courts", age_hours=5).id
        other = make_tip(s, topic="schools", age_hours=5).id
    queue = Queue(settings, sessions=db)
    sweep_job(queue.context())
    sweep_job(queue.context())  # once a day, however often the sweep runs
    smtp_server.wait_for(1)
    ((to, subject, body),) = bodies(smtp_server)
    assert to == users["reporter"][1] and "digest" in subject
    assert f"#{mine} · courts" in body and f"#{other}" not in body
    assert_content_free(smtp_server)
    with db() as s:
        assert s.scalars(select(User).where(User.id == reporter_id)).one()
