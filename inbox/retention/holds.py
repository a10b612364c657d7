"""Legal holds: put, list and lift them (the CLI and the board's admin pages call these).

A hold names a tip (and so its thread), a story (cluster) or a reader (sender address);
while it is not lifted, retention skips what it names and deletion refuses it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.models import HOLD_KINDS, Cluster, Hold, Tip, utcnow
from inbox.retention.purge import held_clause


class BadHold(ValueError):
    """A hold that names nothing there is, or has no reason."""


def add(session: Session, kind: str, target: int | str, reason: str, by: str) -> Hold:
    """A new hold, in the caller's transaction."""
    reason = reason.strip()
    if kind not in HOLD_KINDS:
        raise BadHold(f"a hold is on a tip, a cluster or a reader, not {kind!r}")
    if not reason:
        raise BadHold("a hold needs a reason")
    hold = Hold(kind=kind, reason=reason[:2000], created_by=by[:40], created_at=utcnow())
    if kind == "tip":
        if session.get(Tip, int(target)) is None:
            raise BadHold(f"there is no tip {target}")
        hold.tip_id = int(target)
    elif kind == "cluster":
        if session.get(Cluster, int(target)) is None:
            raise BadHold(f"there is no story {target}")
        hold.cluster_id = int(target)
    else:
        address = str(target).strip().lower()
        if "@" not in address or len(address) > 320:
            raise BadHold("a reader is held by their email address")
        hold.reader_address = address
    session.add(hold)
    session.flush()
    return hold


def lift(session: Session, hold_id: int, by: str) -> Hold | None:
    """Lift a hold (the row stays as history); None if there is no such active hold."""
    hold = session.get(Hold, hold_id)
    if hold is None or hold.lifted_at is not None:
        return None
    hold.lifted_at, hold.lifted_by = utcnow(), by[:40]
    return hold


def listed(session: Session, lifted: bool = False) -> list[Hold]:
    """Active holds, newest first (and lifted ones too when asked)."""
    query = select(Hold).order_by(Hold.id.desc())
    if not lifted:
        query = query.where(Hold.lifted_at.is_(None))
    return list(session.scalars(query))


def holds_on(session: Session, tip: Tip) -> list[Hold]:
    """The active holds that keep this tip (for its page)."""
    rows = session.scalars(select(Hold).where(Hold.lifted_at.is_(None)).order_by(Hold.id)).all()
    return [h for h in rows if (h.kind == "tip" and h.tip_id in (tip.id, tip.thread_root_id))
            or (h.kind == "cluster" and tip.cluster_id is not None and h.cluster_id == tip.cluster_id)
            or (h.kind == "reader" and h.reader_address == tip.sender_address)]


def is_held(session: Session, tip_id: int) -> bool:
    return session.scalar(select(Tip.id).where(Tip.id == tip_id, held_clause())) is not None
