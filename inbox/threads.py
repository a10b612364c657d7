"""Threading: a follow-up from the same sender joins the thread of what it follows up,
whatever order the two arrive in (a mailbox's order is not the order they were sent).

One Threads per stored batch (inbox.store): what the batch's messages refer to, and
the stored follow-ups still waiting for their original, fetched in two queries.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inbox.models import Outgoing, Tip

if TYPE_CHECKING:
    from inbox.pipeline import Prepared

log = logging.getLogger(__name__)


class Threads:
    """Which thread each new tip of a batch joins, and which earlier follow-ups join it."""

    def __init__(self, session: Session, prepared: list):
        self.stored_by_message_id = _stored_by_message_id(session, prepared)
        self.by_message_id: dict[str, list[Tip]] = {}  # this batch's new tips
        # Follow-ups that arrived before what they follow up (stored, or earlier in this batch):
        # the message id they name -> [(tip id, the tip object if of this batch, sender)].
        self.orphans: dict[str, list[tuple[int, Tip | None, str]]] = {}
        for tip_id, in_reply_to, references, sender in _stored_orphans(session, prepared):
            self.add_orphan(tip_id, None, in_reply_to, references, sender)

    def stored(self, session: Session, tip: Tip, root) -> None:
        """A new tip was added (its id set): earlier follow-ups join it; if it follows up a
        message not stored yet, it waits for that one."""
        if tip.message_id:
            self.by_message_id.setdefault(tip.message_id, []).append(tip)
            self.adopt_earlier_follow_ups(session, tip)
        if root is None and (tip.in_reply_to or tip.references):
            self.add_orphan(tip.id, tip, tip.in_reply_to, tip.references, tip.sender_address)

    def root(self, prep: Prepared):
        """The root of the thread this message follows up, among this batch's new tips
        first, then the stored ones; None if it starts a thread.

        Only a tip from the SAME sender counts, whatever the message quotes: joining on
        Message-ID alone would let a stranger who quotes (or guesses) a source's
        Message-ID put their mail into that source's thread.
        """
        parsed = prep.mail.parsed
        ids = [i for i in ((parsed.in_reply_to,) + tuple(reversed(parsed.references))) if i]
        for mid in ids:
            for tip in self.by_message_id.get(mid, ()):
                if tip.sender_address == parsed.from_address:
                    return tip.thread_root_id or tip
        for mid in ids:  # the nearest reference first
            for tip_id, root_id, sender in self.stored_by_message_id.get(mid, ()):
                if sender == parsed.from_address:
                    return root_id or tip_id
        return None

    def add_orphan(self, tip_id: int, tip: Tip | None, in_reply_to: str | None, references: str, sender: str) -> None:
        """A tip that follows up a message not stored (yet): it joins that message when it comes."""
        for mid in {in_reply_to, *(references or "").split()} - {None, ""}:
            self.orphans.setdefault(mid, []).append((tip_id, tip, sender))

    def adopt_earlier_follow_ups(self, session: Session, tip: Tip) -> None:
        """The original arrived after its follow-ups: put them (and their own follow-ups) in its
        thread. The same-sender rule as root(): a stranger's reply never joins."""
        root_id = tip.thread_root_id or tip.id
        # Kept, not popped: a savepoint rolled back and retried (inbox.store) adopts them again.
        waiting = [(i, o, sender) for i, o, sender in self.orphans.get(tip.message_id, ())
                   if sender == tip.sender_address and i not in (tip.id, root_id)
                   and (o is None or o.thread_root_id is None)]  # not joined another thread meanwhile
        if waiting:
            # The original's row first: SQLite checks the foreign key row by row, and a flush
            # would write a pending follow-up pointing at it before the original itself.
            session.flush()
        for orphan_id, orphan, _ in waiting:
            if orphan is not None:
                orphan.thread_root_id = root_id
            else:
                session.execute(update(Tip).where(Tip.id == orphan_id, Tip.thread_root_id.is_(None))
                                .values(thread_root_id=root_id).execution_options(synchronize_session=False))
            session.execute(update(Tip).where(Tip.thread_root_id == orphan_id)
                            .values(thread_root_id=root_id).execution_options(synchronize_session=False))
            for other in self.by_message_id.values():
                for t in other:
                    if t.thread_root_id == orphan_id:
                        t.thread_root_id = root_id
            log.info("tip %s threaded under tip %s, which arrived after it", orphan_id, root_id)


