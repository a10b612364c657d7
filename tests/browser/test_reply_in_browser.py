"""In Chromium: a reporter opens a tip on her beat, picks the desk's canned reply, sends it, and
sees it in the tip's mail to the reader as sent (a real SMTP server took it)."""
from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import select

from inbox.config import JobsSettings
from inbox.jobs import Queue
from inbox.models import Reader, ReplyTemplate, Tip
from tests.browser.harness import RunningBoard, login, swapped
from tests.outgoing.conftest import smtp_server, smtp_settings  # noqa: F401  (a fixture)


@pytest.fixture
def reply_board(tmp_path, smtp_server):
    from waitress import create_server

    from inbox.board import create_app
    from inbox.commands.demo import demo_settings, prepare
    from inbox.config import Settings

    demo = prepare(demo_settings(Settings(data_dir=str(tmp_path)), host="127.0.0.1", port=0))
    settings = replace(demo.settings, smtp=smtp_settings(smtp_server), jobs=JobsSettings(backend="immediate"))
    app = create_app(settings, demo.sessions)
    app.extensions["inbox"]["jobs"] = Queue(settings, sessions=demo.sessions)
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="tip-inbox-test")
    thread = threading.Thread(target=server.run, name="board", daemon=True)
    thread.start()
    running = RunningBoard(f"http://127.0.0.1:{server.effective_port}/", demo, server, thread)
    yield running
    running.close()


def test_a_reporter_replies_with_a_canned_reply_and_sees_it_sent(browser, reply_board, smtp_server):
    from tests.browser.harness import new_context

    with reply_board.demo.sessions() as s:
        s.add(ReplyTemplate(name="Thanks, we are on it", body="Dear {reader_name}, thank you: we are looking into it. {writer}"))
        protected = select(Reader.address).where(Reader.protected.is_(True))
        tip = s.scalars(select(Tip).where(Tip.topic == "Elections", Tip.thread_root_id.is_(None),
                                          Tip.status == "new", Tip.sender_address != "",
                                          Tip.sender_address.not_in(protected)).order_by(Tip.id)).first()
        assert tip is not None, "the demo has an Elections tip from an unprotected reader"
        tip_id, reader = tip.id, tip.sender_address
        s.commit()
    context = new_context(browser, reply_board)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, reply_board, "reporter")
        page.goto(reply_board.url + f"tips/{tip_id}")
        page.select_option("#reply-template", label="Thanks, we are on it")
        with swapped(page):
            page.click("#reply-submit")
        sent = page.locator("#replies li.outgoing[data-state=sent]")
        assert sent.count() == 1
        assert "thank you: we are looking into it. Maya Torres" in sent.locator(".out-body").inner_text()
        assert "reply by Maya Torres" in sent.inner_text()
    finally:
        context.close()
    [msg] = smtp_server.parsed()
    assert msg["To"] == reader and "we are looking into it" in msg.get_content()
