"""The board: columns of thread roots, filters, full-text search, pagination, saved views,
who sees what, the health banner, and a query count that does not grow with the cards."""
from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from inbox.board.access import STATUSES
from inbox.models import Mailbox, SavedView, Tip, utcnow
from tests.board.conftest import board_queries
from tests.board.factories import add_attachment, make_mailbox, make_tip, search_world, sight


def _cards(response) -> dict[int, str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return {int(c["data-tip-id"]): c["data-status"] for c in soup.select("article.card")}


def test_board_has_a_column_per_status_and_shows_thread_roots_only(client_for, db):
    with db() as s, s.begin():
        root = make_tip(s, status="pursuing")
        make_tip(s, subject="Re: follow-up", thread_root_id=root.id)
    response = client_for("editor").get("/")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert [c["data-status"] for c in soup.select("section.column")] == list(STATUSES)
    assert _cards(response) == {root.id: "pursuing"}
    card = soup.select_one("article.card")
    assert "↩1" in card.get_text()  # the follow-up is counted on its root's card


def test_card_shows_topic_cluster_count_age_sender_urgency_and_attachments(client_for, db):
    with db() as s, s.begin():
        tip = make_tip(s, topic="elections", cluster_id=3, urgent=True, age_hours=50, sender_name="Ada Reader")
        for _ in range(11):
            make_tip(s, cluster_id=3, subject="same story", thread_root_id=tip.id)
        add_attachment(s, tip, "2", "scan.pdf", "application/pdf", 1000)
        add_attachment(s, tip, "3", "", "image/png", 10, content_id="x@y", inline=True)
    soup = BeautifulSoup(client_for("editor").get("/").get_data(as_text=True), "html.parser")
    card = soup.select_one(f'article.card[data-tip-id="{tip.id}"]')
    assert card.select_one(".card-topic").get_text() == "elections"
    assert card["data-story"] == "3" and card.select_one("a.card-link")["href"] == "/stories/3"  # one card, the story's
    assert card.select_one(".card-readers").get_text() == "1 reader"  # twelve tips, all from Ada
    assert card.select_one(".card-age").get_text() == "2d"
    assert card.select_one(".card-sender").get_text() == "Ada Reader"
    assert card.select_one(".card-urgent") is not None
    assert card.select_one(".card-attachments").get_text() == "📎1"  # inline cid images are not attachments


def test_reporter_sees_their_beats_and_their_assignments_only(client_for, db, users):
    with db() as s, s.begin():
        beat = make_tip(s, topic="courts").id
        assigned = make_tip(s, topic="transit", assignee_id=users["reporter"][0]).id
        make_tip(s, topic="transit")
        make_tip(s)
    assert set(_cards(client_for("reporter").get("/"))) == {beat, assigned}
    assert len(_cards(client_for("editor").get("/"))) == 4


@pytest.mark.parametrize("query,expected", [
    ("topic=courts", {"courts"}),
    ("topic=none", {"untopical"}),
    ("status=pursuing", {"pursued"}),
    ("flag=urgent", {"urgent"}),
    ("flag=sensitive", {"sensitive"}),
    ("flag=attachments", {"with file"}),
    ("flag=automatic", {"auto"}),
    ("assignee=me", {"mine"}),
    ("assignee=none", {"courts", "untopical", "pursued", "urgent", "sensitive", "with file", "auto", "old"}),
    ("since={old_day}&until={old_day}", {"old"}),
    ("mailbox={box}", {"courts"}),
])
def test_filters(client_for, db, users, query, expected):
    with db() as s, s.begin():
        box = make_mailbox(s)
        sight(s, make_tip(s, subject="courts", topic="courts"), box, 1)
        make_tip(s, subject="untopical")
        make_tip(s, subject="pursued", status="pursuing", topic="x")
        make_tip(s, subject="urgent", urgent=True, topic="x")
        make_tip(s, subject="sensitive", sensitive="health", topic="x")
        add_attachment(s, make_tip(s, subject="with file", topic="x"), "2", "a.pdf", "application/pdf", 5)
        make_tip(s, subject="auto", is_auto_reply=True, topic="x")
        make_tip(s, subject="mine", assignee_id=users["editor"][0], topic="x")
        make_tip(s, subject="old", age_hours=24 * 40, topic="x")
        old_day = (utcnow() - timedelta(days=40)).date().isoformat()
        box_id = box.id
    response = client_for("editor").get("/?" + query.format(old_day=old_day, box=box_id))
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert {a.get_text() for a in soup.select("a.card-link")} == expected


def test_search_finds_subject_body_and_notes_and_surfaces_the_thread_root(client_for, db, users):
    with db() as s, s.begin():
        found = search_world(s, users["editor"][0])
    assert set(_cards(client_for("editor").get("/?q=bribery"))) == set(found)


def test_search_stems_words_and_requires_every_word(client_for, db):
    with db() as s, s.begin():
        both = make_tip(s, subject="Ballots", body="They were shredding ballots at the county office").id
        make_tip(s, subject="Ballots", body="Ballots arrived late")
    assert set(_cards(client_for("editor").get("/?q=shredded+ballot"))) == {both}


@pytest.mark.parametrize("q", ['"unbalanced', "AND OR NOT", "col:umn*", "(((", "-", "'; DROP TABLE tips; --", "NEAR(a b)"])
def test_search_syntax_in_the_query_is_never_an_error(client_for, db, q):
    with db() as s, s.begin():
        make_tip(s)
    assert client_for("editor").get("/", query_string={"q": q}).status_code == 200


def test_search_finds_a_tip_edited_after_insert(client_for, db):
    with db() as s, s.begin():
        tip = make_tip(s, subject="Depot", body="a xylophone in the depot")
    with db() as s, s.begin():
        s.get(Tip, tip.id).text_body = "now about asbestos"
    assert set(_cards(client_for("editor").get("/?q=asbestos"))) == {tip.id}
    assert _cards(client_for("editor").get("/?q=xylophone")) == {}


def test_pagination_walks_each_column(client_for, db):
    with db() as s, s.begin():
        ids = [make_tip(s, subject=f"tip {i}", age_hours=i).id for i in range(5)]
    editor = client_for("editor")
    first = editor.get("/?per=2")
    assert list(_cards(first)) == ids[:2] and 'id="next-page"' in first.get_data(as_text=True)
    assert list(_cards(editor.get("/?per=2&page=2"))) == ids[2:4]
    last = editor.get("/?per=2&page=3")
    assert list(_cards(last)) == ids[4:] and 'id="next-page"' not in last.get_data(as_text=True)


def test_saved_views_belong_to_their_user(client_for, db, users):
    editor = client_for("editor")
    assert editor.post("/views", {"name": "Urgent courts", "query": "topic=courts&flag=urgent&page=3"}).status_code == 302
    with db() as s:
        view = s.scalar(select(SavedView))
        assert (view.user_id, view.query) == (users["editor"][0], "topic=courts&flag=urgent")
    assert "Urgent courts" in editor.get("/").get_data(as_text=True)
    assert "Urgent courts" not in client_for("admin").get("/").get_data(as_text=True)
    assert client_for("admin").post(f"/views/{view.id}/delete").status_code == 404
    assert editor.post("/views", {"name": "bad", "query": "status=nope"}).status_code == 400
    assert editor.post(f"/views/{view.id}/delete").status_code == 302
    with db() as s:
        assert s.scalar(select(SavedView)) is None


def test_board_query_count_does_not_grow_with_the_cards(client_for, db, engine):
    with db() as s, s.begin():
        for n, status in enumerate(STATUSES):
            for i in range(13):
                # A cluster of its own per tip: a story of several tips is one card (test_stories.py
                # counts the queries of story cards).
                tip = make_tip(s, subject=f"{status} {i}", status=status, cluster_id=100 * n + i, topic="courts")
                add_attachment(s, tip, "2", "a.pdf", "application/pdf", 5)
                make_tip(s, subject="follow", thread_root_id=tip.id)
    editor = client_for("editor")
    counts = {}
    for per in (3, 12):
        statements, response = board_queries(engine, editor, per)
        assert len(_cards(response)) == per * len(STATUSES)
        counts[per] = len(statements)
    assert counts[3] == counts[12], counts


def test_health_banner_shows_failing_and_late_mailboxes_on_every_page(client_for, db, settings):
    with db() as s, s.begin():
        s.add(Mailbox(name="city-desk", last_success_at=utcnow(), consecutive_failures=3))
        s.add(Mailbox(name="courts-desk", last_success_at=utcnow() - timedelta(minutes=settings.board.stale_sync_minutes + 1)))
        s.add(Mailbox(name="fine-desk", last_success_at=utcnow()))
        s.add(Mailbox(name="import"))
        tip_id = make_tip(s).id
    reporter = client_for("reporter")
    for path in ("/", "/help", "/?q=anything"):
        banner = BeautifulSoup(reporter.get(path).get_data(as_text=True), "html.parser").select_one("#health-banner")
        text = banner.get_text(" ", strip=True)
        assert "city-desk" in text and "3 syncs failed" in text
        assert "courts-desk" in text and "no successful sync since" in text
        assert "fine-desk" not in text and "import" not in text
    assert client_for("editor").get(f"/tips/{tip_id}").get_data(as_text=True).count('id="health-banner"') == 1


def test_no_banner_when_every_mailbox_is_healthy(client_for, db):
    with db() as s, s.begin():
        s.add(Mailbox(name="city-desk", last_success_at=utcnow()))
    assert 'id="health-banner"' not in client_for("editor").get("/").get_data(as_text=True)
