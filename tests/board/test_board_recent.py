"""The board keeps its column totals and card ids a moment per board state, and each card's
HTML for what it shows: neither may show a change late that the board's state records,
nor show one viewer what was counted or rendered for another."""
from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import update

from inbox.board.recent import Recent, params_key
from inbox.board.statements import Shape
from inbox.models import Reader, Tip
from tests.board.factories import make_tip, make_user


def _columns(response) -> dict[str, tuple[str, list[int]]]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return {col["data-status"]: (col.select_one(".column-count").get_text(),
                                 [int(c["data-tip-id"]) for c in col.select("article.card")])
            for col in soup.select("section.column")}


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_recent_keeps_a_value_for_its_moment_and_only_so_many():
    clock = Clock()
    recent = Recent(fresh=3.0, most=2, clock=clock)
    made = []
    make = lambda value: lambda: made.append(value) or value  # noqa: E731
    assert recent.get("a", make(1)) == 1 and recent.get("a", make(2)) == 1
    clock.now += 3.0
    assert recent.get("a", make(3)) == 3  # stale: made again
    recent.get("b", make(4))
    recent.get("c", make(5))  # a third key: the oldest ("a") goes
    assert recent.get("a", make(6)) == 6
    assert made == [1, 3, 4, 5, 6]


def test_editors_share_an_entry_and_reporters_have_their_own():
    editor, reporter = Shape("sqlite", ("new",)), Shape("sqlite", ("new",), reporter=True, has_beats=True)
    assert params_key(editor, {"me": 1, "beats": []}) == params_key(editor, {"me": 2, "beats": ["courts"]})
    assert params_key(reporter, {"me": 1, "beats": ["courts"]}) != params_key(reporter, {"me": 2, "beats": ["courts"]})
    assert params_key(editor, {"me": 1, "topic": "a"}) != params_key(editor, {"me": 1, "topic": "b"})


def test_a_new_tip_and_a_move_on_the_board_show_at_once(client_for, db):
    with db() as s, s.begin():
        first = make_tip(s).id
    editor = client_for("editor")
    assert _columns(editor.get("/"))["new"] == ("1", [first])
    with db() as s, s.begin():
        second = make_tip(s, subject="Another tip").id
    assert _columns(editor.get("/"))["new"] == ("2", [second, first])  # a new tip moves the state
    assert editor.post(f"/tips/{first}/status", {"status": "pursuing", "version": "1"}).status_code == 302
    columns = _columns(editor.get("/"))
    assert columns["new"] == ("1", [second]) and columns["pursuing"] == ("1", [first])  # so does a change


def test_a_change_made_outside_the_board_shows_within_the_moment(app, client_for, db):
    clock = Clock()
    app.extensions["inbox"]["recent"] = Recent(clock=clock)
    with db() as s, s.begin():
        tip = make_tip(s).id
    editor = client_for("editor")
    assert _columns(editor.get("/"))["new"] == ("1", [tip])
    with db() as s, s.begin():  # as `inbox sort --all` or a script would: no tip event
        s.execute(update(Tip).where(Tip.id == tip).values(status="pursuing"))
    assert _columns(editor.get("/"))["new"][0] == "1"  # the kept count, for a moment
    clock.now += 3.0
    columns = _columns(editor.get("/"))
    assert columns["new"] == ("0", []) and columns["pursuing"] == ("1", [tip])


def test_two_reporters_on_other_beats_each_see_their_own_columns(app, client_for, db):
    from tests.board.conftest import Client

    with db() as s, s.begin():
        make_user(s, "reporter", "transit@newsroom.example", beats="transit")
        courts = make_tip(s, topic="courts").id
        transit = make_tip(s, topic="transit").id
    on_courts = client_for("reporter")
    on_transit = Client(app)
    assert on_transit.login("transit@newsroom.example").status_code == 302
    assert _columns(on_courts.get("/"))["new"] == ("1", [courts])
    assert _columns(on_transit.get("/"))["new"] == ("1", [transit])
    assert _columns(on_courts.get("/"))["new"] == ("1", [courts])


