"""`inbox demo --no-serve`: the demo database through the real migrations and pipeline, twice."""
from __future__ import annotations

import contextlib
import io
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from inbox.cli import main
from inbox.commands.demo import DEMO_USERS
from inbox.db import make_engine, session_factory
from inbox.demo import message_names
from inbox.models import Tip, User

ACCOUNT_LINE = re.compile(r"^\s+(admin|editor|reporter)\s+(\S+@station\.example)\s+(\S+)$", re.M)


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    """Runs the demo twice in an empty folder; yields both outputs and the database's sessions."""
    folder = tmp_path_factory.mktemp("demo")
    mp = pytest.MonkeyPatch()
    mp.chdir(folder)
    runs = []
    for _ in range(2):
        with contextlib.redirect_stdout(io.StringIO()) as buffer:
            assert main(["demo", "--no-serve"]) == 0
        out = buffer.getvalue()
        runs.append((out, {email: pw for _role, email, pw in ACCOUNT_LINE.findall(out)}))
    engine = make_engine(f"sqlite:///{folder / 'var' / 'inbox.db'}")
    yield folder, runs, session_factory(engine)
    engine.dispose()
    mp.undo()


def _tip(sessions, message_id: str) -> Tip:
    """A demo tip as the board reads it: opened with the demo's own key (the demo encrypts
    HTML and protected readers' text at rest). The store keeps Message-IDs without brackets."""
    from pathlib import Path

    from inbox.commands.demo import demo_encryption
    from inbox.config import Settings
    from inbox.sealing import open_in_place
    from inbox.vault import unlock

    data_dir = Path(sessions.kw["bind"].url.database).parent
    vault = unlock(demo_encryption(Settings(data_dir=str(data_dir))))
    with sessions() as s:
        tip = s.scalar(select(Tip).where(Tip.message_id == message_id.strip("<>")).options(undefer(Tip.html_body)))
        if tip is not None:
            open_in_place(vault, tip, html=True)
        return tip


def test_demo_creates_sqlite_under_var_and_stores_every_message(demo_runs):
    folder, runs, sessions = demo_runs
    assert (folder / "var" / "inbox.db").exists()
    first, _ = runs[0]
    n = len(message_names())
    assert f"Demo mailbox: {n} messages:" in first
    assert "0 quarantined" in first
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Tip)) == n


def test_running_the_demo_again_stores_nothing_new(demo_runs):
    _folder, runs, sessions = demo_runs
    second, _ = runs[1]
    n = len(message_names())
    assert f"0 stored, 0 threaded as follow-ups, {n} already there" in second
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Tip)) == n


def test_each_run_prints_new_passwords_that_work(demo_runs):
    from inbox.board.auth import check_password

    _folder, runs, sessions = demo_runs
    (_, first), (_, second) = runs
    assert set(first) == set(second) == {email for email, *_ in DEMO_USERS}
    with sessions() as s:
        for email, password in second.items():
            user = s.scalar(select(User).where(User.email == email))
            assert check_password(user, password)
            assert not check_password(user, first[email])
            assert first[email] != password


def test_demo_roles_are_admin_editor_reporter(demo_runs):
    _folder, _runs, sessions = demo_runs
    with sessions() as s:
        roles = dict(s.execute(select(User.email, User.role)).all())
    assert roles == {email: role for email, _name, role, _beats in DEMO_USERS}


def test_follow_up_from_the_same_reader_joins_the_thread(demo_runs):
    sessions = demo_runs[2]
    first = _tip(sessions, "<20261102083114.4471@mail.example.org>")
    follow_up = _tip(sessions, "<20261105211902.5120@mail.example.org>")
    assert first.thread_root_id is None
    assert follow_up.thread_root_id == first.id


def test_reply_from_another_reader_quoting_a_tip_is_not_threaded(demo_runs):
    sessions = demo_runs[2]
    reply = _tip(sessions, "<re-parkview-sam-3@example.net>")
    assert reply.in_reply_to == "parkview-evict-19@example.org"
    assert reply.thread_root_id is None


def test_auto_reply_and_bounce_are_recognised(demo_runs):
    sessions = demo_runs[2]
    assert _tip(sessions, "<ooo-7731-bl@dunmore-county.example>").is_auto_reply
    assert _tip(sessions, "<20261118093001.A1B2C3@mx.station.example>").is_bounce
    assert not _tip(sessions, "<20261102083114.4471@mail.example.org>").is_auto_reply


def test_html_tip_is_sanitised_without_the_tracking_pixel(demo_runs):
    sessions = demo_runs[2]
    tip = _tip(sessions, "<maple-grove-html-22@example.org>")
    assert tip.html_body and "Maple Grove Care Center" in tip.html_body
    assert "track.mailer.example" not in tip.html_body
    with sessions() as s:
        inline = [a for a in s.get(Tip, tip.id).attachments if a.content_id]
    assert [a.content_type for a in inline] == ["image/png"]


def test_attachments_are_recorded_with_type_and_size(demo_runs):
    sessions = demo_runs[2]
    with sessions() as s:
        pdf = s.get(Tip, _tip(sessions, "<doc-memo-pdf-3@example.net>").id).attachments
        png = s.get(Tip, _tip(sessions, "<elm-bridge-photo-1@example.com>").id).attachments
    assert [(a.filename, a.content_type) for a in pdf] == [("weekend-operations-memo.pdf", "application/pdf")]
    assert [(a.filename, a.content_type) for a in png] == [("elm-st-pier-3.png", "image/png")]
    assert all(a.size > 100 for a in pdf + png)


def test_charsets_and_encoded_words_are_decoded(demo_runs):
    sessions = demo_runs[2]
    latin1 = _tip(sessions, "<pena-lead-latin1@example.org>")
    assert latin1.subject == "Lead in the water at Peña Elementary — parents never told"
    assert latin1.sender_name == "Zoë Castañeda"
    assert "Peña Elementary in August" in latin1.text_body
    assert "grandson’s asthma" in _tip(sessions, "<cedar-court-cp1252@example.net>").text_body
    assert "José Núñez" in _tip(sessions, "<qp-utf8-nunez@example.com>").text_body
    assert "señora Torres" in _tip(sessions, "<5566aa-detenido@example.org>").text_body


def test_sensitive_tips_are_flagged_by_the_sorter(demo_runs):
    sessions = demo_runs[2]
    for message_id in ("<b1e2c3d4-ice-courthouse@example.com>", "<9f8e7d6c-5b4a@example.net>"):
        kinds = set(_tip(sessions, message_id).sensitive.split(","))
        assert {"immigration_status", "phone"} <= kinds, (message_id, kinds)
    assert "minor" in _tip(sessions, "<principal-resign-77@example.net>").sensitive.split(",")
    assert _tip(sessions, "<CAF3kx9-dmv-7720@mail.example.com>").sensitive == ""
