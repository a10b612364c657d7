"""The sort stage: what a tip is about, whether it is spam, what sensitive facts it
holds, how urgent it is, and which story it repeats.

    sorter = Sorter.load(settings, session)       # rules, newest models, the duplicate index
    sorting = sorter.sort(session, clean_mail)    # reads only
    sorter.remember(session, tip, sorting)        # after the tip is flushed, same transaction

Every verdict carries its explanation (rules fired, model scores, thresholds),
stored as a "sort" decision and printed by `inbox sort --explain TIP_ID`.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.config import Settings
from inbox.db import RowBuffer, add_row
from inbox.models import ModelVersion, SortDecision, Tip, TipSignature, utcnow
from inbox.models.readers import identity_risks, protect_at_risk, protect_if_at_risk
from inbox.sort import duplicates, flags, learn, salient, spam
from inbox.sort.clusters import LSHIndex, Match, MinHasher, words
from inbox.sort import model as model_mod
from inbox.sort.model import TextModel
from inbox.sort.text import SortInput, from_mail, from_tip
from inbox.sort.topics import TopicRules, decide, default_topics

log = logging.getLogger(__name__)

# How often a sorter reads the signatures other workers stored (its own go into
# its index at once); and how often it looks for late commits and newer models.
SIGNATURE_CHECK_SECONDS = 1.0
MODEL_CHECK_SECONDS = 10.0


@dataclass
class Sorting:
    """The sort stage's verdict on one message."""

    topic: str
    topic_confidence: float
    topic_source: str
    spam_score: float
    is_spam: bool
    sensitive: tuple[str, ...]
    urgent: bool
    explanation: dict
    signature: np.ndarray | None = field(default=None, repr=False)
    duplicate: Match | None = None
    keys: bytes | None = field(default=None, repr=False)  # salient names and numbers, hashed (inbox.sort.salient)

    def apply(self, tip: Tip) -> None:
        """Copy the verdict onto the tip's columns; spam moves a new tip to the Spam column."""
        tip.topic, tip.topic_confidence, tip.topic_source = self.topic, self.topic_confidence, self.topic_source
        tip.spam_score, tip.is_spam = round(self.spam_score, 4), self.is_spam
        tip.sensitive = ",".join(self.sensitive)
        tip.urgent = self.urgent
        if self.is_spam and tip.status == "new":
            tip.status = "spam"


