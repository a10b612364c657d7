"""Story cards, the triage list, the live board, drag and drop and the keyboard, in headless
Chromium on a demo board of this module's own (these tests change tips): nothing scrolls
sideways at 390, 768 and 1440 px on the board and a story page; a reporter triages a tip with
the keyboard alone; a tip imported while a second browser is open appears there; dragging a
card moves it. Screenshots go to build/screenshots/ (INBOX_SCREENSHOTS moves them)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inbox.models import Tip
from tests.browser.harness import SIZES, page_maker, start_board

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / os.environ.get("INBOX_SCREENSHOTS", "build/screenshots")


@pytest.fixture(scope="module")
def cards_board(tmp_path_factory):
    running = start_board(tmp_path_factory.mktemp("cards-board"))
    yield running
    running.close()


@pytest.fixture
def opened(browser, cards_board):
    """opened(role, size) -> a logged-in page on the module's board at that viewport."""
    with page_maker(browser, cards_board) as make:
        yield lambda role, size=SIZES["desktop"]: make(role, size)


def _story_id(board) -> int:
    """A story of the demo with tips from two readers or more, one of them on the reporter's beats."""
    with board.demo.sessions() as s:
        return s.scalar(select(Tip.cluster_id).where(Tip.cluster_id.is_not(None), Tip.thread_root_id.is_(None))
                        .group_by(Tip.cluster_id).having(func.count(func.distinct(Tip.sender_address)) > 1)
                        .order_by(Tip.cluster_id).limit(1))


def _no_sideways_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths[0]} px of content in {widths[1]} px"


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.mark.parametrize("role", ["editor", "reporter"])
@pytest.mark.parametrize("size", SIZES, ids=str)
def test_board_and_story_page_never_scroll_sideways(opened, cards_board, role, size):
    story = _story_id(cards_board)
    assert story is not None, "the demo has a story from several readers"
    page = opened(role, SIZES[size])
    assert page.locator("main#board article.card").count() > 0
    _no_sideways_scroll(page)
    _shot(page, f"cards-board-{role}-{size}")
    page.goto(f"/stories/{story}")
    page.wait_for_selector("main#story, main#error")
    _no_sideways_scroll(page)
    _shot(page, f"cards-story-{role}-{size}")


def test_the_demo_board_shows_a_story_as_one_card(opened, cards_board):
    page = opened("editor")
    story = page.locator("main#board article.card[data-story]").first.get_attribute("data-story")
    cards = page.locator(f"main#board article.card[data-story='{story}']")
    assert cards.count() == 1
    assert "readers" in cards.first.locator(".card-readers").inner_text()
    cards.first.locator("a.card-link").click()
    page.wait_for_selector("main#story")
    assert page.locator("#story-tips li").count() >= 2
    assert "readers sent this" in page.inner_text("#story-readers")


def _select_by_keys(page, tip_id: str) -> None:
    for _ in range(200):
        page.keyboard.press("j")
        if page.evaluate("document.activeElement && document.activeElement.dataset.tipId") == tip_id:
            return
    raise AssertionError(f"j never reached card {tip_id}")


def test_a_reporter_triages_a_tip_with_the_keyboard_alone(opened, cards_board):
    page = opened("reporter")
    target = page.evaluate("""(() => { const c = [...document.querySelectorAll('main#board article.card')]
        .find(c => c.dataset.actions.split(' ').includes('claim') && !c.dataset.story); return c && c.dataset.tipId; })()""")
    assert target, "the reporter has an unclaimed tip on her beats"
    _select_by_keys(page, target)
    page.keyboard.press("s")  # not hers yet: no dialog that would end on a 403
    assert page.locator("dialog[open]").count() == 0
    assert "assigned to you" in page.inner_text("#live-status")
    page.keyboard.press("a")
    assert page.locator("dialog#claim-dialog[open]").count() == 1
    page.keyboard.press("Enter")  # focus is on "Claim"
    page.wait_for_selector(f"main#board article.card[data-tip-id='{target}'][data-status='assigned']")
    page.wait_for_function(f"document.activeElement && document.activeElement.dataset.tipId === '{target}'")
    page.keyboard.press("s")
    assert page.locator("dialog#status-dialog[open]").count() == 1
    page.keyboard.press("4")  # 1 New, 2 Reviewing, 3 Assigned, 4 Pursuing
    page.wait_for_selector(f"main#board article.card[data-tip-id='{target}'][data-status='pursuing']")
    page.wait_for_function(f"document.activeElement && document.activeElement.dataset.tipId === '{target}'")
    tip = cards_board.tip(int(target))
    assert tip.status == "pursuing" and tip.assignee_id is not None
    page.keyboard.press("?")
    help_text = page.inner_text("dialog#help-dialog")
    assert "claim the selected" in help_text and "assign the selected" not in help_text


