"""Replying to a tip's reader from the tip page, and what the page shows of mail sent.

Who may reply: whoever may open the tip AND see its reader (access.Readers: a protected
reader's address is never shown, nor written to, by a user who sees the pseudonym). To a
protected reader the reply goes From the desk's address (smtp.from_address), never a
mailbox's or a reporter's own. The reply is the writer's text, plus what of the reader's own
message the writer chose to quote; notes, other tips and other readers never go in. It goes
to the address the tip came from (not a Reply-To, which a stranger may set), so the answer
comes back from that address and joins the thread (inbox/threads.py, the same-sender rule).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.board import audit, redact
from inbox.board.access import Readers
from inbox.board.actions import ActionError, Forbidden, load_tip
from inbox.config import Settings
from inbox.models import Outgoing, ReplyTemplate, Sighting, Tip, User
from inbox.outgoing import angle, new_message_id, queue_message, state_label

MAX_BODY = 50_000
PLACEHOLDER = re.compile(r"\{(reader_name|subject|desk|writer)\}")


class ReplyError(ActionError):
    """A reply the form cannot send as it is (400)."""


@dataclass
class SentView:
    """One outgoing message on the tip page."""
    id: int
    kind: str
    state: str  # queued, sending, sent, failed, waiting to retry
    answer: str  # the server's answer ("" when masked)
    body: str
    by: str
    at: str


def reply_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    return subject if re.match(r"(?i)re\s*:", subject) else f"Re: {subject}".strip()


def quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.strip("\n").splitlines())


def fill(template: str, *, reader_name: str, subject: str, desk: str, writer: str) -> str:
    """A canned reply's placeholders, filled; anything else in braces stays as written."""
    values = {"reader_name": reader_name or "reader", "subject": subject, "desk": desk, "writer": writer}
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def may_reply(session: Session, user: User, tip: Tip, secret: str) -> bool:
    return bool(tip.sender_address) and not Readers(session, user, secret).masked(tip.sender_address)


def templates(session: Session) -> list[ReplyTemplate]:
    return list(session.scalars(select(ReplyTemplate).order_by(ReplyTemplate.name)))


def send_reply(session: Session, user: User, tip_id: int, settings: Settings, *, body: str,
               quoted: str = "", template_id: int | None = None, ip: str = "") -> Outgoing:
    """Queue a reply to the tip's reader and audit it (the caller commits, then send_later)."""
    tip = load_tip(session, user, tip_id)
    readers = Readers(session, user, settings.board.secret_key)
    me = readers.of(tip.sender_address)
    if not tip.sender_address or me.masked:
        raise Forbidden("You may not write to this reader.")
    text = (body or "").replace("\r\n", "\n").strip()
    if template_id is not None and not text:
        template = session.get(ReplyTemplate, template_id)
        if template is None:
            raise ReplyError("No such canned reply.")
        text = fill(template.body, reader_name=tip.sender_name, subject=tip.subject or "",
                    desk=settings.smtp.from_address, writer=user.label).strip()
    if not text:
        raise ReplyError("Write a reply, or pick a canned one.")
    quoted = (quoted or "").replace("\r\n", "\n").strip()
    if quoted:
        if not _is_from_the_message(quoted, tip.text_body):
            raise ReplyError("Only the reader's own message can be quoted.")
        when = tip.sent_at or tip.received_at
        text += f"\n\nOn {when:%Y-%m-%d}, you wrote:\n{quote(quoted)}"
    if len(text) > MAX_BODY:
        raise ReplyError("The reply is too long.")
    references = " ".join(angle(x) for x in ((tip.references or "").split() + [tip.message_id or ""]) if x.strip("<>"))
    headers = {}
    if tip.message_id:
        headers["In-Reply-To"] = angle(tip.message_id)
    if references:
        headers["References"] = references[-4000:]
    domain = settings.smtp.from_address.rpartition("@")[2].strip("> ") or "inbox.invalid"
    row = queue_message(session, kind="reply", to=tip.sender_address.lower(), subject=reply_subject(tip.subject),
                        body=text + "\n", mailbox=None if me.protected else _mailbox_of(session, tip),
                        tip_id=tip.id, user_id=user.id, headers=headers, message_id=new_message_id(domain))
    audit.record(session, user.id, "reply", "tip", tip.id, detail=f"outgoing {row.id}", ip=ip)
    return row


def _is_from_the_message(quoted: str, body: str) -> bool:
    """Every quoted line is a line (or part of one) of the reader's message: nothing else goes out as theirs."""
    lines = {" ".join(line.split()) for line in body.splitlines()}
    whole = " ".join(body.split())
    return all(not (x := " ".join(line.split())) or x in lines or x in whole for line in quoted.splitlines())


def _mailbox_of(session: Session, tip: Tip) -> str | None:
    from inbox.models import Mailbox

    return session.scalar(select(Mailbox.name).join(Sighting, Sighting.mailbox_id == Mailbox.id)
                          .where(Sighting.tip_id == tip.id).order_by(Sighting.id).limit(1))


def sent_for(session: Session, user: User, tip: Tip, thread_ids: list[int], masked: bool) -> list[SentView]:
    """The desk's mail to this tip's reader, on the thread, as this viewer may read it."""
    rows = session.scalars(select(Outgoing).where(Outgoing.tip_id.in_(thread_ids)).order_by(Outgoing.id)).all()
    who = redact.Who(tip.sender_name, tip.sender_address)
    out = []
    for row in rows:
        author = session.get(User, row.user_id).label if row.user_id else "the desk"
        out.append(SentView(row.id, row.kind, state_label(row), "" if masked else (row.answer or ""),
                            redact.redact(row.body, who) if masked else row.body, author,
                            f"{row.created_at:%Y-%m-%d %H:%M}"))
    return out
