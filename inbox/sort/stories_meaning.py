"""What a tip's meaning says beyond what every tip on the desk says (docs/stories.md).

    common = CommonMeaning()
    common.observe(found.meaning)           # every stored tip, once (the story index does it)
    if common.ready():
        common.distinct(found.meaning) @ common.distinct(members_mean)   # a cosine; unrelated tips about 0

The mean of a text's word-piece vectors (inbox.sort.meaning) is mostly the same
vector for every text: any two tips on a desk score a cosine of about 0.55, same
story or not. The usual fix for averaged word vectors (Arora, Liang and Ma 2017,
"A simple but tough-to-beat baseline for sentence embeddings"; Mu and Viswanath
2018, "All-but-the-top") is to take away the mean and the few directions in which
all texts vary most before comparing. Both are learned here, online and without
labels, from the meanings of the tips the desk has stored (as the document
frequencies are): the running sum and second moment of 128 numbers, folded in a
batch at a time, the common directions computed again each time the desk has
grown by an eighth (at least REFRESH tips): a desk's common part settles quickly.
"""
from __future__ import annotations

import numpy as np

DIRECTIONS = 2  # the common directions taken away besides the mean
MIN_TIPS = 30  # fewer tips with a meaning than this: the desk's common part is not known yet
REFRESH = 32  # the fewest new tips between two computations of the common directions
GROWTH = 1.125  # ... and the desk grown by this factor since the last
ROUNDS = 30  # subspace iterations from scratch; from the last directions, WARM_ROUNDS
WARM_ROUNDS = 6


class CommonMeaning:
    def __init__(self, dims: int = 128):
        self.n = 0
        self.version = 0  # counts the computations: a cached distinct() of an older one is stale
        self._pending: list[np.ndarray] = []
        self._weights: list[float] = []
        self._total = 0.0  # the weights of the tips counted
        self._sum = np.zeros(dims)
        self._moment = np.zeros((dims, dims))
        self._mean = np.zeros(dims)
        self._basis = np.zeros((0, dims))  # (DIRECTIONS, dims)
        self._at = 0  # self.n when they were computed

    def observe(self, meaning: np.ndarray | None, weight: float = 1.0) -> None:
        """Count a tip's meaning, as `weight` tips (a sender's later tips count for less: stories_index)."""
        if meaning is None or len(meaning) != len(self._sum):
            return
        self.n += 1
        self._pending.append(meaning)
        self._weights.append(weight)
        if self.n >= (max(self._at + REFRESH, int(self._at * GROWTH)) if self.version else MIN_TIPS):
            self._compute()

    def ready(self) -> bool:
        return self.version > 0

    def _compute(self) -> None:
        batch = np.asarray(self._pending, dtype=np.float64)
        weights = np.asarray(self._weights, dtype=np.float64)
        self._pending.clear()
        self._weights.clear()
        self._total += float(weights.sum())
        weighted = batch * weights[:, None]
        self._sum += weighted.sum(axis=0)
        self._moment += np.einsum("ni,nj->ij", weighted, batch)  # einsum, not BLAS: see top_directions
        mean = self._sum / self._total
        self._mean, self._basis = mean, top_directions(self._moment / self._total - np.outer(mean, mean), self._basis)
        self._at, self.version = self.n, self.version + 1

    def distinct(self, meaning: np.ndarray) -> np.ndarray:
        """A tip's meaning (or the mean of a story's members') less the desk's mean and common
        directions, unit length."""
        x = meaning - self._mean
        x = x - self._basis.T @ (self._basis @ x)
        return x / max(float(np.linalg.norm(x)), 1e-9)


def top_directions(cov: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The DIRECTIONS eigenvectors of largest eigenvalue, as rows, by subspace iteration from the last
    ones: a few products of the 128 x 128 matrix with a thin one. Written with einsum and Gram-Schmidt,
    not BLAS: a full eigh, or even one threaded matrix product, leaves OpenBLAS's threads spinning on the
    other core for longer than the whole computation takes (a tip's look-up cost 4 times as much CPU)."""
    width = DIRECTIONS + 2  # two more, so the wanted two converge fast
    rows = np.eye(width, len(cov))
    if len(start):
        rows[:len(start)] = start
    for _ in range(WARM_ROUNDS if len(start) else ROUNDS):
        rows = _orthonormal(np.einsum("kj,ij->ki", rows, cov))
    small = np.einsum("ki,ij,lj->kl", rows, cov, rows)
    _values, vectors = np.linalg.eigh(small)  # the Ritz step (4 x 4): order them
    return np.einsum("kl,ki->li", vectors[:, ::-1][:, :DIRECTIONS], rows)


def _orthonormal(rows: np.ndarray) -> np.ndarray:
    out = rows.copy()
    for k in range(len(out)):
        for j in range(k):
            out[k] -= float(out[k].dot(out[j])) * out[j]
        out[k] /= max(float(np.linalg.norm(out[k])), 1e-12)
    return out
