"""Search through the API finds what the board's search finds: subject, body and notes, a
follow-up standing for its thread's first tip, every word required, page after page by the
cursor, for an editor (searched inside one statement) as for a reporter (hits redacted)."""
from __future__ import annotations

import pytest

from tests.board.factories import make_tip, search_world


def _all_pages(api, query: str, limit: int) -> list[int]:
    ids, cursor = [], ""
    for _ in range(50):
        body = api.get(f"/api/v1/tips?{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")).get_json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("the cursor never ended")


def test_an_editors_search_finds_subject_body_notes_and_thread_roots(api_for, db, users):
    with db() as s, s.begin():
        found = search_world(s, users["editor"][0])
    assert _all_pages(api_for("editor"), "q=bribery", 50) == sorted(found, reverse=True)
    assert _all_pages(api_for("editor"), "q=bribery", 1) == sorted(found, reverse=True)  # a page each


def test_every_word_is_required_and_pages_follow_one_another(api_for, db):
    with db() as s, s.begin():
        both = [make_tip(s, subject=f"Ballots {i}", body="They were shredding ballots at the county office").id
                for i in range(7)]
        make_tip(s, subject="Ballots", body="Ballots arrived late")
    editor = api_for("editor")
    assert _all_pages(editor, "q=shredded+ballot", 3) == sorted(both, reverse=True)  # 3 + 3 + 1, newest first
    assert _all_pages(editor, "q=shredded+ballot&status=declined", 3) == []


def test_a_reporter_and_an_editor_find_the_same_tips_of_her_beat(api_for, db):
    with db() as s, s.begin():
        mine = make_tip(s, topic="courts", body="a sealed subpoena at the courthouse").id
        make_tip(s, topic="transit", body="a subpoena for the transit board")  # not her beat
    assert _all_pages(api_for("reporter"), "q=subpoena", 50) == [mine]
    assert len(_all_pages(api_for("editor"), "q=subpoena", 50)) == 2


@pytest.mark.parametrize("role", ["editor", "reporter"])
def test_a_page_found_among_the_newest_hits_is_the_whole_searchs_page(api_for, db, role):
    # A page is first looked for among the newest few pages' worth of hits below the cursor:
    # a follow-up far above the cursor still brings its old thread in, and a filter that those
    # hits do not satisfy makes the page be looked for in every hit (for an editor, inside one
    # statement; for a reporter, whose hits are judged in Python, in the hits read out).
    with db() as s, s.begin():
        root = make_tip(s, subject="Parking tickets", body="nothing", topic="courts").id
        reviewing = [make_tip(s, topic="courts", body="a kickback at the court", status="reviewing").id
                     for _ in range(2)]
        lone = [make_tip(s, topic="courts", body="a kickback for the bus contract").id for _ in range(30)]
        make_tip(s, subject="Re: Parking tickets", body="the clerk wanted a kickback", thread_root_id=root,
                 topic="courts")
    api = api_for(role)
    expected = sorted(lone + reviewing, reverse=True) + [root]
    for limit in (1, 2, 5, 50):
        assert _all_pages(api, "q=kickback", limit) == expected, limit
    assert _all_pages(api, "q=kickback&status=reviewing", 1) == sorted(reviewing, reverse=True)
    assert _all_pages(api, "q=kickback&status=reviewing", 50) == sorted(reviewing, reverse=True)


@pytest.mark.parametrize("role", ["editor", "reporter"])
@pytest.mark.parametrize("q", ['"unbalanced', "AND OR NOT", "col:umn*", "(((", "-", "'; DROP TABLE tips; --", ""])
def test_search_syntax_is_never_an_error(api_for, db, q, role):
    with db() as s, s.begin():
        make_tip(s, topic="courts")
    response = api_for(role).get("/api/v1/tips", query_string={"q": q})
    assert response.status_code == 200 and isinstance(response.get_json()["items"], list)
