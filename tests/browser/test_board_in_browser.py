"""A reporter's and an editor's day on the real board, in headless Chromium.

Each test works on its own demo tip (by Message-ID) so the tests share one board.
The DOM they drive is docs/board-dom.md.
"""
from __future__ import annotations

import re

from sqlalchemy import or_, select

from inbox.models import Tip, User
from tests.browser.harness import login, new_context, swapped

STATUSES = ["new", "reviewing", "assigned", "pursuing", "published", "declined", "not_tip", "spam"]
DMV = "<CAF3kx9-dmv-7720@mail.example.com>"
SIRENS = "<sirens-dead-1104@example.com>"
SHELTER = "<icestorm-shelter-6@example.org>"
FISH_KILL = "<fishkill-kettle-river@example.net>"
MEASLES = "<measles-daycare-0921@example.com>"
ENCAMPMENT = "<sweep-notice-122@example.org>"


def _card(page, tip_id: int):
    return page.locator(f"article.card[data-tip-id='{tip_id}']")


def _column_of(page, tip_id: int) -> str:
    return _card(page, tip_id).first.evaluate("card => card.closest('section.column').dataset.status")


def _selected(page) -> str | None:
    selected = page.locator("article.card.selected")
    return selected.get_attribute("data-tip-id") if selected.count() else None


def _select_with_j(page, tip_id: int) -> None:
    """Press j until the card is the selected one; fails when j stops moving first."""
    assert _card(page, tip_id).count(), f"tip {tip_id} has no card on this page"
    for _ in range(page.locator("article.card").count() + 1):
        before = _selected(page)
        if before == str(tip_id):
            return
        page.keyboard.press("j")
        assert _selected(page) not in (None, before), "j did not move the selection"
    raise AssertionError(f"j never reached tip {tip_id}")


def _until(page, check, what: str) -> None:
    """The board's dialogs send their forms with fetch (no page load): wait for their effect."""
    for _ in range(100):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never happened: {what}")


def _user_id(board, role: str) -> int:
    with board.demo.sessions() as s:
        return s.scalar(select(User.id).where(User.email == f"{role}@station.example"))


def _ids_matching(board, word: str) -> set[int]:
    with board.demo.sessions() as s:
        pattern = f"%{word}%"
        return set(s.scalars(select(Tip.id).where(or_(Tip.subject.ilike(pattern), Tip.text_body.ilike(pattern)))))


def _card_ids(page) -> set[int]:
    return {int(v) for v in page.locator("article.card").evaluate_all("cards => cards.map(c => c.dataset.tipId)")}


def test_login_is_required_and_a_wrong_password_is_refused(page, board):
    page.goto(board.url)
    assert "/login" in page.url
    page.fill("form#login-form input[name=email]", "editor@station.example")
    page.fill("form#login-form input[name=password]", "not-the-password")
    with page.expect_navigation():
        page.click("#login-submit")
    assert page.locator(".flash.error").is_visible()
    assert page.locator("main#board").count() == 0
    login(page, board, "editor")
    columns = page.locator("section.column").evaluate_all("cs => cs.map(c => c.dataset.status)")
    assert columns == STATUSES
    assert page.locator("article.card").count() > 0
    assert page.watch.foreign_requests() == []


def test_editor_moves_a_tip_through_its_statuses_with_the_mouse(page, board):
    tip_id = board.tip_id(DMV)
    version = board.tip(tip_id).version
    login(page, board, "editor")
    page.goto(f"/tips/{tip_id}")
    for status in ["reviewing", "assigned", "pursuing", "published"]:
        page.select_option("form#status-form select[name=status]", status)
        with swapped(page):
            page.click("#status-submit")
        assert re.search(status, page.locator("#tip-status").inner_text(), re.I), status
    tip = board.tip(tip_id)
    assert (tip.status, tip.version) == ("published", version + 4)
    page.goto("/")
    assert _column_of(page, tip_id) == "published"
    page.goto(f"/tips/{tip_id}")
    assert page.locator("#history li.event").count() >= 4


