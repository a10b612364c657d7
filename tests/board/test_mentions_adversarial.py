"""Trying to get a protected reader past the mentions check (inbox/board/mentions.py): her address
written in another case, glued to punctuation or with a "+tag"; her name split, reversed, with an
initial or without its accents; a mention only in the HTML; searches that the full-text index
matches loosely; a grant that ends on another host's clock; bodies built to make the checks slow."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from inbox.board import export, mentions, redact
from inbox.board.access import Readers
from inbox.board.queries import Filters
from inbox.models import Note, Reader, ReaderGrant, User, utcnow
from inbox.models.readers import protect_if_at_risk
from tests.api.conftest import api_for  # noqa: F401 - the API clients, on the board's fixtures
from tests.board.factories import make_tip

NAME, ADDRESS = "Ana Ruiz", "ana.ruiz@elmcourt.example"
IDENTITY = ("ana ruiz", "ana.ruiz", "ruiz", "elmcourt")


def _leaks(text: str) -> list[str]:
    return [term for term in IDENTITY if term in text.lower()]


@pytest.fixture
def ana(db):
    """Ana's own tip: she asked not to be named (protected), on the reporter's beat."""
    with db() as s, s.begin():
        own = make_tip(s, subject="Boiler at Elm Court", body="The boiler failed again. Please don't use my name.",
                       sender=ADDRESS, sender_name=NAME, topic="courts", sensitive="anonymity", age_hours=40)
        protect_if_at_risk(s, ADDRESS, own.sensitive, own.received_at)
        return own.id


def _other(db, subject="Elm Court heat", body="No heat at Elm Court.", sender="ben@neighbours.example", **fields):
    with db() as s, s.begin():
        return make_tip(s, subject=subject, body=body, sender=sender, sender_name="Ben Neighbour", topic="courts",
                        **fields).id


ADDRESS_FORMS = (
    "ANA.RUIZ@ElmCourt.Example",                   # another case
    "<ana.ruiz@elmcourt.example>.",                # angle brackets and a full stop
    "mailto:ana.ruiz@elmcourt.example",            # a link's target, copied
    "(ana.ruiz@elmcourt.example),",                # brackets and a comma
    "--ana.ruiz@elmcourt.example",                 # dashes glued before it
    "ana.ruiz+tenants@elmcourt.example",           # her mailbox with a tag
)


@pytest.mark.parametrize("form", ADDRESS_FORMS)
def test_her_address_in_any_form_is_withheld_on_the_page_and_the_card(client_for, api_for, db, ana, form):
    tip = _other(db, subject=f"Fwd: from {form}", body=f"Forwarding what {form} sent the tenants.")
    page = client_for("reporter").get(f"/tips/{tip}").get_data(as_text=True)
    assert _leaks(page) == [] and "sent the tenants" in page
    (card,) = [t for t in api_for("reporter").get("/api/v1/tips?topic=courts").get_json()["items"] if t["id"] == tip]
    assert _leaks(str(card)) == []


NAME_FORMS = (
    "ana\nruiz told me the boiler failed",   # split across a line break
    "Ana M. Ruiz told me the boiler failed",  # a middle initial
    "Ruiz, Ana told me the boiler failed",    # last name first
    "ANA   RUIZ told me the boiler failed",   # upper case, spaces
)


@pytest.mark.parametrize("body", NAME_FORMS)
def test_her_name_in_another_form_is_withheld(client_for, db, ana, body):
    tip = _other(db, body=body)
    page = client_for("reporter").get(f"/tips/{tip}").get_data(as_text=True)
    assert _leaks(page) == [] and "told me the boiler failed" in page


def test_a_name_written_without_its_accents_is_withheld(client_for, db):
    with db() as s, s.begin():
        own = make_tip(s, subject="Heat", body="No heat.", sender="maria@flats.example", sender_name="María López",
                       topic="courts", sensitive="anonymity", age_hours=40)
        protect_if_at_risk(s, "maria@flats.example", own.sensitive, own.received_at)
    tip = _other(db, body="Maria Lopez from 2A says the heat is off.")
    page = client_for("reporter").get(f"/tips/{tip}").get_data(as_text=True)
    assert "Lopez" not in page and "López" not in page and "from 2A says the heat is off" in page


def test_a_name_written_with_accents_it_was_not_stored_with_is_withheld(client_for, db, ana):
    tip = _other(db, body="Ána Ruíz from 3B says the boiler failed.")
    page = client_for("reporter").get(f"/tips/{tip}").get_data(as_text=True)
    assert "Ruíz" not in page and "from 3B says" in page


def test_a_mention_only_in_the_html_part_keeps_the_html_and_her_away(client_for, db, ana):
    html = (f"<p>Same here.</p><blockquote>On Mon, Ana&nbsp;<b>Ruiz</b> &lt;{ADDRESS}&gt; wrote:"
            "<br>No heat.</blockquote>")
    tip = _other(db, body="Same here.", html_body=html)
    page = client_for("reporter").get(f"/tips/{tip}").get_data(as_text=True)
    assert "srcdoc" not in page and _leaks(page) == []
    assert "srcdoc" in client_for("editor").get(f"/tips/{tip}").get_data(as_text=True)


def test_a_mention_by_name_only_in_the_html_part_keeps_the_html_away(client_for, db, ana):
    tip = _other(db, body="Same here.", html_body="<p>Ana&nbsp;<i>Ruiz</i> told me first.</p>")
    assert "srcdoc" not in client_for("reporter").get(f"/tips/{tip}").get_data(as_text=True)


def test_a_note_naming_her_and_the_thread_list_withhold_her(client_for, db, users, ana):
    root = _other(db, subject="Elm Court", body="Heat is off.")
    with db() as s, s.begin():
        make_tip(s, subject=f"Re: Elm Court, cc {ADDRESS}", body="More.", sender="cara@neighbours.example",
                 topic="courts", thread_root_id=root)
        s.add(Note(tip_id=root, user_id=users["editor"][0], body="Ana Ruiz called us back about this."))
    page = client_for("reporter").get(f"/tips/{root}").get_data(as_text=True)
    assert _leaks(page) == [] and "called us back" in page


def test_a_protected_reader_granted_to_the_viewer_does_not_show_another_she_names(client_for, db, users, ana):
    with db() as s, s.begin():
        s.add(Reader(address="zed@neighbours.example", protected=True, why="asked"))
        make_tip(s, subject="Noise", body="Loud.", sender="zed@neighbours.example", sender_name="Zed Quill",
                 topic="courts", age_hours=50)
        mine = make_tip(s, subject="Re: Boiler", body="Zed Quill <zed@neighbours.example> saw it too.",
                        sender=ADDRESS, sender_name=NAME, topic="courts")
        reader = s.scalar(select(Reader).where(Reader.address == ADDRESS))
        s.add(ReaderGrant(reader_id=reader.id, user_id=users["reporter"][0], granted_by=users["editor"][0], reason="x"))
        mine = mine.id
    page = client_for("reporter").get(f"/tips/{mine}").get_data(as_text=True)
    assert "Ana Ruiz" in page  # granted: she is shown
    assert "Zed" not in page and "zed@" not in page and "Quill" not in page and "saw it too" in page


def test_the_export_as_a_reporter_withholds_her_full_name_in_a_subject(db, users, ana):
    _other(db, subject="What Ana Ruiz saw at the boiler")
    text = "".join(export.stream(db, users["reporter"][0], Filters.from_args({"topic": "courts"}, 50), "test-secret-key",
                                 via="cli"))
    rows = list(csv.reader(io.StringIO(text)))
    assert _leaks(str(rows[0])) == [] and _leaks(str(rows[1:])) == [] and len(rows) >= 2


SEARCHES = ("Ruiz", "RUIZ", "Rúiz", "Ruizes", "Anas", "elmcourt", "ana.ruiz")


@pytest.mark.parametrize("words", SEARCHES)
def test_a_search_for_her_finds_nothing_that_only_names_her_counts_and_api_too(client_for, api_for, db, ana, words):
    reply = _other(db, subject="Re: Boiler", body=f"Same here.\nOn Mon, {NAME} <{ADDRESS}> wrote:\n> No heat.")
    by_name = _other(db, subject="Boiler", body="Ana Ruiz from 3B says the boiler failed.")
    page = client_for("reporter").get(f"/?q={words}").get_data(as_text=True)
    assert f'href="/tips/{reply}"' not in page and f'href="/tips/{by_name}"' not in page
    assert set(re.findall(r'class="column-count">(\d+)', page)) <= {"0"}  # no column counts them
    ids = {t["id"] for t in api_for("reporter").get(f"/api/v1/tips?q={words}").get_json()["items"]}
    assert ids.isdisjoint({reply, by_name})
    if words == "Ruiz":  # (PostgreSQL reads an address as one word: "elmcourt" alone finds it nowhere)
        assert f'href="/tips/{reply}"' in client_for("editor").get(f"/?q={words}").get_data(as_text=True)


def test_a_grant_ended_on_a_clock_behind_the_last_end_hides_her_again(client_for, db, users, ana):
    tip = _other(db, body="Ana Ruiz told me.")
    reporter, page = client_for("reporter"), f"/tips/{tip}"
    with db() as s, s.begin():  # an older grant of another reader, ended an hour ago
        s.add(Reader(address="old@x.example", protected=True, why="asked"))
        s.flush()
        old = s.scalar(select(Reader).where(Reader.address == "old@x.example"))
        s.add(ReaderGrant(reader_id=old.id, user_id=users["reporter"][0], granted_by=users["editor"][0], reason="x",
                          revoked_at=utcnow()))
        her = s.scalar(select(Reader).where(Reader.address == ADDRESS))
        s.add(ReaderGrant(reader_id=her.id, user_id=users["reporter"][0], granted_by=users["editor"][0], reason="x"))
    assert "Ana Ruiz" in reporter.get(page).get_data(as_text=True)  # granted; the process keeps it
    with db() as s, s.begin():  # another host, its clock two hours behind, ends her grant
        grant = s.scalar(select(ReaderGrant).where(ReaderGrant.reader_id == her.id))
        grant.revoked_at = utcnow() - timedelta(hours=2)
    assert "Ruiz" not in reporter.get(page).get_data(as_text=True)


@pytest.mark.xfail(strict=True, reason="_hidden_rows reads only tips with an id above the last it saw: a tip "
                                       "committed late with a lower id (two intake workers on PostgreSQL) and a "
                                       "new name of a protected reader is never read until a protection or grant changes")
def test_a_late_committed_lower_id_tip_with_a_new_name_of_hers_is_read(client_for, db, ana):
    tip = _other(db, body="Annie Ruizova told me.")
    with db() as s, s.begin():
        make_tip(s, subject="later", body="later", sender="zz@else.example", id=10_000)
    reporter = client_for("reporter")
    assert "Annie Ruizova" in reporter.get(f"/tips/{tip}").get_data(as_text=True)  # no such name of hers yet
    with db() as s, s.begin():  # a worker's tip with a lower id commits afterwards: she signs another way
        make_tip(s, subject="Boiler", body="Still cold.", sender=ADDRESS, sender_name="Annie Ruizova", id=5_000)
    assert "Ruizova" not in reporter.get(f"/tips/{tip}").get_data(as_text=True)


# Performance: what a hostile body or a big desk costs the checks.

def _reader_viewer(session, rows):
    viewer = User(id=10**6, role="reporter", beats="", email="")
    readers = Readers(session, viewer, "secret")
    readers.memo["hidden"] = rows  # as _hidden_rows would have read them
    return readers


def test_a_long_run_of_letters_before_an_at_sign_is_no_address():
    # What it costs is printed by bench/mentions.py (the old pattern took a minute on 200 KB).
    for body in ("x " + "a" * 1_000_000 + "@", "a." * 500_000 + "@", "@" + "b" * 1_000_000):
        assert mentions.addresses_in(body) == set(), body[:10]


def test_thousands_of_protected_readers_and_a_10_mb_body_find_the_one_named(db):
    rows = tuple(sorted((f"r{i}@flats.example", f"Reader{i} Family{i}") for i in range(5000)))
    body = ("word " * 2_000_000) + "Reader4321 Family4321 told me."
    with db() as s:
        readers = _reader_viewer(s, rows)
        assert mentions._by_name(readers, (body,)) == {"r4321@flats.example": "Reader4321 Family4321"}
        out = redact.redact_mentions(body, (redact.Who("Reader4321 Family4321", "r4321@flats.example"),))
        assert "Family4321" not in out and out.endswith("[name withheld] told me.")


@pytest.mark.xfail(strict=True, reason="a sender's own display name is never compared with the hidden readers' "
                                       "names: her name as another, unprotected address's sender shows on the card "
                                       "and the page (a homonym or her second address: the lead's call)")
def test_her_name_as_the_display_name_of_another_address_is_withheld(client_for, db, ana):
    with db() as s, s.begin():
        tip = make_tip(s, subject="Heat", body="Still no heat.", sender="ana.work@office.example", sender_name=NAME,
                       topic="courts").id
    assert NAME not in client_for("reporter").get(f"/tips/{tip}").get_data(as_text=True)
