"""What people do to tips, as plain functions: each checks the role rules and the tip's version.

Every change is an UPDATE ... WHERE version = the version the person saw; when it
matches no row, somebody else changed the tip first and the change is refused with
a message naming them, never silently written over theirs.
"""
from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inbox import notify
from inbox.board import audit
from inbox.board.access import STATUSES, can_see, is_editor, may
from inbox.board.params import is_id
from inbox.config import StorySettings
from inbox.models import Merge, Note, Tip, TipEvent, User, utcnow

log = logging.getLogger(__name__)
BULK_LIMIT = 500


class ActionError(Exception):
    """A refused action; code is the HTTP status the board answers with."""

    code = 400


class Conflict(ActionError):
    """Someone changed the tip first (409), or it is already someone else's."""
    code = 409


class Forbidden(ActionError):
    """The role rules say no (403)."""
    code = 403


class NotFound(ActionError):
    """No such tip or object (404)."""
    code = 404


def load_tip(session: Session, user: User, tip_id: int) -> Tip:
    """The tip if it exists and user may see it (a follow-up is seen with its thread, and only so).

    A tip the user may not open is "not found", like one that does not exist: ids are
    sequential, and a 403 would confirm that a guessed one is a tip."""
    tip = session.get(Tip, tip_id)
    root = session.get(Tip, tip.thread_root_id) if tip is not None and tip.thread_root_id else None
    if tip is None or not can_see(user, tip, root):
        raise NotFound("There is no such tip.")
    return tip


def _check(user: User, action: str, tip: Tip) -> None:
    if not may(user, action, tip):
        raise Forbidden("Your role may not do this to this tip.")


def conflict_message(session: Session, tip_id: int, user: User) -> str:
    """Who changed the tip since the person loaded it, and what they did."""
    last = session.scalar(select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.id.desc()).limit(1))
    who = "Someone"
    if last is not None and last.user is not None:
        who = "You (in another window)" if last.user_id == user.id else last.user.label
    what = f" ({last.kind}: {last.detail})" if last is not None and last.detail else ""
    return (f"{who} changed this tip while you were looking at it{what}. Your change was not saved: "
            "here is the tip as it is now; redo your change if it still makes sense.")


