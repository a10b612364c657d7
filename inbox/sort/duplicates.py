"""Duplicate clusters in the database: the persisted index, joining and suggesting.

The LSH index lives in memory (inbox.sort.clusters) and is rebuilt from
tip_signatures at load; rows other processes add are picked up by id. A match
found in memory is checked against its row before it is used, so an entry left
by a rolled-back transaction can never join a tip to the wrong story.
"""
from __future__ import annotations

import logging

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from inbox.config import SortingSettings
from inbox.db import RowBuffer, add_row, reserve_ids
from inbox.models import Cluster, ClusterSuggestion, Tip, TipSignature, utcnow
from inbox.models.sorting import KEYS_SIGNAL
from inbox.sort.clusters import LSHIndex, Match, from_bytes, to_bytes
from inbox.sort.salient import KeyIndex, score as key_score, split as split_keys

log = logging.getLogger(__name__)


def read_new_signatures(session: Session, index: LSHIndex, after_id: int, keys: KeyIndex | None = None) -> int:
    """Add every signature row after after_id to the index (and its salient keys to `keys`);
    returns the newest row id seen."""
    rows = session.execute(
        select(TipSignature.id, TipSignature.tip_id, TipSignature.minhash, TipSignature.keys)
        .where(TipSignature.id > after_id).order_by(TipSignature.id)
    )
    for row_id, tip_id, minhash, salient_keys in rows:
        index.add(tip_id, from_bytes(minhash))
        if keys is not None:
            keys.add(tip_id, salient_keys)
        after_id = row_id
    return after_id


def read_late_signatures(session: Session, index: LSHIndex, last_id: int, window: int = 5000,
                         keys: KeyIndex | None = None) -> int:
    """Add rows within `window` ids below last_id that the index lacks; returns how many.

    Ids are handed out at insert but become visible at commit: a worker whose
    batch commits after another's leaves rows below the id we already passed.
    """
    ids = session.execute(select(TipSignature.tip_id).where(TipSignature.id > last_id - window, TipSignature.id <= last_id))
    missing = [tip_id for (tip_id,) in ids if index.signature_of(tip_id) is None]
    for start in range(0, len(missing), 500):
        chunk = missing[start:start + 500]
        for tip_id, minhash, salient_keys in session.execute(
                select(TipSignature.tip_id, TipSignature.minhash, TipSignature.keys)
                .where(TipSignature.tip_id.in_(chunk))):
            index.add(tip_id, from_bytes(minhash))
            if keys is not None:
                keys.add(tip_id, salient_keys)
    return len(missing)


def find_duplicate(session: Session, index: LSHIndex, signature: np.ndarray, settings: SortingSettings,
                   rows: RowBuffer | None = None) -> Match | None:
    """The most similar stored tip at or above the suggest threshold, checked against its row."""
    pending = None
    for match in index.nearest(signature, settings.cluster_suggest, limit=3):
        if pending is None:  # this transaction's rows not written yet: checked here, not flushed one by one
            pending = _pending_signatures(session, rows, "minhash")
        stored = pending.get(match.tip_id)
        if stored is None:
            with session.no_autoflush:
                stored = session.scalar(select(TipSignature.minhash).where(TipSignature.tip_id == match.tip_id))
        if stored is not None and stored == to_bytes(index.signature_of(match.tip_id)):
            return match
    return None


