"""Stories in the database: the persisted index, joining or suggesting a story, editors'
decisions and the recalibration they make due (docs/stories.md).

The story index lives in memory (inbox.sort.stories_index) and is rebuilt from
tip_signatures at load; rows other processes add are picked up by id. A story
found in memory is joined through one of its tips, read from the database first,
so an entry left by a rolled-back transaction never puts a tip in a cluster that
does not exist.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from inbox.config import StorySettings
from inbox.db import RowBuffer, add_row
from inbox.models import Cluster, ClusterSuggestion, SortDecision, Tip, TipSignature, utcnow
from inbox.models.sorting import KEYS_SIGNAL, StoryCalibration, StoryDecision
from inbox.sort import duplicates, stories_score
from inbox.sort.stories import Features
from inbox.sort.stories_index import Evidence, Story, StoryIndex
from inbox.sort.stories_meaning import CommonMeaning

log = logging.getLogger(__name__)
WORDING_SIGNAL = "similar wording"
# A story this tip's own sender already told is joined only by much the same text (a re-send):
# a newsletter's or a feed's next issue shares its template, not its story, even once another
# reader's account shares the story (a feed's items were then pulled in by the dozen).
SAME_READER_CONTENT = 0.5
FORGET_EVERY = 500  # stories added between sweeps of the ones older than the window


class StoryDesk:
    """The story index of one process, its calibration and its view of the database."""

    def __init__(self, settings: StorySettings):
        self.settings = settings
        self.index = StoryIndex(settings.window_days)
        self.calibration = stories_score.Calibration()
        self._calibration_id = 0
        self._last_row = 0
        self._newest: datetime | None = None
        self._added = 0

    # --- reading the database ------------------------------------------------------

    def read_new(self, session: Session) -> None:
        """Add every stored tip after the last row read (this process's or another's)."""
        rows = session.execute(
            select(TipSignature.id, TipSignature.tip_id, TipSignature.terms, TipSignature.meaning, TipSignature.at,
                   Tip.cluster_id, Tip.sender_address).join(Tip, Tip.id == TipSignature.tip_id)
            .where(TipSignature.id > self._last_row).order_by(TipSignature.id))
        for row_id, tip_id, terms, meaning, at, cluster_id, sender in rows:
            self._last_row = row_id
            if terms and tip_id not in self.index.story_of and not self._forgotten(at):
                self._add(tip_id, Features.from_bytes(terms, meaning), at or utcnow(), sender, cluster_id)

    def _forgotten(self, at: datetime | None) -> bool:
        # A tip older than what forget_before keeps was dropped on purpose (or would be at the next
        # forgetting): a row read after it was forgotten must not bring it back, or the stories
        # formed would depend on when this process last read.
        return at is not None and self._newest is not None and at < self._horizon()

    def _horizon(self) -> datetime:
        return self._newest - timedelta(days=2 * self.settings.window_days)

    def read_late(self, session: Session, window: int = 5000) -> int:
        """Add rows within `window` ids below the last read that the index lacks; returns how many.

        Ids are handed out at insert but become visible at commit: a worker whose batch
        commits after another's leaves rows below the id already passed."""
        missing = 0
        for tip_id, terms, meaning, at, cluster_id, sender in session.execute(
                select(TipSignature.tip_id, TipSignature.terms, TipSignature.meaning, TipSignature.at,
                       Tip.cluster_id, Tip.sender_address).join(Tip, Tip.id == TipSignature.tip_id)
                .where(TipSignature.id > self._last_row - window, TipSignature.id <= self._last_row)):
            if terms and tip_id not in self.index.seen:
                self._add(tip_id, Features.from_bytes(terms, meaning), at or utcnow(), sender, cluster_id)
                missing += 1
        return missing

    def read_calibration(self, session: Session) -> None:
        row = session.scalar(select(StoryCalibration).order_by(StoryCalibration.id.desc()).limit(1))
        if row is not None and row.id != self._calibration_id:
            self._calibration_id = row.id
            self.calibration = stories_score.Calibration(row.scale, row.shift, row.decisions)

    def _add(self, tip_id: int, found: Features, at: datetime, sender: str | None, cluster_id: int | None,
             vector: dict | None = None) -> Story:
        key = cluster_id if cluster_id is not None else None
        story = self.index.add(tip_id, found, at, (sender or "").lower(), key=key, vector=vector)
        self._newest = at if self._newest is None or at > self._newest else self._newest
        self._added += 1
        if self._added % FORGET_EVERY == 0:
            self.index.forget_before(self._horizon())
        return story

    def reset(self) -> None:
        """Forget every story (the document frequencies and the common meaning stay): `inbox sort --all` re-clusters."""
        self.index = self.index.emptied()

    # --- one tip -------------------------------------------------------------------

    def remember(self, session: Session, tip: Tip, found: Features | None, at: datetime,
                 touched: set[int] | None = None, rows: RowBuffer | None = None, resort: bool = False) -> dict:
        """Store what the index keeps of a tip, then join the story it tells, suggest one, or
        start its own; says what happened and on which evidence (numbers and hashes only)."""
        if found is None:
            return {"action": "none", "why": "too few words to compare"}
        terms, meaning = found.terms_bytes(), found.meaning_bytes()
        if resort:
            updated = session.execute(update(TipSignature).where(TipSignature.tip_id == tip.id)
                                      .values(terms=terms, meaning=meaning, at=at)).rowcount
            if not updated:
                session.add(TipSignature(tip_id=tip.id, terms=terms, meaning=meaning, at=at))
        else:
            add_row(session, rows, TipSignature, tip_id=tip.id, terms=terms, meaning=meaning, at=at)
        index, sender = self.index, (tip.sender_address or "").lower()
        index.observe(tip.id, found, sender)
        vector = index.vector(found)
        must, cannot = _constraints(session, tip.id) if resort else (set(), set())
        for other_id in must:  # an editor said these tell one story: so they stay
            key = index.story_of.get(other_id)
            other = _tip(session, other_id) if key is not None else None
            if other is not None:
                duplicates.join(session, tip, other, touched)
                self._place(tip, found, at, vector, other)
                return {"action": "joined", "tip_id": other.id, "cluster_id": tip.cluster_id, "why": "an editor said so"}
        exclude = {index.story_of[t] for t in cannot if t in index.story_of}
        scored: list[tuple[float, Story, Evidence]] = []
        candidates = index.candidates(found, at, exclude)
        for story in candidates:
            if story.tips == [tip.id]:
                continue
            evidence = index.evidence(found, vector, story, at)
            if sender and sender in story.senders and evidence.content < SAME_READER_CONTENT:
                continue  # a sender of the story in new words: a newsletter's next issue, not an account of it
            scored.append((stories_score.logit(evidence), story, evidence))
        if not scored:
            self._add(tip.id, found, at, tip.sender_address, None, vector)
            return {"action": "new", "why": "no story in the window shares its rare terms"}
        scored.sort(key=lambda s: -s[0])  # stable: of equal scores, the first candidate
        z, story, evidence = scored[0]
        p = self.calibration.probability(z)
        agreeing = 0
        if p < self.settings.join:  # below the join: the best story two of whose members each find it plausible
            for z_story, its, its_evidence in scored:
                if self.calibration.probability(z_story) < stories_score.AGREE_STORY:
                    break  # a story the centroid rules out is not read member by member (scored: best first)
                agreeing = self._agreeing(found, vector, its, at)
                if agreeing:
                    z, story, evidence = z_story, its, its_evidence
                    p = self.calibration.probability(z)
                    break
        other = None
        if p >= self.settings.suggest or agreeing:  # read from the database only when it may be joined or suggested
            other = next((o for o in (_tip(session, t) for t in story.tips if t != tip.id) if o is not None), None)
        facts = {"tip_id": other.id if other else None, "score": round(p, 3), "similarity": round(p, 3),
                 "default_score": round(stories_score.sigmoid(z), 3),
                 "thresholds": {"join": self.settings.join, "suggest": self.settings.suggest,
                                "calibrated_on": self.calibration.decisions},
                 "evidence": evidence.numbers(), "shared_names": len(evidence.shared),
                 "shared_hashes": [f"{h:08x}" for h in evidence.shared], "story_tips": len(story.tips),
                 "signal": KEYS_SIGNAL if stories_score.NAMES * evidence.names > stories_score.CONTENT * evidence.content
                 else WORDING_SIGNAL,
                 "same_reader": bool(tip.sender_address) and (tip.sender_address or "").lower() in story.senders}
        if agreeing:
            facts["agreeing_members"] = agreeing
        if other is None or (p < self.settings.suggest and not agreeing):
            self._add(tip.id, found, at, tip.sender_address, None, vector)
            return {"action": "new", **facts, "why": "no story scores above the suggest threshold"}
        if p < self.settings.join and not agreeing:
            session.add(ClusterSuggestion(tip_id=tip.id, other_tip_id=other.id, similarity=round(p, 4)))
            self._add(tip.id, found, at, tip.sender_address, None, vector)
            return {"action": "suggested", **facts}
        duplicates.join(session, tip, other, touched)
        self._place(tip, found, at, vector, other)
        pulled = self._pull_lone_tips(session, tip, candidates, touched)
        return {"action": "joined", "cluster_id": tip.cluster_id, **facts, **({"pulled_in": pulled} if pulled else {})}

    def _pull_lone_tips(self, session: Session, tip: Tip, candidates: list[Story], touched: set[int] | None) -> list[int]:
        """After a join, the tips standing alone among the candidates are scored again against the
        story as it now is, and join it at the join threshold or when two of its members agree
        (_agreeing): a tip that arrived before the accounts that make its story clear (or an
        original after its echoes) is not left out for good. Editors' "different stories"
        decisions still keep a pair apart. Returns their ids."""
        index = self.index
        key = index.story_of.get(tip.id)
        story = index.stories.get(key) if key is not None else None
        if story is None:
            return []
        pulled = []
        for other_id, other_found, other_at, other_sender, evidence in index.lone_tips(story, candidates):
            if other_sender and other_sender in story.senders and evidence.content < SAME_READER_CONTENT:
                continue
            p = self.calibration.probability(stories_score.logit(evidence))
            if p < self.settings.join and (
                    p < stories_score.AGREE_STORY
                    or not self._agreeing(other_found, index.vector(other_found), story, other_at)):
                continue  # neither the story as a whole nor two of its members alone
            _must, cannot = _constraints(session, other_id)
            if any(index.story_of.get(t) == story.key for t in cannot):
                continue
            lone = _tip(session, other_id)
            if lone is None or lone.thread_root_id is not None:
                continue
            duplicates.join(session, lone, tip, touched)
            self._add(other_id, other_found, other_at, lone.sender_address, tip.cluster_id)
            pulled.append(other_id)
            log.info("story: tip %s joined cluster %s on a second look (after tip %s)", other_id, tip.cluster_id, tip.id)
        return pulled

    def _agreeing(self, found: Features, vector: dict, story: Story, at: datetime) -> int:
        """How many members of a story of several, each compared alone, score the tip at least AGREE:
        AGREE_MEMBERS or more join it below the join threshold (0 when fewer)."""
        if len(story.tips) < stories_score.AGREE_MEMBERS:
            return 0
        probability, level = self.calibration.probability, stories_score.AGREE
        n = self.index.agreeing(found, vector, story, at, lambda e: probability(stories_score.logit(e)) >= level,
                                stories_score.AGREE_MEMBERS)
        return n if n >= stories_score.AGREE_MEMBERS else 0

    def _place(self, tip: Tip, found: Features, at: datetime, vector: dict, other: Tip) -> None:
        """Put the tip in the story of `other` in memory, filed under their cluster's id."""
        key = self.index.story_of.get(other.id)
        if key is not None and other.cluster_id is not None and key != other.cluster_id:
            self.index.rekey(key, other.cluster_id)
        self._add(tip.id, found, at, tip.sender_address, other.cluster_id, vector)

    # --- editors ---------------------------------------------------------------------

    def pair_evidence(self, session: Session, tip_id: int, other_id: int) -> Evidence | None:
        """The evidence for two stored tips, one as a story of its own (for an editor's decision)."""
        found = {t: (terms, meaning, at) for t, terms, meaning, at in session.execute(
            select(TipSignature.tip_id, TipSignature.terms, TipSignature.meaning, TipSignature.at)
            .where(TipSignature.tip_id.in_([tip_id, other_id])))}
        if tip_id not in found or other_id not in found or not found[tip_id][0] or not found[other_id][0]:
            return None
        mine, theirs = (Features.from_bytes(*found[t][:2]) for t in (tip_id, other_id))
        scratch = self.index.emptied()
        now = utcnow()
        story = Story.alone(other_id, theirs, scratch.vector(theirs), found[other_id][2] or now)
        return scratch.evidence(mine, scratch.vector(mine), story, found[tip_id][2] or now)