def _stored_by_message_id(session: Session, prepared: list) -> dict[str, list[tuple]]:
    """Stored tips that this batch's messages refer to: message id -> [(id, root id, sender)]."""
    from inbox.pipeline import Prepared

    wanted = set()
    for p in prepared:
        if isinstance(p, Prepared) and p.mail.parsed.from_address:
            parsed = p.mail.parsed
            wanted.update(i for i in (parsed.in_reply_to, *parsed.references) if i)
    found: dict[str, list[tuple]] = {}
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):
        rows = session.execute(
            select(Tip.message_id, Tip.id, Tip.thread_root_id, Tip.sender_address).where(
                Tip.message_id.in_(ordered[start : start + 500])
            )
        )
        for mid, tip_id, root_id, sender in rows:
            found.setdefault(mid, []).append((tip_id, root_id, sender))
        # The desk's own replies (inbox/outgoing): an answer to one joins the tip it was sent
        # from, when it comes from the address the reply went to (the same-sender rule).
        replies = session.execute(
            select(Outgoing.message_id, Tip.id, Tip.thread_root_id, Outgoing.to_address)
            .join(Tip, Tip.id == Outgoing.tip_id)
            .where(Outgoing.message_id.in_(ordered[start : start + 500]), Outgoing.kind == "reply"))
        for mid, tip_id, root_id, sent_to in replies:
            found.setdefault(mid, []).append((tip_id, root_id, sent_to.lower()))
    return found


def _stored_orphans(session: Session, prepared: list) -> list[tuple]:
    """Stored follow-ups, from this batch's senders, in no thread: (id, in-reply-to, references, sender).
    Read by sender (indexed), so the cost is that of the senders' own replies, not of the table."""
    from inbox.pipeline import Prepared

    senders = sorted({p.mail.parsed.from_address for p in prepared
                      if isinstance(p, Prepared) and p.mail.parsed.message_id and p.mail.parsed.from_address})
    found: list[tuple] = []
    for start in range(0, len(senders), 500):
        found += session.execute(
            select(Tip.id, Tip.in_reply_to, Tip.references, Tip.sender_address).where(
                Tip.sender_address.in_(senders[start : start + 500]), Tip.thread_root_id.is_(None),
                (Tip.in_reply_to.is_not(None)) | (Tip.references != ""))
        ).all()
    return found


def rethread_stored(session: Session) -> int:
    """Thread the stored follow-ups whose original is stored too but came after them (stored
    before this rule existed); `inbox sort --all` runs it. Returns how many joined a thread."""
    joined = 0
    orphans = session.execute(
        select(Tip.id, Tip.in_reply_to, Tip.references, Tip.sender_address).where(
            Tip.thread_root_id.is_(None), (Tip.in_reply_to.is_not(None)) | (Tip.references != ""))
        .order_by(Tip.id)
    ).all()
    for start in range(0, len(orphans), 500):
        chunk = orphans[start : start + 500]
        wanted = {mid for _, irt, refs, _ in chunk for mid in (irt, *(refs or "").split()) if mid}
        stored: dict[str, list[tuple[int, str]]] = {}
        for mid, tip_id, sender in session.execute(
                select(Tip.message_id, Tip.id, Tip.sender_address).where(Tip.message_id.in_(sorted(wanted)))):
            stored.setdefault(mid, []).append((tip_id, sender))
        for orphan_id, irt, refs, sender in chunk:
            for mid in [m for m in (irt, *reversed((refs or "").split())) if m]:  # the nearest first
                parent = next((i for i, s in stored.get(mid, ()) if s == sender and i != orphan_id), None)
                if parent is None:
                    continue
                root_id = session.scalar(select(Tip.thread_root_id).where(Tip.id == parent)) or parent
                if root_id != orphan_id:  # a loop of replies stays as it is
                    for where in (Tip.id == orphan_id, Tip.thread_root_id == orphan_id):
                        session.execute(update(Tip).where(where).values(thread_root_id=root_id)
                                        .execution_options(synchronize_session=False))
                    joined += 1
                break
    return joined