def test_keyboard_moves_between_cards_opens_one_and_changes_its_status(page, board):
    tip_id = board.tip_id(SIRENS)
    login(page, board, "editor")
    page.keyboard.press("j")
    first = page.locator("article.card.selected")
    assert first.count() == 1 and first.get_attribute("aria-selected") == "true"
    first_id = first.get_attribute("data-tip-id")
    page.keyboard.press("j")
    second_id = page.locator("article.card.selected").get_attribute("data-tip-id")
    assert second_id != first_id
    page.keyboard.press("k")
    assert page.locator("article.card.selected").get_attribute("data-tip-id") == first_id

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("tornado sirens")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert tip_id in _card_ids(page)
    _select_with_j(page, tip_id)

    page.keyboard.press("s")
    assert page.locator("dialog#status-dialog").is_visible()
    page.keyboard.press(str(STATUSES.index("pursuing") + 1))
    page.wait_for_selector(f"section#column-pursuing article.card[data-tip-id='{tip_id}']")
    assert board.tip(tip_id).status == "pursuing"
    assert _selected(page) == str(tip_id), "the keyboard keeps its place after the action"

    page.keyboard.press("?")
    assert page.locator("dialog#help-dialog").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("dialog#help-dialog").is_visible()

    _select_with_j(page, tip_id)
    href = _card(page, tip_id).locator("a.card-link").get_attribute("href")  # a story's card opens the story
    with page.expect_navigation():
        page.keyboard.press("o")
    assert page.url.rstrip("/").endswith(href)
    assert page.locator("main#tip, main#story").count() == 1


def test_editor_assigns_a_tip_and_the_reporter_then_sees_it(page, board, browser):
    tip_id = board.tip_id(SHELTER)
    reporter_id = _user_id(board, "reporter")
    reporter_context = new_context(browser, board)
    reporter = reporter_context.new_page()
    login(reporter, board, "reporter")
    before = reporter.goto(f"/tips/{tip_id}")

    login(page, board, "editor")
    page.goto(f"/tips/{tip_id}")
    page.select_option("form#assign-form select[name=assignee_id]", str(reporter_id))
    with swapped(page):
        page.click("#assign-submit")
    assert board.tip(tip_id).assignee_id == reporter_id
    assert page.locator("form#assign-form select[name=assignee_id]").input_value() == str(reporter_id)

    after = reporter.goto(f"/tips/{tip_id}")
    reporter_context.close()
    assert before.status in (403, 404), "a reporter saw a tip outside their beats before it was assigned"
    assert after.status == 200


def test_editor_assigns_by_keyboard_on_the_board(page, board):
    tip_id = board.tip_id(FISH_KILL)
    reporter_id = _user_id(board, "reporter")
    login(page, board, "editor")
    page.goto("/?q=outfall")
    _select_with_j(page, tip_id)
    page.keyboard.press("a")
    dialog = page.locator("dialog#assign-dialog")
    assert dialog.is_visible()
    dialog.locator("select[name=assignee_id]").select_option(str(reporter_id))
    dialog.locator("button[type=submit]").click()
    _until(page, lambda: board.tip(tip_id).assignee_id == reporter_id, "assigned")


def test_editor_corrects_a_tip_topic(page, board):
    tip_id = board.tip_id(MEASLES)
    target = "Education" if board.tip(tip_id).topic != "Education" else "Health"  # a topic of the desk's list
    login(page, board, "editor")
    page.goto(f"/tips/{tip_id}")
    events = page.locator("#history li.event").count()
    page.select_option("form#topic-form select[name=topic]", target)
    with swapped(page):
        page.click("#topic-submit")
    assert target.lower() in page.locator("#tip-topic").inner_text().lower()
    assert board.tip(tip_id).topic == target
    assert page.locator("#history li.event").count() == events + 1


