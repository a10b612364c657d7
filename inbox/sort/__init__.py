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
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.config import Settings
from inbox.db import RowBuffer, add_row
from inbox.models import ModelVersion, SortDecision, Tip, utcnow
from inbox.models.readers import identity_risks, protect_at_risk, protect_if_at_risk
from inbox.sort import duplicates, flags, learn, nontips, spam, spam_base, stories, stories_days, urgency
from inbox.sort.stories import Features
from inbox.sort.stories_store import StoryDesk
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
    story: Features | None = field(default=None, repr=False)  # what the story index reads (inbox.sort.stories)
    deadline: datetime | None = None  # the nearest day the story is due by (inbox.sort.deadlines)
    mail_kind: str = ""  # inbox.sort.nontips: "" for a reader's mail, else auto_reply, bounce, press_release ...
    not_tip: bool = False  # an auto-reply, bounce, newsletter or list mail: the Not tips column

    def apply(self, tip: Tip) -> None:
        """Copy the verdict onto the tip's columns; a new tip moves to Not tips or Spam."""
        tip.topic, tip.topic_confidence, tip.topic_source = self.topic, self.topic_confidence, self.topic_source
        tip.spam_score, tip.is_spam = round(self.spam_score, 4), self.is_spam
        tip.sensitive = ",".join(self.sensitive)
        tip.urgent, tip.deadline = self.urgent, self.deadline
        tip.mail_kind = self.mail_kind
        if self.is_spam and tip.status == "new":  # a not-tip that is spam is spam (auto-replies and bounces never are)
            tip.status = "spam"
        elif self.not_tip and tip.status == "new":
            tip.status = "not_tip"


