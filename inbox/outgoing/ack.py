"""The acknowledgement (off by default): one content-free automatic answer to a new reader,
and the "story ran" note, both under the same rules. RFC 3834: Auto-Submitted: auto-replied,
never to what is itself automatic, and never a loop.

NEVER is a table read top to bottom, like the sorting rules: the first row that matches says
why not, and nothing is sent. The text is the desk's own (replies.acknowledge_text): it does not
repeat the tip and names no reporter; it goes From the desk's address, one reader per message.
"""
from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Callable, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.config import Settings
from inbox.models import Outgoing, Tip, utcnow
from inbox.outgoing import angle, queue_message

log = logging.getLogger(__name__)



# Local parts that never read their mail, or are machines (RFC 3834 section 2 lists some).
NOREPLY = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer[-_.]?daemon|postmaster|bounces?"
                     r"|listserv|majordomo|notifications?|auto[-_.]?(reply|responder)|owner-.*|.*-request|.*-bounces?)"
                     r"([+-].*)?$", re.I)


class Case(NamedTuple):
    tip: Tip
    settings: Settings
    session: Session
    own: frozenset[str]  # the desk's own addresses (its mailboxes and senders)
    kind: str = "ack"  # "ack" or "story_ran": the once-per-days rule counts messages of this kind


def _recent(case: Case) -> bool:
    since = utcnow() - timedelta(days=case.settings.replies.acknowledge_days)
    return bool(case.session.scalar(select(func.count()).select_from(Outgoing).where(
        Outgoing.to_address == case.tip.sender_address.lower(), Outgoing.kind == case.kind,
        Outgoing.created_at >= since)))


def _answers_our_mail(case: Case) -> bool:
    ids = [i for i in (case.tip.in_reply_to, *(case.tip.references or "").split()) if i]
    return bool(ids) and bool(case.session.scalar(
        select(func.count()).select_from(Outgoing).where(Outgoing.message_id.in_(ids))))


# (why not, test): the first true row wins.
NEVER: tuple[tuple[str, Callable[[Case], bool]], ...] = (
    ("no sender address", lambda c: "@" not in (c.tip.sender_address or "")),
    ("an auto-reply (RFC 3834: never answer one)", lambda c: c.tip.is_auto_reply or c.tip.mail_kind == "auto_reply"),
    ("a bounce", lambda c: c.tip.is_bounce or c.tip.mail_kind == "bounce"),
    ("list or bulk mail", lambda c: c.tip.is_list or c.tip.mail_kind in ("list", "newsletter", "press_release")),
    ("a noreply-style sender", lambda c: bool(NOREPLY.match(c.tip.sender_address.partition("@")[0]))),
    ("spam", lambda c: c.tip.is_spam or c.tip.status == "spam"),
    ("not a tip", lambda c: c.tip.status == "not_tip"),
    ("the desk's own address", lambda c: c.tip.sender_address.lower() in c.own),
    ("a follow-up in a thread", lambda c: c.tip.thread_root_id is not None),
    ("an answer to the desk's own mail", _answers_our_mail),
    ("sent one within acknowledge_days", _recent),
)


def why_not(session: Session, settings: Settings, tip: Tip, kind: str = "ack") -> str | None:
    """The first rule that forbids an automatic message to this tip's sender; None: allowed."""
    case = Case(tip, settings, session, own_addresses(settings), kind)
    for reason, test in NEVER:
        if test(case):
            return reason
    return None


def own_addresses(settings: Settings) -> frozenset[str]:
    from email.utils import parseaddr

    found = {parseaddr(settings.smtp.from_address)[1]} | {parseaddr(s.address)[1] for s in settings.smtp.senders}
    found |= {b.address for b in settings.mailboxes}
    return frozenset(a.lower() for a in found if a)


AUTO_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All", "Precedence": "auto_reply"}


def acknowledge(session: Session, settings: Settings, tip_ids) -> list[int]:
    """Queue an acknowledgement for each new tip the rules allow (the caller commits, then
    send_later for each id returned). Off unless replies.acknowledge is true."""
    if not settings.replies.acknowledge or not tip_ids:
        return []
    queued = []
    for tip in session.scalars(select(Tip).where(Tip.id.in_(sorted(set(tip_ids)))).order_by(Tip.id)):
        reason = why_not(session, settings, tip)
        if reason is not None:
            log.info("tip %d: no acknowledgement (%s)", tip.id, reason)
            continue
        headers = dict(AUTO_HEADERS)
        if tip.message_id:
            headers["In-Reply-To"] = angle(tip.message_id)
        row = queue_message(session, kind="ack", to=tip.sender_address.lower(),
                            subject=settings.replies.acknowledge_subject, body=settings.replies.acknowledge_text,
                            tip_id=tip.id, headers=headers)
        session.flush()
        queued.append(row.id)
    return queued


def acknowledge_stored(settings: Settings, sessions, tip_ids, queue=None) -> list[int]:
    """The worker's hook after a batch is stored: acknowledge, commit, then queue the sends."""
    if not settings.replies.acknowledge or not tip_ids:
        return []
    with sessions() as session:
        ids = acknowledge(session, settings, tip_ids)
        session.commit()
    if ids:
        from inbox.jobs import shared
        from inbox.outgoing import send_later

        q = queue or shared(settings, sessions)
        for row_id in ids:
            try:
                send_later(q, row_id)
            except Exception:  # noqa: BLE001 - queued in the database: the sweep sends it
                log.warning("outgoing %d: job not queued; the sweep will", row_id)
    return ids
