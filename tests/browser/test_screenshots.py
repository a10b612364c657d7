"""The README's pictures: the board and a tip page, taken from the real board in Chromium.

A fresh demo board gets a morning's triage first (a few tips moved along, one
assigned), so the picture shows the columns in use. A test run writes them under
build/screenshots/ (ignored), so the suite leaves the checkout as it found it;
`scripts/screenshots` sets INBOX_SCREENSHOTS=docs/screenshots to refresh the
committed pictures the README shows.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.models import Tip, User
from tests.browser.harness import login, new_context, start_board

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / os.environ.get("INBOX_SCREENSHOTS", "build/screenshots")
NO_BID = "<20261102083114.4471@mail.example.org>"
# (Message-ID, status): where an assignment desk might have put these by mid-morning.
TRIAGE = (
    (NO_BID, "pursuing"),
    ("<CAF3kx9-dmv-7720@mail.example.com>", "reviewing"),
    ("<b1e2c3d4-ice-courthouse@example.com>", "assigned"),
    ("<poll14-a1@example.com>", "published"),
    ("<ooo-7731-bl@dunmore-county.example>", "declined"),
    ("<8812.77a.spam@promo.example.com>", "spam"),
    ("<seo-camp-20261105-991@rankfast.example>", "spam"),
)


@pytest.fixture(scope="module")
def triaged_board(tmp_path_factory):
    running = start_board(tmp_path_factory.mktemp("screenshot-board"))
    with running.demo.sessions() as s, s.begin():
        reporter = s.scalar(select(User).where(User.email == "reporter@station.example"))
        for message_id, status in TRIAGE:
            tip = s.scalar(select(Tip).where(Tip.message_id == message_id.strip("<>")))
            tip.status, tip.version = status, tip.version + 1
            if status in ("assigned", "pursuing"):
                tip.assignee_id = reporter.id
    yield running
    running.close()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_screenshots_of_the_board_and_a_tip_page(browser, triaged_board):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = new_context(browser, triaged_board)
    page = context.new_page()
    login(page, triaged_board, "editor")
    assert page.locator("section.column[data-status=pursuing] article.card").count() == 1
    page.screenshot(path=SCREENSHOTS / "board.png")
    page.goto(f"/tips/{triaged_board.tip_id(NO_BID)}")
    assert page.locator("#thread li.thread-item").count() >= 1
    page.screenshot(path=SCREENSHOTS / "tip.png", full_page=True)
    context.close()
    assert _png_size(SCREENSHOTS / "board.png") == (1366, 900)
    width, height = _png_size(SCREENSHOTS / "tip.png")
    assert width == 1366 and height >= 600
