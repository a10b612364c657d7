"""Hostile mail in a real browser: no payload runs script, nothing leaves for another host.

Every payload of ../shared/corpora/xss/dompurify-payloads.json goes in as a reader's
HTML mail through the pipeline and is opened on its tip page, in one page, with the
dialogs and the console hooked in every frame and every request recorded.
"""
from __future__ import annotations

import json

import pytest

from inbox.models import Tip
from inbox.pipeline import Source
from tests.browser.harness import Watch, html_mail, login, new_context, start_board

HTML_TIP = "<maple-grove-html-22@example.org>"
NO_BID = "<20261102083114.4471@mail.example.org>"


def _payloads(shared_dir) -> list[dict]:
    return json.loads((shared_dir / "corpora" / "xss" / "dompurify-payloads.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def xss_board(tmp_path_factory, shared_dir):
    """A board whose database also holds one tip per payload (in corpus order)."""
    mails = [
        (html_mail(n, p.get("title", ""), p["payload"]), Source("xss", "INBOX", 1, n))
        for n, p in enumerate(_payloads(shared_dir), start=1)
    ]
    running = start_board(tmp_path_factory.mktemp("xss-board"), mails)
    yield running
    running.close()


def _sandbox_tokens(page) -> set[str] | None:
    frame = page.locator("iframe#mail-html")
    if frame.count() == 0:
        return None
    value = frame.get_attribute("sandbox")
    assert value is not None, "the mail's iframe has no sandbox attribute"
    return set(value.split())


def test_the_watch_sees_scripts_that_run_and_requests_that_leave(browser, board):
    context = new_context(browser, board)
    page = context.new_page()
    watch = Watch(page, board.host)
    page.goto("about:blank")  # no CSP here: the point is to see script run
    page.set_content(
        '<img src="data:," onerror="alert(1)">'
        '<iframe sandbox="allow-scripts" srcdoc="<script>alert(2)</script>"></iframe>'
        '<img src="http://tracker.example/pixel.gif">'
        '<iframe sandbox="" srcdoc="<img src=http://tracker.example/framed.gif>"></iframe>'
    )
    page.wait_for_timeout(300)
    fired = watch.scripts_that_ran(page)
    context.close()
    assert any("alert(1)" in call for call in fired), fired
    # In a sandbox that allows scripts, the recorder or Chromium's refusal of the dialog tells.
    assert any("alert(2)" in call or "Ignored call to 'alert()'" in call for call in fired), fired
    assert sorted(watch.foreign_requests()) == ["http://tracker.example/framed.gif", "http://tracker.example/pixel.gif"]


def test_no_payload_runs_script_or_requests_another_host(browser, xss_board, shared_dir):
    payloads = _payloads(shared_dir)
    outcomes = xss_board.extra_outcomes
    assert len(outcomes) == len(payloads) == 223
    assert [o.status for o in outcomes if o.tip_id is None] == [], "a payload was quarantined, so it went untested"
    context = new_context(browser, xss_board)
    page = context.new_page()
    watch = Watch(page, xss_board.host)
    login(page, xss_board, "editor")
    failures, framed = [], 0
    for number, (payload, outcome) in enumerate(zip(payloads, outcomes), start=1):
        watch.reset()
        response = page.goto(f"/tips/{outcome.tip_id}", wait_until="load")
        page.wait_for_timeout(15)
        problems = []
        if response.status != 200:
            problems.append(f"HTTP {response.status}")
        tokens = _sandbox_tokens(page)
        if tokens is not None:
            framed += 1
            if tokens & {"allow-scripts", "allow-same-origin"}:
                problems.append(f"iframe sandbox allows {sorted(tokens)}")
        problems += [f"ran {call}" for call in watch.scripts_that_ran(page)]
        problems += [f"requested {url}" for url in watch.foreign_requests()]
        if problems:
            failures.append(f"payload {number} ({payload.get('title', '')[:60]}): {'; '.join(problems)}")
    context.close()
    assert failures == []
    assert framed > 150, f"only {framed} of 223 tips showed their HTML in the sandboxed iframe"


def test_remote_image_in_a_mail_is_never_requested(page, board):
    tip_id = board.tip_id(HTML_TIP)
    from inbox.sealing import raw_of
    from inbox.vault import unlock

    vault = unlock(board.demo.settings.encryption)  # the demo encrypts raw mail with its demo key
    with board.demo.sessions() as s:
        assert b"http://track.mailer.example/open/" in raw_of(vault, s.get(Tip, tip_id))
    login(page, board, "editor")
    page.watch.reset()
    page.goto(f"/tips/{tip_id}", wait_until="networkidle")
    assert page.locator("iframe#mail-html").count() == 1
    assert "Maple Grove" in page.frame_locator("iframe#mail-html").locator("body").inner_text()
    assert not [url for url in page.watch.requests if "track.mailer.example" in url]
    assert page.watch.foreign_requests() == []
    assert page.watch.scripts_that_ran(page) == []


def test_inline_cid_image_is_shown_from_the_board(page, board):
    # The iframe's origin is opaque (no allow-same-origin): the image must still load, from the board.
    login(page, board, "editor")
    page.watch.reset()
    page.goto(f"/tips/{board.tip_id(HTML_TIP)}", wait_until="networkidle")
    image = page.frame_locator("iframe#mail-html").locator("img[alt='call-light board']")
    src, width = image.evaluate("img => [img.src, img.naturalWidth]")
    assert src.startswith(board.url + "cid/"), src
    assert width == 48, f"the cid image did not load in the sandboxed iframe ({src})"
    assert page.watch.foreign_requests() == []


def test_every_page_carries_the_content_security_policy(page, board):
    responses = [page.goto(board.url + "login")]
    login(page, board, "admin")
    tip_id = board.tip_id(NO_BID)
    for path in ("/", "/?q=Grange", f"/tips/{tip_id}", f"/tips/{board.tip_id(HTML_TIP)}"):
        responses.append(page.goto(path))
    page.goto("/")
    nav = page.locator("nav#nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(nav) >= 4, nav  # board, users, mailboxes, quarantine, audit for an admin
    for href in nav:
        responses.append(page.goto(href))
    responses.append(page.goto("/no-such-page"))
    for response in responses:
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "default-src" in policy, f"{response.url}: {policy!r}"
        assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0], response.url


@pytest.fixture(scope="module")
def bomb_board(tmp_path_factory):
    """A board whose database also holds the 1.1 MB attribute bomb (100,000 attributes on one element)."""
    bomb = "<p " + " ".join(f"a{i}=v" for i in range(100_000)) + ">the tip about the depot</p>"
    running = start_board(tmp_path_factory.mktemp("bomb-board"), [(html_mail(1, "attribute bomb", bomb), Source("bomb", "INBOX", 1, 1))])
    yield running
    running.close()


def test_an_attribute_bomb_opens_as_text_with_a_note_and_runs_nothing(browser, bomb_board):
    (outcome,) = bomb_board.extra_outcomes
    assert outcome.status == "stored"
    context = new_context(browser, bomb_board)
    page = context.new_page()
    watch = Watch(page, bomb_board.host)
    login(page, bomb_board, "editor")
    watch.reset()
    assert page.goto(f"/tips/{outcome.tip_id}", wait_until="load").status == 200
    assert "Payload 1 as text." in page.locator("#tip-text").inner_text()  # the mail's text part
    note = page.frame_locator("iframe#mail-html").locator("p.not-shown").inner_text()
    assert "100,000 attributes" in note and "not shown" in note
    assert watch.scripts_that_ran(page) == [] and watch.foreign_requests() == []
    context.close()
