"""Replying from the tip page, on the board app with a real SMTP server: who may, what goes
out (Re:, In-Reply-To/References, the desk's Message-ID, only the quoted part of the reader's
own message, never notes), From the desk for a protected reader, audited, state on the page."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from inbox.config import JobsSettings
from inbox.jobs import Queue
from inbox.config import SenderSettings
from inbox.models import AuditEntry, Note, Outgoing, Reader, ReplyTemplate
from tests.board.factories import make_mailbox, make_tip, sight
from tests.outgoing.conftest import smtp_server, smtp_settings  # noqa: F401  (a fixture)

READER = "ada@reader.example"
BODY = "The depot takes trucks at 3am.\nMy neighbour saw it too.\n"


@pytest.fixture
def settings(settings, smtp_server):
    smtp = smtp_settings(smtp_server, senders=(SenderSettings("tips", "Tips <tips@newsroom.example>"),))
    return replace(settings, smtp=smtp, jobs=JobsSettings(backend="immediate"))


@pytest.fixture
def app(app, settings, db):
    app.extensions["inbox"]["jobs"] = Queue(settings, sessions=db)
    return app


@pytest.fixture
def tip_id(db, users):
    with db() as s, s.begin():
        tip = make_tip(s, subject="Trucks at the depot", body=BODY, sender=READER, topic="courts",
                       message_id="orig@reader.example", references="earlier@reader.example")
        sight(s, tip, make_mailbox(s, "tips"), 1)
        s.add(Note(tip_id=tip.id, user_id=users["editor"][0], body="SECRET NOTE: call the depot manager"))
        return tip.id


def protect(db, address=READER):
    with db() as s, s.begin():
        s.add(Reader(address=address, protected=True, why="anonymity"))


def test_a_reporter_on_the_beat_replies_and_the_reader_gets_it(client_for, tip_id, smtp_server, db):
    c = client_for("reporter")
    r = c.post(f"/tips/{tip_id}/reply", {"body": "Thank you, we are looking into it.", "quote": "1",
                                          "quoted": "The depot takes trucks at 3am."})
    assert r.status_code == 302
    [msg] = smtp_server.parsed()
    assert msg["Subject"] == "Re: Trucks at the depot" and msg["To"] == READER
    assert msg["In-Reply-To"] == "<orig@reader.example>"
    assert msg["References"] == "<earlier@reader.example> <orig@reader.example>"
    assert msg["From"] == "Tips <tips@newsroom.example>"  # the mailbox's sender
    assert msg["Message-ID"].endswith("@desk.example>") and msg["Message-ID"].startswith("<")
    text = msg.get_content()
    assert "Thank you, we are looking into it." in text and "> The depot takes trucks at 3am." in text
    assert "neighbour" not in text and "SECRET NOTE" not in text
    with db() as s:
        row = s.scalars(select(Outgoing)).one()
        assert row.state == "sent" and f"<{row.message_id}>" == msg["Message-ID"]
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "reply")).one().detail == f"outgoing {row.id}"
    page = c.get(f"/tips/{tip_id}").get_data(as_text=True)
    assert 'data-state="sent"' in page and "250 2.0.0" in page


def test_a_protected_reader_gets_the_reply_from_the_desk(client_for, tip_id, smtp_server, db):
    protect(db)
    r = client_for("editor").post(f"/tips/{tip_id}/reply", {"body": "Thank you."})
    assert r.status_code == 302
    [msg] = smtp_server.parsed()
    assert msg["From"] == "Desk <tips@desk.example>"


def test_a_reporter_who_may_not_see_the_reader_can_neither_reply_nor_see_the_address(client_for, tip_id, smtp_server, db):
    protect(db)
    c = client_for("reporter")
    page = c.get(f"/tips/{tip_id}").get_data(as_text=True)
    assert 'id="reply-form"' not in page and READER not in page
    assert c.post(f"/tips/{tip_id}/reply", {"body": "hello"}).status_code == 403
    assert smtp_server.messages == []


def test_quoting_anything_but_the_readers_message_is_refused(client_for, tip_id, smtp_server):
    r = client_for("editor").post(f"/tips/{tip_id}/reply", {"body": "x", "quote": "1",
                                                            "quoted": "SECRET NOTE: call the depot manager"})
    assert r.status_code == 400 and smtp_server.messages == []


def test_a_canned_reply_fills_its_placeholders(client_for, tip_id, smtp_server, db, users):
    with db() as s, s.begin():
        s.add(ReplyTemplate(name="thanks", body="Dear {reader_name}, thank you for '{subject}'. {unknown} {writer}"))
    with db() as s:
        template_id = s.scalars(select(ReplyTemplate.id)).one()
    assert client_for("reporter").post(f"/tips/{tip_id}/reply", {"template_id": str(template_id)}).status_code == 302
    [msg] = smtp_server.parsed()
    assert msg.get_content().strip() == "Dear Ada Reader, thank you for 'Trucks at the depot'. {unknown} Reporter " + \
        msg.get_content().strip().rsplit("Reporter ", 1)[1]


def test_a_reporter_off_the_beat_gets_not_found(client_for, db, users, smtp_server):
    with db() as s, s.begin():
        other = make_tip(s, sender=READER, topic="sports").id
    assert client_for("reporter").post(f"/tips/{other}/reply", {"body": "x"}).status_code == 404


def test_admins_edit_canned_replies_in_the_browser_and_it_is_audited(client_for, db):
    admin = client_for("admin")
    assert admin.post("/admin/replies", {"name": "thanks", "body": "Dear {reader_name}, thank you."}).status_code == 302
    with db() as s:
        row = s.scalars(select(ReplyTemplate)).one()
    assert admin.post(f"/admin/replies/{row.id}", {"name": "thanks", "body": "Thank you, {reader_name}."}).status_code == 302
    assert "Thank you, {reader_name}." in admin.get("/admin/replies").get_data(as_text=True)
    assert admin.post(f"/admin/replies/{row.id}/delete").status_code == 302
    with db() as s:
        assert s.scalars(select(ReplyTemplate)).all() == []
        details = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "reply_template")
                            .order_by(AuditEntry.id)).all()
    assert details == ["added", "changed", "deleted"]
    assert client_for("editor").get("/admin/replies").status_code in (403, 404)
    assert client_for("editor").post("/admin/replies", {"name": "x", "body": "y"}).status_code in (403, 404)


def test_with_the_smtp_server_down_the_page_shows_the_retry_and_the_answer(client_for, tip_id, smtp_server):
    smtp_server.stop()
    c = client_for("editor")
    assert c.post(f"/tips/{tip_id}/reply", {"body": "Thank you."}).status_code == 302
    page = c.get(f"/tips/{tip_id}").get_data(as_text=True)
    assert 'data-state="waiting to retry"' in page and "connect: ConnectionRefusedError" in page