class Sorter:
    """Holds the compiled rules, the newest models and the duplicate index for one process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.rules = TopicRules(settings.sorting.topics or default_topics())
        self.stories = StoryDesk(settings.sorting.stories)
        self.models: dict[str, tuple[TextModel, ModelVersion] | None] = {kind: None for kind in learn.KINDS}
        self._signatures_checked = self._models_checked = 0.0
        self._touched: set[int] | None = None  # clusters to recount, and
        self._rows: RowBuffer | None = None  # the store's rows, during a batch (see batch())
        self._at_risk: dict[str, Tip] | None = None  # readers to protect at the batch's end, by address

    @classmethod
    def load(cls, settings: Settings, session: Session) -> Sorter:
        """Rules from settings, the newest model files, and the cluster index from the database."""
        sorter = cls(settings)
        sorter.refresh(session, force=True)
        log.info("sorter loaded: %d rules, %d indexed tips, models %s", len(sorter.rules.rules), len(sorter.stories.index),
                 {k: (m[1].version if m else None) for k, m in sorter.models.items()})
        return sorter

    def refresh(self, session: Session, force: bool = False) -> None:
        """Pick up signatures other processes stored, and (now and then) late commits and newer models."""
        now = time.monotonic()
        if force or now - self._signatures_checked >= SIGNATURE_CHECK_SECONDS:
            self._signatures_checked = now
            self.stories.read_new(session)
        if not force and now - self._models_checked < MODEL_CHECK_SECONDS:
            return
        self._models_checked = now
        self.stories.read_late(session)
        self.stories.read_calibration(session)
        for kind in learn.KINDS:
            newest = learn.latest_version(session, kind)
            loaded = self.models[kind]
            if newest is not None and (loaded is None or loaded[1].id != newest.id):
                self.models[kind] = learn.load_latest(self.settings, session, kind) or loaded

    def sort(self, session: Session, mail: Any, analysed: Sorting | None = None) -> Sorting:
        """The sort stage for a CleanMail: reads, never writes.

        analysed is analyse()'s verdict when a parse/clean process already made it
        (the pipeline does, to use every core); the story look-up, which
        needs the index and the database, is done by remember().
        """
        if analysed is None:
            return self.sort_input(session, from_mail(mail))
        # Rows this transaction has not flushed are in the index already: reading
        # other processes' rows must not flush them one message at a time.
        with session.no_autoflush:
            self.refresh(session)
        return analysed

    def sort_input(self, session: Session, inp: SortInput) -> Sorting:
        """Topic, spam, flags and the story features for what sorting reads of a tip."""
        with session.no_autoflush:
            self.refresh(session)
        return self.analyse(inp)

    def model_files(self) -> tuple:
        """Which model files this sorter uses, for analysers in other processes."""
        return tuple((kind, m[1].filename, m[1].file_sha256, m[1].id, m[1].version, m[1].labels) if m else (kind, None)
                     for kind, m in sorted(self.models.items()))

    @classmethod
    def analyser(cls, settings: Settings, model_files: tuple) -> Sorter:
        """A sorter for analyse() alone (no database): rules, and the named model files."""
        sorter = cls(settings)
        for kind, *spec in model_files:
            if spec and spec[0]:
                filename, file_sha, row_id, version, labels = spec
                model = model_mod.load_model(learn.models_dir(settings), filename, file_sha)
                sorter.models[kind] = (model, ModelVersion(id=row_id, kind=kind, version=version, filename=filename,
                                                           file_sha256=file_sha, labels=labels))
        return sorter

    def analyse(self, inp: SortInput) -> Sorting:
        """Topic, spam, flags and the story features: pure, so it can run in any process."""
        cfg = self.settings.sorting
        text = inp.words
        topic_model, spam_model = self.models["topics"], self.models["spam"]
        verdict = decide(
            self.rules.fired(inp),
            topic_model[0].scores(text) if topic_model else None,
            cfg,
            topic_model[1].version if topic_model else None,
        )
        base = spam_base.shipped() if cfg.base_spam_model else None
        desk_labels = json.loads(spam_model[1].labels) if spam_model and spam_model[1].labels else None
        spam_p, parts = spam_base.model_probability(base, spam_model[0] if spam_model else None, desk_labels, text)
        spam_score, spam_why = spam.score(inp, spam_p)
        spam_why.update(parts)
        if spam_model:
            spam_why["model_version"] = spam_model[1].version
        kinds, sensitive_rules = flags.sensitive_kinds(inp)
        urgent = urgency.urgency_of(inp)
        nontip = nontips.classify(inp)
        # Auto-replies, bounces and newsletters repeat templates, and a mailing list's posts share its
        # footer and its threads: clustering them would bury the readers' stories (docs/stories.md).
        clustered = not (inp.automatic or inp.listed or nontip.not_tip)
        story = stories.features(inp.subject, inp.own_words, days=stories_days.of(inp)) if clustered else None
        explanation = {
            "topic": {"topic": verdict.topic, "confidence": verdict.confidence, "source": verdict.source,
                      **verdict.explanation},
            "spam": {**spam_why, "threshold": cfg.spam_threshold},
            "sensitive": {"kinds": list(kinds), "rules": sensitive_rules},
            "urgent": urgent.why,
            "not_tip": {"kind": nontip.kind, "not_tip": nontip.not_tip, "rules": list(nontip.reasons)},
        }
        is_spam = spam_score >= cfg.spam_threshold
        if is_spam and nontip.not_tip and nontip.kind in (nontips.AUTO_REPLY, nontips.BOUNCE):
            is_spam = False  # machine mail quoting what was sent: Not tips, not Spam
            explanation["spam"]["why_not"] = f"{nontip.kind}: machine mail goes to Not tips"
        return Sorting(verdict.topic, verdict.confidence, verdict.source, spam_score, is_spam, kinds,
                       bool(urgent.rules), explanation, story, urgent.deadline, nontip.kind, nontip.not_tip)

    def remember(self, session: Session, tip: Tip, sorting: Sorting, resort: bool = False) -> None:
        """Write the verdict for a flushed tip: its columns, the decision, its story."""
        sorting.apply(tip)
        self._protect(session, tip)
        if tip.thread_root_id is not None:
            cluster = {"action": "none", "why": "a follow-up in a thread is not a new story"}
        else:
            at = tip.sent_at or tip.received_at or utcnow()
            cluster = self.stories.remember(session, tip, sorting.story, at, self._touched, self._rows, resort=resort)
        sorting.explanation["cluster"] = cluster
        add_row(session, self._rows, SortDecision, tip_id=tip.id, kind="sort", value=sorting.topic,
                source=sorting.topic_source, confidence=sorting.topic_confidence,
                explanation=json.dumps(sorting.explanation), created_at=utcnow())
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

    def resort(self, session: Session, tip: Tip, raw: bytes | None = None, recluster: bool = False) -> Sorting:
        """Sort a stored tip again (after rules or models changed); editors' labels still win.
        With recluster (`inbox sort --all`, after stories_store.reset_clusters and
        self.stories.reset()), its story is chosen again too, editors' story decisions kept."""
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
        if tip.status == "not_tip" and not sorting.not_tip and tip.mail_kind in nontips.NOT_TIP_KINDS:
            tip.status = "new"  # the same for Not tips (a person who moved it there left no kind on it)
        elif sorting.not_tip and tip.status != "not_tip" and _moved_out_of_not_tips(session, tip.id):
            sorting.not_tip = False  # a person took it out of Not tips: only a person puts it back
            sorting.explanation["not_tip"]["editor"] = "moved out of the Not tips column on the board"
        if not recluster and tip.id in self.stories.index.seen:
            sorting.apply(tip)
            self._protect(session, tip)
            sorting.explanation["cluster"] = {"action": "kept", "cluster_id": tip.cluster_id}
            session.add(SortDecision(tip_id=tip.id, kind="sort", value=sorting.topic, source=sorting.topic_source,
                                     confidence=sorting.topic_confidence, explanation=json.dumps(sorting.explanation)))
        else:
            self.remember(session, tip, sorting, resort=True)
        return sorting


def _moved_out_of_not_tips(session: Session, tip_id: int) -> bool:
    """Whether a person moved this tip out of the Not tips column (its history says so)."""
    from inbox.models import TipEvent

    return session.scalar(select(TipEvent.id).where(TipEvent.tip_id == tip_id, TipEvent.kind == "status",
                                                    TipEvent.detail.like("not\\_tip →%", escape="\\")).limit(1)) is not None


def _editor_label(session: Session, tip_id: int, kind: str) -> SortDecision | None:
    return session.scalar(
        select(SortDecision).where(SortDecision.tip_id == tip_id, SortDecision.kind == kind,
                                   SortDecision.source == "editor").order_by(SortDecision.id.desc()).limit(1)
    )
