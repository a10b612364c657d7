"""What the browser tests share: the real board on a free port, Chromium, and a script/request watch.

The board is the production stack (waitress + create_app) on a fresh SQLite
database filled the way `inbox demo` fills it: migrations, demo accounts, the
bundled demo mailbox through the pipeline. Chromium is Debian's (no downloads).
"""
from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select

from inbox.commands.demo import Demo, demo_settings, prepare
from inbox.config import Settings
from inbox.models import Tip

CHROMIUM = os.environ.get("INBOX_CHROMIUM", "/usr/bin/chromium")
# As root and on a closed network (see ../shared/reference/browser.md). Chromium puts a
# sandboxed iframe in a process of its own, and then Playwright sees neither its requests
# nor its console: keep it in the page's process so the watch sees everything the mail does.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-features=IsolateSandboxedIframes",
]

# Runs first in every frame that may run script: replaces the dialogs with a recorder.
RECORDER = """(() => {
  const calls = [];
  Object.defineProperty(window, '__scriptCalls', {value: calls});
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = (...args) => { calls.push(name + '(' + args.map(String).join(',') + ')'); };
  }
  for (const name of ['log', 'info', 'warn', 'error', 'debug']) {
    const original = console[name].bind(console);
    console[name] = (...args) => { calls.push('console.' + name + '(' + args.map(String).join(' ') + ')'); original(...args); };
  }
})();"""

# What Chromium itself prints when a sandboxed script calls a dialog the sandbox forbids.
_SANDBOXED_DIALOG = re.compile(r"Ignored call to '(alert|confirm|prompt|print)\(\)'")


@dataclass
class RunningBoard:
    """The board serving a prepared demo database on 127.0.0.1."""

    url: str
    demo: Demo
    _server: object = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    extra_outcomes: list = field(default_factory=list)

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def password(self, role: str) -> str:
        return self.demo.passwords[f"{role}@station.example"]

    def tip_id(self, message_id: str) -> int:
        with self.demo.sessions() as s:
            tip_id = s.scalar(select(Tip.id).where(Tip.message_id == message_id.strip("<>")))
        assert tip_id is not None, f"no tip with Message-ID {message_id}"
        return tip_id

    def tip(self, tip_id: int) -> Tip:
        with self.demo.sessions() as s:
            return s.get(Tip, tip_id)

    def close(self) -> None:
        self._server.close()
        self._thread.join(timeout=10)
        self.demo.sessions.kw["bind"].dispose()


def start_board(folder: Path, extra: Iterable = ()) -> RunningBoard:
    """Prepare a demo database in folder (plus extra (raw, Source) messages) and serve it."""
    from waitress import create_server

    from inbox.board import create_app
    from inbox.pipeline import Pipeline

    demo = prepare(demo_settings(Settings(data_dir=str(folder)), host="127.0.0.1", port=0))
    outcomes = []
    extra = list(extra)
    if extra:
        with Pipeline(demo.settings, demo.sessions, processes=1) as pipeline:
            outcomes = list(pipeline.process_many(extra))
    app = create_app(demo.settings, demo.sessions)
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="tip-inbox-test")
    thread = threading.Thread(target=server.run, name="board", daemon=True)
    thread.start()
    return RunningBoard(f"http://127.0.0.1:{server.effective_port}/", demo, server, thread, outcomes)


class Watch:
    """Everything a page does that the board did not ask for: scripts that ran, requests that left."""

    def __init__(self, page, board_host: str):
        self.board_host = board_host
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.requests: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)
        page.on("request", lambda request: self.requests.append(request.url))

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}({dialog.message})")
        dialog.dismiss()

    def _on_console(self, message) -> None:
        if _SANDBOXED_DIALOG.search(message.text) or message.type in ("log", "info", "debug"):
            self.console.append(f"{message.type}: {message.text}")

    def reset(self) -> None:
        self.dialogs.clear()
        self.console.clear()
        self.requests.clear()

    def scripts_that_ran(self, page) -> list[str]:
        """Dialogs, dialog attempts Chromium refused, console output, and the recorder of every frame."""
        fired = list(self.dialogs) + list(self.console)
        for frame in page.frames:
            calls = frame.evaluate("() => window.__scriptCalls ? Array.from(window.__scriptCalls) : null")
            if calls is None and frame is page.main_frame:
                raise AssertionError("the script recorder is missing from the page: the watch would see nothing")
            fired.extend(f"{frame.url[:40]}: {call}" for call in calls or ())
        return fired

    def foreign_requests(self) -> list[str]:
        """Requests to any host but the board (data:, blob: and about: stay inside the page)."""
        return [
            url for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).netloc != self.board_host
        ]


def html_mail(number: int, title: str, html: str) -> bytes:
    """A reader's HTML mail carrying html as its body (for the XSS sweep)."""
    msg = EmailMessage()
    msg["From"] = "Hostile Sender <hostile@attacker.example>"
    msg["To"] = "yourreporter@station.example"
    msg["Subject"] = f"Payload {number}: {title[:80]}"
    msg["Date"] = "Fri, 20 Nov 2026 09:30:00 +0000"
    msg["Message-ID"] = f"<payload-{number}@attacker.example>"
    msg.set_content(f"Payload {number} as text.\n")
    msg.add_alternative(f"<html><body><p>Payload {number}</p>{html}</body></html>", subtype="html")
    return msg.as_bytes()


def new_context(browser, board):
    """A browser context that records scripts, sees every request, and lets none leave the machine."""
    context = browser.new_context(base_url=board.url, viewport={"width": 1366, "height": 900})
    context.add_init_script(RECORDER)
    host = board.host
    context.route("**/*", lambda route: route.continue_() if _is_local(route.request.url, host) else route.abort())
    return context


# Viewports the browser tests look at: a phone, a tablet, a desktop.
SIZES = {"phone": (390, 844), "tablet": (768, 1024), "desktop": (1440, 900)}


def sized_page(context, size: tuple[int, int], dark: bool = False, timeout_ms: int = 10_000):
    """A new page of context at this viewport, in the light or the dark colour scheme."""
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.emulate_media(color_scheme="dark" if dark else "light")
    return page


@contextmanager
def page_maker(browser, board: RunningBoard):
    """make(role, size, dark=False) -> a page logged in as role at that viewport, each in a
    context of its own (own cookies); every context is closed afterwards."""
    contexts = []

    def make(role: str, size: tuple[int, int], dark: bool = False):
        context = new_context(browser, board)
        contexts.append(context)
        page = sized_page(context, size, dark)
        login(page, board, role)
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


def _is_local(url: str, host: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.netloc == host


def login(page, board: RunningBoard, role: str) -> None:
    """Log in through the form as the demo account with this role; lands on the board."""
    page.goto(board.url + "login")
    page.fill("form#login-form input[name=email]", f"{role}@station.example")
    page.fill("form#login-form input[name=password]", board.password(role))
    with page.expect_navigation(wait_until="load"):  # "load": board.js (deferred) has bound its keys
        page.click("#login-submit")
    page.wait_for_selector("main#board")


@contextmanager
def swapped(page):
    """Around a click on a tip or story page's form: wait until the answer has replaced the
    page's main part (forms.js sends the form with fetch and swaps what is inside <main>)."""
    page.evaluate("() => document.querySelectorAll('main > *').forEach(e => e.setAttribute('data-before-swap', ''))")
    yield
    page.wait_for_selector("main:not([aria-busy]) > :not([data-before-swap])", state="attached")
