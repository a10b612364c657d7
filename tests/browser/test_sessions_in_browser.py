"""Sessions in a real browser: an inline (cid:) image loads in the sandboxed mail frame,
which sends no cookies, and its link stops working when the session that made it ends."""
from __future__ import annotations

from tests.browser.harness import login, new_context

NURSING_HOME = "<maple-grove-html-22@example.org>"  # HTML with one inline PNG


def _status_elsewhere(browser, board, url: str) -> int:
    """What a browser without the session gets for url (as the sandboxed frame, or a thief)."""
    context = new_context(browser, board)
    try:
        return context.new_page().goto(url).status
    finally:
        context.close()


def test_inline_image_shows_in_the_sandboxed_frame_and_its_link_ends_with_the_session(page, board, browser):
    login(page, board, "editor")
    page.goto(f"{board.url}tips/{board.tip_id(NURSING_HOME)}")
    image = page.frame_locator("#mail-html").locator("img").first
    width = image.evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert width > 0
    link = image.evaluate("img => img.src")
    assert link.startswith(f"{board.url}cid/") and "?t=" in link
    assert _status_elsewhere(browser, board, link) == 200
    with page.expect_navigation():
        page.click("#logout")
    assert "/login" in page.url
    assert _status_elsewhere(browser, board, link) == 404
