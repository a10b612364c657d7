"""Sensitive-content and urgency flags: tables of rules, read top to bottom.

Sensitive rules record which *kinds* of personal data or sensitive subjects a
tip holds, never the matched text, so the board can mask previews and limit who
sees the tip. They scan the whole body: a source's own phone number in their
signature is exactly what must not travel further.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from inbox.sort.text import Scan, SortInput, quick

_I = re.IGNORECASE

# (kind, rule name, pattern). A kind is recorded when any of its rules matches.
SENSITIVE_RULES: tuple[tuple[str, str, re.Pattern], ...] = (
    # North American numbers, with or without +1 and punctuation; and international +CC numbers.
    ("phone", "nanp-number", re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?\d{3}[\s.-]\d{4}(?![\w-])")),
    ("phone", "international-number", re.compile(r"(?<!\w)\+[2-9]\d{0,2}[\s.-]?\d(?:[\s.-]?\d){6,12}(?!\w)")),
    # Bounded parts and a start only at a token boundary: a long run of letters scans in linear time.
    ("email", "email-address", re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[a-z]{2,24}\b", _I)),
    # A house number, one to three capitalised words, and a street type.
    ("street_address", "house-number-street", re.compile(
        r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][\w'-]*\s+){1,3}"
        r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy)\b\.?")),
    ("street_address", "apartment-unit", re.compile(r"\b(?:apt|apartment|unit|suite)\.?\s*#?\s*\d+[a-z]?\b", _I)),
    ("ssn", "ssn-dashed", re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")),
    ("ssn", "ssn-named", re.compile(r"\b(?:ssn|social security (?:number|no\.?|#))\W{0,3}\d", _I)),
    ("alien_number", "a-number", re.compile(r"(?<![\w-])A[- ]?(?:\d{3}[- ]?\d{3}[- ]?\d{3}|\d{8})(?![\w-])")),
    ("alien_number", "a-number-named", re.compile(r"\b(?:a-number|alien (?:registration )?(?:number|no\.?|#))", _I)),
    ("date_of_birth", "dob-named", re.compile(r"\b(?:d\.?o\.?b\.?|date of birth|birth ?date|born on)\b", _I)),
    ("immigration_status", "status-words", re.compile(
        r"\b(?:undocumented|illegal(?:ly)? (?:alien|immigrant)s?|no papers|without papers|overstay(?:ed)?|"
        r"deport(?:ed|ation)|asylum|daca|green card|visa status|immigration status|ice detention|detained by ice)\b", _I)),
    # The same in Spanish: many readers who write about immigration do.
    ("immigration_status", "status-words-es", re.compile(
        r"\b(?:sin papeles|no tienen? papeles|indocumentad[oa]s?|deportad[oa]s?|deportaci[oó]n|asilo|"
        r"detenid[oa]s? por (?:ice|inmigraci[oó]n)|estatus migratorio)\b", _I)),
    ("health", "health-words", re.compile(
        r"\b(?:diagnos(?:is|ed)|hiv|cancer|chemo(?:therapy)?|pregnan(?:t|cy)|miscarriage|abortion|"
        r"mental (?:health|illness)|psychiatric|depression|suicid(?:e|al)|rehab|addiction|medical records?|"
        r"disabilit(?:y|ies)|prescription|dialysis|hiv-positive)\b", _I)),
    ("health", "aids", re.compile(r"\bAIDS\b")),  # in capitals only: "aids" is also a verb
    ("minor", "minor-words-es", re.compile(r"\b(?:menor(?:es)? de edad|mis hijos|mi hij[oa]|sus hijos|su hij[oa])\b", _I)),
    ("minor", "minor-words", re.compile(
        r"\b(?:minors|(?:is|was|a) minor(?! (?:issue|problem|detail|change|repair|injur\w*|offen[cs]e))|"
        r"my (?:son|daughter|kids?|children|child)|(?:his|her|their) (?:son|daughter)|"
        r"juvenile|teen(?:ager)?s?|(?:1[0-7]|[1-9])[- ]year[- ]old|kindergart(?:en|ner)|"
        r"(?:elementary|middle|high)[- ]school(?:er)? students?|foster (?:child|kid|care))\b", _I)),
)


_SENSITIVE_SCANS = tuple((kind, name, Scan(rx)) for kind, name, rx in SENSITIVE_RULES)


def sensitive_kinds(inp: SortInput) -> tuple[tuple[str, ...], list[str]]:
    """The kinds found (sorted) and the name of the first rule that found each; never the matches."""
    text, lowered = inp.everything, inp.everything_lower
    kinds: set[str] = set()
    names: list[str] = []
    for kind, name, scan in _SENSITIVE_SCANS:
        if kind not in kinds and scan.search(text, lowered):  # one rule per kind is enough to say so
            kinds.add(kind)
            names.append(name)
    return tuple(sorted(kinds)), names


# (rule name, pattern): words that put the story's clock under 48 hours.
URGENT_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("today", re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", _I)),
    ("tomorrow", re.compile(r"\btomorrow(?:'s)?\b", _I)),
    ("right-now", re.compile(r"\b(?:right now|as we speak|happening now|in (?:an|one|two|a few) hours?)\b", _I)),
    ("urgent-word", re.compile(r"\b(?:urgent(?:ly)?|asap|as soon as possible|time[- ]sensitive|breaking)\b", _I)),
)

_MONTHS = {m: i for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for m in names}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# quick() leads each with a look-ahead for its first characters: re then skips every other
# position before it tries the boundary and the alternatives (a quarter less time over whole bodies).
_MONTH_DAY = quick(re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b"))
_DAY_MONTH = quick(re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b"))
_NUMERIC = quick(re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b"))
_WEEKDAY = re.compile(rf"\b(?:this|on|next|coming)\s+({'|'.join(_DAYS)})\b|\b({'|'.join(_DAYS)})(?:'s)?\s+(?:hearing|meeting|vote|deadline|rally|session)\b")


_URGENT_SCANS = tuple((name, Scan(rx)) for name, rx in URGENT_RULES)


def urgency(inp: SortInput, now: datetime | None = None) -> list[str]:
    """The urgency rules that fired; a date within 48 hours of the message counts too."""
    text = inp.words_lower  # every urgency and date pattern is case-insensitive
    fired = [name for name, scan in _URGENT_SCANS if scan.search(inp.words, text)]
    sent = inp.sent_at or now or datetime.now()
    if any(_within_48h(d, sent) for d in _dates(text, sent.date())):
        fired.append("date-within-48h")
    return fired


def _dates(text: str, base: date) -> list[date]:
    """Dates written in text, which is lower-cased: the patterns below are compiled for that."""
    found: list[date] = []
    for m in _MONTH_DAY.finditer(text):
        found += _this_year(base, _MONTHS[m.group(1).lower()], int(m.group(2)))
    for m in _DAY_MONTH.finditer(text):
        found += _this_year(base, _MONTHS[m.group(2).lower()], int(m.group(1)))
    for m in _NUMERIC.finditer(text):
        if m.group(3):
            year = int(m.group(3))
            found += _safe(year + 2000 if year < 100 else year, int(m.group(1)), int(m.group(2)))
        else:
            found += _this_year(base, int(m.group(1)), int(m.group(2)))
    for m in _WEEKDAY.finditer(text):
        wanted = _DAYS.index((m.group(1) or m.group(2)).lower())
        found.append(base + timedelta(days=(wanted - base.weekday()) % 7))
    return found


def _this_year(base: date, month: int, day: int) -> list[date]:
    # "Jan 2" written on Dec 31 means next year's.
    found = _safe(base.year, month, day)
    if found and found[0] < base - timedelta(days=180):
        found = _safe(base.year + 1, month, day)
    return found


def _safe(year: int, month: int, day: int) -> list[date]:
    try:
        return [date(year, month, day)]
    except ValueError:
        return []


def _within_48h(day: date, sent: datetime) -> bool:
    # A date with no time means its whole day: urgent if any of it falls in the next 48 hours.
    start = datetime(day.year, day.month, day.day)
    return start + timedelta(days=1) > sent and start <= sent + timedelta(hours=48)
