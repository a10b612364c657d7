"""Sorting's "maybe the same story" suggestions on the tip page, as plain functions.

Sorting suggests (never joins) a pair of tips when their wording is fairly similar or
when they share rare names and numbers; an editor decides: "Same story" joins the
suggesting tip to the other's cluster (inbox.sort.duplicates.accept_suggestion, which
recounts the cluster's size and readers), "Different story" dismisses the suggestion.
A suggestion has no version: its `open` status is what an editor saw, and a decision
is taken only while it is still open (a conditional UPDATE, which also makes a second
editor deciding at the same moment wait, then find it decided).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from inbox.board import audit, mentions
from inbox.board.access import Readers, may, visible_clause
from inbox.board.actions import Conflict, Forbidden, NotFound, load_tip
from inbox.board.redact import Who, redact_line
from inbox.config import StorySettings
from inbox.models import ClusterSuggestion, Tip, TipEvent, User
from inbox.models.sorting import KEYS_SIGNAL, SortDecision
from inbox.sealing import head_of

log = logging.getLogger(__name__)
SIGNAL_LABELS = {"keys": "shares names and numbers", "wording": "similar wording"}


@dataclass
class Suggestion:
    """One open suggestion as the tip page shows it (a masked reader's pseudonym as the sender)."""
    id: int
    other_id: int
    subject: str
    sender: str
    percent: int
    signal: str  # "keys" or "wording" (SIGNAL_LABELS has the words)

    @property
    def signal_label(self) -> str:
        return SIGNAL_LABELS[self.signal]


def open_for_tip(session: Session, user: User, tip: Tip, readers: Readers, vault=None) -> list[Suggestion]:
    """The open suggestions involving this tip (either side) whose other tip the user may see
    (a sealed subject opened with the vault, the desk key)."""
    rows = list(session.scalars(
        select(ClusterSuggestion).where(ClusterSuggestion.status == "open",
                                        or_(ClusterSuggestion.tip_id == tip.id, ClusterSuggestion.other_tip_id == tip.id))
        .order_by(ClusterSuggestion.similarity.desc(), ClusterSuggestion.id)))
    if not rows:
        return []
    other_of = {r.id: r.other_tip_id if r.tip_id == tip.id else r.tip_id for r in rows}
    visible = visible_clause(user)
    others = {t.id: t for t in session.scalars(
        select(Tip).where(Tip.id.in_(set(other_of.values())), *([] if visible is None else [visible])))}
    signals = _signals(session, {r.tip_id for r in rows})
    readers.load(t.sender_address for t in others.values())
    shown = []
    for r in rows:
        other = others.get(other_of[r.id])
        if other is None or other.id == tip.id:
            continue
        who = readers.of(other.sender_address)
        by_keys = signals.get(r.tip_id, {}).get(r.other_tip_id) == KEYS_SIGNAL
        shown.append(Suggestion(
            id=r.id, other_id=other.id, subject=mentions.withheld(readers, other.sender_address, shown_subject(other, who, vault)),
            sender=who.pseudonym if who.masked else (other.sender_name or other.sender_address or ""),
            percent=round(max(0.0, min(1.0, r.similarity or 0.0)) * 100), signal="keys" if by_keys else "wording",
        ))
    return shown


def shown_subject(tip: Tip, who, vault=None) -> str:
    """A suggested tip's subject, a masked reader's identity withheld."""
    subject = head_of(vault, tip.sealed_head, tip.subject, "")[0] or "(no subject)"
    return redact_line(subject, Who(tip.sender_name, tip.sender_address)) if who.masked else subject


def _signals(session: Session, tip_ids: set[int]) -> dict[int, dict[int, str]]:
    """tip id -> {suggested tip id: signal} from each tip's latest sort explanation (one query).

    Only the signal's name is read: the explanation holds counts and ids, never keys or text."""
    latest: dict[int, dict[int, str]] = {}
    rows = session.execute(select(SortDecision.tip_id, SortDecision.explanation)
                           .where(SortDecision.tip_id.in_(tip_ids), SortDecision.kind == "sort")
                           .order_by(SortDecision.id.desc()))
    for tip_id, raw in rows:
        if tip_id in latest:
            continue
        latest[tip_id] = {}
        try:
            cluster = json.loads(raw or "{}").get("cluster", {})
        except (ValueError, AttributeError):
            continue
        if isinstance(cluster, dict) and cluster.get("action") == "suggested" and isinstance(cluster.get("tip_id"), int):
            latest[tip_id][cluster["tip_id"]] = str(cluster.get("signal") or "")
    return latest


def _load(session: Session, user: User, tip_id: int, suggestion_id: int) -> tuple[ClusterSuggestion, Tip, Tip]:
    """The suggestion, still open, on a tip the user may see and decide about, with its two tips."""
    tip = load_tip(session, user, tip_id)
    if not may(user, "cluster", tip):
        raise Forbidden("Only editors decide whether two tips tell the same story.")
    row = session.get(ClusterSuggestion, suggestion_id)
    if row is None or tip_id not in (row.tip_id, row.other_tip_id):
        raise NotFound("There is no such suggestion for this tip.")
    # Take the decision only while it is open: a second editor waits here, then finds it decided.
    taken = session.execute(update(ClusterSuggestion)
                            .where(ClusterSuggestion.id == row.id, ClusterSuggestion.status == "open")
                            .values(status="open").execution_options(synchronize_session=False))
    session.expire(row)
    if taken.rowcount != 1:
        raise Conflict(f"Suggestion #{row.id} was already decided ({row.status}); the page shows what is open now.")
    first, second = session.get(Tip, row.tip_id), session.get(Tip, row.other_tip_id)
    if first is None or second is None:
        raise NotFound("One of the suggested tips no longer exists.")
    return row, first, second


def accept(session: Session, user: User, tip_id: int, suggestion_id: int, ip: str = "",
           stories: StorySettings | None = None) -> int:
    """"Same story": join the suggesting tip to the other's cluster; returns the cluster's id."""
    from inbox.sort.duplicates import accept_suggestion

    row, first, second = _load(session, user, tip_id, suggestion_id)
    cluster = accept_suggestion(session, row.id, user.id, stories)
    if cluster is None:  # not open any more: _load has just checked, so only a race lands here
        raise Conflict(f"Suggestion #{row.id} was already decided; the page shows what is open now.")
    for this, that in ((first, second), (second, first)):
        session.add(TipEvent(tip_id=this.id, user_id=user.id, kind="cluster", detail=f"same story as #{that.id}"))
    audit.record(session, user.id, "cluster", "tip", tip_id,
                 f"suggestion {row.id} accepted: #{first.id} joined #{second.id} in cluster {cluster.id}", ip)
    log.info("suggestion %s accepted by user %s: cluster %s", row.id, user.id, cluster.id)
    return cluster.id


def dismiss(session: Session, user: User, tip_id: int, suggestion_id: int, ip: str = "",
            stories: StorySettings | None = None) -> None:
    """"Different story": the suggestion is closed and the tips stay where they are."""
    from inbox.sort.duplicates import dismiss_suggestion

    row, first, second = _load(session, user, tip_id, suggestion_id)
    if not dismiss_suggestion(session, row.id, user.id, stories):
        raise Conflict(f"Suggestion #{row.id} was already decided; the page shows what is open now.")
    for this, that in ((first, second), (second, first)):
        session.add(TipEvent(tip_id=this.id, user_id=user.id, kind="cluster", detail=f"not the same story as #{that.id}"))
    audit.record(session, user.id, "cluster", "tip", tip_id,
                 f"suggestion {row.id} dismissed: #{first.id} and #{second.id}", ip)
    log.info("suggestion %s dismissed by user %s", row.id, user.id)
