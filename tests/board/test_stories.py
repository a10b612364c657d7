"""Story cards, the story page and its actions, the triage list's sorts, role-aware controls,
and the live board's poll: what each shows, to whom, and in how many queries."""
from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from inbox.board.access import STATUSES
from inbox.models import Cluster, Tip, TipEvent, utcnow
from tests.board.conftest import board_queries
from tests.board.factories import make_tip


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _story(s, cluster_id: int, readers: int, status: str = "new", topic: str = "courts", **fields) -> list[int]:
    s.add(Cluster(id=cluster_id, size=readers, readers=readers))
    return [make_tip(s, subject=f"Story {cluster_id} from reader {i}", sender=f"r{cluster_id}-{i}@example.org",
                     sender_name=f"Reader Number{i}", cluster_id=cluster_id, status=status, topic=topic,
                     age_hours=10 - i, **fields).id for i in range(readers)]


def test_a_story_is_one_card_with_its_readers_first_and_last_seen_and_deadline(client_for, db):
    due = utcnow() + timedelta(days=3)
    with db() as s, s.begin():
        ids = _story(s, 7, 3)
        s.get(Tip, ids[2]).deadline = due
        s.get(Tip, ids[1]).urgent = True
        lone = make_tip(s, subject="A lone tip").id
    soup = _soup(client_for("editor").get("/"))
    cards = soup.select("article.card")
    assert sorted(int(c["data-tip-id"]) for c in cards) == sorted([ids[0], lone])
    story = soup.select_one(f'article.card[data-tip-id="{ids[0]}"]')
    assert story["data-story"] == "7" and story.select_one("a.card-link")["href"] == "/stories/7"
    assert story.select_one("a.card-link").get_text() == "Story 7 from reader 0"  # the lead: the first reader's
    assert story.select_one(".card-readers").get_text() == "3 readers"
    assert "urgent" in story["class"] and due.strftime("%b %d") in story.select_one(".card-deadline").get_text()
    assert soup.select_one("#column-new .column-count").get_text() == "2"
    assert "data-story" not in soup.select_one(f'article.card[data-tip-id="{lone}"]').attrs


def test_new_and_reviewing_are_dense_lists_and_the_rest_are_columns(client_for, db):
    with db() as s, s.begin():
        make_tip(s, status="new")
        make_tip(s, status="reviewing")
        make_tip(s, status="pursuing")
    soup = _soup(client_for("editor").get("/"))
    assert [c["data-status"] for c in soup.select(".triage-lists section.column")] == ["new", "reviewing"]
    assert [c["data-status"] for c in soup.select(".status-columns section.column")] == list(STATUSES[2:])
    assert all("row" in c["class"] for c in soup.select(".triage-lists article.card"))
    row = soup.select_one("#column-new article.card")
    assert row.select_one(".new-dot") and row.select_one(".row-readers").get_text() == "1 reader"
    assert not any("row" in c["class"] for c in soup.select(".status-columns article.card"))


@pytest.mark.parametrize("sort, expected", [("age", ["b", "c", "a"]), ("deadline", ["a", "c", "b"]),
                                            ("readers", ["c", "b", "a"])])
def test_the_lists_sort_by_age_deadline_or_readers(sort, expected, client_for, db):
    with db() as s, s.begin():
        a = make_tip(s, subject="a", age_hours=30, deadline=utcnow() + timedelta(days=1)).id
        b = make_tip(s, subject="b", age_hours=1).id
        c = _story(s, 4, 3)[0]
        s.get(Tip, c).subject = "c"
        s.get(Tip, c).deadline = utcnow() + timedelta(days=2)
    soup = _soup(client_for("editor").get(f"/?sort={sort}"))
    assert [r.select_one("a.card-link").get_text() for r in soup.select("#column-new article.card")] == expected
    assert soup.select_one(f'#sort a[data-sort="{sort}"]')["aria-current"] == "true"
    assert {a, b, c}


def test_a_long_column_sorted_by_readers_pages_as_a_short_one_does(client_for, db, monkeypatch):
    """Past the count cap a column is walked story by story from the clusters' readers index
    rather than sorted whole: the pages must be the same cards in the same order."""
    with db() as s, s.begin():
        for n, readers in enumerate((2, 5, 3, 5, 1, 4), start=20):
            _story(s, n, readers)
        for i in range(7):
            make_tip(s, subject=f"lone {i}", age_hours=i * 0.5)
        make_tip(s, subject="another column", status="pursuing")
    editor = client_for("editor")

    def pages():
        return [[(c.get("data-story"), c.select_one("a.card-link").get_text())
                 for c in _soup(editor.get(f"/?sort=readers&per=4&page={p}")).select("#column-new article.card")]
                for p in (1, 2, 3, 4)]

    sorted_whole = pages()
    assert [n for n, _ in sorted_whole[0]] == ["23", "21", "25", "22"]  # 5, 5, 4, 3 readers; the newer first among equals
    monkeypatch.setattr("inbox.board.queries.COUNT_CAP", 3)  # every column is "long" now
    assert pages() == sorted_whole
    assert sum(len(p) for p in sorted_whole) == 6 + 7


