"""The daily digest: one email per user who asked for it, listing the last day's tips they may
open (id, topic, urgency, status, link; never a sender, subject or body)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.config import Settings
from inbox.db import take_write_lock
from inbox.models import NotifyPref, Tip, User, utcnow
from inbox import notify
from inbox.notify.payloads import link

MAX_LINES = 100


def due(session: Session, settings: Settings, now=None) -> int:
    """Raise today's digest event for each user who wants one and has not had it; returns how many."""
    now = now or utcnow()
    if now.hour < settings.notify.digest_hour:
        return 0
    today = now.date().isoformat()
    take_write_lock(session)  # it reads, then writes
    count = 0
    for pref in session.scalars(select(NotifyPref).where(NotifyPref.digest.is_(True), NotifyPref.last_digest_on != today)):
        notify.record(session, "digest", None, key=f"digest:{pref.user_id}:{today}", target_user_id=pref.user_id)
        pref.last_digest_on = today
        count += 1
    session.commit()
    return count


def digest_email(session: Session, settings: Settings, user: User) -> tuple[str, str]:
    from inbox.board.access import visible_clause

    since = utcnow() - timedelta(days=1)
    query = select(Tip.id, Tip.topic, Tip.urgent, Tip.status).where(Tip.received_at >= since, Tip.thread_root_id.is_(None))
    clause = visible_clause(user)
    if clause is not None:
        query = query.where(clause)
    rows = session.execute(query.order_by(Tip.urgent.desc(), Tip.id.desc()).limit(MAX_LINES + 1)).all()
    urgent = sum(1 for r in rows if r.urgent)
    lines = [f"{len(rows) if len(rows) <= MAX_LINES else f'More than {MAX_LINES}'} new tips in the last day "
             f"that you can open ({urgent} urgent).", ""]
    for r in rows[:MAX_LINES]:
        lines.append(f"#{r.id} · {r.topic or 'no topic yet'}{' · urgent' if r.urgent else ''} · {r.status} · {link(settings, r.id)}")
    lines += ["", "You get this digest because you asked for it (/account/notifications)."]
    return f"[Tip desk] Your daily digest: {len(rows[:MAX_LINES])} new tips", "\n".join(lines) + "\n"
