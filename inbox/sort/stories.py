"""What a tip tells, for the story index: its terms and its meaning (the pure part).

    found = stories.features(subject, own_words, days=stories_days.of(inp))  # any process; None: too few words
    found.terms_bytes(), found.meaning_bytes()      # as stored in tip_signatures

A tip's *terms* are its content words (inbox.sort.clusters), its salient names
(inbox.sort.salient: places and institutions, people, numbers) and the counties
its places lie in (inbox.sort.places), each with its
count and its kinds, kept only as 4-byte hashes: never as text. Its *meaning* is
the mean of the shipped word-piece table's vectors (inbox.sort.meaning) over its
content words, stored as 128 signed bytes. With them go the day it was sent and the
days it says its event happened (inbox.sort.stories_days), as day numbers among the
stored terms (kind DAY, never one of them). The story index weighs them
(inbox.sort.stories_index); design: docs/stories.md.
"""
from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from inbox.sort import clusters, crossling, places, salient, stories_days

MIN_TERMS = 3  # fewer content words and names than this: too little to tell which story
MAX_TERMS = 250  # the most frequent this many; a 4,000-character tip rarely has more
CONTENT = 0  # a term that is only a content word; salient.NAME | WHERE | ID otherwise
NUMBERED = 8  # "precinct #": the tip numbers a precinct (with NUMBERED alone: no word of the tip, only this)
REGION = 16  # "allegheny|PA": a county the tip's places lie in (inbox.sort.places), only ever this kind
# A day, stored among the terms but never one of them: its hash is the day's number (date.toordinal()), its
# count 1 for a day the tip says its event happened (inbox.sort.stories_days), 2 for a day it names ahead,
# 0 for the day it was sent.
DAY = 32
_SENT, _BACK, _AHEAD = 0, 1, 2
_TERM = np.dtype([("hash", "<u4"), ("kind", "u1"), ("tf", "u1")])


def term_hash(text: str) -> int:
    """A term's 4-byte hash, the same in every process and on every machine."""
    return zlib.crc32(text.encode())


_DOUBLED = re.compile(r"([bdfgklmnprtz])\1$")


