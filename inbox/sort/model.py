"""The learned half of sorting: TF-IDF over words and characters, a linear SVM,
and calibrated probabilities, for topics and for spam alike.

Model files are written by us only, under data_dir/models/, each with a JSON
sidecar (version, trained_at, label counts, sha256 of the training data and of
the file). A file is unpickled only when its sha256 matches the one recorded
in the database when we wrote it: a pickle is code, so nothing else is loaded.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from typing import TYPE_CHECKING

import numpy as np

# scikit-learn, SciPy and joblib (about 95 MB of memory and a second of start-up)
# are imported where a model is trained or loaded: a desk with no model yet, and
# every process that never loads one, does without them.
if TYPE_CHECKING:
    from sklearn.svm import LinearSVC

# Temperature scaling (one parameter, fitted on held-out scores) needs a
# held-out share with every label in it; below this many examples per label the
# scores go through a plain softmax (confidence is then a ranking, not a probability).
MIN_PER_LABEL_TO_CALIBRATE = 3
HELD_OUT = 0.25


class UnsafeModelFile(Exception):
    """A model file whose hash is not the one we recorded: never unpickled."""


# Hash buckets for n-grams: a few in a hundred of the n-grams of 5,000 tips share one.
HASH_BUCKETS = 2 ** 20


class HashedGrams:
    """n-gram counts by hash bucket, kept to the buckets training saw: what a CountVectorizer
    does with its vocabulary, but the model holds bucket numbers and never a word of the
    tips it learned from (a vocabulary held sources' names and phone numbers, readable in
    the model file). Unknown buckets are dropped, as unknown words were."""

    def __init__(self, analyzer: str = "word", ngram_range: tuple[int, int] = (1, 1)):
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.buckets_: np.ndarray | None = None

    def get_params(self, deep: bool = True) -> dict:
        return {"analyzer": self.analyzer, "ngram_range": self.ngram_range}

    def set_params(self, **params) -> HashedGrams:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def _counts(self, texts):
        hasher = self.__dict__.get("_hasher")
        if hasher is None:  # made once per process: sorting calls this for every message
            from sklearn.feature_extraction.text import HashingVectorizer

            hasher = self._hasher = HashingVectorizer(analyzer=self.analyzer, ngram_range=self.ngram_range,
                                                      n_features=HASH_BUCKETS, alternate_sign=False, norm=None,
                                                      dtype=np.float32)
        return hasher.transform(texts)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_hasher"}

    def fit(self, texts, y=None) -> HashedGrams:
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts, y=None):
        counts = self._counts(texts)
        self.buckets_ = np.unique(counts.indices).astype(np.int32)
        return self._known(counts)

    def transform(self, texts):
        return self._known(self._counts(texts))

    def _known(self, counts):
        from scipy.sparse import csr_matrix

        buckets = self.buckets_
        column = np.searchsorted(buckets, counts.indices)
        known = buckets[np.minimum(column, len(buckets) - 1)] == counts.indices
        # The bucket -> column map keeps each row's order, so the rows stay as they are, less the unknown.
        indptr = np.concatenate(([0], np.cumsum(known)))[counts.indptr]
        return csr_matrix((counts.data[known], column[known].astype(np.int32), indptr),
                          shape=(counts.shape[0], len(buckets)))


class TextModel:
    """A linear text classifier with calibrated probabilities; labels are strings.

    Calibration is temperature scaling: an SVM trained on 75% scores the other
    25%, one temperature is fitted to those scores, and the SVM trained on
    everything (at the same time, in a second thread) uses it. Two fits instead
    of the four of cross-validated Platt scaling keep a retrain on 5,000 labels
    near two seconds (bench/topics.py).
    """

    def __init__(self, c: float = 0.4, balanced: bool = False, meaning: bool = False):
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.pipeline import FeatureUnion, make_pipeline

        # Kept after a sweep of about 40 variants with bench/topics.py (char ranges, C, losses,
        # NB ensembles, LSA): none beat these by more than the spread between fold seeds (NYT
        # headlines 0.557 with these alone, 0.552-0.567 for all of them; bill titles 0.811).
        # TF-IDF over hashed n-grams (HashedGrams), not a vocabulary: the file keeps no word.
        parts = [
            ("words", make_pipeline(HashedGrams("word", (1, 2)), TfidfTransformer(sublinear_tf=True))),
            ("chars", make_pipeline(HashedGrams("char_wb", (4, 5)), TfidfTransformer(sublinear_tf=True))),
        ]
        if meaning:
            # What the words mean, beside which words they are (inbox.sort.meaning): what lifted
            # NYT headlines past 0.60, where no variant of the two above had.
            from inbox.sort.meaning import MeaningFeatures

            parts.append(("meaning", MeaningFeatures()))
        self.features = FeatureUnion(parts)
        self.c = c
        # Weigh each label's examples to the same total (for spam: few spam beside much ham).
        self.class_weight = "balanced" if balanced else None
        self.svm: LinearSVC | None = None
        self.temperature = 1.0
        self.calibrated = False

    @classmethod
    def for_kind(cls, kind: str) -> TextModel:
        """The model the sorter trains for a kind: spam weighs its few spam examples up;
        topics read meaning as well as words (spam's long texts are told apart by words alone)."""
        return cls(balanced=kind == "spam", meaning=kind == "topics")

    @property
    def labels(self) -> list[str]:
        """The labels in the order of predict_proba's columns."""
        return list(self.svm.classes_) if self.svm is not None else []

    def fit(self, texts: Sequence[str], labels: Sequence[str], parallel: bool = True,
            weights: Sequence[float] | None = None) -> TextModel:
        """Train on labelled texts; needs at least two labels. parallel=False fits one SVM after
        the other: slower, but the same inputs then give the same weights (the shipped model);
        weights count some examples more than others (on top of the balanced class weights)."""
        y = np.asarray(labels)
        names, counts = np.unique(y, return_counts=True)
        if len(names) < 2:
            raise ValueError("a model needs examples of at least two labels")
        x = self.features.fit_transform(texts)
        self.calibrated = bool(counts.min() >= MIN_PER_LABEL_TO_CALIBRATE)
        w = None if weights is None else np.asarray(weights, dtype=np.float64)
        if not self.calibrated:
            self.svm = self._svm().fit(x, y, sample_weight=w)
            return self
        share = max(HELD_OUT, len(names) / len(y))  # at least one held-out example per label
        from concurrent.futures import ThreadPoolExecutor

        from sklearn.model_selection import StratifiedShuffleSplit

        train, held = next(StratifiedShuffleSplit(1, test_size=share, random_state=0).split(x, y))
        # The probe and the final fit are independent, and liblinear lets go of the GIL:
        # side by side they take the wall time of the longer one (bench/topics.py's retrain).
        w_train = None if w is None else w[train]
        if not parallel:
            probe, self.svm = self._svm().fit(x[train], y[train], sample_weight=w_train), self._svm().fit(x, y, sample_weight=w)
        else:
            with ThreadPoolExecutor(2) as fits:
                probe = fits.submit(self._svm().fit, x[train], y[train], sample_weight=w_train)
                final = fits.submit(self._svm().fit, x, y, sample_weight=w)
                probe, self.svm = probe.result(), final.result()
        self.temperature = _fit_temperature(_scores(probe, x[held]), np.searchsorted(probe.classes_, y[held]))
        return self

    def _svm(self) -> LinearSVC:
        # tol 1e-3 or 1e-4 gave the same accuracy in bench/topics.py, only slower. A fixed
        # random_state for liblinear's coordinate shuffling; its generator is shared by the two
        # fits running side by side, so NYT accuracy still moves by 0.001 (0.557-0.558) between runs.
        from sklearn.svm import LinearSVC

        return LinearSVC(C=self.c, tol=1e-2, class_weight=self.class_weight, random_state=0)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (self.labels), each row summing to 1."""
        from scipy.special import softmax

        return softmax(_scores(self.svm, self.features.transform(texts)) * self.temperature, axis=1)

    def scores(self, text: str) -> dict[str, float]:
        """Each label's probability for one text."""
        return dict(zip(self.labels, (float(p) for p in self.predict_proba([text])[0])))


def _scores(svm: LinearSVC, x) -> np.ndarray:
    scores = svm.decision_function(x)
    if scores.ndim == 1:  # two labels: one score, for the second label
        scores = np.column_stack([-scores / 2, scores / 2])
    return scores


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature that best predicts held-out labels (least log-loss)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import softmax

    rows = np.arange(len(truth))

    def loss(log_t: float) -> float:
        p = softmax(scores * np.exp(log_t), axis=1)
        return -float(np.log(p[rows, truth] + 1e-12).mean())

    return float(np.exp(minimize_scalar(loss, bounds=(-3.0, 4.0), method="bounded").x))


@dataclass(frozen=True)
class SavedModel:
    kind: str
    version: int
    filename: str
    file_sha256: str
    data_sha256: str
    samples: int
    labels: dict[str, int]
    seconds: float
    trained_at: str


def data_sha256(texts: Sequence[str], labels: Sequence[str]) -> str:
    """A hash of exactly what a model was trained on, for the sidecar."""
    h = hashlib.sha256()
    for text, label in zip(texts, labels):
        h.update(label.encode() + b"\0" + text.encode("utf-8", "replace") + b"\0")
    return h.hexdigest()


def train_and_save(models_dir: Path, kind: str, version: int, texts: Sequence[str], labels: Sequence[str]) -> tuple[TextModel, SavedModel]:
    """Train a model and write it with its sidecar; returns what to record in the database."""
    started = time.perf_counter()
    model = TextModel.for_kind(kind).fit(texts, labels)
    seconds = time.perf_counter() - started
    models_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A random part: two processes training the same version never overwrite each other's file.
    filename = f"{kind}-v{version}-{secrets.token_hex(4)}.joblib"
    path = models_dir / filename
    tmp = path.with_suffix(".tmp")
    import joblib

    with _private(tmp, "wb") as out:
        joblib.dump(model, out)
    tmp.replace(path)
    label_counts = {str(k): int(v) for k, v in zip(*np.unique(np.asarray(labels), return_counts=True))}
    saved = SavedModel(
        kind=kind,
        version=version,
        filename=filename,
        file_sha256=_file_sha256(path),
        data_sha256=data_sha256(texts, labels),
        samples=len(labels),
        labels=label_counts,
        seconds=round(seconds, 3),
        trained_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    with _private(path.with_suffix(".json"), "w") as sidecar:
        sidecar.write(json.dumps(saved.__dict__, indent=2, sort_keys=True) + "\n")
    return model, saved


def remove(models_dir: Path, filename: str) -> None:
    """Delete a model file and its sidecar (a model that was never registered)."""
    path = models_dir / Path(filename).name
    for stale in (path, path.with_suffix(".json"), path.with_suffix(".tmp")):
        stale.unlink(missing_ok=True)


def load_model(models_dir: Path, filename: str, expected_sha256: str) -> TextModel:
    """Unpickle a model file we wrote, after checking its hash against our record."""
    path = models_dir / Path(filename).name
    if _file_sha256(path) != expected_sha256:
        raise UnsafeModelFile(f"{path.name}: contents differ from the recorded hash; not loading it")
    import joblib

    model = joblib.load(path)
    if not isinstance(model, TextModel):
        raise UnsafeModelFile(f"{path.name}: not a model of ours")
    return model


def _private(path: Path, mode: str):
    """A new file only its owner may read (0600), whatever the umask: models learn from tips."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file of that name keeps its mode through O_CREAT
    return os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"}))


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
