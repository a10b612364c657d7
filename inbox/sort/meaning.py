"""Meaning features for the topic model: a static word-piece table distilled from
a sentence-embedding model, read with numpy alone.

TF-IDF sees words; two readers who write "the council voted" and "aldermen
approved the ordinance" share none. data/meaning.npz holds a vector for each
of the 30,522 word pieces of all-MiniLM-L6-v2 (Apache-2.0), distilled once by
scripts/distill-embeddings (model2vec's method: each piece alone through the
model, mean-pooled, PCA to 128 dimensions, int8). A text is the mean of its
pieces' vectors, L2-normalised. No transformer runs here: a text costs a few
microseconds, and the table is 3.9 MB in memory (3.5 MB on disk).

On the NYT headlines (bench/topics.py) these 128 numbers beside TF-IDF took
accuracy from 0.557 to 0.605; 256 dimensions gave 0.606 for twice the training time.

The pieces are cut as the model's own tokenizer (BERT, uncased) cuts them:
lower-case, accents stripped, punctuation and CJK characters split off, then
the longest piece of the vocabulary first, "##" marking a piece inside a word.
"""
from __future__ import annotations

import hashlib
import io
import json
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

TABLE = Path(__file__).with_name("data") / "meaning.npz"
MAX_WORD = 100  # the tokenizer's limit: a longer "word" is [UNK]
MAX_PIECES = 512  # per text, as the model reads at most 512
CACHE_WORDS = 200_000  # words already cut into pieces; cleared when full


@dataclass(frozen=True)
class Table:
    vectors: np.ndarray  # (pieces, dims), int8 or float16
    scale: np.ndarray  # (dims,), float32: a row's true values are vectors * scale
    ids: dict[str, int]  # piece -> row
    sha256: str
    about: dict

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])


_table: Table | None = None
_lock = threading.Lock()


def load(path: Path) -> Table:
    """A table file as distilled by scripts/distill_embeddings.py."""
    data = path.read_bytes()  # read once: hashed, then unpacked
    with np.load(io.BytesIO(data)) as npz:
        return Table(
            vectors=npz["vectors"],
            scale=npz["scale"].astype(np.float32),
            ids={piece: i for i, piece in enumerate(str(npz["vocab"]).split("\n"))},
            sha256=hashlib.sha256(data).hexdigest(),
            about=json.loads(str(npz["about"])),
        )


def table() -> Table:
    """The shipped table, read once per process (and only by a process that scores topics)."""
    global _table
    with _lock:
        if _table is None:
            _table = load(TABLE)
        return _table


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_words(word: str) -> list[str]:
    """One whitespace-free chunk as BERT's basic tokenizer (uncased) splits it."""
    out: list[str] = []
    current: list[str] = []
    text = unicodedata.normalize("NFD", word.lower())
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or unicodedata.category(ch) in ("Cc", "Cf", "Mn"):
            continue  # control characters go; so do accents, once NFD has split them off
        if _is_punctuation(ch) or _is_cjk(cp):
            if current:
                out.append("".join(current))
                current = []
            out.append(ch)
        else:
            current.append(ch)
    if current:
        out.append("".join(current))
    return out


def pieces(word: str, ids: dict[str, int]) -> list[int]:
    """Greedy longest-match word pieces of one basic word; [] when it cannot be cut."""
    if len(word) > MAX_WORD:
        return []
    found: list[int] = []
    start = 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            row = ids.get(piece)
            if row is not None:
                found.append(row)
                break
            end -= 1
        else:
            return []  # the tokenizer's [UNK], which carries no meaning: left out
        start = end
    return found


class Embedder:
    """Texts to vectors, with a cache of words already cut into pieces."""

    def __init__(self, source: Table | None = None):
        self.table = source or table()
        self._cache: dict[str, tuple[int, ...]] = {}

    def clear(self) -> None:
        """Forget the words already cut (benchmarks time a cold start with it)."""
        self._cache.clear()

    def piece_ids(self, text: str) -> list[int]:
        cache, ids = self._cache, self.table.ids
        out: list[int] = []
        for chunk in text.split():
            rows = cache.get(chunk)
            if rows is None:
                if len(cache) >= CACHE_WORDS:
                    cache.clear()
                rows = cache[chunk] = tuple(r for w in basic_words(chunk) for r in pieces(w, ids))
            out.extend(rows)
            if len(out) >= MAX_PIECES:
                return out[:MAX_PIECES]
        return out

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text (zeros for a text with no known piece), float32."""
        from scipy.sparse import csr_matrix

        rows = [self.piece_ids(t) for t in texts]
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        flat = np.fromiter((r for row in rows for r in row), dtype=np.int64, count=int(lengths.sum()))
        # Each distinct piece's row once, then every text's mean as one sparse product.
        distinct, column = np.unique(flat, return_inverse=True)
        vectors = self.table.vectors[distinct].astype(np.float32) * self.table.scale
        share = np.repeat(1.0 / np.maximum(lengths, 1), lengths).astype(np.float32)
        means = csr_matrix((share, column, np.concatenate([[0], np.cumsum(lengths)])),
                           shape=(len(rows), len(distinct))) @ vectors
        norms = np.linalg.norm(means, axis=1, keepdims=True)
        return (means / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


_embedder: Embedder | None = None


def embedder() -> Embedder:
    """The process's embedder (its word cache is shared by every model in the process)."""
    global _embedder
    if _embedder is None:
        _embedder = Embedder()
    return _embedder


class MeaningFeatures:
    """A scikit-learn transformer: texts -> their meaning vectors, times a weight.

    A model remembers the table's sha256 it was trained with; given another table
    it refuses to score rather than score with vectors it never saw.
    """

    def __init__(self, weight: float = 1.0):
        self.weight = weight
        self.table_sha256: str | None = None

    def get_params(self, deep: bool = True) -> dict:
        return {"weight": self.weight}

    def set_params(self, **params) -> MeaningFeatures:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, texts, y=None) -> MeaningFeatures:
        self.table_sha256 = embedder().table.sha256
        return self

    def transform(self, texts) -> np.ndarray:
        current = embedder().table.sha256
        if self.table_sha256 != current:
            raise ValueError(f"this model was trained with meaning table {str(self.table_sha256)[:12]}, "
                             f"this install has {current[:12]}: retrain it")
        return embedder().embed(list(texts)) * self.weight

    def fit_transform(self, texts, y=None) -> np.ndarray:
        return self.fit(texts, y).transform(texts)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array([f"meaning{i}" for i in range(embedder().table.dims)], dtype=object)