def test_a_tip_imported_while_another_browser_is_open_appears_there(opened, cards_board):
    from inbox.pipeline import Pipeline, Source
    from tests.mailfactory import make_mail

    watcher, other = opened("editor"), opened("admin")
    raw = make_mail(sender="Lena Park <lena.park@example.net>", subject="Zoo elephant moved at night without a permit",
                    body="The zoo moved its oldest elephant at 2am on a flatbed truck, without the state permit.\n")
    with Pipeline(cards_board.demo.settings, cards_board.demo.sessions, processes=1) as pipeline:
        outcomes = list(pipeline.process_many([(raw, Source("demo", "INBOX", 77, 1))]))
    assert [o.status for o in outcomes] == ["stored"]
    with cards_board.demo.sessions() as s:
        tip_id = s.scalar(select(func.max(Tip.id)))
    card = watcher.wait_for_selector(f"main#board article.card[data-tip-id='{tip_id}']", timeout=3000)
    assert "fresh" in card.get_attribute("class")
    assert "1 new" in watcher.inner_text("#live-status")
    # Someone else's change: the admin moves it; the editor's board marks it, no reload either.
    other.reload()
    other.locator(f"article.card[data-tip-id='{tip_id}'] .card-age").click()  # selects it (not the link)
    other.keyboard.press("s")
    other.click("dialog#status-dialog button[value=reviewing]")
    watcher.wait_for_selector(f"#column-reviewing article.card.changed[data-tip-id='{tip_id}']", timeout=3000)
    assert watcher.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded


def test_dragging_a_card_to_another_status_moves_it(opened, cards_board):
    page = opened("editor")
    tip_id = page.locator("#column-new article.card:not([data-story])").first.get_attribute("data-tip-id")
    source = page.locator(f"article.card[data-tip-id='{tip_id}'] .card-age")
    source.scroll_into_view_if_needed()
    box = source.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 8, box["y"] + box["height"] / 2 + 8, steps=4)  # the drag starts here
    target = page.locator("section#column-declined h2")
    target.scroll_into_view_if_needed()
    spot = target.bounding_box()
    page.mouse.move(spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2, steps=8)
    page.mouse.up()
    page.wait_for_selector(f"#column-declined article.card[data-tip-id='{tip_id}']")
    assert cards_board.tip(int(tip_id)).status == "declined"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    # The keyboard equivalent: [ moves it one status left, to Published.
    page.locator(f"article.card[data-tip-id='{tip_id}']").click()
    page.keyboard.press("[")
    page.wait_for_selector(f"#column-published article.card[data-tip-id='{tip_id}']")
    assert cards_board.tip(int(tip_id)).status == "published"


def test_the_tip_and_story_pages_act_without_a_page_load(opened, cards_board):
    page = opened("editor")
    tip_id = page.locator("#column-new article.card:not([data-story])").first.get_attribute("data-tip-id")
    page.goto(f"/tips/{tip_id}")
    page.evaluate("window.stayed = true")  # a page load would forget it
    page.select_option("#status-form select", "reviewing")
    page.click("#status-submit")
    page.wait_for_selector("#tip-status[data-status='reviewing']")
    assert page.evaluate("window.stayed === true")
    assert "Reviewing" in page.inner_text("body > p.flash")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'status-submit'")
    page.fill("#note-body", "Called the depot: no answer yet.")
    page.click("#note-submit")
    page.wait_for_selector("#notes li.note >> text=Called the depot")
    assert page.evaluate("window.stayed === true") and cards_board.tip(int(tip_id)).status == "reviewing"
    story = _story_id(cards_board)
    page.goto(f"/stories/{story}")
    page.evaluate("window.stayed = true")
    page.select_option("#story-status-form select", "declined")
    page.click("#story-status-submit")
    page.wait_for_selector("body > p.flash >> text=Moved the story to Declined")
    assert page.evaluate("window.stayed === true")
    with cards_board.demo.sessions() as s:
        assert set(s.scalars(select(Tip.status).where(Tip.cluster_id == story, Tip.thread_root_id.is_(None)))) == {"declined"}


def test_without_the_script_the_dialog_forms_still_work(browser, cards_board):
    context = browser.new_context(base_url=cards_board.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(cards_board.url + "login")
    page.fill("form#login-form input[name=email]", "editor@station.example")
    page.fill("form#login-form input[name=password]", cards_board.password("editor"))
    page.click("#login-submit")
    page.wait_for_selector("main#board")
    story = _story_id(cards_board)
    page.goto(f"/stories/{story}")
    page.select_option("#story-status-form select", "pursuing")
    page.click("#story-status-submit")
    page.wait_for_selector("main#story")
    assert "Moved the story to Pursuing" in page.content()
    with cards_board.demo.sessions() as s:
        assert set(s.scalars(select(Tip.status).where(Tip.cluster_id == story, Tip.thread_root_id.is_(None)))) == {"pursuing"}
    context.close()
