""""The story ran": an editor links a published story (URL, headline) to a tip's thread or to its
story card (cluster). If the desk turned replies.story_ran_notes on, each reader of that story
gets one short note with the link: one message per reader, To them alone (no CC, no list of
others), From the desk's address, under the acknowledgement's rules (inbox/outgoing/ack.py:
never to automatic mail, bounces, lists, noreply senders, spam, not-tips, the desk itself),
and at most one story-ran note per reader within acknowledge_days.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.board import audit
from inbox.board.actions import ActionError, Forbidden, load_tip
from inbox.board.access import is_editor
from inbox.config import Settings
from inbox.models import PublishedStory, Tip, User
from inbox.outgoing import angle, queue_message
from inbox.outgoing.ack import AUTO_HEADERS, why_not


def link_story(session: Session, user: User, tip_id: int, settings: Settings, *, url: str, headline: str,
               scope: str = "tip", ip: str = "") -> tuple[PublishedStory, list[int]]:
    """Record the link and queue the readers' notes; returns the link and the outgoing ids (the
    caller commits, then send_later for each)."""
    if not is_editor(user):
        raise Forbidden("Only editors may link a published story.")
    tip = load_tip(session, user, tip_id)
    url, headline = url.strip(), " ".join(headline.split())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in url for c in "\r\n "):
        raise ActionError("Give the story's web address (http:// or https://).")
    if not headline or len(headline) > 500:
        raise ActionError("Give the story's headline (at most 500 characters).")
    root_id = tip.thread_root_id or tip.id
    if scope == "cluster":
        if tip.cluster_id is None:
            raise ActionError("This tip is on no story card.")
        where = Tip.cluster_id == tip.cluster_id
    else:
        where = (Tip.id == root_id) | (Tip.thread_root_id == root_id)
    story = PublishedStory(url=url, headline=headline, tip_id=root_id if scope != "cluster" else tip.id,
                           cluster_id=tip.cluster_id if scope == "cluster" else None, created_by=user.id)
    session.add(story)
    queued: list[int] = []
    if settings.replies.story_ran_notes:
        text = settings.replies.story_ran_text.replace("{headline}", headline).replace("{url}", url)
        told: set[str] = set()
        # Each reader once, by the first tip they sent on it (a thread's root passes the follow-up rule).
        for reader_tip in session.scalars(select(Tip).where(where).order_by(Tip.received_at, Tip.id)):
            address = (reader_tip.sender_address or "").lower()
            if not address or address in told:
                continue
            told.add(address)
            first = reader_tip if reader_tip.thread_root_id is None else session.get(Tip, reader_tip.thread_root_id)
            if first.sender_address.lower() != address or why_not(session, settings, first, kind="story_ran"):
                continue
            headers = dict(AUTO_HEADERS)
            if first.message_id:
                headers["In-Reply-To"] = angle(first.message_id)
            row = queue_message(session, kind="story_ran", to=address, subject=settings.replies.story_ran_subject,
                                body=text, tip_id=first.id, headers=headers)
            session.flush()
            queued.append(row.id)
    story.notes_queued = len(queued)
    session.flush()
    audit.record(session, user.id, "story_ran", "tip", tip.id,
                 detail=f"published story {story.id}, {scope}, {len(queued)} readers told", ip=ip)
    return story, queued


def stories_for(session: Session, tip: Tip) -> list[PublishedStory]:
    root_id = tip.thread_root_id or tip.id
    clause = PublishedStory.tip_id.in_([root_id, tip.id])
    if tip.cluster_id is not None:
        clause = clause | (PublishedStory.cluster_id == tip.cluster_id)
    return list(session.scalars(select(PublishedStory).where(clause).order_by(PublishedStory.id)))
