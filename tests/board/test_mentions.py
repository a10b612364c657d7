"""A protected reader named in another reader's mail (a neighbour's reply-all that quotes her, a
forward of her message) stays hidden from a viewer who may not see her: on the tip page, the
board's cards, the API and the CSV export; editors still read it all."""
from __future__ import annotations

import csv
import io

import pytest

from inbox.board import export
from inbox.board.queries import Filters
from inbox.models import ClusterSuggestion, Note
from inbox.models.readers import protect_if_at_risk
from tests.api.conftest import api_for  # noqa: F401 - the API clients, on the board's fixtures
from tests.board.factories import make_tip

NAME, ADDRESS = "Ana Ruiz", "ana.ruiz@elmcourt.example"
IDENTITY = ("Ana Ruiz", ADDRESS, "Ruiz", "elmcourt")
REPLY = ("Same here, the landlord ignored our calls for two weeks.\n"
         f"On Mon, Dec 4, 2026 at 9:00 AM {NAME} <{ADDRESS}> wrote:\n"
         "> The boiler at Elm Court failed again and nobody came.")
WORDS = ("the landlord ignored our calls", "The boiler at Elm Court failed again")


@pytest.fixture
def tips(db, users):
    """Ana's own tip (she asked not to be named: protected), a neighbour's reply-all quoting her,
    and a forward whose subject gives her address, both from readers nobody protects."""
    with db() as s, s.begin():
        own = make_tip(s, subject="Boiler at Elm Court", body="The boiler failed again. Please don't use my name.",
                       sender=ADDRESS, sender_name=NAME, topic="courts", sensitive="anonymity")
        protect_if_at_risk(s, ADDRESS, own.sensitive, own.received_at)
        reply = make_tip(s, subject="Re: Boiler at Elm Court", body=REPLY, sender="ben@neighbours.example",
                         sender_name="Ben Neighbour", topic="courts", html_body=f"<p>{NAME} wrote</p>")
        reply.new_text_end = REPLY.index("On Mon")
        forward = make_tip(s, subject=f"Fwd: from {ADDRESS}", body="Forwarding what she sent the tenants.",
                           sender="cara@neighbours.example", sender_name="Cara", topic="courts", cluster_id=7)
        mate = make_tip(s, subject="Elm Court heat", body="No heat at Elm Court.", sender="dee@neighbours.example",
                        topic="courts", cluster_id=7)
        s.add(ClusterSuggestion(tip_id=mate.id, other_tip_id=forward.id, similarity=0.4))
        by_name = make_tip(s, subject="Elm Court boiler", body="ana  RUIZ from 3B says the boiler failed. Anacostia too.",
                           sender="eve@neighbours.example", sender_name="Eve", topic="courts")
        s.add(Note(tip_id=forward.id, user_id=users["editor"][0], body=f"She is {ADDRESS}, call her."))
        return {"own": own.id, "reply": reply.id, "forward": forward.id, "mate": mate.id, "by_name": by_name.id}


def _leaks(text: str) -> list[str]:
    return [term for term in IDENTITY if term.lower() in text.lower()]


def test_the_reply_quoting_her_hides_her_from_a_reporter_and_not_from_an_editor(client_for, tips):
    reporter, editor = client_for("reporter"), client_for("editor")
    for tip in ("reply", "forward"):
        page = reporter.get(f"/tips/{tips[tip]}").get_data(as_text=True)
        assert _leaks(page) == [], tip
    page = reporter.get(f"/tips/{tips['reply']}").get_data(as_text=True)
    assert all(w in page for w in WORDS) and "Ben Neighbour" in page  # the neighbour's own words and name stay
    assert "[attribution withheld]" in page and "srcdoc" not in page  # no mail HTML that would show her
    assert _leaks(reporter.get(f"/tips/{tips['forward']}").get_data(as_text=True)) == []  # the note too
    mate = reporter.get(f"/tips/{tips['mate']}").get_data(as_text=True)  # "same story", "maybe the same story"
    assert f'/tips/{tips["forward"]}' in mate and _leaks(mate) == []
    story = reporter.get("/stories/7").get_data(as_text=True)
    assert "Elm Court heat" in story and _leaks(story) == []
    for tip in ("reply", "forward"):
        assert _leaks(editor.get(f"/tips/{tips[tip]}").get_data(as_text=True)) != [], tip


def test_her_full_name_alone_is_withheld_and_nothing_else(client_for, api_for, tips):
    page = client_for("reporter").get(f"/tips/{tips['by_name']}").get_data(as_text=True)
    assert _leaks(page) == [] and "from 3B says the boiler failed" in page and "Anacostia" in page
    (card,) = [t for t in api_for("reporter").get("/api/v1/tips?topic=courts").get_json()["items"]
               if t["id"] == tips["by_name"]]
    assert "from 3B says" in card["preview"] and _leaks(card["preview"]) == []
    assert "RUIZ" in client_for("editor").get(f"/tips/{tips['by_name']}").get_data(as_text=True)


