"""Fixtures for the browser tests: Debian's Chromium via Playwright, and the real board.

These tests never skip: without Chromium or Playwright they fail and say what to
install (CI's scripts/test installs both).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.harness import CHROMIUM, CHROMIUM_FLAGS, Watch, new_context, start_board


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the test process."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `apt-get install chromium` "
                    "(or set INBOX_CHROMIUM); browser tests never skip", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: `pip install -e '.[test]'`", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def board(tmp_path_factory):
    """The board serving the demo database (demo accounts, the demo mailbox) on a free port."""
    running = start_board(tmp_path_factory.mktemp("board"))
    yield running
    running.close()


@pytest.fixture
def page(browser, board):
    """A fresh page (own cookies) on the board, with a Watch at page.watch."""
    context = new_context(browser, board)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.watch = Watch(page, board.host)
    yield page
    context.close()
