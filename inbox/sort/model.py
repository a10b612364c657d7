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
import secrets
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import joblib
import numpy as np
from scipy.special import softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

# Calibration splits each label's examples; below this many it is skipped and
# the SVM's scores go through a softmax instead (confidence then is a ranking).
MIN_PER_LABEL_TO_CALIBRATE = 3


class UnsafeModelFile(Exception):
    """A model file whose hash is not the one we recorded: never unpickled."""


class TextModel:
    """A linear text classifier with calibrated probabilities; labels are strings."""

    def __init__(self, c: float = 0.4):
        self.features = FeatureUnion([
            ("words", TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1, dtype=np.float32)),
            ("chars", TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5), dtype=np.float32)),
        ])
        self.c = c
        self.classifier: CalibratedClassifierCV | LinearSVC | None = None
        self.calibrated = False

    @property
    def labels(self) -> list[str]:
        return list(self.classifier.classes_) if self.classifier is not None else []

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextModel:
        """Train on labelled texts; needs at least two labels."""
        if len(set(labels)) < 2:
            raise ValueError("a model needs examples of at least two labels")
        x = self.features.fit_transform(texts)
        counts = np.unique(np.asarray(labels), return_counts=True)[1]
        svm = LinearSVC(C=self.c, class_weight=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # liblinear's convergence chatter on tiny sets
            if counts.min() >= MIN_PER_LABEL_TO_CALIBRATE:
                self.classifier = CalibratedClassifierCV(svm, cv=MIN_PER_LABEL_TO_CALIBRATE, method="sigmoid", ensemble=False)
                self.calibrated = True
            else:
                self.classifier = svm
                self.calibrated = False
            self.classifier.fit(x, list(labels))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (self.labels), each row summing to 1."""
        x = self.features.transform(texts)
        if self.calibrated:
            return self.classifier.predict_proba(x)
        scores = self.classifier.decision_function(x)
        if scores.ndim == 1:  # two labels: the score is for labels[1]
            scores = np.column_stack([-scores, scores])
        return softmax(scores * 2.0, axis=1)

    def scores(self, text: str) -> dict[str, float]:
        """Each label's probability for one text."""
        return dict(zip(self.labels, (float(p) for p in self.predict_proba([text])[0])))


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
    model = TextModel().fit(texts, labels)
    seconds = time.perf_counter() - started
    models_dir.mkdir(parents=True, exist_ok=True)
    # A random part: two processes training the same version never overwrite each other's file.
    filename = f"{kind}-v{version}-{secrets.token_hex(4)}.joblib"
    path = models_dir / filename
    tmp = path.with_suffix(".tmp")
    joblib.dump(model, tmp)
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
    sidecar = path.with_suffix(".json")
    sidecar.write_text(json.dumps(saved.__dict__, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return model, saved


def load_model(models_dir: Path, filename: str, expected_sha256: str) -> TextModel:
    """Unpickle a model file we wrote, after checking its hash against our record."""
    path = models_dir / Path(filename).name
    if _file_sha256(path) != expected_sha256:
        raise UnsafeModelFile(f"{path.name}: contents differ from the recorded hash; not loading it")
    model = joblib.load(path)
    if not isinstance(model, TextModel):
        raise UnsafeModelFile(f"{path.name}: not a model of ours")
    return model


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
