"""From events to deliveries: who hears of each event, as a table of rules, then one row per
channel or user (the unique (event, target) key makes fanning out twice harmless)."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inbox.db import take_write_lock
from inbox.models import NotifyChannel, NotifyDelivery, NotifyEvent, NotifyPref, Tip, User, utcnow

log = logging.getLogger(__name__)
BATCH = 200


def channel_events(event: NotifyEvent, tip: Tip | None) -> set[str]:
    """The channel subscriptions an event answers to."""
    names = {event.kind} if event.kind in ("tip.created", "tip.updated", "story.changed") else set()
    if event.kind == "tip.created" and tip is not None and tip.urgent:
        names.add("tip.urgent")
    if event.kind == "tip.updated" and event.detail == "assign" and event.target_user_id is not None:
        names.add("tip.assigned")
    return names


def prefs_of(session: Session, user_id: int) -> NotifyPref:
    """A user's choices (the defaults when they never saved any)."""
    return session.get(NotifyPref, user_id) or NotifyPref(user_id=user_id, assigned=True, mentioned=True,
                                                          urgent_on_beats=True, digest=False, last_digest_on="")


def email_users(session: Session, event: NotifyEvent, tip: Tip | None) -> list[User]:
    """The users who get an email of this event (each one may open the tip, and chose it)."""
    from inbox.board.access import can_see

    if tip is None:
        return []
    root = session.get(Tip, tip.thread_root_id) if tip.thread_root_id else None
    wanted: list[User] = []
    if event.kind == "tip.updated" and event.detail == "assign" and event.target_user_id not in (None, event.actor_id):
        who = session.get(User, event.target_user_id)
        if who is not None and prefs_of(session, who.id).assigned:
            wanted.append(who)
    elif event.kind == "note.mention" and event.target_user_id not in (None, event.actor_id):
        who = session.get(User, event.target_user_id)
        if who is not None and prefs_of(session, who.id).mentioned:
            wanted.append(who)
    elif event.kind == "tip.created" and tip.urgent and tip.topic:
        for who in session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)):
            if tip.topic in who.beat_list and prefs_of(session, who.id).urgent_on_beats:
                wanted.append(who)
    return [u for u in wanted if u.active and can_see(u, tip, root)]


def fan_out(session: Session) -> list[int]:
    """Turn the events not yet fanned out into deliveries; returns the new deliveries' ids."""
    take_write_lock(session)  # as new_tips: it reads, then writes
    events = list(session.scalars(select(NotifyEvent).where(NotifyEvent.fanned_out_at.is_(None))
                                  .order_by(NotifyEvent.id).limit(BATCH)))
    if not events:
        session.rollback()  # let the write lock go
        return []
    channels = list(session.scalars(select(NotifyChannel).where(NotifyChannel.active.is_(True))))
    made: list[NotifyDelivery] = []
    for event in events:
        tip = session.get(Tip, event.tip_id) if event.tip_id is not None else None
        names = channel_events(event, tip)
        for channel in channels:
            if names & set(channel.event_list):
                made.append(NotifyDelivery(event_id=event.id, channel_id=channel.id, target=f"channel:{channel.id}",
                                           state="held" if channel.paused_at else "queued"))
        users = email_users(session, event, tip) if event.kind != "digest" else \
            [u for u in [session.get(User, event.target_user_id)] if u is not None and u.active]
        for who in users:
            made.append(NotifyDelivery(event_id=event.id, user_id=who.id, target=f"user:{who.id}"))
        event.fanned_out_at = utcnow()
    session.add_all(made)
    try:
        session.commit()
    except IntegrityError:  # another fan-out did these events meanwhile
        session.rollback()
        return []
    ids = [d.id for d in made if d.state == "queued"]
    log.info("notify: %d events fanned out to %d deliveries", len(events), len(made))
    return ids
