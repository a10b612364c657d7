"""The days a tip says its event happened, for the story index (the pure part).

    sent_day, days = stories_days.of(inp)              # a SortInput's: day numbers (date.toordinal())
    days = stories_days.event_days(text_lower, sent)   # the days named, oldest first
    sent = stories_days.local_sent(headers, sent_at)   # the Date header's own wall clock

Readers of one event write over several days and name the same event time: "Friday around 10pm",
"since about 3 this morning", "between Friday noon and Saturday night", "the snow stopped
yesterday", "last night", "el viernes por la noche", "anoche". The time phrases are found and
resolved by inbox.sort.deadlines against the day the reader sent the message, in the reader's own
time zone (a Friday-night message is a Saturday in UTC); this keeps the ones that point back or to
the day of sending ("this morning", "right now", "tonight"), not those ahead ("tomorrow", "the
hearing is Tuesday"), and only within BACK_DAYS. Only day numbers leave this module, never words.
It reads the very text (and word set) the urgency rules read, whose strings are then found already.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from inbox.sort import deadlines
from inbox.sort.text import Scan, SortInput

# The phrases that can name a day behind the message or its own ("tomorrow", "in two days" cannot).
KINDS = frozenset(("today", "yesterday", "weekday"))
BACK_DAYS = 7  # a day named further back than this is the story's background ("since Dec 1"), not the event
# Two tips whose named days lie this many days apart or more tell of two events (one day apart: a time
# zone, a night past midnight, the day after).
DAYS_APART = 2
MOST_DAYS = 6  # the most days one tip names; a calendar of many dates is no one event's time
# "Right now", "as we speak": the day of sending, which deadlines' "today" words do not all say.
_NOW = Scan(re.compile(r"\b(?:right now|as we speak|as i write|at the moment|ahora mismo|en este momento)\b"))


Days = tuple[int | None, tuple[int, ...]]  # (the day it was sent, the days it names), as date.toordinal()


def of(inp: SortInput) -> Days:
    """The day a tip was sent on its reader's clock and the days its words say its event happened."""
    sent = local_sent(inp.headers, inp.sent_at)
    if sent is None:
        return None, ()
    return sent.date().toordinal(), event_days(inp.words_lower, sent, inp.word_set)


def event_days(text: str, sent: datetime, tokens: frozenset[str] | None = None) -> tuple[int, ...]:
    """The days (date.toordinal()) a tip's words (lower-cased; tokens: its words) say its event
    happened, oldest first."""
    base = sent.date()
    first = base - timedelta(days=BACK_DAYS)
    days = {f.day for f in deadlines.find(text, sent, tokens, KINDS)
            if first <= f.day <= base and (f.past or f.day == base)}
    if _NOW.may_match(text) and _NOW.pattern.search(text):
        days.add(base)
    return tuple(sorted(d.toordinal() for d in days))[-MOST_DAYS:]


def apart(mine: tuple[int, ...], my_sent: int | None, theirs: Collection[int],
          their_sent: Collection[int]) -> tuple[float | None, int]:
    """How a tip's days and a story's compare (its members' named days and the days they were sent on):
    (the fewest days between a day the tip names and one of the story's, or the tip's own day and one
    the story names: None when neither names one; 1 when both name their event's days and share one,
    -1 when those lie DAYS_APART or more apart, else 0)."""
    if not mine and not theirs:
        return None, 0
    named = [abs(a - b) for a in mine for b in theirs]
    same = 0
    if named:
        nearest = min(named)
        same = 1 if nearest == 0 else -1 if nearest >= DAYS_APART else 0
    gaps = named + [abs(a - b) for a in mine for b in their_sent]
    if my_sent is not None:
        gaps += [abs(my_sent - b) for b in theirs]
    return (float(min(gaps)) if gaps else None), same


def count(days: dict[int, int], sent_days: dict[int, int], named: tuple[int, ...], sent: int | None) -> None:
    """A member's days added to its story's counts of them."""
    for day in named:
        days[day] = days.get(day, 0) + 1
    if sent is not None:
        sent_days[sent] = sent_days.get(sent, 0) + 1


def local_sent(headers: tuple[tuple[str, str], ...], sent_at: datetime | None) -> datetime | None:
    """The message's Date as the reader's clock read it (naive), else the stored UTC time."""
    for name, value in headers:
        if name == "date":
            try:
                return parsedate_to_datetime(value).replace(tzinfo=None)
            except (TypeError, ValueError, IndexError):
                break
    return sent_at
