"""Learning from editors: their corrections and spam verdicts are recorded as
decisions, and after `retrain_after` new ones the topic and spam models are
retrained from every tip an editor has labelled.

Retraining never runs in the worker's hot path. It runs
- on demand: `inbox sort --retrain`;
- in the worker's idle time: the worker calls `retrain_if_due(settings, sessions)`
  between passes (cheap when nothing is due: two COUNT queries);
- from the board: `record_correction` returns True when a retrain is due, and
  the board then queues the "sort.retrain" job (inbox/jobs), which the jobs
  consumer runs with `retrain_job`.
Sorters pick up a new model version by themselves (Sorter.refresh).

The spam model trained here is the desk's own; the package ships a base spam model
(inbox/sort/spam_base.py) that scores alone until the desk's exists and is then mixed
with it in log-odds, the desk's share growing with its labels of the rarer kind.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from inbox.config import Settings, SortingSettings
from inbox.db import take_write_lock
from inbox.models import ModelVersion, RawMessage, SortDecision, Tip
from inbox.sealing import open_raw
from inbox.sort import model as model_mod
from inbox.sort.text import from_tip

log = logging.getLogger(__name__)

KINDS = ("topics", "spam")
# The decision kind each model learns from.
_LABEL_KIND = {"topics": "topic", "spam": "spam"}
_DEFAULT_RETRAIN_AFTER = SortingSettings().retrain_after
_retrain_lock = threading.Lock()


def models_dir(settings: Settings) -> Path:
    """Where model files and their sidecars live: beside the rest of the state."""
    return Path(settings.data_dir) / "models"


def record_correction(session: Session, tip: Tip, topic: str, user_id: int | None,
                      retrain_after: int = _DEFAULT_RETRAIN_AFTER) -> bool:
    """An editor set (or confirmed) a tip's topic: keep it as a label; True when a retrain is due."""
    tip.topic, tip.topic_confidence, tip.topic_source = topic, 1.0, "editor"
    session.add(SortDecision(tip_id=tip.id, kind="topic", value=topic, source="editor", confidence=1.0,
                             user_id=user_id, explanation=json.dumps({"editor": user_id})))
    session.flush()
    log.info("topic corrected: tip %s by user %s", tip.id, user_id)
    return retrain_due(session, "topics", retrain_after)


def record_spam_verdict(session: Session, tip: Tip, is_spam: bool, user_id: int | None,
                        retrain_after: int = _DEFAULT_RETRAIN_AFTER) -> bool:
    """An editor marked a tip spam or not spam: move it and keep the label; True when a retrain is due."""
    tip.is_spam = is_spam
    if is_spam:
        tip.status = "spam"
    elif tip.status == "spam":
        tip.status = "new"
    session.add(SortDecision(tip_id=tip.id, kind="spam", value="spam" if is_spam else "ham", source="editor",
                             confidence=1.0, user_id=user_id, explanation=json.dumps({"editor": user_id})))
    session.flush()
    log.info("spam verdict: tip %s by user %s", tip.id, user_id)
    return retrain_due(session, "spam", retrain_after)


def latest_version(session: Session, kind: str) -> ModelVersion | None:
    """The newest recorded model of a kind (sorters compare it with the one they hold)."""
    return session.scalar(select(ModelVersion).where(ModelVersion.kind == kind).order_by(ModelVersion.version.desc()).limit(1))


def retrain_due(session: Session, kind: str, retrain_after: int) -> bool:
    """Whether enough new editor labels arrived since the last model of this kind."""
    current = latest_version(session, kind)
    since = current.last_decision_id if current else 0
    kinds = ("spam", "topic") if kind == "spam" else ("topic",)  # topic labels are ham examples too
    new = session.scalar(select(func.count()).select_from(SortDecision).where(
        SortDecision.source == "editor", SortDecision.kind.in_(kinds), SortDecision.id > since))
    return new >= max(retrain_after, 1)


def training_set(session: Session, kind: str, vault=None) -> tuple[list[str], list[str], int]:
    """(texts, labels, newest decision id): each labelled tip once, with its newest editor label.

    For spam, a tip an editor gave a topic (and never called spam) is a ham example. A protected
    reader's tip (its text sealed, inbox/sealing.py) is never trained on: the model files under
    var/ are not encrypted. Sealed raw mail is read with the desk key when this process holds it,
    else without its headers.
    """
    kinds = ("spam", "topic") if kind == "spam" else ("topic",)
    rows = session.execute(
        select(SortDecision.id, SortDecision.tip_id, SortDecision.kind, SortDecision.value)
        .where(SortDecision.source == "editor", SortDecision.kind.in_(kinds)).order_by(SortDecision.id)
    ).all()
    labels: dict[int, str] = {}
    spam_labelled: set[int] = set()
    for _, tip_id, decision_kind, value in rows:
        if kind == "topics":
            labels[tip_id] = value
        elif decision_kind == "spam":
            labels[tip_id] = value
            spam_labelled.add(tip_id)
        elif tip_id not in spam_labelled:
            labels[tip_id] = "ham"
    last = rows[-1][0] if rows else 0
    texts, out, sealed = [], [], 0
    for start in range(0, len(labels), 500):
        ids = sorted(labels)[start:start + 500]
        for tip, raw, key in session.execute(
                select(Tip, RawMessage.data, RawMessage.key_id).join(RawMessage, RawMessage.id == Tip.raw_message_id)
                .where(Tip.id.in_(ids))):
            if tip.sealed_head is not None:
                sealed += 1
                continue
            raw = raw if key is None else open_raw(vault, raw, key) if vault is not None and vault.can_open else None
            texts.append(without_identity(from_tip(tip, raw).words, tip.sender_name))
            out.append(labels[tip.id])
    if sealed:
        log.info("retrain %s: %d protected readers' tips left out (their text is encrypted)", kind, sealed)
    return texts, out, last


