"""The duplicate index: MinHash signatures over a tip's content words, and an LSH
table that finds the few stored tips worth comparing with a new one.

Greetings, sign-offs and common words are dropped before hashing, and the text
is the reader's own words (no quote, no signature), so two readers reporting
the same story in their own framing land close together while a different
story on the same beat does not. Bands of ROWS hash values go into buckets; a
stored tip is a candidate only if it shares a whole band, so a new tip is
compared with a handful of tips, never with all of them.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

BANDS = 36
ROWS = 4  # 36 bands of 4: a pair at similarity 0.7 is a candidate 99.97% of the time, at 0.55 97%, at 0.2 6%
NUM_PERM = BANDS * ROWS
# A bucket holding this many tips is a boilerplate text shared by everything; stop growing it.
MAX_BUCKET = 500
HASH_CACHE = 20_000  # words whose hash a MinHasher keeps (about 2.5 MB)
MIN_WORDS = 3  # fewer content words than this: too little to call anything a duplicate

_WORD = re.compile(r"[^\W_]+")
# Function words, and the greetings and sign-offs every reader wraps a tip in.
STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
now of off on once only or other our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours yourself yourselves also get
much many really
got im ive id dont didnt cant wont isnt wasnt thats theres it's i'm i've don't
hi hello hey dear greetings morning afternoon evening folks team editor editors reporter newsroom
thanks thank thx regards best cheers sincerely warmly respectfully yours cordially kind wishes sent
from iphone android mobile please just wanted write writing let know tip tips story
re fw fwd
""".split())


def words(text: str) -> set[str]:
    """The content words of a text, lower-cased, with a plural 's' dropped."""
    out = set()
    for w in set(_WORD.findall(text.lower())) - STOP_WORDS:  # each distinct word once
        if len(w) < 2:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return out


class MinHasher:
    """NUM_PERM hash functions (multiply-shift over a 64-bit word hash), fixed by a seed."""

    def __init__(self, seed: int = 20261128):
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
        self.b = rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
        self._hashes: dict[str, int] = {}  # word -> its 64-bit hash: most words come back

    def signature(self, tokens: set[str]) -> np.ndarray | None:
        """The MinHash signature of a word set, or None when it is too small to compare."""
        if len(tokens) < MIN_WORDS:
            return None
        x = np.fromiter(map(self._hash, tokens), dtype=np.uint64, count=len(tokens))
        with np.errstate(over="ignore"):
            hashed = (self.a[:, None] * x[None, :] + self.b[:, None]) >> np.uint64(32)
        return hashed.min(axis=1).astype(np.uint32)


    def _hash(self, word: str) -> int:
        found = self._hashes.get(word)
        if found is None:
            if len(self._hashes) >= HASH_CACHE:
                self._hashes.clear()  # a new start costs less than tracking which words are old
            found = self._hashes[word] = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
        return found


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The share of equal MinHash values: an estimate of the Jaccard similarity of the word sets."""
    return float(np.count_nonzero(a == b)) / len(a)


def to_bytes(signature: np.ndarray) -> bytes:
    """A signature as stored in tip_signatures (little-endian, the same on every machine)."""
    return signature.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    """A stored signature back as an array."""
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


@dataclass(frozen=True)
class Match:
    tip_id: int
    similarity: float


class LSHIndex:
    """Buckets by band, and every stored signature as a row of one matrix, so the
    candidates are scored in one vectorised comparison."""

    def __init__(self):
        self.buckets: list[dict[bytes, list[int]]] = [{} for _ in range(BANDS)]
        self.keys: list[int] = []
        self.rows: dict[int, int] = {}
        self.matrix = np.empty((1024, NUM_PERM), dtype=np.uint32)

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: int, signature: np.ndarray) -> None:
        """Index a stored tip's signature (again is harmless)."""
        if key in self.rows:
            return
        row = len(self.keys)
        if row == len(self.matrix):
            self.matrix = np.concatenate([self.matrix, np.empty_like(self.matrix)])
        self.matrix[row] = signature
        self.keys.append(key)
        self.rows[key] = row
        raw = to_bytes(signature)
        for band, bucket in enumerate(self.buckets):
            members = bucket.setdefault(raw[band * ROWS * 4:(band + 1) * ROWS * 4], [])
            if len(members) < MAX_BUCKET:
                members.append(row)

    def signature_of(self, key: int) -> np.ndarray | None:
        """The indexed signature of a tip, to check a match against its stored row."""
        row = self.rows.get(key)
        return None if row is None else self.matrix[row]

    def nearest(self, signature: np.ndarray, at_least: float, limit: int = 5) -> list[Match]:
        """The most similar stored tips at or above a similarity, best first; only
        tips sharing a whole band with this signature are looked at."""
        raw = to_bytes(signature)
        found: set[int] = set()
        for band, bucket in enumerate(self.buckets):
            found.update(bucket.get(raw[band * ROWS * 4:(band + 1) * ROWS * 4], ()))
        if not found:
            return []
        rows = np.fromiter(found, dtype=np.int64, count=len(found))
        sims = np.count_nonzero(self.matrix[rows] == signature, axis=1) / NUM_PERM
        keep = np.flatnonzero(sims >= at_least)
        best = sorted(((-sims[i], self.keys[rows[i]]) for i in keep))[:limit]
        return [Match(key, float(-neg)) for neg, key in best]