def test_a_bad_sort_is_a_400_page(client_for):
    assert client_for("editor").get("/?sort=loudest").status_code == 400


def test_board_queries_do_not_grow_with_story_cards(client_for, db, engine):
    with db() as s, s.begin():
        for n in range(30):
            for status in STATUSES:
                _story(s, 1000 + n * 10 + STATUSES.index(status), 2, status=status)
    editor = client_for("editor")
    counts = {}
    for per in (3, 20):
        statements, response = board_queries(engine, editor, per)
        assert len(_soup(response).select("article.card[data-story]")) == per * len(STATUSES)
        counts[per] = len(statements)
    assert counts[3] == counts[20], counts


def test_story_page_lists_the_readers_tips_and_is_audited(client_for, db):
    with db() as s, s.begin():
        ids = _story(s, 5, 3)
    response = client_for("editor").get("/stories/5")
    soup = _soup(response)
    assert response.status_code == 200
    assert [int(li["data-tip-id"]) for li in soup.select("#story-tips li")] == ids
    assert soup.select_one("#story-readers").get_text() == "3 readers sent this"
    assert "Reader Number2" in soup.get_text()
    assert client_for("editor").get("/stories/999").status_code == 404


def test_a_reporter_sees_only_the_storys_tips_of_threads_she_may_open(client_for, db):
    with db() as s, s.begin():
        on_beat = make_tip(s, subject="On her beat", topic="courts", cluster_id=8).id
        make_tip(s, subject="Off her beat", topic="transit", cluster_id=8, sender="x@example.org")
        make_tip(s, subject="Only off-beat", topic="transit", cluster_id=9)
    reporter = client_for("reporter")
    soup = _soup(reporter.get("/stories/8"))
    assert [int(li["data-tip-id"]) for li in soup.select("#story-tips li")] == [on_beat]
    assert "Off her beat" not in soup.get_text()
    assert reporter.get("/stories/9").status_code == 404  # a story she may open no tip of does not exist for her