def _tip(session: Session, tip_id: int) -> Tip | None:
    with session.no_autoflush:
        return duplicates.unflushed_tip(session, tip_id) or session.get(Tip, tip_id)


def _constraints(session: Session, tip_id: int) -> tuple[set[int], set[int]]:
    """The tips editors said tell this tip's story (must) or another (cannot): the newest word per pair."""
    newest: dict[int, bool] = {}
    for a, b, same in session.execute(
            select(StoryDecision.tip_id, StoryDecision.other_tip_id, StoryDecision.same)
            .where((StoryDecision.tip_id == tip_id) | (StoryDecision.other_tip_id == tip_id))
            .order_by(StoryDecision.id)):
        newest[b if a == tip_id else a] = same
    return {t for t, s in newest.items() if s}, {t for t, s in newest.items() if not s}


def record_decision(session: Session, desk: StoryDesk | None, tip_id: int, other_id: int, same: bool, source: str,
                    user_id: int | None, settings: StorySettings) -> StoryDecision:
    """An editor's word on two tips: stored with the evidence the score saw, then a
    recalibration if enough decisions have piled up since the last one."""
    numbers = _suggested_evidence(session, tip_id, other_id)
    if numbers is None:
        if desk is None:
            desk = StoryDesk(settings)
            desk.index.df, desk.index.docs, desk.index.common = _sample_df(session)
        evidence = desk.pair_evidence(session, tip_id, other_id)
        numbers = {} if evidence is None else evidence.numbers()
    if numbers:
        numbers["z"] = round(stories_score.logit(numbers), 4)
    row = StoryDecision(tip_id=tip_id, other_tip_id=other_id, same=same, source=source, user_id=user_id,
                        evidence=json.dumps(numbers))
    session.add(row)
    session.flush()
    log.info("story decision %s: tips %s and %s, same %s (%s)", row.id, tip_id, other_id, same, source)
    recalibrate_if_due(session, settings)
    return row