def test_the_board_cards_the_api_and_the_export_hide_her_too(client_for, api_for, tips):
    reporter = client_for("reporter")
    board = reporter.get("/?topic=courts").get_data(as_text=True)
    assert "Ben Neighbour" in board and _leaks(board) == []
    api = api_for("reporter")
    listed = api.get("/api/v1/tips?topic=courts").get_json()
    assert {t["id"] for t in listed["items"]} >= {tips["reply"], tips["forward"]}
    assert _leaks(str(listed)) == []
    for tip in ("reply", "forward"):
        assert _leaks(str(api.get(f"/api/v1/tips/{tips[tip]}").get_json())) == [], tip
    assert _leaks(str(api.get(f"/api/v1/tips/{tips['forward']}/notes").get_json())) == []
    assert reporter.get("/export.csv?topic=courts").status_code == 403  # the board's export is for editors


def test_an_export_as_a_reporter_hides_her_and_an_editors_does_not(db, users, tips):
    def exported(role):  # `inbox export --as EMAIL`: what that user may see
        text = "".join(export.stream(db, users[role][0], Filters.from_args({"topic": "courts"}, 50), "test-secret-key",
                                     via="cli"))
        return {int(row[0]): row for row in list(csv.reader(io.StringIO(text)))[1:]}

    mine = exported("reporter")
    assert tips["forward"] in mine and _leaks(str(mine)) == []
    assert ADDRESS in exported("editor")[tips["forward"]][9]


def test_a_search_for_her_name_finds_no_tip_that_only_quotes_her(client_for, api_for, tips):
    def found(client, words):
        page = client.get(f"/?q={words}").get_data(as_text=True)
        return {tip for tip in ("reply", "forward") if f'href="/tips/{tips[tip]}"' in page}

    reporter, editor = client_for("reporter"), client_for("editor")
    assert found(reporter, "Ruiz") == set() and found(reporter, "elmcourt") == set()
    assert found(reporter, "landlord") == {"reply"}  # the neighbour's own words still find it
    assert "reply" in found(editor, "Ruiz")  # editors see every reader
    ids = {t["id"] for t in api_for("reporter").get("/api/v1/tips?q=Ruiz").get_json()["items"]}
    assert ids.isdisjoint({tips["reply"], tips["forward"]})


def test_a_grant_and_its_end_show_and_hide_her_again_on_the_next_page(client_for, db, users, tips):
    from sqlalchemy import select

    from inbox.models import Reader, ReaderGrant, utcnow

    reporter = client_for("reporter")
    page = f"/tips/{tips['by_name']}"
    assert "RUIZ" not in reporter.get(page).get_data(as_text=True)  # what the process keeps is filled here
    with db() as s, s.begin():
        reader = s.scalar(select(Reader).where(Reader.address == ADDRESS))
        s.add(ReaderGrant(reader_id=reader.id, user_id=users["reporter"][0], granted_by=users["editor"][0], reason="hers"))
    assert "RUIZ" in reporter.get(page).get_data(as_text=True)
    with db() as s, s.begin():
        s.scalar(select(ReaderGrant)).revoked_at = utcnow()
    assert "RUIZ" not in reporter.get(page).get_data(as_text=True)
    with db() as s, s.begin():
        s.add(Reader(address="eve@neighbours.example", protected=True, why="asked"))  # the writer of that tip
        make_tip(s, subject="More", body="Zed Quill saw it too.", sender="zed@neighbours.example", sender_name="Zed Quill",
                 topic="courts")
        s.add(Reader(address="zed@neighbours.example", protected=True, why="asked"))
    assert "Zed Quill" not in reporter.get(page).get_data(as_text=True)


def test_the_desks_own_reply_under_another_tip_that_names_her_is_withheld_too(client_for, db, users, tips):
    """An editor, who sees every reader, answers the neighbour and names her: the reporter who may
    not see her reads that reply under the neighbour's tip with her withheld; the editor reads it whole."""
    from inbox.models import Outgoing

    with db() as s, s.begin():
        s.add(Outgoing(kind="reply", to_address="dee@neighbours.example", subject="Re: Elm Court heat",
                       body=f"Thanks. {NAME} ({ADDRESS}) wrote to us about the boiler too; we are looking into it.",
                       tip_id=tips["mate"], user_id=users["editor"][0]))
    page = client_for("reporter").get(f"/tips/{tips['mate']}").get_data(as_text=True)
    assert "wrote to us about the boiler too" in page and _leaks(page) == []
    assert ADDRESS in client_for("editor").get(f"/tips/{tips['mate']}").get_data(as_text=True)
