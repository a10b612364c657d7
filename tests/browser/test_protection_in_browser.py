"""A protected reader in headless Chromium: a reporter without a grant walks every page and link
reachable from the reader's tips (board, story, tip, thread, search, history, exports) and
finds the reader's name, address and phone nowhere in the DOM, text or attributes; an editor
grants her the reader through the tip page, and then she sees them.

The reader comes in through the real pipeline (sorting finds the identity risk and the store
protects them), next to the demo mailbox's own readers."""
from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from inbox.models import Reader, Tip
from inbox.pipeline import Source
from tests.browser.harness import login, new_context, start_board, swapped

NAME, ADDRESS, PHONE = "Rosa Quintero", "rquintero.home@example.net", "555-0142"
IDENTITY = ("Rosa", "Quintero", "rquintero", ADDRESS, PHONE, "0142", "quintero-lease.pdf")
STORY = "Cedar Court"


def _mail(number: int, subject: str, body: str, reply_to: str | None = None, attach: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{NAME} <{ADDRESS}>"
    msg["To"] = "yourreporter@station.example"
    msg["Subject"] = subject
    msg["Date"] = f"Mon, {22 + number} Nov 2026 08:00:00 +0000"
    msg["Message-ID"] = f"<rosa-{number}@example.net>"
    if reply_to:
        msg["In-Reply-To"] = msg["References"] = reply_to
    msg.set_content(body)
    msg.add_alternative(f"<html><body><p>{body.replace(chr(10), '<br>')}</p><p>{NAME}</p></body></html>", subtype="html")
    if attach:
        msg.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename="quintero-lease.pdf")
    return msg.as_bytes()


FIRST = _mail(1, "Judge signs eviction orders for all of Cedar Court", (
    "The housing court judge signed eviction orders for all 40 units at Cedar Court this morning, in a lawsuit\n"
    "the landlord filed in October. Most of us are undocumented, so nobody went to court to fight it.\n"
    "Please keep my name out of it. You can call me at (913) 555-0142.\n\n"
    "Thanks,\nRosa Quintero\n(913) 555-0142\n"), attach=True)
SECOND = _mail(2, "Re: Judge signs eviction orders for all of Cedar Court", (
    "The judge refused to delay the Cedar Court evictions at the hearing today.\n\n"
    f"On Mon, Nov 23, 2026 at 8:00 AM {NAME} <{ADDRESS}> wrote:\n"
    "> The housing court judge signed eviction orders for all 40 units at Cedar Court\n"), reply_to="<rosa-1@example.net>")


@pytest.fixture(scope="module")
def protected_board(tmp_path_factory):
    extra = [(FIRST, Source("demo", "INBOX", 7, 9001)), (SECOND, Source("demo", "INBOX", 7, 9002))]
    running = start_board(tmp_path_factory.mktemp("protected-board"), extra)
    with running.demo.sessions() as s, s.begin():
        tips = list(s.scalars(select(Tip).where(Tip.sender_address == ADDRESS).order_by(Tip.id)))
        # The reporter's beats decide whether she may open the thread at all: put it on one.
        tips[0].topic = "Courts & lawsuits"
    yield running
    running.close()


def _leaks(page) -> list[str]:
    """Identity terms anywhere in the DOM: text, attribute values (hrefs, titles, srcdoc), form values."""
    dom = page.evaluate("""() => {
        const parts = [document.title, document.documentElement.innerText];
        for (const el of document.querySelectorAll('*')) {
            for (const a of el.attributes) parts.push(a.value);
            if ('value' in el && typeof el.value === 'string') parts.push(el.value);
        }
        return parts.join('\\n');
    }""")
    return [term for term in IDENTITY if term.lower() in dom.lower()]


