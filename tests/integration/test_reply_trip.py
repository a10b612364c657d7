"""The whole trip of a reply: a reader's tip comes in through `inbox worker --once` (Dovecot),
an editor replies from the board's code, the job sends it to a real SMTP server (aiosmtpd) that
delivers it to the reader's own Dovecot mailbox; the reader answers it (In-Reply-To our
Message-ID, no References), and the answer comes back through `inbox worker --once` into the
same thread. A stranger who answers the same Message-ID gets a tip of their own."""
from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes
from email.policy import default

from sqlalchemy import select

from inbox.config import JobsSettings, load
from inbox.db import make_engine, session_factory
from inbox.models import Outgoing, Tip
from inbox.board.replies import send_reply
from inbox.outgoing.send import send_one
from tests.board.factories import make_user
from tests.integration.conftest import mailbox, new_user, write_config
from tests.integration.proc import Worker, migrated_sqlite
from tests.outgoing.conftest import smtp_server, smtp_settings  # noqa: F401  (a fixture)

READER = "ada@reader.example"


def _mail(sender: str, subject: str, body: str, message_id: str, in_reply_to: str = "") -> bytes:
    head = f"From: Ada <{sender}>\r\nTo: tips@newsroom.example\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
    head += "Date: Wed, 02 Dec 2026 08:00:00 +0000\r\n"
    if in_reply_to:
        head += f"In-Reply-To: {in_reply_to}\r\n"
    return (head + "\r\n" + body + "\r\n").encode()


def _once(config, tmp_path, n: int) -> None:
    worker = Worker(config, "--once", log=tmp_path / f"worker-{n}.log")
    assert worker.wait(180) == 0, worker.text()


def test_a_reply_reaches_the_reader_and_the_answer_joins_the_thread(dovecot, tmp_path, smtp_server):
    desk, reader_box = new_user(dovecot), new_user(dovecot)
    url = migrated_sqlite(tmp_path)
    config = write_config(tmp_path / "config.toml", url, [mailbox(dovecot, desk)])
    settings = replace(load(config), smtp=smtp_settings(smtp_server, append_sent=True),
                       jobs=JobsSettings(backend="immediate"))
    sessions = session_factory(make_engine(url))
    smtp_server.deliver = lambda rcpt, raw: dovecot.append(reader_box, "INBOX", [raw]) if rcpt == READER else None

    dovecot.append(desk, "INBOX", [_mail(READER, "Trucks at the depot", "Trucks at 3am, every night.", "<t1@reader.example>")])
    _once(config, tmp_path, 1)
    with sessions() as s:
        tip = s.scalars(select(Tip)).one()
        editor = make_user(s, "editor")
        row = send_reply(s, editor, tip.id, settings, body="Thank you. Can we talk?")
        s.commit()
        tip_id, row_id = tip.id, row.id
    assert send_one(settings, sessions, row_id) == "sent"

    with dovecot.client(reader_box) as c:  # the reader's own mailbox
        c.select_folder("INBOX")
        [uid] = c.search(["ALL"])
        got = message_from_bytes(c.fetch([uid], ["RFC822"])[uid][b"RFC822"], policy=default)
    with sessions() as s:
        ours = s.get(Outgoing, row_id).message_id
    assert got["Message-ID"] == f"<{ours}>" and got["In-Reply-To"] == "<t1@reader.example>"
    assert got["Subject"] == "Re: Trucks at the depot"
    with dovecot.client(desk) as c:  # the sent copy, in the desk mailbox's Sent folder
        c.select_folder("Sent", readonly=True)
        [uid] = c.search(["ALL"])
        copy = message_from_bytes(c.fetch([uid], ["RFC822"])[uid][b"RFC822"], policy=default)
    assert copy["Message-ID"] == f"<{ours}>"
    with sessions() as s:
        assert s.get(Outgoing, row_id).sent_copy == "appended"

    dovecot.append(desk, "INBOX", [
        _mail(READER, "Re: Re: Trucks at the depot", "Yes, call me tomorrow.", "<t2@reader.example>", f"<{ours}>"),
        _mail("stranger@elsewhere.example", "Re: Trucks", "Me too!", "<s1@elsewhere.example>", f"<{ours}>"),
    ])
    _once(config, tmp_path, 2)
    with sessions() as s:
        answer = s.scalars(select(Tip).where(Tip.message_id == "t2@reader.example")).one()
        stranger = s.scalars(select(Tip).where(Tip.message_id == "s1@elsewhere.example")).one()
        assert answer.thread_root_id == tip_id
        assert stranger.thread_root_id is None