def stem(word: str) -> str:
    """A word's stem, so readers' inflections meet ("plowed", "plowing", "plow"; "closed", "closes",
    "closing", "close"): a plural 's', then '-ing' or '-ed', then a final 'e' or a doubled consonant
    dropped. A light, rule-only stemmer: the same in every language it sees, wrong only in ways that
    are the same for every reader (two words sharing a stem rarely tell different stories)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
        if word.endswith("ie") and len(word) > 4:
            word = word[:-2] + "y"
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ied"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        word = word[:-2]
    else:
        return word[:-1] if len(word) > 4 and word.endswith("e") and not word.endswith("ee") else word
    if _DOUBLED.search(word):
        return word[:-1]
    return word[:-1] if len(word) > 4 and word.endswith("e") and not word.endswith("ee") else word


def _norm(word: str) -> str:
    """A word as content words are counted: its stem."""
    return stem(word)


@dataclass(frozen=True)
class Features:
    hashes: np.ndarray  # uint32, sorted
    kinds: np.ndarray  # uint8 bit flags (salient.NAME | WHERE | ID), CONTENT for a content word only
    tf: np.ndarray  # uint8: how often the term comes in the tip
    meaning: np.ndarray | None = field(default=None, repr=False)  # float32, unit length
    days: tuple[int, ...] = ()  # the days it says its event happened (date.toordinal()), oldest first
    sent_day: int | None = None  # the day the reader sent it, on their own clock (None: stored before days were)
    ahead: tuple[int, ...] = ()  # the days it names ahead (a vote's, a sweep's), oldest first

    def terms_bytes(self) -> bytes:
        days = (([(self.sent_day, _SENT)] if self.sent_day is not None else []) + [(d, _BACK) for d in self.days]
                + [(d, _AHEAD) for d in self.ahead])
        rows = np.empty(len(self.hashes) + len(days), dtype=_TERM)
        rows["hash"][:len(self.hashes)], rows["kind"][:len(self.hashes)], rows["tf"][:len(self.hashes)] = (
            self.hashes, self.kinds, self.tf)
        for i, (day, named) in enumerate(days, len(self.hashes)):
            rows[i] = (day, DAY, named)
        return rows.tobytes()

    def meaning_bytes(self) -> bytes | None:
        if self.meaning is None:
            return None
        return np.clip(np.rint(self.meaning * 127), -127, 127).astype(np.int8).tobytes()

    @classmethod
    def from_bytes(cls, terms: bytes, meaning: bytes | None) -> Features:
        """Stored features back (the story index reads them at load)."""
        rows = np.frombuffer(terms, dtype=_TERM)
        dated = rows["kind"] == DAY
        days, sent_day, ahead = (), None, ()
        if dated.any():
            day_rows = list(zip(rows[dated]["hash"].tolist(), rows[dated]["tf"].tolist()))
            days = tuple(sorted(d for d, n in day_rows if n == _BACK))
            ahead = tuple(sorted(d for d, n in day_rows if n == _AHEAD))
            sent_day = next((d for d, n in day_rows if n == _SENT), None)
            rows = rows[~dated]
        vector = None
        if meaning:
            vector = np.frombuffer(meaning, dtype=np.int8).astype(np.float32) / 127.0
            vector /= max(float(np.linalg.norm(vector)), 1e-6)
        return cls(rows["hash"].astype(np.uint32), rows["kind"].copy(), rows["tf"].copy(), vector, days, sent_day,
                   ahead)


def features(subject: str, body: str, embed: bool = True, days: stories_days.Days = (None, (), ())) -> Features | None:
    """The terms and meaning of a tip's subject and own words, or None when too few; with them the day it
    was sent and the days it says its event happened (stories_days.of(inp))."""
    text = salient.own_text(subject, body)
    words = clusters.counts(crossling.in_english(text) if crossling.spanish(text) else text)
    stems: Counter[str] = Counter()
    for w, n in words.items():
        stems[stem(w) if "-" not in w else w] += n
    found: dict[str, list[int]] = {w: [CONTENT, n] for w, n in stems.most_common(MAX_TERMS)}
    named = salient.names(subject, body, text)
    for region in places.regions(named):
        found["@" + region] = [REGION, 1]  # "@": no word of a tip starts with it
    for name, kind in named.items():
        term = " ".join(_norm(w) for w in name.split())
        row = found.setdefault(term, [CONTENT, 1])
        row[0] |= kind
        noun, _, number = term.rpartition(" ")
        if kind & salient.ID and noun and number[:1].isdigit() and not kind & salient.WHERE:
            # "precinct 14" is also "precinct #": two tips naming precinct 14 and precinct 3 tell of two places
            found.setdefault(noun + " #", [NUMBERED, 1])
    if len(found) < MIN_TERMS:
        return None
    by_hash: dict[int, tuple[int, int]] = {}
    for term, (kind, n) in found.items():
        h = term_hash(term)
        old = by_hash.get(h)
        by_hash[h] = (kind | (old[0] if old else 0), min(255, n + (old[1] if old else 0)))
    hashes = np.fromiter(sorted(by_hash), dtype=np.uint32, count=len(by_hash))
    kinds = np.fromiter((by_hash[int(h)][0] for h in hashes), dtype=np.uint8, count=len(hashes))
    tf = np.fromiter((by_hash[int(h)][1] for h in hashes), dtype=np.uint8, count=len(hashes))
    sent_day, back, ahead = days
    return Features(hashes, kinds, tf, meaning_of(" ".join(words)) if embed else None, back, sent_day, ahead)


def meaning_of(text: str) -> np.ndarray | None:
    """The mean word-piece vector of a text, unit length (None when no piece is known)."""
    from inbox.sort.meaning import embedder

    emb = embedder()
    ids = emb.piece_ids(text)
    if not ids:
        return None
    table = emb.table
    vector = table.vectors[np.asarray(ids, dtype=np.int64)].astype(np.float32).mean(axis=0) * table.scale
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm > 0 else None
