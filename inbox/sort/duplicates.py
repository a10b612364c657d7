"""Story clusters in the database: joining a tip to another's cluster, recounting, and an
editor's answer to a "maybe the same story" suggestion (which is also a decision the
story score learns from: inbox.sort.stories_store.record_decision).
"""
from __future__ import annotations

import logging

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from inbox.config import StorySettings
from inbox.db import reserve_ids
from inbox.models import Cluster, ClusterSuggestion, Tip, utcnow

log = logging.getLogger(__name__)


def unflushed_tip(session: Session, tip_id: int) -> Tip | None:
    """A tip of this transaction that is not flushed yet (the store hands out ids before insert)."""
    return next((o for o in session.new if isinstance(o, Tip) and o.id == tip_id), None)


def join(session: Session, tip: Tip, other: Tip, touched: set[int] | None = None) -> Cluster | None:
    """Put tip in other's cluster, making one (other as its representative) if other has none.

    With `touched` (the pipeline's batches), no flush per join: the cluster gets an id
    handed out before insert, and its counts wait for recount() at the batch's end.
    """
    if other.cluster_id is None:
        cluster = Cluster(representative_tip_id=other.id, size=1, readers=1)
        if touched is not None:
            cluster.id = reserve_ids(session, "clusters", 1)[0]
        session.add(cluster)
        if touched is None:
            session.flush()
        other.cluster_id = cluster.id
    cluster_id = other.cluster_id
    if tip.cluster_id == cluster_id:
        return session.get(Cluster, cluster_id) if touched is None else None
    if tip.cluster_id is not None:
        if touched is None:
            _recount(session, tip.cluster_id, leaving=tip.id)
        else:
            touched.add(tip.cluster_id)
    tip.cluster_id = cluster_id
    if touched is not None:
        touched.add(cluster_id)
        return None
    session.flush()
    return _recount(session, cluster_id)


def recount(session: Session, cluster_ids: set[int]) -> None:
    """The deferred counts of a batch's joins, once per cluster."""
    if cluster_ids:
        session.flush()
        for cluster_id in sorted(cluster_ids):
            _recount(session, cluster_id)


def _recount(session: Session, cluster_id: int, leaving: int | None = None) -> Cluster:
    # Counted from the tips themselves in one statement, so two workers joining
    # at once cannot lose a count.
    where = [Tip.cluster_id == cluster_id] + ([Tip.id != leaving] if leaving is not None else [])
    size = select(func.count()).where(*where).scalar_subquery()
    readers = select(func.count(func.distinct(func.lower(Tip.sender_address)))).where(*where).scalar_subquery()
    session.execute(update(Cluster).where(Cluster.id == cluster_id).values(size=size, readers=readers, updated_at=utcnow()),
                    execution_options={"synchronize_session": False})
    cluster = session.get(Cluster, cluster_id)
    session.expire(cluster, ["size", "readers", "updated_at"])
    return cluster


def accept_suggestion(session: Session, suggestion_id: int, user_id: int | None = None,
                      settings: StorySettings | None = None) -> Cluster | None:
    """An editor agrees the suggested tips tell one story: join them, and record the decision."""
    from inbox.sort.stories_store import record_decision

    row = session.get(ClusterSuggestion, suggestion_id)
    if row is None or row.status != "open":
        return None
    row.status = "accepted"
    record_decision(session, None, row.tip_id, row.other_tip_id, True, "accepted", user_id, settings or StorySettings())
    cluster = join(session, session.get(Tip, row.tip_id), session.get(Tip, row.other_tip_id))
    session.refresh(cluster)
    log.info("cluster suggestion %s accepted: cluster %s", suggestion_id, cluster.id)
    return cluster


def dismiss_suggestion(session: Session, suggestion_id: int, user_id: int | None = None,
                       settings: StorySettings | None = None) -> bool:
    """An editor says the suggested tips are different stories: recorded for the story score."""
    from inbox.sort.stories_store import record_decision

    row = session.get(ClusterSuggestion, suggestion_id)
    if row is None or row.status != "open":
        return False
    row.status = "dismissed"
    record_decision(session, None, row.tip_id, row.other_tip_id, False, "dismissed", user_id, settings or StorySettings())
    return True
