"""The story index: the stories of the last days, each as a whole, and the evidence
that a new tip tells one of them (docs/stories.md).

Each story keeps an online centroid (Miranda et al. 2018, "Multilingual clustering
of streaming news"): the sum of its members' TF-IDF vectors, every term any member
used with the kinds it had, and the sum of their meanings. Document frequencies
are learned online from every tip the index has seen, a sender's n tips counting as n**SENDER_WORDS
(a feed's 600 items are one voice, not 600 readers). A new tip is compared only
with the stories sharing its rarest terms (an inverted index), within a window of
days around the tip's own date, never with every story.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import numpy as np

from inbox.sort import stories_days
from inbox.sort.salient import ID, WHERE
from inbox.sort.stories import CONTENT, NUMBERED, REGION, Features
from inbox.sort.stories_evidence import Evidence
from inbox.sort.stories_meaning import CommonMeaning

PRIOR_TIPS = 20  # a young index counts this many more tips, so no content word looks rare by chance
# ... and this many for a name: a given place or person is named in few of all tips a desk will ever get,
# so five readers naming it among a young desk's first tips is no sign it is common.
PRIOR_NAME_TIPS = 200
COMMON_SHARE = 0.1  # a term in more of the tips than this share does not bring stories forward as candidates
PLACE_BITS = 2.0  # a place or institution in at most a quarter of the tips speaks for or against a story
LOOKUP_TERMS = 24  # the rarest terms of a tip that bring candidates forward
CANDIDATES = 5  # stories scored in full per tip
SHORTLIST = 20  # stories sharing the most rare terms, of which the CANDIDATES are chosen by their share of them
NAME_BITS_CAP = 30.0
PARTIAL_CONFLICT = 0.5
NAME_BITS = 4.0  # a name in more than one tip in 16 (a list's footer, the desk's own city) is no rare name
REGION_SHARE = 0.5  # a shared county counts as this share of a shared name of the same rarity
MEMBERS_COMPARED = 8  # a story's members nearest in date that a tip is compared with one by one (agreeing())
# A sender's n tips count as n**SENDER_WORDS tips in the document frequencies and as n**SENDER_MEANING in the
# common meaning: one feed, newsletter or press office is not that many readers (docs/stories.md, session 11).
SENDER_WORDS = 0.75
SENDER_MEANING = 0.5


def sender_weight(k: int, power: float) -> float:
    """What a sender's k-th tip adds, so that its first n add up to n**power."""
    return 1 if k <= 1 else k ** power - (k - 1) ** power  # 1, not 1.0: df then holds small ints, kept by Python


@dataclass
class Story:
    key: int
    tips: list[int]
    vector: dict[int, float]  # term -> sum of the members' unit TF-IDF weights
    kinds: dict[int, int]  # term -> the kinds it had in any member
    meaning: np.ndarray | None  # the members' meanings summed
    times: list[datetime]
    senders: set[str]
    counts: dict[int, int] = field(default_factory=dict)  # term -> members using it
    days: dict[int, int] = field(default_factory=dict)  # a day members say the event happened on -> how many
    sent_days: dict[int, int] = field(default_factory=dict)  # a day members wrote on (their clock) -> how many
    ahead: dict[int, int] = field(default_factory=dict)  # a day members name ahead (a vote's) -> how many
    _norm: float | None = None  # the centroid's length, until a member comes or goes
    _places: list[int] | None = None  # the places and institutions most members name, likewise
    _distinct: tuple[int, np.ndarray] | None = None  # (CommonMeaning.version, the members' distinct meaning), likewise

    first: datetime | None = None  # its members' earliest and latest dates
    latest: datetime | None = None

    @property
    def last(self) -> datetime:
        return self.latest

    def days_from(self, at: datetime) -> float:
        """Days from a date to the story's span (0 inside it)."""
        if at < self.first:
            return (self.first - at).total_seconds() / 86400
        return max(0.0, (at - self.latest).total_seconds() / 86400)

    def share(self, term: int) -> float:
        """How much a term speaks for the story: 1 when at least half its members use it
        (any member of a story of two), less for one member's word in a story of many."""
        return min(1.0, 2.0 * self.counts.get(term, 0) / len(self.tips))

    @classmethod
    def alone(cls, tip: int, found: Features, vector: dict[int, float], at: datetime) -> Story:
        """One tip as a story of its own (a member compared alone, an editor's pair)."""
        hashes = found.hashes.tolist()
        return cls(0, [tip], dict(vector), dict(zip(hashes, found.kinds.tolist())), found.meaning, [at], set(),
                   counts=dict.fromkeys(hashes, 1), days=dict.fromkeys(found.days, 1),
                   sent_days={} if found.sent_day is None else {found.sent_day: 1}, ahead=dict.fromkeys(found.ahead, 1),
                   first=at, latest=at)

    def norm(self) -> float:
        if self._norm is None:
            self._norm = math.sqrt(sum(w * w for w in self.vector.values())) or 1.0
        return self._norm