def test_moving_a_story_moves_every_tip_and_a_stale_page_is_a_conflict(client_for, db):
    with db() as s, s.begin():
        ids = _story(s, 6, 2)
    editor = client_for("editor")
    versions = " ".join(f"{i}:1" for i in ids)
    response = editor.post("/stories/6/status", {"versions": versions, "status": "reviewing"})
    assert response.status_code == 302
    with db() as s:
        assert [s.get(Tip, i).status for i in ids] == ["reviewing", "reviewing"]
    assert editor.post("/stories/6/status", {"versions": versions, "status": "declined"}).status_code == 409
    with db() as s:
        assert [s.get(Tip, i).status for i in ids] == ["reviewing", "reviewing"]  # refused whole
    answer = editor.post("/stories/6/status", {"tip": str(ids[0]), "version": "2", "status": "pursuing"},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.get_json()["ok"] is True  # the board's card: its lead's version
    with db() as s:
        assert [s.get(Tip, i).status for i in ids] == ["pursuing", "pursuing"]


def test_selecting_a_story_card_applies_a_bulk_action_to_every_tip_of_the_story(client_for, db, users):
    with db() as s, s.begin():
        ids = _story(s, 9, 3)
        lone = make_tip(s, subject="A lone tip").id
    editor = client_for("editor")
    box = _soup(editor.get("/")).select_one('article.card[data-story="9"] input.card-select')
    assert (box["name"], box["value"]) == ("stories", "9")  # the card's checkbox names the story, not its lead
    response = editor.post("/tips/bulk", {"stories": "9", "ids": str(lone), "action": "status:reviewing"})
    assert response.status_code == 302
    assert "Done for 4 tips." in editor.get(response.headers["Location"]).get_data(as_text=True)
    with db() as s:
        assert [s.get(Tip, i).status for i in ids + [lone]] == ["reviewing"] * 4
    reporter = users["reporter"][0]
    assert editor.post("/tips/bulk", {"stories": "9", "action": f"assign:{reporter}"}).status_code == 302
    with db() as s:
        assert {(s.get(Tip, i).assignee_id, s.get(Tip, i).status) for i in ids} == {(reporter, "assigned")}
    assert editor.post("/tips/bulk", {"stories": "x9", "action": "status:declined"}).status_code == 400
    assert client_for("reporter").post("/tips/bulk", {"stories": "9", "action": "status:declined"}).status_code == 403
    with db() as s:
        assert [s.get(Tip, i).status for i in ids] == ["assigned"] * 3  # neither changed a thing


def test_a_reporter_may_not_move_a_story_that_is_not_hers_and_sees_no_control_for_it(client_for, db, users):
    with db() as s, s.begin():
        ids = _story(s, 3, 2)
    reporter = client_for("reporter")
    soup = _soup(reporter.get("/stories/3"))
    assert soup.select_one("#story-status-form") is None and soup.select_one("#story-assign-form") is None
    assert soup.select_one("#story-claim-form") is not None
    versions = " ".join(f"{i}:1" for i in ids)
    assert reporter.post("/stories/3/status", {"versions": versions, "status": "declined"}).status_code == 403
    assert reporter.post("/stories/3/assign", {"versions": versions, "assignee_id": "none"}).status_code == 403
    assert reporter.post("/stories/3/claim", {"versions": versions}).status_code == 302
    with db() as s:
        assert {s.get(Tip, i).assignee_id for i in ids} == {users["reporter"][0]}
    soup = _soup(reporter.get("/stories/3"))
    assert soup.select_one("#story-status-form") is not None  # hers now: she may move it


def test_cards_offer_the_reporter_only_what_she_may_do(client_for, db, users):
    with db() as s, s.begin():
        free = make_tip(s, topic="courts").id
        mine = make_tip(s, topic="courts", assignee_id=users["reporter"][0]).id
        taken = make_tip(s, topic="courts", assignee_id=users["editor"][0]).id
    soup = _soup(client_for("reporter").get("/"))
    actions = {int(c["data-tip-id"]): c["data-actions"].split() for c in soup.select("article.card")}
    assert actions == {free: ["open", "claim"], mine: ["open", "status", "topic"], taken: ["open"]}
    assert "draggable" in soup.select_one(f'article.card[data-tip-id="{mine}"]').attrs
    assert "draggable" not in soup.select_one(f'article.card[data-tip-id="{free}"]').attrs
    assert soup.select_one("#assign-dialog") is None and soup.select_one("#bulk-form") is None
    assert "spam" not in [b["value"] for b in soup.select("#status-dialog button[name=status]")]
    editor = _soup(client_for("editor").get("/"))
    assert "spam" in [b["value"] for b in editor.select("#status-dialog button[name=status]")]


@pytest.mark.parametrize("role, has, lacks", [
    ("reporter", ["claim the selected", "assigned to you"], ["assign the selected", "select it for"]),
    ("editor", ["assign the selected", "select it for"], ["claim the selected"]),
])
def test_the_help_lists_the_keys_of_the_viewers_role(role, has, lacks, client_for):
    for path in ("/help", "/"):
        text = _soup(client_for(role).get(path)).select_one("dl.shortcuts").get_text()
        assert all(h in text for h in has) and not any(word in text for word in lacks), (path, text)


def test_actions_answer_json_to_the_script_and_errors_too(client_for, db):
    with db() as s, s.begin():
        tip = make_tip(s).id
    editor = client_for("editor")
    ok = editor.post(f"/tips/{tip}/status", {"version": "1", "status": "reviewing"}, headers={"Accept": "application/json"})
    assert ok.status_code == 200 and ok.get_json() == {"ok": True, "message": "Moved to Reviewing.", "tip": tip}
    stale = editor.post(f"/tips/{tip}/status", {"version": "1", "status": "declined"}, headers={"Accept": "application/json"})
    assert stale.status_code == 409 and "changed this tip" in stale.get_json()["message"]


def test_the_poll_is_a_304_until_a_tip_arrives_or_someone_changes_one(client_for, db, users):
    with db() as s, s.begin():
        first = make_tip(s, topic="courts").id
    reporter = client_for("reporter")
    answer = reporter.get("/board/poll")
    state, etag = answer.get_json()["state"], answer.headers["ETag"]
    assert reporter.get(f"/board/poll?state={state}", headers={"If-None-Match": etag}).status_code == 304
    with db() as s, s.begin():
        new = make_tip(s, topic="courts").id
        make_tip(s, topic="transit")  # off her beat: never named to her
        s.add(TipEvent(tip_id=first, user_id=users["editor"][0], kind="status", detail="new → reviewing"))
    answer = reporter.get(f"/board/poll?state={state}", headers={"If-None-Match": etag})
    assert answer.status_code == 200 and answer.headers["ETag"] != etag
    body = answer.get_json()
    assert body["new"] == [new] and body["changed"] == [first]
    assert reporter.get("/board/poll?state=x.1").status_code == 400


def test_a_poll_does_not_keep_an_idle_session_alive(client_for, db, users):
    from inbox.models import UserSession

    reporter = client_for("reporter")
    with db() as s, s.begin():
        row = s.scalar(select(UserSession).where(UserSession.user_id == users["reporter"][0]))
        row.last_seen_at = before = utcnow() - timedelta(minutes=30)
    assert reporter.get("/board/poll").status_code == 200
    with db() as s:
        assert s.scalar(select(UserSession.last_seen_at).where(UserSession.user_id == users["reporter"][0])) == before


def test_story_page_queries_do_not_grow_with_its_tips(client_for, db, engine):
    from sqlalchemy import event

    with db() as s, s.begin():
        _story(s, 20, 2)
        _story(s, 21, 12)
    editor = client_for("editor")
    counts = {}
    for story in (20, 21):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert editor.get(f"/stories/{story}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts[story] = len(statements)
    assert counts[20] == counts[21], counts
