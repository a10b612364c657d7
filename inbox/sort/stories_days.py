"""The days a tip says its event happened or is set for, for the story index (the pure part).

    sent_day, back, ahead = stories_days.of(inp)       # a SortInput's: day numbers (date.toordinal())
    back = stories_days.event_days(text_lower, sent)   # the days named behind it, oldest first

Readers of one event write over several days and name the same event time: "Friday around 10pm",
"since about 3 this morning", "between Friday noon and Saturday night", "the snow stopped
yesterday", "last night", "el viernes por la noche", "anoche". The time phrases are found and
resolved by inbox.sort.deadlines against the day the reader sent the message, in the reader's own
time zone (a Friday-night message is a Saturday in UTC: deadlines.local_sent); this keeps the ones
that point back or to the day of sending ("this morning", "right now", "tonight") within BACK_DAYS,
and apart from them the days named ahead within AHEAD_DAYS: readers of an announced event (a vote
"Thursday, 12/14", a sweep "next Monday") write in the days before it, and name its day. Only day
numbers leave this module, never words. The phrases are the ones urgency found (deadlines.found_in):
nothing is read twice.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, timedelta

from inbox.sort import deadlines
from inbox.sort.text import Scan, SortInput

# The phrases that can name a day behind the message or its own ("tomorrow", "in two days" cannot; a
# calendar date, "Dec 1", added no pair that the weekdays did not).
KINDS = frozenset(("today", "yesterday", "weekday"))
BACK_DAYS = 7  # a day named further back than this is the story's background ("since Dec 1"), not the event
AHEAD_DAYS = 14  # a day named further ahead is no event the readers are writing about now (the story window)
# Two tips whose named days lie this many days apart or more tell of two events (one day apart: a time
# zone, a night past midnight, the day after).
DAYS_APART = 2
MOST_DAYS = 6  # the most days one tip names; a calendar of many dates is no one event's time
# "Right now", "as we speak": the day of sending, which deadlines' "today" words do not all say.
_NOW = Scan(re.compile(r"\b(?:right now|as we speak|as i write|at the moment|ahora mismo|en este momento)\b"))


# (the day it was sent, the days it names behind it or its own, the days it names ahead), as date.toordinal()
Days = tuple[int | None, tuple[int, ...], tuple[int, ...]]


def of(inp: SortInput) -> Days:
    """The day a tip was sent on its reader's clock and the days its words name for its event."""
    sent, found = deadlines.found_in(inp)
    if sent is None:
        return None, (), ()
    return (sent.date().toordinal(), *named_days(inp.words_lower, sent, found))


def event_days(text: str, sent: datetime, tokens: frozenset[str] | None = None) -> tuple[int, ...]:
    """The days (date.toordinal()) a tip's words (lower-cased; tokens: its words) say its event
    happened, oldest first."""
    return named_days(text, sent, deadlines.find(text, sent, tokens))[0]


def named_days(text: str, sent: datetime, found: list[deadlines.Found]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The days behind the message (or its own) and the days ahead that its time phrases name."""
    base = sent.date()
    first, last = base - timedelta(days=BACK_DAYS), base + timedelta(days=AHEAD_DAYS)
    # "closed since Monday" names when a state began that still holds: no day of the event that another
    # tip's "still closed today" could lie apart from ("stuck since this morning" is today's, either way)
    back = {f.day for f in found if f.kind in KINDS and first <= f.day <= base and (f.past or f.day == base)
            and not (f.began and f.day < base)}
    if _NOW.may_match(text) and _NOW.pattern.search(text):
        back.add(base)
    ahead = {f.day for f in found if not f.past and base < f.day <= last}
    return _ordinals(back)[-MOST_DAYS:], _ordinals(ahead)[:MOST_DAYS]


def _ordinals(days: set[date]) -> tuple[int, ...]:
    return tuple(sorted(d.toordinal() for d in days))


def apart(mine: tuple[int, ...], my_sent: int | None, theirs: Collection[int], their_sent: Collection[int],
          my_ahead: tuple[int, ...] = (), their_ahead: Collection[int] = ()) -> tuple[float | None, int]:
    """How a tip's days and a story's compare (its members' named days and the days they were sent on):
    (the fewest days between a day the tip names and one of the story's, or the tip's own day and one
    the story names, and 0 when one names a day ahead that the other names ahead too or says it happened
    on, the day of the vote they write before or after: None when neither names one; 1 when both name
    their event's days and share one, -1 when those lie DAYS_APART or more apart, else 0). A day ahead
    only closes the gap: many of a desk's meetings and hearings fall on one day, so it is no evidence
    beyond the readers' dates."""
    # a day one side names ahead and the other names ahead too, or says it happened ("vote Thursday, 12/14";
    # "voted yesterday", written the 15th)
    ahead = any(day in their_ahead or day in theirs for day in my_ahead) or any(day in their_ahead for day in mine)
    if not mine and not theirs:
        return (0.0 if ahead else None), 0
    named = [abs(a - b) for a in mine for b in theirs]
    same = 0
    if named:
        nearest = min(named)
        same = 1 if nearest == 0 else -1 if nearest >= DAYS_APART else 0
    gaps = named + [abs(a - b) for a in mine for b in their_sent]
    if my_sent is not None:
        gaps += [abs(my_sent - b) for b in theirs]
    return (0.0 if ahead else float(min(gaps)) if gaps else None), same


def count(story_days: tuple[dict[int, int], dict[int, int], dict[int, int]], days: Days) -> None:
    """A member's days (sent, back, ahead) added to its story's counts of them (sent, back, ahead)."""
    sent, back, ahead = days
    sent_days, back_days, ahead_days = story_days
    if sent is not None:
        sent_days[sent] = sent_days.get(sent, 0) + 1
    for day in back:
        back_days[day] = back_days.get(day, 0) + 1
    for day in ahead:
        ahead_days[day] = ahead_days.get(day, 0) + 1
