"""Stories on the board: a cluster of tips is one card, its page lists the readers' tips,
and an action can apply to the whole story.

A story is what sorting's clusters (inbox.sort.stories) say: tips about one thing, from one
or more readers. Who may open which of its tips is decided per thread, as everywhere
(access.visible_clause): a reporter's story page lists only the tips whose thread she may
open, and a story with none of those is "not found". Who sent each tip is decided per
reader (access.Readers): a protected reader she may not see is a pseudonym and a redacted
subject, here as on the board.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Integer, bindparam, cast, distinct, func, select
from sqlalchemy.orm import Session

from inbox.board import actions, mentions, redact
from inbox.board.access import Readers, bound_visible_clause, is_editor, may, visible_clause, visible_values
from inbox.models import AuditEntry, Tip, User
from inbox.sealing import head_of


@dataclass(frozen=True)
class StoryStats:
    """What a story card says about the tips of it the viewer may open."""
    tips: int
    readers: int
    first_seen: datetime
    last_seen: datetime
    urgent: bool
    deadline: datetime | None


def story_stats(session: Session, user: User, cluster_ids) -> dict[int, StoryStats]:
    """Per cluster, over the tips the viewer may open: how many, from how many readers,
    first and last seen, urgency, the nearest deadline. One query for a whole page."""
    wanted = sorted({c for c in cluster_ids if c is not None})
    if not wanted:
        return {}
    if is_editor(user):
        rows = session.execute(_STATS, {"clusters": wanted})
    else:  # built once per kind of reporter (with or without beats), bound to this one's values
        rows = session.execute(_reporter_stats(bool(user.beat_list)), {"clusters": wanted, **visible_values(user)})
    return {cid: StoryStats(n, readers, first, last, bool(urgent), deadline)
            for cid, n, readers, first, last, urgent, deadline in rows}


def _stats(*visible):
    return (select(Tip.cluster_id, func.count(), func.count(distinct(Tip.sender_address)), func.min(Tip.received_at),
                   func.max(Tip.received_at), func.max(cast(Tip.urgent, Integer)), func.min(Tip.deadline))
            .where(Tip.cluster_id.in_(bindparam("clusters", expanding=True)), *visible).group_by(Tip.cluster_id))


_STATS = _stats()


@lru_cache(maxsize=2)
def _reporter_stats(has_beats: bool):
    return _stats(bound_visible_clause(has_beats))


_OPENED = (select(AuditEntry.object_id).where(
    AuditEntry.user_id == bindparam("viewer"), AuditEntry.action == "view", AuditEntry.object_type == "tip",
    AuditEntry.object_id.in_(bindparam("ids", expanding=True))).distinct())


def opened_by(session: Session, user: User, tip_ids) -> set[int]:
    """The tips among these that the viewer has opened (the audit log's views): the rest are "new" to them."""
    ids = sorted(set(tip_ids))
    if not ids:
        return set()
    return set(session.scalars(_OPENED, {"viewer": user.id, "ids": ids}))


@dataclass
class StoryTip:
    """One reader's tip on a story page, as this viewer may see it."""
    id: int
    version: int
    status: str
    subject: str
    sender: str
    masked: bool
    protected: bool
    received_at: datetime
    urgent: bool
    deadline: datetime | None
    assignee: str
    follow_up: bool
    allowed: dict[str, bool] = field(default_factory=dict)


@dataclass
class StoryPage:
    """Everything the story page shows, without a request."""
    id: int
    lead: StoryTip
    tips: list[StoryTip]
    stats: StoryStats
    allowed: dict[str, bool]  # story-wide actions: allowed on every tip of it the viewer may open

    @property
    def versions(self) -> str:
        """The tips as the viewer saw them ("id:version ..."), for the story's forms."""
        return " ".join(f"{t.id}:{t.version}" for t in self.tips if not t.follow_up)


STORY_ACTIONS = ("status", "assign", "spam", "claim")


def _tips(session: Session, user: User, cluster_id: int) -> list[Tip]:
    visible = visible_clause(user)
    return list(session.scalars(select(Tip).where(Tip.cluster_id == cluster_id, *([] if visible is None else [visible]))
                                .order_by(Tip.received_at, Tip.id)))


def story_page(session: Session, user: User, cluster_id: int, users: dict[int, str], secret: str,
               vault=None) -> StoryPage:
    """The story's tips the viewer may open, oldest first (the first is the lead); NotFound when none
    (a sealed subject opened with the vault, the desk key)."""
    tips = _tips(session, user, cluster_id)
    if not tips:
        raise actions.NotFound("There is no such story.")
    readers = Readers(session, user, secret).load(t.sender_address for t in tips)
    shown = []
    for t in tips:
        who = readers.of(t.sender_address)
        subject = head_of(vault, t.sealed_head, t.subject, "")[0] or "(no subject)"
        if who.masked:
            subject = redact.redact_line(subject, redact.Who(t.sender_name, t.sender_address))
        subject = mentions.withheld(readers, t.sender_address, subject)
        allowed = {a: may(user, a, t) for a in ("status", "assign", "spam")}
        allowed["claim"] = t.assignee_id is None
        shown.append(StoryTip(
            id=t.id, version=t.version, status=t.status, subject=subject, masked=who.masked, protected=who.protected,
            sender=who.pseudonym if who.masked else (t.sender_name or t.sender_address), received_at=t.received_at,
            urgent=t.urgent, deadline=t.deadline, assignee=users.get(t.assignee_id, "") if t.assignee_id else "",
            follow_up=t.thread_root_id is not None, allowed=allowed))
    roots = [s for s in shown if not s.follow_up] or shown
    stats = StoryStats(len(shown), len({t.sender_address for t in tips}), tips[0].received_at, tips[-1].received_at,
                       any(t.urgent for t in tips), min((t.deadline for t in tips if t.deadline), default=None))
    allowed = {a: all(s.allowed[a] for s in roots) for a in ("status", "assign", "spam")}
    allowed["claim"] = not is_editor(user) and any(s.allowed["claim"] for s in roots)
    return StoryPage(cluster_id, roots[0], shown, stats, allowed)


def parse_versions(raw: str) -> dict[int, int]:
    """"12:3 15:1" -> {12: 3, 15: 1}: the story's tips as the person saw them."""
    versions = {}
    for pair in raw.split():
        tip_id, _, version = pair.partition(":")
        if not (tip_id.isascii() and tip_id.isdigit() and version.isascii() and version.isdigit()) or len(pair) > 22:
            raise actions.ActionError("The story's form is not valid: reload the page and try again.")
        versions[int(tip_id)] = int(version)
    if not versions or len(versions) > actions.BULK_LIMIT:
        raise actions.ActionError("The story's form is not valid: reload the page and try again.")
    return versions


def act_on_story(session: Session, user: User, cluster_id: int, versions: dict[int, int], verb: str, arg: str = "",
                 ip: str = "", rest_as_is: bool = False) -> int:
    """One action on every thread-first tip of the story that the person saw; refused whole
    (403) if the role rules forbid it on any of them, and whole (409) if one changed since.
    rest_as_is: versions names only the card's lead; the story's other tips are taken as they are."""
    tips = {t.id: t for t in _tips(session, user, cluster_id) if t.thread_root_id is None}
    if not tips:
        raise actions.NotFound("There is no such story.")
    if rest_as_is:
        versions = {**{t.id: t.version for t in tips.values()}, **versions}
    if set(versions) - set(tips):
        raise actions.Conflict("The story changed while you were looking at it (a tip joined or left it): "
                               "reload the page and redo your change if it still makes sense.")
    for tip_id, version in versions.items():
        if verb == "status":
            actions.set_status(session, user, tip_id, version, arg, ip)
        elif verb == "assign":
            actions.assign(session, user, tip_id, version, None if arg in ("", "none") else int(arg), ip)
        elif verb == "claim":
            if tips[tip_id].assignee_id is None:
                actions.claim(session, user, tip_id, version, ip)
        else:
            raise actions.ActionError("Unknown story action.")
    return len(versions)

