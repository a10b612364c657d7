"""The acknowledgement's rules as a table, one row per never-case (and the one that sends), and
two desks that acknowledge each other: at most one message each, through a real SMTP server."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from inbox.config import JobsSettings, MailboxSettings, RepliesSettings, Settings
from inbox.db import make_engine, session_factory
from inbox.models import Outgoing, Tip
from inbox.outgoing import queue_message
from inbox.outgoing.ack import acknowledge, acknowledge_stored, why_not
from inbox.pipeline import Pipeline, Source
from tests.board.factories import make_tip
from tests.conftest import create_schema
from tests.outgoing.conftest import smtp_settings

ON = RepliesSettings(acknowledge=True, acknowledge_days=30)


def _answered_before(s, tip):
    queue_message(s, kind="ack", to=tip.sender_address, subject="s", body="b")


def _follow_up(s, tip):
    tip.thread_root_id = make_tip(s, sender=tip.sender_address).id


def _answers_ours(s, tip):
    queue_message(s, kind="reply", to="x@y.example", subject="s", body="b", message_id="ours@desk.example")
    tip.in_reply_to = "ours@desk.example"


# (case, fields of the tip, something to set up first, the reason expected; None: it is sent)
CASES = [
    ("an ordinary reader", {}, None, None),
    ("no address", {"sender": ""}, None, "no sender address"),
    ("auto-reply header", {"is_auto_reply": True}, None, "an auto-reply (RFC 3834: never answer one)"),
    ("auto-reply by sorting", {"mail_kind": "auto_reply"}, None, "an auto-reply (RFC 3834: never answer one)"),
    ("bounce", {"is_bounce": True}, None, "a bounce"),
    ("bounce by sorting", {"mail_kind": "bounce"}, None, "a bounce"),
    ("list header", {"is_list": True}, None, "list or bulk mail"),
    ("newsletter", {"mail_kind": "newsletter"}, None, "list or bulk mail"),
    ("press release", {"mail_kind": "press_release"}, None, "list or bulk mail"),
    ("noreply@", {"sender": "noreply@shop.example"}, None, "a noreply-style sender"),
    ("no-reply+tag@", {"sender": "no-reply+x7@shop.example"}, None, "a noreply-style sender"),
    ("do-not-reply@", {"sender": "do-not-reply@bank.example"}, None, "a noreply-style sender"),
    ("MAILER-DAEMON@", {"sender": "MAILER-DAEMON@mx.example"}, None, "a noreply-style sender"),
    ("list -request@", {"sender": "city-news-request@lists.example"}, None, "a noreply-style sender"),
    ("spam verdict", {"is_spam": True}, None, "spam"),
    ("spam column", {"status": "spam"}, None, "spam"),
    ("not a tip", {"status": "not_tip"}, None, "not a tip"),
    ("the desk itself", {"sender": "tips@desk.example"}, None, "the desk's own address"),
    ("a follow-up", {}, _follow_up, "a follow-up in a thread"),
    ("an answer to our mail", {}, _answers_ours, "an answer to the desk's own mail"),
    ("acknowledged lately", {}, _answered_before, "sent one within acknowledge_days"),
]


@pytest.mark.parametrize("case, fields, setup, reason", CASES, ids=[c[0] for c in CASES])
def test_acknowledgement_rules(db, out_settings, case, fields, setup, reason):
    settings = replace(out_settings, replies=ON)
    with db() as s:
        fields = dict(fields)
        tip = make_tip(s, sender=fields.pop("sender", "ada@reader.example"), **fields)
        if setup:
            setup(s, tip)
        s.flush()
        assert why_not(s, settings, tip) == reason
        assert len(acknowledge(s, settings, [tip.id])) == (1 if reason is None else 0)


def test_off_by_default(db, out_settings):
    with db() as s:
        tip = make_tip(s)
        assert acknowledge(s, out_settings, [tip.id]) == []


def test_the_acknowledgement_is_content_free_and_automatic(db, out_settings, smtp_server):
    settings = replace(out_settings, replies=ON)
    with db() as s:
        tip_id = make_tip(s, subject="Secret depot", body="The mayor's trucks", sender="ada@reader.example",
                          message_id="m1@reader.example").id
        s.commit()
    assert len(acknowledge_stored(settings, db, [tip_id])) == 1
    [msg] = smtp_server.parsed()
    assert msg["Auto-Submitted"] == "auto-replied" and msg["In-Reply-To"] == "<m1@reader.example>"
    assert msg["Subject"] == ON.acknowledge_subject and msg["From"] == "Desk <tips@desk.example>"
    assert "depot" not in msg.get_content() and "mayor" not in msg.get_content()


def _desk(tmp_path, name: str, server) -> tuple[Settings, object]:
    url = f"sqlite:///{tmp_path / name}.db"
    engine = make_engine(url)
    create_schema(engine)
    address = f"tips@{name}.example"
    settings = Settings(data_dir=str(tmp_path / name), jobs=JobsSettings(backend="immediate"), replies=ON,
                        smtp=smtp_settings(server, from_address=f"Desk <{address}>"),
                        mailboxes=(MailboxSettings(name="tips", address=address),))
    return settings, session_factory(engine)


def test_two_desks_acknowledging_each_other_exchange_one_message_each(tmp_path, smtp_server):
    a, b = _desk(tmp_path, "a", smtp_server), _desk(tmp_path, "b", smtp_server)
    desks = {"tips@a.example": a, "tips@b.example": b}
    pipelines = {addr: Pipeline(s, sessions, sorter=None, processes=1) for addr, (s, sessions) in desks.items()}

    def deliver(to: str, raw: bytes, uid: int) -> None:
        settings, sessions = desks[to]
        outcome = pipelines[to].process(raw, Source("tips", "INBOX", 1, uid))
        acknowledge_stored(settings, sessions, [outcome.tip_id] if outcome.status == "stored" else [])

    # Each desk's editor wrote to the other desk once, by hand (a human message, no Auto-Submitted).
    for n, (sender, to) in enumerate([("tips@a.example", "tips@b.example"), ("tips@b.example", "tips@a.example")]):
        raw = (f"From: Editor <{sender.replace('tips', 'editor')}>\r\nTo: {to}\r\nSubject: hello\r\n"
               f"Message-ID: <h{n}@x.example>\r\n\r\nA word from one desk to the other.\r\n").encode()
        deliver(to, raw, n + 1)
    uid = 10
    seen = 0
    while seen < len(smtp_server.messages) and uid < 40:  # hand each acknowledgement on, until none comes
        _from, rcpts, raw = smtp_server.messages[seen]
        seen += 1
        uid += 1
        deliver(rcpts[0].replace("editor", "tips"), raw, uid)
    for p in pipelines.values():
        p.close()
    senders = [m["From"] for m in smtp_server.parsed()]
    assert sorted(senders) == ["Desk <tips@a.example>", "Desk <tips@b.example>"]
