"""Accessibility and accounts in headless Chromium.

axe-core (the npm package, pinned in package.json / package-lock.json at the repository's
root; `npm ci` installs it, scripts/test does so) is injected into every page the desk
uses, at phone and desktop width: no serious or critical violation. The script is run
by Playwright's evaluate, which the board's Content-Security-Policy does not govern, so
the policy stays as it ships. And a reporter enrols a second factor from the QR code.
"""
from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest

from tests.browser.harness import login, new_context, sized_page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
NO_BID = "<20261102083114.4471@mail.example.org>"


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run `npm ci` at the repository's root "
                    "(scripts/test does); browser tests never skip", pytrace=False)
    return AXE.read_text()


def violations(page, axe_source) -> list[str]:
    """axe's serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source + "\n;undefined")
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return [f"{page.url}: {line}" for line in found]


def _context(browser, board, size, dark=False):
    context = new_context(browser, board)
    # The shared machine is slow at times; no timing is asserted.
    return context, sized_page(context, size, dark, timeout_ms=30_000)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("size", SIZES, ids=str)
def test_every_page_has_no_serious_or_critical_axe_violation(browser, board, axe_source, size, dark):
    context, page = _context(browser, board, SIZES[size], dark)
    found = []
    try:
        page.goto(board.url + "login")
        found += violations(page, axe_source)
        page.fill("form#login-form input[name=email]", "editor@station.example")
        page.fill("form#login-form input[name=password]", "wrong password")
        page.click("#login-submit")
        page.wait_for_selector("#login-error")
        found += violations(page, axe_source)  # the login's error
        page.goto(board.url + "reset/not-a-token")  # an error page, logged out
        found += violations(page, axe_source)
        login(page, board, "admin")
        tip_id = board.tip_id(NO_BID)
        pages = ["/", "/?q=contract", "/?since=2026-13-45", f"/tips/{tip_id}", "/help", "/account", "/account/totp",
                 "/admin/users", "/admin/topics", "/admin/mailboxes", "/admin/quarantine", "/admin/audit",
                 "/admin/holds", "/tips/99999999", "/no/such/page"]
        for path in pages:
            page.goto(board.url.rstrip("/") + path)
            page.wait_for_load_state("load")
            found += violations(page, axe_source)
        page.goto(f"{board.url}tips/{tip_id}")
        page.click("#tip-topic-why summary")  # the why table, opened
        found += violations(page, axe_source)
    finally:
        context.close()
    assert found == [], "\n".join(found)


def test_a_reporter_enrols_totp_from_the_qr_code_and_then_needs_a_code(browser, board):
    context, page = _context(browser, board, SIZES["phone"])
    try:
        login(page, board, "reporter")
        page.click("#nav-account")
        page.click("#totp-start")
        qr = page.locator("#totp-qr svg")
        assert qr.count() == 1 and qr.bounding_box()["width"] >= 100  # drawn, inline, under the board's CSP
        assert page.locator("#totp-qr img").count() == 0
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.fill("#totp-code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
        page.click("#totp-submit")
        assert "does not match" in page.locator("#totp-code-error").inner_text()
        page.fill("#totp-code", pyotp.TOTP(secret).now())
        page.click("#totp-submit")
        codes = page.locator("#recovery-codes code").all_inner_texts()
        assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", c) for c in codes)
        page.click("#logout")
        page.fill("form#login-form input[name=email]", "reporter@station.example")
        page.fill("form#login-form input[name=password]", board.password("reporter"))
        page.click("#login-submit")
        assert "Wrong email, password or code." in page.locator("#login-error").inner_text()  # a code is needed now
        page.fill("form#login-form input[name=password]", board.password("reporter"))
        page.fill("form#login-form input[name=totp]", codes[0])
        with page.expect_navigation(wait_until="load"):
            page.click("#login-submit")
        page.wait_for_selector("main#board")
    finally:
        context.close()
        with board.demo.sessions() as s, s.begin():  # the other browser tests log the reporter in without a code
            from sqlalchemy import select

            from inbox.models import User

            s.scalar(select(User).where(User.email == "reporter@station.example")).totp_secret = None


def test_the_axe_check_can_fail(browser, board, axe_source):
    context, page = _context(browser, board, SIZES["desktop"])
    try:
        page.goto(board.url + "login")
        page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<button id=nameless></button>')")
        assert any("button-name" in line for line in violations(page, axe_source))
    finally:
        context.close()
