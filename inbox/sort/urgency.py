"""Urgency: a real deadline within a week of the message's Date, or danger now; tables of
rules read top to bottom, dates resolved by inbox.sort.deadlines."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from inbox.sort import deadlines
from inbox.sort.text import Scan, SortInput

_I = re.IGNORECASE

# (rule name, pattern): danger now, or a story happening as the reader writes. A phrase
# the words beside it put in the past ("there was a gas leak last week") does not count.
URGENT_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("gas-leak", re.compile(r"\b(?:smell(?:s|ing)? (?:of |like )?(?:natural )?gas|gas (?:leak|smell|odou?r)s?|"
                            r"leaking gas|carbon monoxide|chemical (?:smell|odou?r)s?|smells? (?:like|of) (?:rotten eggs|"
                            r"chemicals?|sulfur|burning)|fumes|fuga de gas|huele a gas|olor a gas)\b", _I)),
    ("no-heat", re.compile(r"\b(?:no heat|without heat|heat (?:is|has been|went|was) (?:off|out)|"
                           r"(?:heat|heating|furnace|boiler) (?:is )?(?:broken|out|dead|not working|doesn'?t work|isn'?t working)|"
                           r"sin calefacci[oó]n|no (?:hay|tenemos|tienen) calefacci[oó]n)\b", _I)),
    ("no-power-in-cold", re.compile(r"\b(?:no (?:power|electricity|water)|without (?:power|electricity|water)|"
                                    r"power (?:is |has been |was )?out|pipes (?:are )?(?:freezing|frozen|bursting)|"
                                    r"(?:shut|cut|turned) off (?:my|our|the|their|her|his) (?:power|electricity|heat|gas|water)|"
                                    r"sin (?:luz|agua|electricidad))\b", _I)),
    ("fire-now", re.compile(r"\b(?:on fire|(?:is|are|'s|still) (?:burning|in flames)|fire (?:is )?(?:spreading|still burning)|"
                            r"smoke (?:is )?(?:pouring|coming|comming|filling|everywhere)|se est[aá] quemando)\b", _I)),
    ("flooding-now", re.compile(r"\b(?:(?:is|are|'s|keeps?|still) flooding|water (?:is )?(?:rising|coming in|pouring|"
                                r"gushing|shooting|running down)|"
                                r"se est[aá] inundando|(?:is|are) (?:under water|underwater)|flooded right now)\b", _I)),
    ("trapped-now", re.compile(r"\b(?:(?:are|is|we'?re|i'?m|been|still|people|riders|passengers|cars) "
                               r"(?:stuck|trapped|stranded)|atrapad[oa]s)\b", _I)),
    ("shooting-now", re.compile(r"\b(?:shots? (?:being )?fired|active shooter|(?:is|are|'s) shooting|"
                                r"gunfire (?:right )?now|(?:hear|hearing|heard) (?:gun)?shots|disparos)\b", _I)),
    ("warning-in-force", re.compile(r"\b(?:(?:boil(?:[- ]water)?|shelter[- ]in[- ]place|evacuation|do not drink) "
                                    r"(?:advisory|notice|order|warning)|evacuations? (?:is |are )?(?:underway|in progress|"
                                    r"ordered|issued)|(?:issued|ordered) an? (?:voluntary |mandatory )?evacuation|"
                                    r"(?:is|are) evacuating)\b", _I)),
)
# Said of the moment itself: no tense to read ("a boom just now, the house shook").
NOW_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("in-progress", re.compile(r"\b(?:as we speak|happening now|minutes ago|just now|just heard|ahora mismo|"
                               r"en este momento|hace (?:unos )?minutos)\b", _I)),
)
# No heat, power or water is a danger when the tip speaks of the cold; no heat in the
# cold months of the message's Date too (the desks this serves are in the north).
_COLD = re.compile(r"\b(?:freez\w*|frozen|cold|frigid|below zero|degrees|winter|ice|snow|fr[ií]o|helad\w*|congel\w*)\b")
COLD_MONTHS = (11, 12, 1, 2, 3)
URGENT_DAYS = 7  # a deadline at most this many days after the message's Date is urgent

_URGENT_SCANS = tuple((name, Scan(rx)) for name, rx in URGENT_RULES)
_SAYS_URGENT = Scan(re.compile(r"\b(?:urgent(?:ly)?|asap|as soon as possible|time[- ]sensitive|urgente)\b", _I))
_NOW_SCANS = tuple((name, Scan(rx)) for name, rx in NOW_RULES)
_NEEDS_COLD = ("no-heat", "no-power-in-cold")


@dataclass(frozen=True)
class Urgency:
    rules: list[str]  # the rules that fired: danger now, or "deadline-<phrase kind>"
    deadline: datetime | None  # the nearest day the story is due by (midnight), danger now: the Date itself
    why: dict  # the explanation: rule names, the phrase kind and the resolved date, never tip text


def urgency(inp: SortInput, now: datetime | None = None) -> list[str]:
    """The urgency rules that fired (see urgency_of)."""
    return urgency_of(inp, now).rules


def urgency_of(inp: SortInput, now: datetime | None = None) -> Urgency:
    """Danger now, or a deadline within URGENT_DAYS of the message's Date (not of today)."""
    text = inp.words_lower  # every urgency and date pattern is case-insensitive
    # The Date on the writer's own clock: a Friday-night "tomorrow" is Saturday (deadlines.local_sent).
    sent, found = deadlines.found_in(inp)
    if sent is None:
        sent = now or datetime.now()
        found = deadlines.find(text, sent, inp.word_set)
    fired = []
    why: dict = {}
    if _SAYS_URGENT.search(inp.words, text):
        why["reader_says_urgent"] = True  # a claim, not a clock: it does not decide alone
    for name, scan in _URGENT_SCANS:
        if not scan.search(inp.words, text) or all(deadlines.is_over(text, m) for m in scan.pattern.finditer(text)):
            continue  # every mention is of the past: "there was a gas leak last week"
        if name in _NEEDS_COLD and not _COLD.search(text) and (name != "no-heat" or sent.month not in COLD_MONTHS):
            continue
        fired.append(name)
    fired += [name for name, scan in _NOW_SCANS if scan.search(inp.words, text)]
    due = deadlines.nearest(found, sent)
    why["rules"] = fired
    deadline = datetime(sent.year, sent.month, sent.day) if fired else None
    if due is not None:
        days = (due.day - sent.date()).days
        why["deadline"] = {"phrase": due.kind, "date": due.day.isoformat(), "days_after_sent": days}
        deadline = min(filter(None, (deadline, datetime(due.day.year, due.day.month, due.day.day))))
        if days <= URGENT_DAYS:
            fired.append(f"deadline-{due.kind}")
    return Urgency(fired, deadline, why)
