"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port): it keeps every message it
accepted, can be stopped and started again on the same port (the server "down"), can hold its
answer to RCPT (so a test can kill a client mid-transaction), and can hand each accepted
message on to a Dovecot mailbox (IMAP APPEND), so a reply reaches the reader's INBOX."""
from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.server.rcpt_delay:
            import asyncio

            await asyncio.sleep(self.server.rcpt_delay)
        if self.server.reject_rcpt:
            return self.server.reject_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        with self.server.lock:
            self.server.messages.append((envelope.mail_from, list(envelope.rcpt_tos), raw))
        if self.server.deliver is not None:
            for rcpt in envelope.rcpt_tos:
                self.server.deliver(rcpt, raw)
        return "250 2.0.0 Ok: queued as TEST"


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()
        self.rcpt_delay = 0.0
        self.reject_rcpt: str | None = None
        self.deliver = None  # fn(rcpt, raw)
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def message_ids(self) -> list[str]:
        with self.lock:
            return [message_from_bytes(raw, policy=default)["Message-ID"] for _f, _t, raw in self.messages]

    def parsed(self):
        with self.lock:
            return [message_from_bytes(raw, policy=default) for _f, _t, raw in self.messages]

    def wait_for(self, count: int, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return
            time.sleep(0.05)
        raise AssertionError(f"the SMTP server had {len(self.messages)} messages, not {count}")
