"""What a notification says: a Notice read from the tip at delivery, and its text for email,
Slack, Teams and the signed webhooks.

Content-free by default: the tip's id, topic, urgency, status and a link. With content on
(a channel's flag, or [notify] email_include_content) the sender, subject and a short preview
are added, and a protected reader is masked for whoever may not see them: a channel is nobody
who may, so a channel always gets the pseudonym and the redacted words.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.config import Settings
from inbox.models import NotifyEvent, Reader, Tip, User

PREVIEW_CHARS = 200
TITLES = {
    "tip.created": "New tip", "tip.urgent": "Urgent tip", "tip.updated": "Tip changed",
    "tip.assigned": "Tip assigned to you", "story.changed": "Story changed", "note.mention": "You were mentioned on a tip",
}


@dataclass(frozen=True)
class Notice:
    event: str  # the name a channel subscribes to (tip.urgent, tip.assigned, ...)
    tip_id: int | None
    topic: str
    urgent: bool
    status: str
    link: str
    change: str = ""  # what changed (status, assign, merge...), never its content
    content: dict = field(default_factory=dict)  # sender, subject, preview: only when allowed


def link(settings: Settings, tip_id: int | None) -> str:
    path = f"/tips/{tip_id}" if tip_id is not None else "/"
    return settings.board.public_url.rstrip("/") + path


def notice(session: Session, settings: Settings, event: NotifyEvent, name: str, *, content: bool,
           viewer: User | None) -> Notice:
    """The notice of event under the channel event name; content only if allowed, masked unless
    viewer (None: a channel) may see the reader."""
    tip = session.get(Tip, event.tip_id) if event.tip_id is not None else None
    if tip is None:
        return Notice(name, event.tip_id, "", False, "", link(settings, event.tip_id), event.detail)
    words = _content(session, settings, tip, viewer) if content else {}
    return Notice(name, tip.id, tip.topic or "", bool(tip.urgent), tip.status, link(settings, tip.id), event.detail, words)


def _content(session: Session, settings: Settings, tip: Tip, viewer: User | None) -> dict:
    """The sender, subject and preview as this viewer may read them (None: a channel, which may see no
    protected reader), a hidden reader the words name withheld too."""
    from inbox.board.redact import redact_mentions

    words = _words(session, settings, tip, viewer)
    named = _named(session, settings, tip, viewer, words["subject"], words["preview"])
    return {**words, "subject": redact_mentions(words["subject"], named), "preview": redact_mentions(words["preview"], named)}


def _named(session: Session, settings: Settings, tip: Tip, viewer: User | None, *texts: str):
    from inbox.board import mentions
    from inbox.board.access import Readers

    # A channel is shown what a user without a grant is (named by address or by full name); id 0 is no user's.
    viewer = viewer if viewer is not None else User(id=0, role="channel", beats="", email="")
    return mentions.hidden(session, Readers(session, viewer, settings.board.secret_key), tip.sender_address, *texts)


def _words(session: Session, settings: Settings, tip: Tip, viewer: User | None) -> dict:
    from inbox.board.access import Readers, pseudonym
    from inbox.board.redact import Who, redact_body, redact_line

    preview = (tip.text_body or tip.preview or "")
    if viewer is not None:
        identity = Readers(session, viewer, settings.board.secret_key).of(tip.sender_address)
        masked, name = identity.masked, identity.pseudonym
    else:
        reader = session.scalar(select(Reader).where(Reader.address == tip.sender_address, Reader.protected.is_(True)))
        masked = reader is not None
        name = pseudonym(settings.board.secret_key, reader.pseudonym_seed, reader.address) if masked else ""
    if not masked:
        end = tip.signature_start if tip.signature_start is not None else (tip.new_text_end or len(preview))
        sender = f"{tip.sender_name} <{tip.sender_address}>" if tip.sender_name else tip.sender_address
        return {"sender": sender, "subject": tip.subject, "preview": preview[:min(end, PREVIEW_CHARS)].strip()}
    who = Who(tip.sender_name, tip.sender_address)
    new, _signature, _quoted = redact_body(preview, tip.new_text_end, tip.signature_start, who)
    return {"sender": name, "subject": redact_line(tip.subject, who), "preview": new[:PREVIEW_CHARS].strip()}


def headline(n: Notice) -> str:
    """One line: "Urgent tip #12 · courts · urgent"."""
    parts = [f"{TITLES.get(n.event, n.event)} #{n.tip_id}" if n.tip_id is not None else TITLES.get(n.event, n.event)]
    parts.append(n.topic or "no topic yet")
    if n.urgent:
        parts.append("urgent")
    if n.change and n.event in ("tip.updated", "story.changed"):
        parts.append(n.change.split(":")[0])
    return " · ".join(parts)


def _content_lines(n: Notice) -> list[str]:
    c = n.content
    return [f"From: {c['sender']}", f"Subject: {c['subject']}", "", c["preview"]] if c else []


def email(n: Notice) -> tuple[str, str]:
    """(subject, plain-text body) of a notification email."""
    body = [headline(n), f"Status: {n.status}" if n.status else "", f"Open it on the board: {n.link}", ""]
    body += _content_lines(n)
    body += ["", "You get this because of your notification settings on the board (/account/notifications)."]
    return f"[Tip desk] {headline(n)}", "\n".join(line for line in body if line is not None) + "\n"


def slack(n: Notice) -> dict:
    text = f"*{headline(n)}*\n<{n.link}|Open on the board>"
    if n.content:
        c = n.content
        text += f"\nFrom: {c['sender']}\nSubject: {c['subject']}\n> {c['preview']}"
    return {"text": text}


def teams(n: Notice) -> dict:
    """An Adaptive Card, the message form Teams' incoming webhooks and Workflows take."""
    body: list[dict] = [{"type": "TextBlock", "text": headline(n), "weight": "Bolder", "wrap": True}]
    for line in _content_lines(n):
        if line:
            body.append({"type": "TextBlock", "text": line, "wrap": True})
    card = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "version": "1.4",
            "body": body, "actions": [{"type": "Action.OpenUrl", "title": "Open on the board", "url": n.link}]}
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}


def webhook(n: Notice, delivery_id: int, occurred_at: str) -> dict:
    """The signed webhook's JSON (docs/notify.md describes it)."""
    base = n.event if n.event in ("tip.created", "tip.updated", "story.changed") else (
        "tip.created" if n.event == "tip.urgent" else "tip.updated")
    tip = {"id": n.tip_id, "topic": n.topic or None, "urgent": n.urgent, "status": n.status or None, "url": n.link}
    tip.update(n.content)
    return {"id": delivery_id, "event": base, "occurred_at": occurred_at, "change": n.change or None, "tip": tip}


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def as_dict(n: Notice) -> dict:
    return asdict(n)