class StoryIndex:
    def __init__(self, window_days: float):
        self.window = window_days
        self.df: dict[int, float] = {}
        self.docs: float = 0
        self.seen: set[int] = set()  # tips counted in df
        self.sent: dict[str, int] = {}  # sender -> their tips counted in df
        self.common = CommonMeaning()  # the desk's mean meaning and common directions, learned likewise
        self._tip_distinct: tuple[Features, int, np.ndarray] | None = None  # the last tip's, for its every candidate
        self.stories: dict[int, Story] = {}
        self.story_of: dict[int, int] = {}  # tip id -> story key
        self.postings: dict[int, set[int]] = {}  # term -> story keys
        # story key -> {tip id: its features}, to rebuild a story a tip leaves (vectors are made again
        # then: keeping every member's would double the index's memory)
        self._members: dict[int, dict[int, Features]] = {}

    def __len__(self) -> int:
        return len(self.story_of)

    def emptied(self) -> StoryIndex:
        """A new index with no stories that shares what this one learned from the desk: the
        document frequencies, the tips counted in them and the common meaning."""
        fresh = StoryIndex(self.window)
        fresh.df, fresh.docs, fresh.seen, fresh.common, fresh.sent = self.df, self.docs, self.seen, self.common, self.sent
        return fresh

    def idf(self, term: int) -> float:
        return math.log2((self.docs + PRIOR_TIPS) / (self.df.get(term, 0) + 1))

    def name_idf(self, term: int) -> float:
        return math.log2((self.docs + PRIOR_NAME_TIPS) / (self.df.get(term, 0) + 1))

    def observe(self, tip_id: int, found: Features, sender: str = "") -> None:
        """Count a stored tip's terms in the document frequencies (once per tip), by its sender's weight."""
        if tip_id in self.seen:
            return
        self.seen.add(tip_id)
        k = 1
        if sender:
            k = self.sent[sender] = self.sent.get(sender, 0) + 1
        w = sender_weight(k, SENDER_WORDS)
        self.docs += w
        self.common.observe(found.meaning, sender_weight(k, SENDER_MEANING))
        df = self.df
        for term in found.hashes.tolist():
            df[term] = df.get(term, 0) + w

    def vector(self, found: Features) -> dict[int, float]:
        """The tip's TF-IDF vector (sublinear counts), unit length; over its words and names, not the
        counties its places lie in (those speak once, in evidence())."""
        idf = self.idf
        weights = {t: (1.0 + math.log(n)) * idf(t) for t, n, k in zip(found.hashes.tolist(), found.tf.tolist(),
                                                                      found.kinds.tolist()) if k != REGION}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def candidates(self, found: Features, at: datetime, exclude: set[int] = frozenset()) -> list[Story]:
        """The stories within the window sharing the tip's rarest terms, most shared first: of the
        SHORTLIST sharing the most, each term weighed by the story's share of it (Story.share), so a
        story of many tips, which holds many words one member wrote, does not crowd out a small one
        that says what the tip says."""
        idf, df, postings = self.idf, self.df, self.postings
        common = max(10, COMMON_SHARE * self.docs)
        rare = sorted(((idf(t), t) for t in found.hashes.tolist() if t in postings and df.get(t, 0) <= common),
                      reverse=True)[:LOOKUP_TERMS]
        score: dict[int, float] = {}
        for bits, term in rare:
            for key in postings[term]:
                score[key] = score.get(key, 0.0) + bits
        shortlist = []
        for key in sorted(score, key=lambda k: (-score[k], k)):
            story = self.stories[key]
            if key in exclude or not self._within(story, at):
                continue
            shortlist.append(story)
            if len(shortlist) == SHORTLIST:
                break
        weighed = {s.key: sum(bits * s.share(term) for bits, term in rare if term in s.counts) for s in shortlist}
        return sorted(shortlist, key=lambda s: (-weighed[s.key], s.key))[:CANDIDATES]

    def _within(self, story: Story, at: datetime) -> bool:
        return story.days_from(at) <= self.window

    def evidence(self, found: Features, vector: dict[int, float], story: Story, at: datetime) -> Evidence:
        """How a tip and a story compare (see Evidence)."""
        idf, word_idf = self.name_idf, self.idf
        centroid = story.vector
        dot = sum(w * centroid.get(t, 0.0) for t, w in vector.items())
        norm = story.norm()
        kinds = story.kinds
        mine = dict(zip(found.hashes.tolist(), found.kinds.tolist()))
        # A name both sides wrote as a name is weighed as a name; one that only one side capitalised
        # ("Emergency", "Safety" in a press release's headings) only as the word it also is. Either
        # way by the share of the story's members using it: one reader's word in a story of many is not the story's.
        shared = sorted(((story.share(t) * (idf(t) if k and kinds[t] else word_idf(t)), t) for t, k in mine.items()
                         if t in kinds and (k | kinds[t]) not in (CONTENT, NUMBERED, REGION) and idf(t) >= NAME_BITS),
                        reverse=True)
        # The county their places lie in ("Penn Hills" and "Brentwood": Allegheny), counted once: the rarest shared.
        region = max((story.share(t) * word_idf(t) for t, k in mine.items()
                      if k == REGION and kinds.get(t) == REGION and word_idf(t) >= NAME_BITS), default=0.0)
        names = min(NAME_BITS_CAP, sum(b for b, _ in shared) + REGION_SHARE * region)
        my_places = [t for t, k in mine.items() if k & WHERE and idf(t) >= PLACE_BITS]
        if story._places is None:
            story._places = [t for t, k in kinds.items() if k & WHERE and story.share(t) >= 1.0]
        their_places = [t for t in story._places if idf(t) >= PLACE_BITS]
        # Each names a place or institution the other never mentions: the same kind of event elsewhere
        # (1), or, when they share one too ("SEPTA", the county) or a numbered road or line the story's
        # members all name ("Route 22"), maybe another spot of the same place (0.5).
        # A place shared only as a word one side wrote in passing ("PennDOT says") is not one they both name.
        mine_unmatched = [t for t in my_places if t not in kinds]
        theirs_unmatched = [t for t in their_places if t not in mine]
        conflict = 0.0
        if mine_unmatched and theirs_unmatched:
            together = any(kinds.get(t, 0) & WHERE for t in my_places) or any(
                k & ID and kinds.get(t, 0) & ID and story.share(t) >= 1.0 for t, k in mine.items() if idf(t) >= PLACE_BITS)
            conflict = PARTIAL_CONFLICT if together else 1.0
        if conflict < 1.0 and self._numbers_differ(mine, story):
            conflict = max(conflict, PARTIAL_CONFLICT) if shared else 1.0
        meaning, distinct = 0.0, None
        if found.meaning is not None and story.meaning is not None:
            length = float(np.linalg.norm(story.meaning))
            meaning = float(found.meaning @ story.meaning) / length if length else 0.0
            distinct = self._distinct(found, story)
        gap = story.days_from(at)
        event_gap, same_days = stories_days.apart(found.days, found.sent_day, story.days, story.sent_days,
                                                  found.ahead, story.ahead)
        return Evidence(dot / norm, names, meaning, conflict, gap, tuple(t for _, t in shared[:6]), distinct,
                        event_gap, same_days)

    def _distinct(self, found: Features, story: Story) -> float | None:
        """The cosine of the tip's and the story's meanings less the desk's common part (None on a young desk)."""
        common = self.common
        if not common.ready():
            return None
        cached = self._tip_distinct
        if cached is None or cached[0] is not found or cached[1] != common.version:
            cached = self._tip_distinct = (found, common.version, common.distinct(found.meaning))
        if story._distinct is None or story._distinct[0] != common.version:
            story._distinct = (common.version, common.distinct(story.meaning / len(story.tips)))
        return float(cached[2] @ story._distinct[1])

    def agreeing(self, found: Features, vector: dict[int, float], story: Story, at: datetime,
                 agrees: Callable[[Evidence], bool], enough: int = 2) -> int:
        """How many of the story's members, each compared alone, `agrees` the tip tells the story of
        (the MEMBERS_COMPARED nearest in date; counting stops at `enough`). Two members that each
        score well apart are evidence the centroid, with every member's other words, can blur."""
        members = self._members.get(story.key, {})
        when = dict(zip(story.tips, story.times))
        near = sorted((t for t in members if t in when and members[t] is not found),  # never the tip itself
                      key=lambda t: (abs((when[t] - at).total_seconds()), t))
        n = 0
        for tip in near[:MEMBERS_COMPARED]:
            member = Story.alone(tip, members[tip], self.vector(members[tip]), when[tip])
            n += agrees(self.evidence(found, vector, member, at))
            if n >= enough:
                break
        return n

    def lone_tips(self, story: Story, others: list[Story]) -> list[tuple[int, Features, datetime, str, Evidence]]:
        """The tips standing alone among `others` (a new tip's candidate stories), each with its
        evidence for `story` as it is now: a tip that arrived before the accounts that made the
        story whole scored against its first member alone; it is scored again against them all."""
        out = []
        for other in others:
            if other.key == story.key or len(other.tips) != 1:
                continue
            tip = other.tips[0]
            found = self._members.get(other.key, {}).get(tip)
            if found is None:
                continue
            at = other.times[0]
            sender = next(iter(other.senders), "")
            out.append((tip, found, at, sender, self.evidence(found, self.vector(found), story, at)))
        return out

    @staticmethod
    def _numbers_differ(mine: dict[int, int], story: Story) -> bool:
        """Both number the same kind of thing ("precinct #") and share no number of it: precinct 14
        and precinct 3, Route 22 and Route 51 — the same kind of event at another place."""
        kinds = story.kinds
        if not any(k == NUMBERED and kinds.get(t) == NUMBERED for t, k in mine.items()):
            return False
        my_ids = [t for t, k in mine.items() if k & ID and not k & WHERE]
        their_ids = [t for t, k in kinds.items() if k & ID and not k & WHERE and story.share(t) >= 1.0]
        return bool(my_ids) and bool(their_ids) and not any(t in kinds for t in my_ids)

    def add(self, tip_id: int, found: Features, at: datetime, sender: str, key: int | None = None,
            vector: dict[int, float] | None = None) -> Story:
        """Put a tip in the story `key` (a new story of its own when None); returns the story."""
        self.observe(tip_id, found, sender)
        vector = vector if vector is not None else self.vector(found)
        old = self.story_of.get(tip_id)
        if old is not None:
            if old == key:
                return self.stories[old]
            self.remove(tip_id)
        story = self.stories.get(key) if key is not None else None
        if story is None:
            key = key if key is not None else -tip_id
            story = self.stories[key] = Story(key, [], {}, {}, None, [], set())
        story.tips.append(tip_id)
        story.times.append(at)
        story.first = at if story.first is None or at < story.first else story.first
        story.latest = at if story.latest is None or at > story.latest else story.latest
        story._norm = story._places = story._distinct = None
        counts = story.counts
        if sender:
            story.senders.add(sender)
        for t, w in vector.items():
            story.vector[t] = story.vector.get(t, 0.0) + w
        stories_days.count((story.sent_days, story.days, story.ahead), (found.sent_day, found.days, found.ahead))
        for t, k in zip(found.hashes.tolist(), found.kinds.tolist()):
            story.kinds[t] = story.kinds.get(t, 0) | k
            counts[t] = counts.get(t, 0) + 1
            self.postings.setdefault(t, set()).add(story.key)
        if found.meaning is not None:
            story.meaning = found.meaning.copy() if story.meaning is None else story.meaning + found.meaning
        self.story_of[tip_id] = story.key
        self._members.setdefault(story.key, {})[tip_id] = found
        return story

    def remove(self, tip_id: int) -> None:
        """Take a tip out of its story (an editor split it off, or it is sorted again)."""
        key = self.story_of.pop(tip_id, None)
        if key is None:
            return
        members = self._members.get(key, {})
        members.pop(tip_id, None)
        story = self.stories.pop(key)
        for t in story.kinds:
            holders = self.postings.get(t)
            if holders is not None:
                holders.discard(key)
                if not holders:
                    del self.postings[t]
        rest = [(tip, members[tip]) for tip in story.tips if tip != tip_id and tip in members]
        times = {tip: when for tip, when in zip(story.tips, story.times)}
        self._members.pop(key, None)
        for tip, found in rest:
            self.story_of.pop(tip, None)
            self.add(tip, found, times[tip], "", key=key)
        if key in self.stories:
            self.stories[key].senders = story.senders

    def rekey(self, old: int, new: int) -> None:
        """A story got its cluster id: file it under that key."""
        if old == new or old not in self.stories:
            return
        story = self.stories.pop(old)
        story.key = new
        self.stories[new] = story
        self._members[new] = self._members.pop(old, {})
        for tip in story.tips:
            self.story_of[tip] = new
        for t in story.kinds:
            holders = self.postings.get(t)
            if holders is not None:
                holders.discard(old)
                holders.add(new)

    def forget_before(self, horizon: datetime) -> int:
        """Drop the stories whose newest member is older than horizon; returns how many."""
        old = [s for s in self.stories.values() if s.last < horizon]
        for story in old:
            if self._whole(story):
                self._drop(story)
            else:
                for tip in list(story.tips):
                    self.remove(tip)
        return len(old)

    def _whole(self, story: Story) -> bool:
        """Whether the story is filed as it says: its key names it, each member once, each
        member's own story is it, each is counted in df. Then _drop() ends where remove() of
        each member in turn does; otherwise (a story another has been filed over) that runs."""
        members = self._members.get(story.key, {})
        tips = story.tips
        return (self.stories.get(story.key) is story and len(members) == len(tips) == len(set(tips))
                and all(self.story_of.get(t) == story.key and t in members for t in tips) and self.seen.issuperset(tips))

    def _drop(self, story: Story) -> None:
        """Take a whole story out at once: where remove() of each member in turn ends, without
        rebuilding the story from the rest after each (quadratic in its size: a third of the
        storing thread's story time on the spamassassin corpus)."""
        del self.stories[story.key]
        self._members.pop(story.key, None)
        for tip in story.tips:
            self.story_of.pop(tip, None)
        for t in story.kinds:
            holders = self.postings.get(t)
            if holders is not None:
                holders.discard(story.key)
                if not holders:
                    del self.postings[t]