# Left out of what the models learn, though the file keeps only hash buckets (model.HashedGrams):
# a bucket can still be tested for a guessed name, so a reader's identity is never trained on.
_EMAIL = re.compile(r"\S+@\S+")
_PHONE = re.compile(r"\+?\d[\d ().-]{5,}\d")


def without_identity(text: str, sender_name: str | None) -> str:
    """A training text without e-mail addresses, phone numbers or the words of the sender's name."""
    text = _PHONE.sub(" ", _EMAIL.sub(" ", text))
    names = {word.strip(".,'\"()") for word in (sender_name or "").split()}
    names = sorted((n for n in names if len(n) > 1), key=len, reverse=True)
    if names:
        text = re.sub(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", " ", text, flags=re.IGNORECASE)
    return text


def retrain(settings: Settings, sessions: sessionmaker[Session], kind: str, vault=None) -> ModelVersion | None:
    """Train a new version of one model from every editor label; None when there is too little
    to learn or this process is already retraining."""
    if not _retrain_lock.acquire(blocking=False):
        log.info("retrain %s: skipped, a retrain is already running", kind)
        return None
    try:
        return _retrain(settings, sessions, kind, vault)
    finally:
        _retrain_lock.release()


def _retrain(settings: Settings, sessions: sessionmaker[Session], kind: str, vault=None) -> ModelVersion | None:
    """Read, train, write the file, register it: each database step a short transaction of its own.

    SQLite cannot turn a read transaction into a write once another connection has committed
    since it began ("database is locked", at once, whatever the busy timeout): the board writes
    an audit row on every page view, so a read held open through seconds of training always
    lost that race. Now the read ends before training; the registration takes the write lock
    first (waiting its turn); and a model file is never left behind without its row.
    """
    with sessions() as session:
        texts, labels, last = training_set(session, kind, vault)
        current = latest_version(session, kind)
    if len(set(labels)) < 2:
        log.info("retrain %s: skipped, needs labels of two kinds (have %d labelled tips)", kind, len(labels))
        return None
    version = (current.version if current else 0) + 1
    folder = models_dir(settings)
    _, saved = model_mod.train_and_save(folder, kind, version, texts, labels)
    row = ModelVersion(kind=kind, version=version, filename=saved.filename, file_sha256=saved.file_sha256,
                       data_sha256=saved.data_sha256, samples=saved.samples, labels=json.dumps(saved.labels),
                       last_decision_id=last, seconds=saved.seconds)
    try:
        with sessions() as session, session.begin():
            take_write_lock(session)
            session.add(row)
    except IntegrityError:  # another process wrote this version first; its model stands
        model_mod.remove(folder, saved.filename)
        log.info("retrain %s: version %d already written by another process", kind, version)
        return None
    except BaseException:
        model_mod.remove(folder, saved.filename)
        raise
    log.info("retrained %s: version %d on %d labels in %.2fs", kind, version, saved.samples, saved.seconds)
    return row


def retrain_if_due(settings: Settings, sessions: sessionmaker[Session], vault=None) -> list[ModelVersion]:
    """Retrain each model whose editors' labels piled up; for the worker's idle time."""
    done = []
    for kind in KINDS:
        with sessions() as session:
            due = retrain_due(session, kind, settings.sorting.retrain_after)
        if due:
            row = retrain(settings, sessions, kind, vault)
            if row is not None:
                done.append(row)
    return done


def retrain_job(ctx) -> None:
    """The queue's "sort.retrain" job (inbox/jobs/table.py): the board queues it when editors'
    labels made a retrain due; it runs on the jobs consumer, never in a request."""
    for row in retrain_if_due(ctx.settings, ctx.sessions):
        log.info("retrained %s model: version %d on %d labels", row.kind, row.version, row.samples)


def load_latest(settings: Settings, session: Session, kind: str) -> tuple[model_mod.TextModel, ModelVersion] | None:
    """The newest model of a kind that loads safely, or None before the first training."""
    row = latest_version(session, kind)
    if row is None:
        return None
    try:
        return model_mod.load_model(models_dir(settings), row.filename, row.file_sha256), row
    except (OSError, model_mod.UnsafeModelFile) as exc:
        log.error("model %s v%d not loaded: %s", kind, row.version, exc)
        return None
