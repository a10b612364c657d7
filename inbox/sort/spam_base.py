"""The spam model that ships with the package, and how it and the desk's own model combine.

The base model is trained by scripts/train_default_spam.py from one half of the public
SpamAssassin corpus (the half in_training_half picks) and the project's own corpus of
today's spam and of a newsroom's legitimate mail (tests/fixtures/spam_corpus). It is stored
as plain arrays (hash bucket numbers, IDF weights, the SVM's weights; no pickle, no word),
so loading it runs no code and it needs no hash recorded in a database.

Editors' labels train the desk's model (inbox/sort/learn.py), as before. Until that model
exists the base model alone gives the starting probability; after, the two are mixed in
log-odds, the desk's share growing with the editors' labels of its rarer kind
(desk_share): a desk model trained on ten spam verdicts has seen too little to overrule
thousands of examples, one trained on hundreds has learned the desk's own mail.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import re
import zipfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

from inbox.sort import murmur

BASE_FILE = Path(__file__).parent / "data" / "spam-base.npz"
# Editors' labels of the rarer kind (spam or ham) at which the desk's model weighs as much as the base.
DESK_HALF_WEIGHT = 100


def in_training_half(name: str) -> bool:
    """Whether the base model trained on this SpamAssassin file: half the files, chosen by a
    hash of the file name, so bench/spam.py measures the base model on the other half."""
    return hashlib.sha256(name.encode()).digest()[0] % 2 == 0


def desk_share(labels: dict[str, int] | None) -> float:
    """The desk model's share of the mix (0-1), from its label counts."""
    if not labels or len(labels) < 2:
        return 0.0
    rarer = min(labels.values())
    return rarer / (rarer + DESK_HALF_WEIGHT)


def blend(base_p: float | None, desk_p: float | None, share: float) -> float | None:
    """The model probability spam.score starts from: base and desk mixed in log-odds."""
    if desk_p is None or base_p is None:
        return desk_p if base_p is None else base_p
    return _sigmoid((1 - share) * _logit(base_p) + share * _logit(desk_p))


def model_probability(base, desk, desk_labels: dict[str, int] | None, text: str) -> tuple[float | None, dict]:
    """The probability spam.score starts from, and its parts for the explanation: the base
    model's, the desk model's and the desk's share (either model may be None)."""
    base_p = base.scores(text).get("spam") if base is not None else None
    desk_p = desk.scores(text).get("spam") if desk is not None else None
    share = desk_share(desk_labels) if base is not None else 1.0
    why = {"base_model": None if base_p is None else round(base_p, 4),
           "desk_model": None if desk_p is None else round(desk_p, 4), "desk_share": round(share, 3)}
    return blend(base_p, desk_p, share), why


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(max(x, -50.0), 50.0)))


def to_arrays(model) -> dict[str, np.ndarray]:
    """A trained TextModel (words and chars, no meaning part) as named arrays."""
    arrays: dict[str, np.ndarray] = {}
    for name, part in model.features.transformer_list:
        grams, tfidf = part.steps[0][1], part.steps[1][1]
        arrays[f"{name}_buckets"] = grams.buckets_.astype(np.int32)
        arrays[f"{name}_idf"] = tfidf.idf_.astype(np.float32)
    arrays["coef"] = model.svm.coef_.astype(np.float32)
    arrays["intercept"] = model.svm.intercept_.astype(np.float64)
    arrays["is_spam_column"] = np.array([list(model.svm.classes_).index("spam")], dtype=np.int8)
    arrays["temperature"] = np.array([model.temperature], dtype=np.float64)
    return arrays


def from_arrays(arrays) -> object:
    """The TextModel those arrays describe, ready to score (labels "ham" and "spam")."""
    from sklearn.svm import LinearSVC

    from inbox.sort.model import TextModel

    model = TextModel.for_kind("spam")
    for name, part in model.features.transformer_list:
        grams, tfidf = part.steps[0][1], part.steps[1][1]
        grams.buckets_ = np.asarray(arrays[f"{name}_buckets"])
        tfidf.idf_ = np.asarray(arrays[f"{name}_idf"], dtype=np.float64)
        tfidf.n_features_in_ = len(grams.buckets_)
    svm = LinearSVC()
    spam_column = int(arrays["is_spam_column"][0])
    svm.classes_ = np.array(["ham", "spam"] if spam_column == 1 else ["spam", "ham"])
    svm.coef_ = np.asarray(arrays["coef"], dtype=np.float64)
    svm.intercept_ = np.asarray(arrays["intercept"])
    svm.n_features_in_ = svm.coef_.shape[1]
    model.svm, model.temperature, model.calibrated = svm, float(arrays["temperature"][0]), True
    return model