def _suggested_evidence(session: Session, tip_id: int, other_id: int) -> dict | None:
    """The evidence sorting stored when it suggested one of the pair to the other, if it did."""
    for a, b in ((tip_id, other_id), (other_id, tip_id)):
        raw = session.scalar(select(SortDecision.explanation).where(SortDecision.tip_id == a, SortDecision.kind == "sort")
                             .order_by(SortDecision.id.desc()).limit(1))
        cluster = json.loads(raw or "{}").get("cluster", {})
        if cluster.get("tip_id") == b and isinstance(cluster.get("evidence"), dict):
            return dict(cluster["evidence"])
    return None


def _sample_df(session: Session, rows: int = 2000) -> tuple[dict[int, float], float, CommonMeaning]:
    """Document frequencies and the common meaning from the newest stored tips (a board action cannot read
    them all), counted as the index counts them (each sender's later tips for less)."""
    scratch = StoryIndex(0.0)
    blobs = list(session.execute(
        select(TipSignature.tip_id, TipSignature.terms, TipSignature.meaning, Tip.sender_address)
        .join(Tip, Tip.id == TipSignature.tip_id).where(TipSignature.terms.is_not(None))
        .order_by(TipSignature.id.desc()).limit(rows)))
    for tip_id, terms, meaning, sender in reversed(blobs):
        scratch.observe(tip_id, Features.from_bytes(terms, meaning), (sender or "").lower())
    return scratch.df, scratch.docs, scratch.common


