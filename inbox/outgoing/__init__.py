"""Outgoing mail: every message is stored first, then sent by the job "mail.send".

    row = queue_message(session, kind="reply", to=addr, subject=s, body=b, tip_id=7, user_id=3)
    session.commit()
    send_later(queue, row.id)        # after the commit: the job finds the row

The row (inbox.models.outgoing.Outgoing) is the truth; the job carries only its id, so the
queue's own storage never holds an address or a body. Sending is inbox/outgoing/send.py
(smtplib, retries with back-off, the exactly-once design); the sweep re-queues rows a killed
consumer left behind. The board imports this module only: no SMTP or IMAP code comes with it.
"""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.orm import Session

from inbox.models import Outgoing, utcnow

# Headers a caller may not set: the sender fixes these itself.
_RESERVED = {"from", "to", "cc", "bcc", "subject", "date", "message-id", "content-type",
             "content-transfer-encoding", "mime-version"}


def new_message_id(domain: str) -> str:
    """A Message-ID of the desk's domain that says nothing about the tip or the reader."""
    return f"<{secrets.token_hex(16)}@{domain or 'inbox.invalid'}>"


def queue_message(session: Session, *, kind: str, to: str, subject: str, body: str,
                  mailbox: str | None = None, tip_id: int | None = None, user_id: int | None = None,
                  headers: dict[str, str] | None = None, message_id: str | None = None) -> Outgoing:
    """Store one message to one address, queued and not yet sent (the caller commits).

    headers: extra headers (In-Reply-To, References, Auto-Submitted ...); From, To, Subject,
    Date and Message-ID are the sender's. message_id: fix it now (a reply's thread needs it
    before the send); otherwise it is made at the first try from smtp.from_address's domain.
    """
    extra = dict(headers or {})
    bad = [name for name in extra if name.lower() in _RESERVED or "\n" in name + str(extra[name])
           or "\r" in name + str(extra[name])]
    if bad:
        raise ValueError(f"header not allowed here: {bad[0]}")
    if "\n" in to or "\r" in to or "," in to or "@" not in to:
        raise ValueError("one address expected")
    row = Outgoing(kind=kind, state="queued", mailbox=mailbox, to_address=to.strip(),
                   subject=" ".join(subject.split()), body=body, headers=extra, message_id=message_id,
                   tip_id=tip_id, user_id=user_id, attempts=0, created_at=utcnow(), next_try_at=utcnow())
    session.add(row)
    session.flush()
    return row


def send_later(queue: Any, row_id: int, *, delay: float | None = None) -> None:
    """Queue the job that sends row `row_id`; call it after the row's transaction committed.
    A lost call (a crash before it) loses nothing: the sweep finds the queued row."""
    queue.enqueue("mail.send", delay=delay, outgoing_id=row_id)


def state_label(row: Outgoing) -> str:
    """How the tip page says where a message is."""
    if row.state == "sent":
        return "sent"
    if row.state == "failed":
        return "failed"
    if row.state == "queued" and row.attempts:
        return "waiting to retry"
    return row.state