class Sorter:
    """Holds the compiled rules, the newest models and the duplicate index for one process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.rules = TopicRules(settings.sorting.topics or default_topics())
        self.hasher = MinHasher()
        self.index = LSHIndex()
        self.key_index = salient.KeyIndex()
        self.models: dict[str, tuple[TextModel, ModelVersion] | None] = {kind: None for kind in learn.KINDS}
        self._last_signature_id = 0
        self._signatures_checked = self._models_checked = 0.0
        self._touched: set[int] | None = None  # clusters to recount, and
        self._rows: RowBuffer | None = None  # the store's rows, during a batch (see batch())
        self._at_risk: dict[str, Tip] | None = None  # readers to protect at the batch's end, by address

    @classmethod
    def load(cls, settings: Settings, session: Session) -> Sorter:
        """Rules from settings, the newest model files, and the cluster index from the database."""
        sorter = cls(settings)
        sorter.refresh(session, force=True)
        log.info("sorter loaded: %d rules, %d indexed tips, models %s", len(sorter.rules.rules), len(sorter.index),
                 {k: (m[1].version if m else None) for k, m in sorter.models.items()})
        return sorter

    def refresh(self, session: Session, force: bool = False) -> None:
        """Pick up signatures other processes stored, and (now and then) late commits and newer models."""
        now = time.monotonic()
        if force or now - self._signatures_checked >= SIGNATURE_CHECK_SECONDS:
            self._signatures_checked = now
            self._last_signature_id = duplicates.read_new_signatures(session, self.index, self._last_signature_id,
                                                                     self.key_index)
        if not force and now - self._models_checked < MODEL_CHECK_SECONDS:
            return
        self._models_checked = now
        duplicates.read_late_signatures(session, self.index, self._last_signature_id, keys=self.key_index)
        for kind in learn.KINDS:
            newest = learn.latest_version(session, kind)
            loaded = self.models[kind]
            if newest is not None and (loaded is None or loaded[1].id != newest.id):
                self.models[kind] = learn.load_latest(self.settings, session, kind) or loaded

    def sort(self, session: Session, mail: Any, analysed: Sorting | None = None) -> Sorting:
        """The sort stage for a CleanMail: reads, never writes.

        analysed is analyse()'s verdict when a parse/clean process already made it
        (the pipeline does, to use every core); only the duplicate look-up, which
        needs the index and the database, is then done here.
        """
        if analysed is None:
            return self.sort_input(session, from_mail(mail))
        # Rows this transaction has not flushed are in the index already: reading
        # other processes' rows must not flush them one message at a time.
        with session.no_autoflush:
            self.refresh(session)
        return self._with_duplicate(session, analysed)

    def sort_input(self, session: Session, inp: SortInput) -> Sorting:
        """Topic, spam, flags and the nearest duplicate for what sorting reads of a tip."""
        self.refresh(session)
        return self._with_duplicate(session, self.analyse(inp))

    def _with_duplicate(self, session: Session, sorting: Sorting) -> Sorting:
        if sorting.signature is not None:
            sorting.duplicate = duplicates.find_duplicate(session, self.index, sorting.signature, self.settings.sorting,
                                                          self._rows)
        return sorting

    def model_files(self) -> tuple:
        """Which model files this sorter uses, for analysers in other processes."""
        return tuple((kind, m[1].filename, m[1].file_sha256, m[1].id, m[1].version) if m else (kind, None)
                     for kind, m in sorted(self.models.items()))

    @classmethod
    def analyser(cls, settings: Settings, model_files: tuple) -> Sorter:
        """A sorter for analyse() alone (no database): rules, and the named model files."""
        sorter = cls(settings)
        for kind, *spec in model_files:
            if spec and spec[0]:
                filename, file_sha, row_id, version = spec
                model = model_mod.load_model(learn.models_dir(settings), filename, file_sha)
                sorter.models[kind] = (model, ModelVersion(id=row_id, kind=kind, version=version,
                                                           filename=filename, file_sha256=file_sha))
        return sorter

    def analyse(self, inp: SortInput) -> Sorting:
        """Topic, spam, flags and the duplicate signature: pure, so it can run in any process."""
        cfg = self.settings.sorting
        text = inp.words
        topic_model, spam_model = self.models["topics"], self.models["spam"]
        verdict = decide(
            self.rules.fired(inp),
            topic_model[0].scores(text) if topic_model else None,
            cfg,
            topic_model[1].version if topic_model else None,
        )
        spam_p = spam_model[0].scores(text).get("spam") if spam_model else None
        spam_score, spam_why = spam.score(inp, spam_p)
        if spam_model:
            spam_why["model_version"] = spam_model[1].version
        kinds, sensitive_rules = flags.sensitive_kinds(inp)
        urgent_rules = flags.urgency(inp)
        # Auto-replies and bounces repeat one template: clustering them would bury real stories.
        signature = None if inp.automatic else self.hasher.signature(words(text))
        keys = (salient.keys(inp.subject, inp.own_words) or None) if signature is not None else None
        explanation = {
            "topic": {"topic": verdict.topic, "confidence": verdict.confidence, "source": verdict.source,
                      **verdict.explanation},
            "spam": {**spam_why, "threshold": cfg.spam_threshold},
            "sensitive": {"kinds": list(kinds), "rules": sensitive_rules},
            "urgent": {"rules": urgent_rules},
        }
        return Sorting(verdict.topic, verdict.confidence, verdict.source, spam_score,
                       spam_score >= cfg.spam_threshold, kinds, bool(urgent_rules), explanation, signature, None, keys)

    def remember(self, session: Session, tip: Tip, sorting: Sorting) -> None:
        """Write the verdict for a flushed tip: its columns, the decision, its cluster, the index."""
        sorting.apply(tip)
        self._protect(session, tip)
        if tip.thread_root_id is not None:
            cluster = {"action": "none", "why": "a follow-up in a thread is not a new story"}
        else:
            cluster = duplicates.remember(session, self.index, tip, sorting.signature, sorting.duplicate,
                                          self.settings.sorting, self._touched, self._rows,
                                          keys=sorting.keys, key_index=self.key_index)
        sorting.explanation["cluster"] = cluster
        add_row(session, self._rows, SortDecision, tip_id=tip.id, kind="sort", value=sorting.topic,
                source=sorting.topic_source, confidence=sorting.topic_confidence,
                explanation=json.dumps(sorting.explanation), created_at=utcnow())
        if sorting.signature is not None and cluster["action"] != "none":
            self.index.add(tip.id, sorting.signature)
            self.key_index.add(tip.id, sorting.keys)
        log.debug("sorted tip %s: source %s, cluster %s", tip.id, sorting.topic_source, cluster["action"])

    @contextmanager
    def batch(self, session: Session, rows: RowBuffer | None = None) -> Iterator[None]:
        """Around one batch of remember() calls in one transaction: clusters' counts are
        recounted once at the end instead of after every join (each would need a flush),
        and the decisions and signatures go into the store's rows (written by the store)."""
        self._touched, self._rows, self._at_risk = set(), rows, {}
        try:
            yield
            duplicates.recount(session, self._touched)
            protect_at_risk(session, [(t.sender_address, t.sensitive, t.received_at) for t in self._at_risk.values()])
        finally:
            self._touched = self._rows = self._at_risk = None

    def _protect(self, session: Session, tip: Tip) -> None:
        # An identity risk protects the tip's reader (inbox.models.readers); nothing to do for most tips.
        if not tip.sensitive or not identity_risks(tip.sensitive):
            return
        if self._at_risk is None:
            protect_if_at_risk(session, tip.sender_address, tip.sensitive, tip.received_at)
        else:
            self._at_risk.setdefault(tip.sender_address, tip)

    def resort(self, session: Session, tip: Tip, raw: bytes | None = None) -> Sorting:
        """Sort a stored tip again (after rules or models changed); editors' labels still win."""
        sorting = self.sort_input(session, from_tip(tip, raw))
        topic_label = _editor_label(session, tip.id, "topic")
        if topic_label is not None or tip.topic_source == "editor":
            topic = topic_label.value if topic_label is not None else tip.topic
            sorting.topic, sorting.topic_confidence, sorting.topic_source = topic, 1.0, "editor"
            sorting.explanation["topic"].update(source="editor", topic=topic, why="an editor set it",
                                                editor=topic_label.user_id if topic_label is not None else None)
        spam_label = _editor_label(session, tip.id, "spam")
        machine_put_it_in_spam = (tip.spam_score or 0.0) >= self.settings.sorting.spam_threshold
        if spam_label is not None:
            sorting.is_spam = spam_label.value == "spam"
            sorting.explanation["spam"]["editor"] = spam_label.user_id
        elif tip.status == "spam" and not machine_put_it_in_spam:
            sorting.is_spam = True  # a person moved it there; only a person takes it out
            sorting.explanation["spam"]["editor"] = "moved to the Spam column on the board"
        elif not sorting.is_spam and tip.status == "spam":
            tip.status = "new"  # the sorter put it there and no longer thinks so
        signature_row = session.scalar(select(TipSignature).where(TipSignature.tip_id == tip.id))
        clustered = signature_row is not None
        if clustered:
            if signature_row.keys is None and sorting.keys:
                # Sorted before names-and-numbers keys existed (migration 0004): give it its keys,
                # so later tips can be suggested to it. It keeps its cluster; nothing is suggested now.
                signature_row.keys = sorting.keys
                self.key_index.add(tip.id, sorting.keys)
            sorting.signature, sorting.duplicate, sorting.keys = None, None, None
        sorting.apply(tip)
        if clustered:
            self._protect(session, tip)
            sorting.explanation["cluster"] = {"action": "kept", "cluster_id": tip.cluster_id}
            session.add(SortDecision(tip_id=tip.id, kind="sort", value=sorting.topic, source=sorting.topic_source,
                                     confidence=sorting.topic_confidence, explanation=json.dumps(sorting.explanation)))
        else:
            self.remember(session, tip, sorting)
        return sorting


def _editor_label(session: Session, tip_id: int, kind: str) -> SortDecision | None:
    return session.scalar(
        select(SortDecision).where(SortDecision.tip_id == tip_id, SortDecision.kind == kind,
                                   SortDecision.source == "editor").order_by(SortDecision.id.desc()).limit(1)
    )