def _links(page, base: str) -> set[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = set()
    for href in hrefs:
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.netloc == urlsplit(base).netloc and not parts.path.startswith(("/static", "/logout")):
            found.add(url.split("#")[0])
    return found


def test_reporter_without_a_grant_finds_the_protected_reader_nowhere(browser, protected_board):
    board = protected_board
    with board.demo.sessions() as s:
        ids = list(s.scalars(select(Tip.id).where(Tip.sender_address == ADDRESS).order_by(Tip.id)))
        assert s.scalar(select(Reader.protected).where(Reader.address == ADDRESS)) is True  # sorting protected her
    assert len(ids) == 2
    context = new_context(browser, board)
    page = context.new_page()
    login(page, board, "reporter")
    # (Searches for her name are checked below by their cards: the search box holds the words typed.)
    start = [board.url, f"{board.url}?q=Cedar+Court", f"{board.url}?q=eviction", f"{board.url}?flag=sensitive",
             f"{board.url}?topic=Courts+%26+lawsuits"] + [f"{board.url}tips/{i}" for i in ids]
    seen: set[str] = set()
    queue = list(start)
    pages_about_her = 0
    while queue:
        url = queue.pop(0)
        if url in seen or len(seen) >= 80:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response is not None
        if response.status != 200:
            assert response.status in (403, 404), (url, response.status)
            continue
        assert _leaks(page) == [], url
        about_her = STORY in page.content() or any(f"/tips/{i}" in url for i in ids)
        pages_about_her += about_her
        if about_her or url in start:  # every link from a page about her (and the board), one step further
            queue.extend(sorted(_links(page, url) - seen))
    assert pages_about_her >= 3
    # Search finds her tip by its story, never by who she is.
    for words in ("Quintero", "Rosa", "rquintero", "555-0142", "Thanks Rosa"):
        page.goto(f"{board.url}?q={words}")
        assert page.locator("main#board").count() == 1
        assert page.locator(f"article.card[data-tip-id='{ids[0]}']").count() == 0, words
    # The demo encrypts a protected reader's subject and text at rest, so they leave the search
    # index (the page says so); her tip is found on the board, not by its words.
    page.goto(f"{board.url}?q=Cedar+Court")
    assert page.locator("#search-encrypted").count() == 1
    assert page.locator(f"article.card[data-tip-id='{ids[0]}']").count() == 0
    # Her files and the original message stay closed even by URL.
    with board.demo.sessions() as s:
        attachment = s.get(Tip, ids[0]).attachments[0].id
    assert page.goto(f"{board.url}tips/{ids[0]}/attachments/{attachment}").status == 403
    assert page.goto(f"{board.url}tips/{ids[0]}/raw").status == 403
    context.close()


def test_editor_grants_the_reader_and_then_the_reporter_sees_them(browser, protected_board):
    board = protected_board
    with board.demo.sessions() as s:
        root = s.scalar(select(Tip.id).where(Tip.sender_address == ADDRESS).order_by(Tip.id).limit(1))
    editor_context = new_context(browser, board)
    editor = editor_context.new_page()
    login(editor, board, "editor")
    editor.goto(f"{board.url}tips/{root}")
    assert NAME in editor.locator("#tip-sender").inner_text()
    editor.select_option("#grant-form select[name=user_id]", label="Maya Torres")
    editor.fill("#grant-form input[name=reason]", "she is writing the eviction story")
    with swapped(editor):
        editor.click("#grant-submit")
    assert "Maya Torres" in editor.locator("#reader-grants").inner_text()
    reporter_context = new_context(browser, board)
    reporter = reporter_context.new_page()
    login(reporter, board, "reporter")
    reporter.goto(f"{board.url}tips/{root}")
    assert NAME in reporter.locator("#tip-sender").inner_text()
    assert PHONE in reporter.locator("#tip-text").inner_text()
    assert reporter.locator("#my-grant").count() == 1
    # Revoked: the pseudonym again, on the next page she opens.
    with swapped(editor):
        editor.click("#reader-grants .grant-revoke")
    reporter.goto(f"{board.url}tips/{root}")
    assert _leaks(reporter) == []
    editor_context.close()
    reporter_context.close()