def write(path: Path, model, meta: dict) -> dict:
    """The model's arrays as an .npz whose bytes depend on the model alone (fixed zip dates,
    sorted names), and its sidecar JSON: the same inputs give the same file."""
    arrays = to_arrays(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            out.writestr(info, buf.getvalue())
    meta = {**meta, "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return meta


def read(path: Path):
    """The model stored at path (arrays only: nothing is unpickled)."""
    with np.load(path, allow_pickle=False) as arrays:
        return from_arrays({name: arrays[name] for name in arrays.files})


# The parts of TextModel.for_kind("spam"), in its FeatureUnion's order (a test checks they agree).
PARTS = (("words", "word", (1, 2)), ("chars", "char_wb", (4, 5)))
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's token_pattern


class LinearScorer:
    """The base model's probability for one text, computed straight from its arrays: the same
    hashed n-grams (inbox/sort/murmur.py), sublinear TF-IDF, L2 norm per part and SVM weights
    as TextModel, without scikit-learn (86 MB and a second of CPU to import in every sorting
    process) or its pipeline (3.6 ms of CPU for a two-line message; bench/spam.py measures this)."""

    labels = ["ham", "spam"]

    def __init__(self, arrays):
        from inbox.sort.model import HASH_BUCKETS

        coef = np.asarray(arrays["coef"], dtype=np.float64)[0]
        sign = 1.0 if int(arrays["is_spam_column"][0]) == 1 else -1.0
        self.parts, self.chars, start = [], None, 0
        for name, analyzer, (low, high) in PARTS:
            buckets = np.asarray(arrays[f"{name}_buckets"])
            if analyzer == "char_wb":
                self.chars = _CharGrams(low, high, HASH_BUCKETS)
                analyze = self.chars.hashed
            else:
                analyze = _WordGrams(HASH_BUCKETS).hashed
            column_of = np.full(HASH_BUCKETS, -1, dtype=np.int32)  # bucket -> column: one look-up, no search
            column_of[buckets] = np.arange(len(buckets), dtype=np.int32)
            self.parts.append((analyze, column_of, np.asarray(arrays[f"{name}_idf"], dtype=np.float64),
                               sign * coef[start:start + len(buckets)]))
            start += len(buckets)
        self.intercept = sign * float(arrays["intercept"][0])
        self.temperature = float(arrays["temperature"][0])

    def forget(self) -> None:
        """Empty the word cache (bench/spam.py times a cold start)."""
        self.chars.cache.clear()

    def cached_words(self) -> int:
        return len(self.chars.cache)

    def decision(self, text: str) -> float:
        """The SVM's signed distance, towards spam."""
        total = self.intercept
        for analyze, column_of, idf, coef in self.parts:
            hashed, values = analyze(text)
            column = column_of[hashed]
            known = column >= 0  # buckets training never saw are dropped, as HashedGrams drops them
            if not known.any():
                continue
            found, where = np.unique(column[known], return_inverse=True)
            column = found
            weights = (1.0 + np.log(np.bincount(where, weights=values[known]))) * idf[column]
            norm = math.sqrt(float(weights @ weights))
            if norm > 0:
                total += float(weights @ coef[column]) / norm
        return total

    def scores(self, text: str) -> dict[str, float]:
        """Each label's probability, as TextModel.scores gives them."""
        p = _sigmoid(self.temperature * self.decision(text))
        return {"ham": 1.0 - p, "spam": p}


class _WordGrams:
    """scikit-learn's word 1-2-grams of a lower-cased text, hashed, as (bucket, count) arrays."""

    def __init__(self, n_buckets: int):
        self.n_buckets = n_buckets

    def hashed(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        tokens = _TOKEN.findall(text.lower())
        counted = Counter(tokens)
        counted.update(" ".join(pair) for pair in zip(tokens, tokens[1:]))
        return murmur.buckets(list(counted), self.n_buckets), np.fromiter(counted.values(), np.float64, len(counted))


class _CharGrams:
    """scikit-learn's char_wb n-grams of a lower-cased text, hashed, as (bucket, count) arrays.
    Each distinct word is cut and hashed once per process (kept in a bounded cache) and counted
    by how often it occurs: the same counts, without cutting "the" into n-grams in every message."""

    # About 10 MB a process (bench/spam.py measures it). 2,000 SpamAssassin messages hold 42,000
    # distinct words: at 20,000 the cache emptied so often that a warm pass cost 0.33 ms, not 0.09.
    CACHE_WORDS = 50_000

    def __init__(self, low: int, high: int, n_buckets: int):
        self.low, self.high, self.n_buckets = low, high, n_buckets
        self.cache: dict[str, np.ndarray] = {}

    def _grams(self, word: str) -> list[str]:
        padded, out = f" {word} ", []
        for n in range(self.low, self.high + 1):
            if len(padded) <= n:  # a short word counts once, as one n-gram
                out.append(padded)
                break
            out.extend([padded[i:i + n] for i in range(len(padded) - n + 1)])
        return out

    def hashed(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counted = Counter(text.lower().split())
        if not counted:
            return np.zeros(0, np.int64), np.zeros(0)
        cache = self.cache
        new = [word for word in counted if word not in cache]
        if new and len(cache) + len(new) > self.CACHE_WORDS:
            cache.clear()  # a bounded cache: start again rather than grow with every message's words
            new = list(counted)
        if new:
            grams = [self._grams(word) for word in new]
            hashed = murmur.buckets([g for word in grams for g in word], self.n_buckets).astype(np.int32)
            ends = np.cumsum([len(word) for word in grams])
            for word, piece in zip(new, np.split(hashed, ends[:-1])):
                cache[word] = piece
        parts = [cache[word] for word in counted]
        lengths = np.fromiter((len(p) for p in parts), np.int64, len(parts))
        return np.concatenate(parts), np.repeat(np.fromiter(counted.values(), np.float64, len(parts)), lengths)


@lru_cache(maxsize=1)
def shipped() -> LinearScorer | None:
    """The package's base model, read once per process; None if the file is missing."""
    if not BASE_FILE.is_file():
        return None
    with np.load(BASE_FILE, allow_pickle=False) as arrays:
        return LinearScorer({name: arrays[name] for name in arrays.files})