def recalibrate_if_due(session: Session, settings: StorySettings, force: bool = False) -> StoryCalibration | None:
    """Fit the calibration to every editors' decision once `recalibrate_after` are new."""
    last = session.scalar(select(StoryCalibration).order_by(StoryCalibration.id.desc()).limit(1))
    since = last.last_decision_id if last is not None else 0
    new = session.scalar(select(func.count()).select_from(StoryDecision).where(StoryDecision.id > since)) or 0
    if not force and new < settings.recalibrate_after:
        return None
    points, newest = [], since
    for row_id, same, raw in session.execute(select(StoryDecision.id, StoryDecision.same, StoryDecision.evidence)):
        newest = max(newest, row_id)
        z = json.loads(raw or "{}").get("z")
        if z is not None:
            points.append((float(z), bool(same)))
    fitted = stories_score.fit(points)
    row = StoryCalibration(scale=fitted.scale, shift=fitted.shift, decisions=len(points), last_decision_id=newest)
    session.add(row)
    session.flush()
    log.info("story score recalibrated on %d decisions: scale %.3f shift %.3f (row %s)",
             len(points), fitted.scale, fitted.shift, row.id)
    return row


def reset_clusters(session: Session) -> None:
    """Before re-clustering every stored tip: no clusters, no open machine suggestions
    (editors' decisions stay, and are kept by the re-clustering)."""
    session.execute(update(Tip).where(Tip.cluster_id.is_not(None)).values(cluster_id=None),
                    execution_options={"synchronize_session": False})
    session.execute(ClusterSuggestion.__table__.delete().where(ClusterSuggestion.status == "open"))
    session.execute(Cluster.__table__.delete())
