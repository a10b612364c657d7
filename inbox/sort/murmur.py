"""MurmurHash3 (x86, 32-bit) of many strings at once, in numpy: the hash scikit-learn's
HashingVectorizer puts n-grams in buckets with, so the shipped spam model (spam_base.py)
scores without importing scikit-learn (86 MB and a second of CPU in every sorting process).
"""
from __future__ import annotations

import numpy as np

_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def buckets(strings: list[str], n_buckets: int) -> np.ndarray:
    """Each string's bucket, as HashingVectorizer computes it: abs(signed hash, seed 0) % n_buckets."""
    if not strings:
        return np.zeros(0, np.int64)
    encoded = [s.encode("utf-8") for s in strings]
    lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
    width = (int(lengths.max()) // 4 + 1) * 4  # room for the zero-padded tail block of the longest
    flat = np.frombuffer(b"".join(encoded), np.uint8)
    rows = np.repeat(np.arange(len(encoded)), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    grid = np.zeros((len(encoded), width), np.uint8)
    grid[rows, np.arange(len(flat)) - starts] = flat
    blocks = grid.view("<u4").astype(np.uint32)
    full = lengths // 4
    h = np.zeros(len(encoded), np.uint32)
    with np.errstate(over="ignore"):
        for j in range(int(full.max())):
            k = _rotl(blocks[:, j] * _C1, 15) * _C2
            mixed = _rotl(h ^ k, 13) * np.uint32(5) + np.uint32(0xE6546B64)
            h = np.where(full > j, mixed, h)
        # The tail: the bytes after the last full block, zero-padded (zero when there are none).
        tail = blocks[np.arange(len(encoded)), full]
        h ^= _rotl(tail * _C1, 15) * _C2
        h ^= lengths.astype(np.uint32)
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    signed = h.view(np.int32).astype(np.int64)
    return np.where(signed == -2 ** 31, 2 ** 31 - 1, np.abs(signed)) % n_buckets  # as _hashing_fast.pyx