def test_one_card_rendered_for_an_editor_is_never_a_reporters(app, client_for, db, users):
    """The same protected reader's card, back to back: the editor's shows the name and a
    checkbox; the reporter's (no grant) the pseudonym, the name cut from the subject and no checkbox."""
    with db() as s, s.begin():
        s.add(Reader(address="source@example.org", protected=True, pseudonym_seed="seed", why="asked"))
        tip = make_tip(s, subject="Ada Source here: the clerk shreds files", topic="courts", sender_name="Ada Source",
                       sender="source@example.org").id
    editor, reporter = client_for("editor"), client_for("reporter")
    for _ in range(2):
        for client, sees_name in ((editor, True), (reporter, False)):
            soup = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
            card = soup.select_one(f'article.card[data-tip-id="{tip}"]')
            assert ("Ada Source" in card.get_text()) is sees_name
            assert ("shreds" in card.get_text()) and ("Reader " in card.get_text()) is not sees_name
            assert (card.select_one("input.card-select") is not None) is sees_name


def test_requests_that_miss_together_make_the_value_once():
    import threading
    import time

    recent, started, made = Recent(), threading.Event(), []
    release = threading.Event()

    def slow():
        made.append(1)
        started.set()
        release.wait(5)
        return "totals"

    results = []
    first = threading.Thread(target=lambda: results.append(recent.get("k", slow)))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: results.append(recent.get("k", slow))) for _ in range(3)]
    for t in others:
        t.start()
    time.sleep(0.2)  # the others are asking while the first is still counting
    release.set()
    for t in [first, *others]:
        t.join(5)
    assert results == ["totals"] * 4 and made == [1]


def test_a_failed_make_lets_the_next_request_try():
    recent = Recent()

    def broken():
        raise RuntimeError("database is locked")

    try:
        recent.get("k", broken)
    except RuntimeError:
        pass
    assert recent.get("k", lambda: 7) == 7


def _found(response) -> list[int]:
    return sorted(i for _count, ids in _columns(response).values() for i in ids)


def test_a_search_is_never_kept(app, client_for, db):
    clock = Clock()
    app.extensions["inbox"]["recent"] = Recent(clock=clock)
    with db() as s, s.begin():
        first = make_tip(s, subject="The asbestos in the school", topic="courts").id
        second = make_tip(s, subject="Trucks at night", topic="courts").id
    editor, reporter = client_for("editor"), client_for("reporter")
    for client in (editor, reporter):
        assert _found(client.get("/?q=asbestos")) == [first]
    with db() as s, s.begin():  # as a script would: no tip event, the board's state stays
        s.execute(update(Tip).where(Tip.id == second).values(subject="Asbestos in the trucks"))
    for client in (editor, reporter):
        assert _found(client.get("/?q=asbestos")) == [first, second]  # searched afresh, same state


def test_an_editors_story_numbers_are_kept_for_the_moment_a_reporters_are_not(app, client_for, db):
    from inbox.models import Cluster

    clock = Clock()
    app.extensions["inbox"]["recent"] = Recent(clock=clock)
    with db() as s, s.begin():
        s.add(Cluster(id=7, size=2, readers=2))
        s.flush()
        make_tip(s, topic="courts", cluster_id=7, sender="one@example.org", age_hours=2)
        later = make_tip(s, topic="courts", cluster_id=7, sender="two@example.org").id
    editor, reporter = client_for("editor"), client_for("reporter")

    def readers(client) -> str:
        soup = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
        return soup.select_one('article.card[data-story="7"] .card-readers').get_text()

    assert readers(editor) == readers(reporter) == "2 readers"
    with db() as s, s.begin():  # a script gives the second tip the first one's sender: no tip event
        s.execute(update(Tip).where(Tip.id == later).values(sender_address="one@example.org"))
    assert readers(editor) == "2 readers" and readers(reporter) == "1 reader"
    clock.now += 3.0
    assert readers(editor) == "1 reader"