def remember(session: Session, index: LSHIndex, tip: Tip, signature: np.ndarray | None,
             match: Match | None, settings: SortingSettings, touched: set[int] | None = None,
             rows: RowBuffer | None = None, keys: bytes | None = None, key_index: KeyIndex | None = None) -> dict:
    """Store the tip's signature and salient keys, then join its duplicate's cluster or suggest
    it; without a duplicate, suggest a tip sharing its names and numbers; says what happened."""
    if signature is None:
        return {"action": "none", "why": "too few words to compare"}
    add_row(session, rows, TipSignature, tip_id=tip.id, minhash=to_bytes(signature), keys=keys)
    if match is None:
        if keys and key_index is not None:
            suggested = suggest_by_keys(session, key_index, tip, keys, rows)
            if suggested is not None:
                return suggested
        return {"action": "new", "why": "no stored tip is similar enough"}
    other = _unflushed_tip(session, match.tip_id)
    if other is None:
        with session.no_autoflush:
            other = session.get(Tip, match.tip_id)
    same_reader = bool(tip.sender_address) and other.sender_address == tip.sender_address
    facts = {"tip_id": other.id, "similarity": round(match.similarity, 3), "same_reader": same_reader}
    if match.similarity < settings.cluster_join:
        session.add(ClusterSuggestion(tip_id=tip.id, other_tip_id=other.id, similarity=match.similarity))
        return {"action": "suggested", **facts}
    join(session, tip, other, touched)
    return {"action": "joined", "cluster_id": tip.cluster_id, **facts}


def suggest_by_keys(session: Session, key_index: KeyIndex, tip: Tip, keys: bytes,
                    rows: RowBuffer | None = None) -> dict | None:
    """Suggest the stored tip of another reader sharing the most salient keys with this one.

    Readers describing one event in their own words share its names and numbers, not
    its wording: an editor decides, so this only ever suggests. The suggestion's
    similarity is salient.score(): the share of the smaller key set in common. A
    reader's own earlier tip is not suggested (a re-send is MinHash's to find).
    """
    pending = None
    for other_id, shared, _rarity in key_index.candidates(keys):
        if other_id == tip.id:
            continue
        if pending is None:  # this transaction's signatures not written yet, as in find_duplicate
            pending = _pending_signatures(session, rows, "keys")
        if other_id in pending:  # a tip of this transaction
            with session.no_autoflush:
                fresh = _unflushed_tip(session, other_id) or session.get(Tip, other_id)
            if fresh is None:
                continue
            stored, sender = pending[other_id], fresh.sender_address
        else:
            with session.no_autoflush:  # two columns, not the whole tip with its body
                found = session.execute(
                    select(TipSignature.keys, Tip.sender_address).join(Tip, Tip.id == TipSignature.tip_id)
                    .where(TipSignature.tip_id == other_id)).first()
            stored, sender = found if found is not None else (None, None)
        if stored is None or stored != key_index.keys_of(other_id):
            continue  # left in memory by a rolled-back transaction
        if tip.sender_address and (sender or "").lower() == tip.sender_address.lower():
            continue
        similarity = key_score(shared, len(split_keys(keys)), len(split_keys(stored)))
        session.add(ClusterSuggestion(tip_id=tip.id, other_tip_id=other_id, similarity=similarity))
        return {"action": "suggested", "tip_id": other_id, "signal": KEYS_SIGNAL, "shared": shared,
                "similarity": similarity, "same_reader": False}
    return None


def _pending_signatures(session: Session, rows: RowBuffer | None, column: str) -> dict[int, bytes | None]:
    """tip id -> a column of this transaction's signatures not written yet: the batch's
    rows in a pipeline batch (they are never ORM objects there), else the session's new objects."""
    if rows is not None:
        return {r["tip_id"]: r[column] for r in rows.pending(TipSignature)}
    return {o.tip_id: getattr(o, column) for o in session.new if isinstance(o, TipSignature)}


def _unflushed_tip(session: Session, tip_id: int) -> Tip | None:
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


def accept_suggestion(session: Session, suggestion_id: int) -> Cluster | None:
    """An editor agrees the suggested tips tell one story: join them."""
    row = session.get(ClusterSuggestion, suggestion_id)
    if row is None or row.status != "open":
        return None
    row.status = "accepted"
    cluster = join(session, session.get(Tip, row.tip_id), session.get(Tip, row.other_tip_id))
    session.refresh(cluster)
    log.info("cluster suggestion %s accepted: cluster %s", suggestion_id, cluster.id)
    return cluster


def dismiss_suggestion(session: Session, suggestion_id: int) -> bool:
    """An editor says the suggested tips are different stories."""
    row = session.get(ClusterSuggestion, suggestion_id)
    if row is None or row.status != "open":
        return False
    row.status = "dismissed"
    return True
