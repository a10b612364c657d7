"""The board from a phone to a wide desktop, in headless Chromium: nothing scrolls sideways,
a phone shows one status list at a time and the tip's text across the screen, its actions
stay at hand, and dark mode follows the system. Screenshots go to build/screenshots/ (ignored;
INBOX_SCREENSHOTS moves them, as in test_screenshots.py)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.harness import page_maker

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / os.environ.get("INBOX_SCREENSHOTS", "build/screenshots")
PHONE, TABLET, DESKTOP = (390, 844), (768, 1024), (1440, 900)
SIZES = {"phone": PHONE, "tablet": TABLET, "desktop": DESKTOP}
NO_BID = "<20261102083114.4471@mail.example.org>"  # a reporter's beat (State & local government)


@pytest.fixture
def sized(browser, board):
    """sized(role, (w, h), dark=False) -> a logged-in page at that viewport."""
    with page_maker(browser, board) as make:
        yield make


def _no_sideways_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths[0]} px of content in {widths[1]} px"


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def _visible_columns(page) -> list[str]:
    return page.evaluate("""[...document.querySelectorAll('main#board section.column')]
        .filter(c => c.offsetParent !== null).map(c => c.dataset.status)""")


@pytest.mark.parametrize("role", ["editor", "reporter"])
@pytest.mark.parametrize("size", SIZES, ids=str)
def test_board_tip_and_admin_pages_never_scroll_sideways(sized, board, role, size):
    page = sized(role, SIZES[size])
    _no_sideways_scroll(page)
    _shot(page, f"responsive-board-{role}-{size}")
    page.goto(f"/tips/{board.tip_id(NO_BID)}")
    page.wait_for_selector("main#tip")
    _no_sideways_scroll(page)
    _shot(page, f"responsive-tip-{role}-{size}")
    page.goto("/admin/users")  # an admin page: the layout's 403 page for both of these roles
    assert page.locator("main#error[data-code='403']").count() == 1
    _no_sideways_scroll(page)


@pytest.mark.parametrize("size", SIZES, ids=str)
def test_the_admin_users_page_fits_every_width(sized, size):
    page = sized("admin", SIZES[size])
    page.goto("/admin/users")
    page.wait_for_selector("main#admin-users")
    _no_sideways_scroll(page)
    _shot(page, f"responsive-users-admin-{size}")


def test_on_a_phone_the_switcher_shows_one_status_list_at_a_time(sized):
    page = sized("editor", PHONE)
    switcher = page.locator("nav#status-switcher")
    assert switcher.is_visible()
    shown = _visible_columns(page)
    assert len(shown) == 1, f"a phone shows {shown}"
    first = shown[0]
    assert page.locator(f"section.column[data-status={first}] article.card").count() > 0  # the first list in use
    page.click("nav#status-switcher a[data-status=declined]")
    assert _visible_columns(page) == ["declined"]
    assert page.get_attribute("nav#status-switcher a[data-status=declined]", "aria-current") == "true"
    assert page.get_attribute(f"nav#status-switcher a[data-status={first}]", "aria-current") is None
    page.reload()
    assert _visible_columns(page) == ["declined"], "the chosen list is kept across a reload"
    _no_sideways_scroll(page)


def test_j_moves_only_through_the_list_a_phone_shows(sized):
    page = sized("editor", PHONE)
    status = _visible_columns(page)[0]
    page.keyboard.press("j")
    selected = page.locator("article.card.selected")
    assert selected.count() == 1 and selected.get_attribute("data-status") == status


def test_without_the_script_a_phone_stacks_the_lists_under_links_to_each(browser, board):
    context = browser.new_context(base_url=board.url, viewport={"width": PHONE[0], "height": PHONE[1]}, java_script_enabled=False)
    page = context.new_page()
    login_without_script(page, board)
    assert len(_visible_columns(page)) == 8
    assert page.get_attribute("nav#status-switcher a[data-status=reviewing]", "href") == "#column-reviewing"
    assert page.locator("section#column-reviewing").count() == 1
    assert not page.locator("#search-form select[name=topic]").is_visible(), "the filters stay behind their button"
    page.click("summary#filter-toggle")
    assert page.locator("#search-form select[name=topic]").is_visible()
    _no_sideways_scroll(page)
    context.close()


def login_without_script(page, board) -> None:
    page.goto(board.url + "login")
    page.fill("form#login-form input[name=email]", "editor@station.example")
    page.fill("form#login-form input[name=password]", board.password("editor"))
    with page.expect_navigation():
        page.click("#login-submit")
    page.wait_for_selector("main#board")


def test_filters_are_behind_a_button_on_a_phone_and_open_on_a_desktop(sized):
    phone = sized("editor", PHONE)
    assert phone.locator("summary#filter-toggle").is_visible()
    assert not phone.locator("#search-form select[name=topic]").is_visible()
    assert phone.locator("input#search").is_visible()
    phone.click("summary#filter-toggle")
    assert phone.locator("#search-form select[name=topic]").is_visible()
    _no_sideways_scroll(phone)
    _shot(phone, "responsive-board-filters-phone")
    desktop = sized("editor", DESKTOP)
    assert not desktop.locator("summary#filter-toggle").is_visible()
    assert desktop.locator("#search-form select[name=topic]").is_visible()


def test_on_a_phone_the_tips_text_spans_the_screen_and_its_actions_stay_in_view(sized, board):
    page = sized("editor", PHONE)
    page.goto(f"/tips/{board.tip_id(NO_BID)}")
    share = page.evaluate("document.querySelector('#tip-text pre.new-text').getBoundingClientRect().width / window.innerWidth")
    assert share >= 0.9, f"the tip's text is {share:.0%} of the screen's width"
    bar = page.locator("main#tip section.actions")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "responsive-tip-editor-phone-screen.png")  # as the phone shows it
    for where in ("0", "document.body.scrollHeight / 2"):
        page.evaluate(f"window.scrollTo(0, {where})")
        box = bar.bounding_box()
        assert box["y"] + box["height"] <= PHONE[1] + 1 and box["y"] >= PHONE[1] - box["height"] - 1, \
            f"the action bar is not at the bottom of the screen ({box})"
    assert page.locator("form#status-form select[name=status]").is_visible()
    assert bar.bounding_box()["height"] <= 90, "the action bar takes too much of a phone's screen"


def test_on_a_desktop_empty_lists_collapse_to_a_narrow_header(sized):
    page = sized("editor", DESKTOP)
    widths = page.evaluate("""Object.fromEntries([...document.querySelectorAll('main#board section.column')]
        .map(c => [c.dataset.status, [c.getBoundingClientRect().width, c.classList.contains('empty')]]))""")
    empty = [w for w, is_empty in widths.values() if is_empty]
    used = [w for w, is_empty in widths.values() if not is_empty]
    assert empty and used, widths
    assert max(empty) <= 48 and min(used) >= 240, widths
    titles = page.evaluate("""[...document.querySelectorAll('a.card-link')].map(a =>
        a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight))""")
    assert max(titles) <= 2.05, "a card's title runs over two lines"


def test_dark_mode_follows_the_system_and_focus_is_visible(sized):
    page = sized("editor", DESKTOP, dark=True)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 22, 28)", background
    _shot(page, "responsive-board-dark-desktop")
    page.keyboard.press("Tab")
    outline = page.evaluate("[getComputedStyle(document.activeElement).outlineStyle, getComputedStyle(document.activeElement).outlineWidth]")
    assert outline == ["solid", "3px"], outline


def test_apply_with_nothing_selected_says_so_beside_the_button_and_stays(sized):
    page = sized("editor", DESKTOP)
    url = page.url
    page.click("#bulk-submit")
    message = page.locator("#bulk-error")
    assert message.is_visible() and "Select some cards first" in message.inner_text()
    assert page.url == url and page.locator("main#board").count() == 1
    page.locator("input.card-select").first.check()
    assert not message.is_visible()


def test_an_error_page_has_the_layout_and_its_link_goes_back(sized):
    page = sized("reporter", PHONE)
    page.goto("/tips/999999")
    assert page.locator("main#error[data-code='404'] .error-advice").is_visible()
    assert page.locator("header#top").is_visible()
    _no_sideways_scroll(page)
    page.click("a.error-back")
    page.wait_for_selector("main#board")
