"""What a tip and a story have in common: the numbers the story score is made of (inbox.sort.stories_index
measures them, inbox.sort.stories_score weighs them; docs/stories.md)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """What a tip and a story have in common, the numbers the score is made of."""
    content: float  # TF-IDF cosine with the story's centroid
    names: float  # bits of the names, places and numbers they share
    meaning: float  # cosine of the meanings
    conflict: float  # 1: each names a place or institution the other never mentions
    gap: float  # days between the tip and the story's span of dates (0 inside it)
    shared: tuple[int, ...] = ()  # the shared names' hashes, rarest first
    # cosine of the meanings less what every tip on the desk shares (stories_meaning); None on a young desk
    distinct: float | None = None
    event_gap: float | None = None  # days between the days either names as its event's (stories_days.apart)
    same_days: int = 0  # both name their event's days: 1 alike, -1 far apart, 0 neither

    def numbers(self) -> dict:
        out = {"content": round(self.content, 3), "names": round(self.names, 2), "meaning": round(self.meaning, 3),
               "conflict": self.conflict, "gap_days": round(self.gap, 1)}
        if self.distinct is not None:
            out["distinct"] = round(self.distinct, 3)
        if self.event_gap is not None:
            out["event_gap_days"], out["same_days"] = self.event_gap, self.same_days
        return out
