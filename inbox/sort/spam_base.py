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
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from inbox.sort.model import HashedGrams, TextModel

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


# The base model reads a message's first this many characters (its subject and own words): a
# scam says what it wants early, and a 300 KB digest costs no more to score than a note.
MAX_CHARS = 20_000
# Buckets per part (the scorer holds an int32 per bucket and part). 2 ** 18 halved the scorer's
# memory (5.9 MB) and saved 5 % of its time, but caught less in cross-validation on the training set.
HASH_BUCKETS = 2 ** 20
_MIX = tuple(np.uint32(k) for k in (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F))
# A word's hash is the polynomial sum(code point i x P**i) mod 2**32, from one running sum over
# the text: P is odd, so P**-i exists mod 2**32 and moves each word's sum to its own start.
_P = 0x01000193
_POW = np.cumprod(np.concatenate(([1], np.full(MAX_CHARS + 2, _P))).astype(np.uint32), dtype=np.uint32)
_INV = np.cumprod(np.concatenate(([1], np.full(MAX_CHARS + 2, pow(_P, -1, 2 ** 32)))).astype(np.uint32), dtype=np.uint32)


@lru_cache(maxsize=1)
def _word_chars() -> np.ndarray:
    """Which code points of the Basic Multilingual Plane are word characters, as re's \\w reads
    them (str.isalnum, and "_"); the planes above (emoji, rare ideographs) are not. 64 KB, once."""
    table = np.fromiter((chr(i).isalnum() for i in range(0x10000)), bool, 0x10000)
    table[ord("_")] = True
    return table


def buckets(h: np.ndarray) -> np.ndarray:
    """Hashes to buckets, in place: MurmurHash3's finaliser (which spreads the sums' and products'
    bits over the low ones), then the low bits."""
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    h &= np.uint32(HASH_BUCKETS - 1)
    return h


def code_points(text: str) -> np.ndarray:
    """What the base model reads of a text: the code points of its first MAX_CHARS characters,
    lower-cased, white space collapsed to one space, a space at each end."""
    padded = " " + " ".join(text[:MAX_CHARS].lower().split()) + " "
    return np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), np.uint32)


def word_hashes(c: np.ndarray) -> np.ndarray:
    """The hashes of a text's words (runs of two word characters or more: the words of
    scikit-learn's token pattern) and of each pair of neighbouring words, one per occurrence;
    computed for the whole text at once in numpy, with no Python work per word."""
    word = _word_chars()[np.minimum(c, 0xFFFF)]
    # The text starts and ends with a space, so its runs of word characters start and end in
    # pairs: a run over [s, e) flips at s - 1 and at e - 1.
    flips = np.flatnonzero(word[1:] != word[:-1])
    before, last = flips[::2], flips[1::2]
    long = last - before >= 2
    before, last = before[long], last[long]
    running = np.cumsum(c * _POW[:len(c)], dtype=np.uint32)
    words = (running[last] - running[before]) * _INV[before + 1]
    return np.concatenate((words, words[:-1] * _MIX[0] ^ (words[1:] + _MIX[0])))


def char_hashes(c: np.ndarray) -> np.ndarray:
    """The hashes of a text's character 4-grams (across word ends, with the spaces), one per
    occurrence: spellings, stems and scripts that words alone miss."""
    if len(c) < 4:
        return np.zeros(0, np.uint32)
    return c[:-3] * _MIX[0] ^ c[1:-2] * _MIX[1] ^ c[2:-1] * _MIX[2] ^ c[3:] * _MIX[3]


def grams(text: str, analyzer: str) -> np.ndarray:
    """A text's buckets for one part of the base model ("word" or "char"), one per occurrence."""
    return buckets(_HASHES[analyzer](code_points(text)))


# The base model's parts, in its FeatureUnion's order: name, HashedGrams analyzer and n-gram range, hashes.
PARTS = (("words", "word", (1, 2), word_hashes), ("chars", "char", (4, 4), char_hashes))
_HASHES = {analyzer: fn for _, analyzer, _, fn in PARTS}


class BucketGrams(HashedGrams):
    """HashedGrams counting grams(text, analyzer): the base model's counts for training
    (scikit-learn's pipeline); LinearScorer computes the same from the same buckets."""

    def _counts(self, texts):
        from scipy.sparse import csr_matrix

        rows = [grams(text, self.analyzer) for text in texts]
        indptr = np.concatenate(([0], np.cumsum([len(r) for r in rows])))
        indices = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        counts = csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=(len(rows), HASH_BUCKETS))
        counts.sum_duplicates()  # sorted, one entry per bucket, as HashingVectorizer gives
        return counts


