"""Telling the desk and its tools what happened, without telling them the tip.

    record(session, "tip.updated", tip_id, actor_id=..., detail="assign", target_user_id=...)
    kick(queue)        # after the commit: a job fans the new events out and delivers them

An event is a row written in the same transaction as the change it reports (so a change and
its notice commit or roll back together). A job (`notify.fanout`) turns each new event into
deliveries, one per channel or user that wants it and may hear of it, and queues one job per
delivery (`notify.deliver`). Every minute a sweep (`notify.sweep`) fans out what no job did,
sends again what is due (a retry, or a delivery whose job died with its process), picks up new
tips the worker stored (the worker only queues their ids) and sends the daily digests.

Content-free by default: a message carries the tip's id, topic, urgency and a link to the
board. A channel an admin turned content on for also carries the sender, subject and a
preview, and even then a protected reader (inbox/board/access.py) is named by pseudonym and
their words redacted (inbox/board/redact.py): no channel is a user who may see them. An email
to a user shows what that user may see, no more. Logs carry ids only.
"""
from __future__ import annotations

import logging
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.models import NotifyEvent, User

log = logging.getLogger(__name__)
EVENT_KINDS = ("tip.created", "tip.updated", "story.changed", "note.mention", "digest")
# "@name" in a note: an account's email local part ("@ada.jones") or its whole email.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._%+-]*(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")


def record(session: Session, kind: str, tip_id: int | None, *, key: str, actor_id: int | None = None,
           target_user_id: int | None = None, detail: str = "") -> None:
    """Add an event (unless one with this key exists: raising it twice is one event)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown notification event {kind!r}")
    if session.scalar(select(NotifyEvent.id).where(NotifyEvent.key == key)) is not None:
        return
    session.add(NotifyEvent(kind=kind, key=key[:200], tip_id=tip_id, actor_id=actor_id,
                            target_user_id=target_user_id, detail=detail[:200]))


def mentioned_users(session: Session, body: str) -> list[User]:
    """The active users a note @mentions, by email or its local part (an ambiguous local part
    names nobody rather than the wrong person)."""
    wanted = {m.group(1).lower().rstrip(".") for m in MENTION.finditer(body)}
    if not wanted:
        return []
    found: dict[int, User] = {}
    users = list(session.scalars(select(User).where(User.active.is_(True))))
    for word in wanted:
        matches = [u for u in users if u.email.lower() == word] or \
                  [u for u in users if "@" not in word and u.email.lower().partition("@")[0] == word]
        if len(matches) == 1:
            found[matches[0].id] = matches[0]
    return list(found.values())


def kick(queue) -> None:
    """Ask the queue to fan out the new events now (the minute's sweep would anyway)."""
    try:
        queue.enqueue("notify.fanout")
    except Exception as exc:  # noqa: BLE001 - the sweep fans out what this missed; the change is saved
        log.warning("notify: could not queue the fan-out (%s); the sweep will", type(exc).__name__)
