"""Build raw test messages in code: readable, and each test says what it varies."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone


def make_mail(
    *,
    sender: str = "Rosa Diaz <rosa@example.org>",
    to: str = "yourreporter@station.example",
    subject: str = "Council member steering contract to brother-in-law",
    body: str = "Hello,\n\nThe council member voted on a contract that went to his brother-in-law's firm.\n\nRosa\n",
    message_id: str | None = "auto",
    in_reply_to: str | None = None,
    references: str | None = None,
    date: datetime | None = None,
    html: str | None = None,
    extra_headers: dict[str, str] | None = None,
    received: str | None = None,
) -> bytes:
    msg = EmailMessage()
    if received:
        msg["Received"] = received
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc))
    if message_id == "auto":
        message_id = make_msgid(domain="example.org")
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for key, value in (extra_headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return bytes(msg)


def redeliver(raw: bytes, hop: str) -> bytes:
    """The same message as another mailbox receives it: one more Received header on top."""
    return f"Received: from mx.station.example by {hop}; Fri, 20 Nov 2026 09:31:00 +0000\r\n".encode() + raw