def untrained(parts: tuple[str, ...] = ("words", "chars")) -> TextModel:
    """The base model before training: the spam TextModel, its n-grams hashed by word_hashes and
    char_hashes instead of scikit-learn's analysers: its char_wb 4-5-grams, cut word by word in
    Python, were two thirds of 0.75 - 1.25 ms a message (bench/spam.py). Character 4-grams over
    the whole text, not per word, were chosen by cross-validation on the training set
    (bench/spam_cv.py, which also passes parts=("words",)); LinearScorer reads all PARTS."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.pipeline import FeatureUnion, make_pipeline

    model = TextModel.for_kind("spam")
    model.features = FeatureUnion([(name, make_pipeline(BucketGrams(analyzer, ngrams), TfidfTransformer(sublinear_tf=True)))
                                   for name, analyzer, ngrams, _ in PARTS if name in parts])
    return model


def to_arrays(model) -> dict[str, np.ndarray]:
    """A trained base model (untrained().fit(...)) as named arrays."""
    arrays: dict[str, np.ndarray] = {}
    for name, part in model.features.transformer_list:
        arrays[f"{name}_buckets"] = part.steps[0][1].buckets_.astype(np.int32)
        arrays[f"{name}_idf"] = part.steps[1][1].idf_.astype(np.float32)
    arrays["coef"] = model.svm.coef_.astype(np.float32)
    arrays["intercept"] = model.svm.intercept_.astype(np.float64)
    arrays["is_spam_column"] = np.array([list(model.svm.classes_).index("spam")], dtype=np.int8)
    arrays["temperature"] = np.array([model.temperature], dtype=np.float64)
    return arrays


def from_arrays(arrays) -> TextModel:
    """The TextModel those arrays describe, ready to score (labels "ham" and "spam")."""
    from sklearn.svm import LinearSVC

    model = untrained()
    for name, part in model.features.transformer_list:
        counter, tfidf = part.steps[0][1], part.steps[1][1]
        counter.buckets_ = np.asarray(arrays[f"{name}_buckets"])
        tfidf.idf_ = np.asarray(arrays[f"{name}_idf"], dtype=np.float64)
        tfidf.n_features_in_ = len(counter.buckets_)
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


def read(path: Path) -> TextModel:
    """The model stored at path (arrays only: nothing is unpickled)."""
    with np.load(path, allow_pickle=False) as arrays:
        return from_arrays({name: arrays[name] for name in arrays.files})


class LinearScorer:
    """The base model's probability for one text, computed straight from its arrays: the same
    buckets (grams), sublinear TF-IDF, L2 norm per part and SVM weights as the
    TextModel they come from, without scikit-learn (86 MB and a second of CPU to import in every
    sorting process) or its pipeline (3.6 ms of CPU for a two-line message). About fifty numpy
    calls a message, whatever its length up to MAX_CHARS: bench/spam.py measures 0.13 - 0.19 ms."""

    labels = ["ham", "spam"]

    def __init__(self, arrays):
        coef = np.asarray(arrays["coef"], dtype=np.float64)[0]
        sign = 1.0 if int(arrays["is_spam_column"][0]) == 1 else -1.0
        # Part i's bucket b is row i * HASH_BUCKETS + b of one look-up table, which gives its column
        # (-1 for a bucket training never saw, dropped as HashedGrams drops it): one gather and one
        # sort a message for all parts; 8 MB a process.
        self.column_of = np.full(len(PARTS) * HASH_BUCKETS, -1, dtype=np.int32)
        self.part_starts, idf, start = [], [], 0
        for i, (name, *_) in enumerate(PARTS):
            seen = np.asarray(arrays[f"{name}_buckets"], dtype=np.int64)
            self.column_of[i * HASH_BUCKETS + seen] = np.arange(start, start + len(seen), dtype=np.int32)
            self.part_starts.append(start)
            idf.append(np.asarray(arrays[f"{name}_idf"], dtype=np.float64))
            start += len(seen)
        self.idf = np.concatenate(idf)
        self.weight = self.idf * sign * coef  # idf x the SVM's weight towards spam, per column
        self.intercept = sign * float(arrays["intercept"][0])
        self.temperature = float(arrays["temperature"][0])

    def held_bytes(self) -> int:
        """What the scorer holds in memory (bench/spam.py prints it)."""
        return self.column_of.nbytes + self.idf.nbytes + self.weight.nbytes

    def decision(self, text: str) -> float:
        """The SVM's signed distance, towards spam."""
        c = code_points(text)
        hashed = [fn(c) for *_, fn in PARTS]
        rows = buckets(np.concatenate(hashed))
        start = 0
        for part in hashed[:-1]:  # part i's buckets to rows i * HASH_BUCKETS + bucket
            start += len(part)
            rows[start:] += np.uint32(HASH_BUCKETS)
        column = self.column_of[rows]
        found, counts = np.unique(column[column >= 0], return_counts=True)
        tf = 1.0 + np.log(counts)
        tfidf, towards = tf * self.idf[found], tf * self.weight[found]
        # found is sorted, so each part's columns are one slice; each part is L2-normalised alone.
        edges = [*np.searchsorted(found, self.part_starts), len(found)]
        total = self.intercept
        for a, b in zip(edges[:-1], edges[1:]):
            if b > a:
                total += float(towards[a:b].sum()) / math.sqrt(float(tfidf[a:b] @ tfidf[a:b]))
        return total

    def scores(self, text: str) -> dict[str, float]:
        """Each label's probability, as TextModel.scores gives them."""
        p = _sigmoid(self.temperature * self.decision(text))
        return {"ham": 1.0 - p, "spam": p}


@lru_cache(maxsize=1)
def shipped() -> LinearScorer | None:
    """The package's base model, read once per process; None if the file is missing."""
    if not BASE_FILE.is_file():
        return None
    with np.load(BASE_FILE, allow_pickle=False) as arrays:
        return LinearScorer({name: arrays[name] for name in arrays.files})