def test_editor_corrects_a_topic_by_keyboard_on_the_board(page, board):
    tip_id = board.tip_id(ENCAMPMENT)
    login(page, board, "editor")
    page.goto("/?q=encampment")
    _select_with_j(page, tip_id)
    page.keyboard.press("t")
    dialog = page.locator("dialog#topic-dialog")
    assert dialog.is_visible()
    options = dialog.locator("select[name=topic] option").all_inner_texts()
    assert "Civil rights" in options and len(options) == len(set(options))  # the desk's list, nothing typed
    dialog.locator("select[name=topic]").select_option("Civil rights")
    page.keyboard.press("Tab")  # from the list to "Set topic", by keyboard
    page.keyboard.press("Enter")
    _until(page, lambda: board.tip(tip_id).topic == "Civil rights", "topic corrected")


def test_search_shows_only_the_tips_that_match(page, board):
    login(page, board, "editor")
    for word in ("Grange", "Veradyne"):
        page.fill("input#search", word)
        with page.expect_navigation():
            page.press("input#search", "Enter")
        shown = _card_ids(page)
        matching = _ids_matching(board, word)
        assert shown, f"no card for {word!r}"
        assert shown <= matching, f"{word!r} showed tips that do not mention it"
        assert board.tip_id(DMV) not in shown
    page.fill("input#search", "zebra-crossing-nowhere")
    with page.expect_navigation():
        page.press("input#search", "Enter")
    assert _card_ids(page) == set()


def test_editor_moves_selected_cards_at_once_with_the_mouse(page, board):
    login(page, board, "editor")
    page.goto("/?q=Veradyne")
    ids = sorted(_card_ids(page))  # the two Veradyne tips are one story: one card (its lead)
    assert len(ids) >= 1 and set(ids) <= _ids_matching(board, "Veradyne")
    for tip_id in ids:
        page.check(f"article.card[data-tip-id='{tip_id}'] input.card-select")
    page.select_option("form#bulk-form select[name=action]", "status:reviewing")
    with page.expect_navigation():
        page.click("#bulk-submit")
    # A story card stands for its tips: every Veradyne tip moved, not only the card's lead.
    roots = [t for t in sorted(_ids_matching(board, "Veradyne")) if board.tip(t).thread_root_id is None]
    assert len(roots) >= 2 and [board.tip(t).status for t in roots] == ["reviewing"] * len(roots)
    page.goto("/?q=Veradyne")
    assert {_column_of(page, tip_id) for tip_id in ids} == {"reviewing"}


def test_reporter_sees_only_their_beats_and_their_assignments(page, board):
    with board.demo.sessions() as s:
        reporter = s.scalar(select(User).where(User.email == "reporter@station.example"))
        visible = set(s.scalars(select(Tip.id).where(or_(Tip.topic.in_(reporter.beat_list), Tip.assignee_id == reporter.id))))
        hidden = set(s.scalars(select(Tip.id))) - visible
    assert visible and hidden
    login(page, board, "reporter")
    shown = set()
    while True:
        shown |= _card_ids(page)
        if page.locator("a#next-page").count() == 0:
            break
        with page.expect_navigation():
            page.click("a#next-page")
    assert shown and shown <= visible
    assert page.goto(f"/tips/{min(hidden)}").status in (403, 404)


def test_reporter_claims_a_tip_on_their_beat_by_keyboard(page, board):
    with board.demo.sessions() as s:
        reporter = s.scalar(select(User).where(User.email == "reporter@station.example"))
        tip_id = s.scalar(select(Tip.id).where(Tip.topic == "Elections", Tip.assignee_id.is_(None),
                                               Tip.subject.ilike("%runoff%")))
    assert tip_id is not None, "the runoff mailer tip is not on the Elections beat"
    login(page, board, "reporter")
    page.goto("/?q=runoff")
    _select_with_j(page, tip_id)
    page.keyboard.press("a")
    dialog = page.locator("dialog#claim-dialog")
    assert dialog.is_visible()
    dialog.locator("button[type=submit]").click()
    _until(page, lambda: board.tip(tip_id).assignee_id == reporter.id, "claimed")