def _apply(session: Session, user: User, tip: Tip, version: int, kind: str, detail: str, ip: str, **values) -> None:
    result = session.execute(
        update(Tip).where(Tip.id == tip.id, Tip.version == version)
        .values(version=Tip.version + 1, **values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(conflict_message(session, tip.id, user))
    session.add(TipEvent(tip_id=tip.id, user_id=user.id, kind=kind, detail=detail))
    audit.record(session, user.id, "change", "tip", tip.id, f"{kind}: {detail}", ip)
    story = kind in ("merge", "split")
    notify.record(session, "story.changed" if story else "tip.updated", tip.id, key=f"{kind}:{tip.id}:v{version + 1}",
                  actor_id=user.id, detail=kind, target_user_id=values.get("assignee_id") if kind == "assign" else None)
    session.expire(tip)
    log.info("tip %s %s by user %s", tip.id, kind, user.id)


def set_status(session: Session, user: User, tip_id: int, version: int, status: str, ip: str = "",
               retrain_after: int = 20) -> bool:
    """Move a tip to another column; into or out of Spam is also a spam verdict that sorting
    learns from. True when the learned models are due a retrain."""
    if status not in STATUSES:
        raise ActionError("That is not one of the board's columns.")
    tip = load_tip(session, user, tip_id)
    _check(user, "spam" if status == "spam" else "status", tip)
    was_spam = tip.status == "spam"
    _apply(session, user, tip, version, "status", f"{tip.status} → {status}", ip, status=status, is_spam=status == "spam")
    if was_spam == (status == "spam"):
        return False
    learn = _learner()
    return bool(learn and learn.record_spam_verdict(session, session.get(Tip, tip_id), status == "spam", user.id, retrain_after))


def assign(session: Session, user: User, tip_id: int, version: int, assignee_id: int | None, ip: str = "") -> None:
    """An editor gives a tip to someone (or to nobody); a new tip moves to Assigned."""
    tip = load_tip(session, user, tip_id)
    _check(user, "assign", tip)
    assignee = None
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if assignee is None or not assignee.active:
            raise ActionError("There is no such active user.")
    values = {"assignee_id": assignee_id}
    if assignee is not None and tip.status in ("new", "reviewing"):
        values["status"] = "assigned"
    _apply(session, user, tip, version, "assign", assignee.label if assignee else "nobody", ip, **values)


def claim(session: Session, user: User, tip_id: int, version: int, ip: str = "") -> None:
    """A reporter takes a tip that nobody has yet."""
    tip = load_tip(session, user, tip_id)
    _check(user, "claim", tip)
    if tip.assignee_id not in (None, user.id) and not is_editor(user):
        holder = session.get(User, tip.assignee_id)
        raise Conflict(f"{holder.label if holder else 'Someone'} already has this tip; ask an editor to reassign it.")
    values = {"assignee_id": user.id}
    if tip.status in ("new", "reviewing"):
        values["status"] = "assigned"
    _apply(session, user, tip, version, "claim", user.label, ip, **values)


def correct_topic(session: Session, user: User, tip_id: int, version: int, topic: str, ip: str = "",
                  retrain_after: int = 20) -> bool:
    """Set the topic by hand; sorting keeps it as a label to learn from. True when a retrain is due."""
    topic = topic.strip()[:200]
    if not topic:
        raise ActionError("Give the topic a name.")
    tip = load_tip(session, user, tip_id)
    _check(user, "topic", tip)
    _apply(session, user, tip, version, "topic", f"{tip.topic or 'none'} → {topic}", ip,
           topic=topic, topic_source="editor", topic_confidence=1.0)
    learn = _learner()
    return bool(learn and learn.record_correction(session, session.get(Tip, tip_id), topic, user.id, retrain_after))


def _learner():
    # Sorting's learner, when it is installed; the board works without it.
    try:
        from inbox.sort import learn
    except ImportError:
        return None
    return learn


def add_note(session: Session, user: User, tip_id: int, body: str, ip: str = "") -> None:
    """An internal note; notes never conflict, so they do not need the tip's version."""
    body = body.strip()
    if not body:
        raise ActionError("The note is empty.")
    if len(body) > 20000:
        raise ActionError("A note may be at most 20,000 characters.")
    tip = load_tip(session, user, tip_id)
    _check(user, "note", tip)
    note = Note(tip_id=tip.id, user_id=user.id, body=body)
    session.add(note)
    session.add(TipEvent(tip_id=tip.id, user_id=user.id, kind="note", detail=""))
    audit.record(session, user.id, "note", "tip", tip.id, "", ip)
    session.flush()
    for who in notify.mentioned_users(session, body):
        notify.record(session, "note.mention", tip.id, key=f"mention:{note.id}:{who.id}", actor_id=user.id,
                      target_user_id=who.id, detail="note")


def merge(session: Session, user: User, tip_id: int, version: int, into_id: int, ip: str = "",
          stories: StorySettings | None = None) -> None:
    """Fold a tip (and its follow-ups) into another tip's thread; split undoes it."""
    tip = load_tip(session, user, tip_id)
    _check(user, "merge", tip)
    into = load_tip(session, user, into_id)
    root_id = into.thread_root_id or into.id
    if root_id == tip.id or tip.thread_root_id == root_id:
        raise ActionError("That tip is already in this thread.")
    children = list(session.scalars(select(Tip).where(Tip.thread_root_id == tip.id)))
    moved = [(tip.id, tip.thread_root_id)] + [(c.id, tip.id) for c in children]
    _apply(session, user, tip, version, "merge", f"into #{root_id}", ip, thread_root_id=root_id)
    for child in children:
        child.thread_root_id = root_id
        child.version += 1
    session.add(Merge(tip_id=tip.id, into_tip_id=root_id, user_id=user.id,
                      moved=" ".join(f"{i}:{'' if old is None else old}" for i, old in moved)))
    session.add(TipEvent(tip_id=root_id, user_id=user.id, kind="merge", detail=f"#{tip.id} merged in"))
    _story_decision(session, tip.id, root_id, True, "merge", user.id, stories)


def split(session: Session, user: User, tip_id: int, version: int, ip: str = "",
          stories: StorySettings | None = None) -> None:
    """Undo the last merge of this tip: it and its follow-ups get their old threads back."""
    tip = load_tip(session, user, tip_id)
    _check(user, "split", tip)
    last = session.scalar(select(Merge).where(Merge.tip_id == tip.id, Merge.split_at.is_(None))
                          .order_by(Merge.id.desc()).limit(1))
    if last is None:
        raise ActionError("This tip was not merged into another one.")
    pairs = [p.split(":") for p in last.moved.split()]
    old_roots = {int(i): (int(old) if old else None) for i, old in pairs}
    _apply(session, user, tip, version, "split", f"out of #{last.into_tip_id}", ip, thread_root_id=old_roots.pop(tip.id, None))
    for other in session.scalars(select(Tip).where(Tip.id.in_(list(old_roots)), Tip.thread_root_id == last.into_tip_id)):
        other.thread_root_id = old_roots[other.id]
        other.version += 1
    last.split_at = utcnow()
    session.add(TipEvent(tip_id=last.into_tip_id, user_id=user.id, kind="split", detail=f"#{tip.id} split out"))
    _story_decision(session, tip.id, last.into_tip_id, False, "split", user.id, stories)


def _story_decision(session: Session, tip_id: int, other_id: int, same: bool, source: str, user_id: int,
                    stories: StorySettings | None) -> None:
    """An editor's merge or split says whether two tips tell one story: the story score learns from it."""
    from inbox.sort.stories_store import record_decision

    record_decision(session, None, tip_id, other_id, same, source, user_id, stories or StorySettings())


def bulk(session: Session, user: User, tip_ids: list[int], action: str, ip: str = "",
         story_ids: list[int] = ()) -> int:
    """Apply one action ("status:X", "assign:ID", "assign:none", "claim", "spam") to each selected
    tip, and to every tip of each selected story card; returns how many tips it changed."""
    from inbox.board.stories import act_on_story  # stories builds on this module

    if not is_editor(user):
        raise Forbidden("Only editors act on many tips at once.")  # reporters claim one tip at a time
    if not tip_ids and not story_ids:
        raise ActionError("Select some cards first.")
    if len(tip_ids) + len(story_ids) > BULK_LIMIT:
        raise ActionError(f"At most {BULK_LIMIT} cards at once.")
    verb, _, arg = action.partition(":")
    if verb == "spam":
        verb, arg = "status", "spam"
    if verb not in ("status", "assign", "claim") or (verb == "assign" and not (arg == "none" or is_id(arg))):
        raise ActionError("Unknown bulk action.")
    versions = dict(session.execute(select(Tip.id, Tip.version).where(Tip.id.in_(tip_ids))).all())
    if len(versions) != len(set(tip_ids)):
        raise NotFound("Some of the selected tips no longer exist.")
    for tip_id in dict.fromkeys(tip_ids):
        if verb == "status":
            set_status(session, user, tip_id, versions[tip_id], arg, ip)
        elif verb == "assign":
            assign(session, user, tip_id, versions[tip_id], None if arg == "none" else int(arg), ip)
        else:
            claim(session, user, tip_id, versions[tip_id], ip)
    # A story card stands for its tips: each as it is now (the story page's own versions check
    # is for a person looking at the story's tips; the board showed only its lead).
    changed = len(versions)
    for story_id in dict.fromkeys(story_ids):
        changed += act_on_story(session, user, story_id, {}, verb, arg, ip, rest_as_is=True)
    return changed
