"""The sent copy of a reply, appended to its mailbox's Sent folder over IMAP (smtp.append_sent).

Best effort after the message went: a failure is written on the row (sent_copy) and logged
by id, never retried into a second copy.
"""
from __future__ import annotations

import logging

from sqlalchemy import update

from inbox.config import Settings
from inbox.models import Outgoing

log = logging.getLogger(__name__)


def append_sent_copy(settings: Settings, sessions, outgoing_id: int, message: bytes) -> str:
    from inbox.mail import imap

    with sessions() as session:
        row = session.get(Outgoing, outgoing_id)
        box = next((b for b in settings.mailboxes if b.name == row.mailbox), None)
        if box is None or row.sent_copy == "appended":
            return row.sent_copy or "no mailbox"
    try:
        client = imap.connect(box)
        try:
            client.append(settings.smtp.sent_folder, message, flags=[b"\\Seen"])
        finally:
            imap.close(client)
        outcome = "appended"
    except Exception as exc:  # noqa: BLE001 - the message went; the copy is extra
        outcome = f"not appended: {type(exc).__name__}"
        log.warning("outgoing %d: sent copy %s", outgoing_id, outcome)
    with sessions() as session:
        session.execute(update(Outgoing).where(Outgoing.id == outgoing_id).values(sent_copy=outcome))
        session.commit()
    return outcome
