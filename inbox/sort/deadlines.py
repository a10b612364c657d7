"""When a tip's story is due: the dates its words name, resolved against the message's Date.

    found = deadlines.find(text_lower, sent)   # every time phrase, resolved
    due = deadlines.nearest(found, sent)       # the nearest one still ahead, or None

Readers write "the hearing is Tuesday", "tmrw night", "next Thursday the 14th",
"Dec 9", "this weekend", "in two days", "12/9", "el próximo martes", "9 de
diciembre". Each phrase is resolved from the day the message was sent (its Date
header, never today), and read as past or future from the words beside it:
"last Tuesday", "since Dec 1" and "on Tuesday the board voted" are behind the
story; "every Friday" is no deadline at all. Only the phrase's kind and the date
leave this module, never the tip's words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from inbox.mail.decode import naive_local
from inbox.sort.text import Scan, SortInput

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DIAS = ("lunes", "martes", "mi[eé]rcoles", "jueves", "viernes", "s[aá]bado", "domingo")
_MONTHS = {m: i for i, names in enumerate((
    ("jan", "january", "enero"), ("feb", "february", "febrero"), ("mar", "march", "marzo"), ("apr", "april", "abril"),
    ("may", "mayo"), ("jun", "june", "junio"), ("jul", "july", "julio"), ("aug", "august", "agosto"),
    ("sep", "sept", "september", "septiembre", "setiembre"), ("oct", "october", "octubre"),
    ("nov", "november", "noviembre"), ("dec", "december", "diciembre")), start=1) for m in names}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10,
            "a couple of": 2, "a few": 3, "un": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5}
_COUNT = "|".join(sorted(map(re.escape, _NUMBERS), key=len, reverse=True)) + r"|\d{1,2}"
_WEEKDAY = "|".join(DAYS + DIAS)
_ORD = r"(?:st|nd|rd|th|º)?"

# (phrase kind, pattern): over the text lower-cased. Every match names one time.
PHRASES: tuple[tuple[str, re.Pattern], ...] = (
    ("today", re.compile(r"\b(?:today|tonight|tonite|this (?:morning|afternoon|evening)|later today|hoy|esta noche|"
                         r"esta tarde)\b")),
    ("tomorrow", re.compile(r"\b(?:tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|the day after tomorrow|"
                            r"pasado ma[ñn]ana|(?<!la )(?<!esta )(?<!cada )(?<!las )(?<!una )ma[ñn]ana)\b")),
    ("yesterday", re.compile(r"\b(?:yesterday|last night|ayer|anoche|earlier today)\b")),
    ("weekday", re.compile(
        rf"\b({_WEEKDAY})\b(?:,? (?:the )?(\d{{1,2}}){_ORD}\b(?! (?:of )?(?:{_MONTH})\b)(?![/.]\d))?(?: (pasado|que viene))?")),
    ("month-day", re.compile(rf"\b({_MONTH})\.? (\d{{1,2}}){_ORD}\b(?!:|\d)")),
    ("day-month", re.compile(rf"\b(\d{{1,2}}){_ORD} (?:of |de )?({_MONTH})\b")),
    ("numeric", re.compile(r"(?<![\d/.$-])(1[0-2]|0?[1-9])/(3[01]|[12]\d|0?[1-9])(?:/(\d{4}|\d{2}))?(?![\d/%])")),
    ("iso", re.compile(r"\b(20\d\d)-(1[0-2]|0[1-9])-(3[01]|[12]\d|0[1-9])\b")),
    ("day-of-month", re.compile(r"\b(?:on|by|until|before|through|el|the) (?:the )?(\d{1,2})(?:st|nd|rd|th)\b"
                                r"(?! (?:street|st|ave|avenue|ward|district|floor|grade|century|amendment|birthday|"
                                r"anniversary|place|annual|time|precinct|congressional|of (?:" + _MONTH + r")))")),
    ("weekend", re.compile(r"\b(?:this|next|the|este|el pr[oó]ximo) (?:weekend|fin de semana)\b")),
    ("week", re.compile(r"\b(?:next week|this week|end of the week|later this week|la pr[oó]xima semana|"
                        r"la semana que viene|esta semana)\b")),
    ("in-days", re.compile(rf"\b(?:in|within|en|dentro de) ({_COUNT}) (days?|hours?|weeks?|d[ií]as?|horas?|semanas?)\b")),
    ("from-today", re.compile(rf"\b({_COUNT}) (days?|weeks?) (?:from today|from now)\b")),
    # "with three days left", "two weeks away", "four days to go": counted from the message's date, like "in".
    ("days-left", re.compile(rf"\b({_COUNT}) (days?|weeks?|d[ií]as?|semanas?) (?:left|away|to go|remaining|out|"
                             r"until|till|quedan|faltan)\b")),
)
_SCANS = tuple((kind, Scan(rx)) for kind, rx in PHRASES)
# Words one of which a phrase needs, where its own literals are too common ("on", "in"):
# a tip's set of words is made once and checked first.
_GATES: dict[str, frozenset[str]] = {
    "month-day": frozenset(_MONTHS) - {"may", "mar"}, "day-month": frozenset(_MONTHS) - {"may", "mar"},
    "in-days": frozenset("day days hour hours week weeks dia dias día días hora horas semana semanas".split()),
    "days-left": frozenset("day days week weeks dia dias día días semana semanas".split()),
}
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)\b")
# "may" and "mar" are words too: those months only with a day beside them.
_MAY = re.compile(r"\b(?:may|mar)\.? \d|\d(?:st|nd|rd|th)? (?:of |de )?(?:may|mar)\b")
_TOKEN = re.compile(r"\w+")
_MONTH_KINDS = ("month-day", "day-month")

# Words beside a time that say which way it points: the nearest future or past word
# decides; failing both, a present-tense one ("today it's stronger") says not past.
_FUTURE = re.compile(
    r"\b(?:will|'ll|won'?t|going to|gonna|scheduled|slated|set for|planned|expected|due|deadline|"
    r"upcoming|coming up|next(?! to| door)|starts|begins|opens|closes|ends|expires|meets|votes on|is on|are on|is set|"
    r"plan to|plans to|till|'til|not until|va a|van a|vamos a|ser[aá]|pr[oó]xim[oa]|fecha l[ií]mite|vence)\b")
_PRESENT = re.compile(r"\b(?:is|are|'s|'re|am|still|now|has been|have been|keeps|continues|es|est[aá]n?|sigue)\b")
_PAST = re.compile(
    r"\b(?:was|were|had|did|happened|said|told|got|went|came|took|saw|sent|voted|announced|passed|ago|since|last|"
    r"earlier|already|yesterday|stolen|broken|taken|given|done|seen|gone|written|shot|left|found|held|kept|made|"
    r"paid|lost|ran|spoke|stood|thought|wrote|began|brought|bought|caught|fell|felt|heard|knew|led|sold|"
    r"fue|fueron|hubo|pas[oó]|ocurri[oó]|dijo|dijeron|votaron|desde|pasado)\b|"
    r"\b\w{3,}(?<!need)(?<!want)(?<!schedul)(?<!plann)(?<!expect)(?<!suppos)(?<!slat)ed\b")
_RECURRING = re.compile(r"\b(?:every|each|cada|todos los|los)$")
_PAST_LEAD = re.compile(r"\b(?:last|this past|since|from|el pasado|desde)$")
_SINCE = re.compile(r"\b(?:since|ever since|desde)(?: last| this past| el)?$")
_DATE_AFTER = re.compile(rf",? (?:(?:{_MONTH})\b|(?:1[0-2]|0?[1-9])/(?:3[01]|[12]\d|0?[1-9])\b)")  # "Thursday, 12/14" too
_WEEKLY = re.compile(r"\b(?:weekly|every week|each week|semanal(?:mente)?|cada semana)\b")
# "three crashes in an hour" is a rate, not a clock.
_RATE_LEAD = re.compile(r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|dozens?|several|many|multiple)"
                        r"(?: \w+){1,2}$")


@dataclass(frozen=True)
class Found:
    """One time phrase: its kind, the day it names, and whether it points back."""

    kind: str
    day: date
    past: bool
    began: bool = False  # "since Monday": the day a state began that still holds, not a day something happened


def found_in(inp: SortInput) -> tuple[datetime | None, list[Found]]:
    """A message's Date on its writer's own clock (local_sent) and every time phrase of its words
    resolved against it: found once a message, for urgency and for the story index's days alike."""
    memo = inp.__dict__
    if "_time_phrases" not in memo:
        sent = local_sent(inp.headers, inp.sent_at)
        memo["_time_phrases"] = (sent, find(inp.words_lower, sent, inp.word_set) if sent is not None else [])
    return memo["_time_phrases"]


def local_sent(headers: tuple[tuple[str, str], ...], sent_at: datetime | None) -> datetime | None:
    """The message's Date as its writer's clock read it (naive): a Friday-night message is a Friday,
    though in UTC it is Saturday; else the stored UTC time."""
    for name, value in headers:
        if name == "date":
            try:
                return naive_local(value)
            except (TypeError, ValueError, IndexError):
                break
    return sent_at


def find(text: str, sent: datetime, tokens: frozenset[str] | None = None) -> list[Found]:
    """Every time phrase in text (lower-cased), resolved against the day the message was sent
    (tokens: its words, where the caller has them already)."""
    base = sent.date()
    found: list[Found] = []
    tokens = frozenset(_TOKEN.findall(text)) if tokens is None else tokens
    may_day = ("may" in tokens or "mar" in tokens) and _MAY.search(text) is not None
    for kind, scan in _SCANS:
        gate = _GATES.get(kind)
        if gate is not None and gate.isdisjoint(tokens) and not (kind in _MONTH_KINDS and may_day) \
                or kind == "day-of-month" and not _ORDINAL.search(text):
            continue
        if not scan.may_match(text):
            continue
        for m in scan.pattern.finditer(text):
            lead = text[max(0, m.start() - 24):m.start()].rstrip()
            if _RECURRING.search(lead) or (kind in ("in-days", "days-left") and _RATE_LEAD.search(lead)):
                continue
            if _reachable_then(text, m):
                continue
            if kind in _DATE_KINDS and _is_timestamp(text, m):
                continue
            resolved = _resolve(kind, m, base, text, _PAST_LEAD.search(lead) is not None)
            if resolved and _SINCE.search(lead):  # "closed since Monday": the day a state began, still so
                resolved = [replace(f, began=True) for f in resolved]
            found += resolved
    return found


# When the writer can be reached ("glad to answer questions tomorrow", "call me Friday", "puedo hablar
# mañana") is the desk's appointment with its source, not the story's deadline.
_CONTACT_LEAD = re.compile(
    r"\b(?:(?:glad|happy|available|free|able|willing) to (?:talk|speak|chat|answer|meet|help|explain)|"
    r"(?:call|reach|text|phone|contact|email|e-mail|ring) (?:me|us)|(?:can|could) (?:talk|speak|meet|chat)|"
    r"ll[aá]m[ea]me|puedo (?:hablar|explicar|reunirme)|estoy disponible)\b[^.!?,;\n]{0,40}$")


def _reachable_then(text: str, m: re.Match) -> bool:
    lead = text[max(0, m.start() - 80):m.start()]
    return _CONTACT_LEAD.search(lead) is not None


_DATE_KINDS = ("month-day", "day-month", "numeric", "iso", "weekday")
# A date with a clock time after it, or on a quoted header's line, stamps a message: no deadline.
_CLOCK = re.compile(r"[ ,]+(?:\d{4}[ ,]+)?(?:at )?\d{1,2}:\d{2}")
_HEADER_LINE = re.compile(r"\b(?:wrote|sent|date|schrieb|escribi[oó]|a [ée]crit|enviado|fecha):")


def _is_timestamp(text: str, m: re.Match) -> bool:
    line_start, line_end = text.rfind("\n", 0, m.start()) + 1, text.find("\n", m.end())
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    return _CLOCK.match(text, m.end()) is not None or _HEADER_LINE.search(line) is not None


def nearest(found: list[Found], sent: datetime) -> Found | None:
    """The nearest phrase that is not behind the message: its deadline."""
    ahead = [f for f in found if not f.past and f.day >= sent.date()]
    return min(ahead, key=lambda f: f.day, default=None)


def _resolve(kind: str, m: re.Match, base: date, text: str, past_lead: bool) -> list[Found]:
    if kind == "yesterday":
        return [Found(kind, base - timedelta(days=1), True)]
    if kind == "today":
        return [Found(kind, base, past_lead or _today_is_past(text, m))]
    if kind == "tomorrow":
        later = "after" in m[0] or "pasado" in m[0]
        return [Found(kind, base + timedelta(days=2 if later else 1), False)]
    if kind == "weekday":
        return _weekday(m, base, text, past_lead)
    if kind in ("month-day", "day-month", "numeric", "iso", "day-of-month"):
        return [Found(kind, d, d < base or past_lead) for d in _date(kind, m, base)]
    if kind == "weekend":
        ahead = (5 - base.weekday()) % 7 if base.weekday() < 5 else 0
        return [Found(kind, base + timedelta(days=ahead + (7 if m[0].startswith("next") else 0)),
                      _points_back(text, m, default=True))]
    if kind == "from-today":
        count = _NUMBERS.get(m[1], None) or int(m[1])
        return [Found(kind, base + timedelta(days=count * (7 if m[2].startswith("week") else 1)), False)]
    if kind == "week":
        if m[0] in ("next week", "la próxima semana", "la proxima semana", "la semana que viene"):
            return [Found(kind, base + timedelta(days=11 - base.weekday()), False)]  # by its Friday: vaguer than a day
        return [Found(kind, base + timedelta(days=max(0, 4 - base.weekday())),
                      _points_back(text, m, default=True, future_only=True))]
    count, unit = _NUMBERS.get(m[1], None) or int(m[1]), m[2]
    if count == 1 and _points_back(text, m, default=True, future_only=True):
        return []  # "back in a week", "second time in a week": no clock without a word that sets one
    days = count * 7 if unit.startswith("week") or unit.startswith("semana") else count if unit[0] == "d" else 0
    return [Found(kind, base + timedelta(days=days), False)]


_EVENT = re.compile(r"'s (?:\w+ )?(?:meeting|hearing|vote|rally|session|deadline|protest|vigil|forum|event|election|"
                    r"council|board|town hall|shutoff|closing|sweep|eviction)")


# "The election is Tuesday", "the vote's on the 5th": the time is what the thing is set for.
_IS_ON = re.compile(r"(?:\bis|\bare|'s|'re|\bes|\bson|\bwill be|\bset for|\bscheduled for|\bdue) (?:on )?$")


# Someone's whereabouts now: "I'm at my sister's", "we are staying with friends".
_STATE = re.compile(r"\b(?:i|we|she|he|they)(?:['’]m|['’]re|['’]s| am| are| is) (?:at|in|with|staying|sleeping)\b")


def _today_is_past(text: str, m: re.Match) -> bool:
    """"Today" is the story's clock only when its words point ahead ("the vote is today",
    "they clear the camp tonight", "tonight's meeting"), not when they tell the day's news."""
    if text.startswith("'s", m.end()):
        return not _EVENT.match(text, m.end())
    start, end = _bounds(text, m)
    if _STATE.search(text, start, m.start()) and not _FUTURE.search(text, start, end):
        return True  # "I'm at my mom's tonight": where things stand today, not what is due
    if _IS_ON.search(text, max(0, m.start() - 16), m.start()):
        return False
    evening = m[0] in ("tonight", "tonite", "later today", "esta noche")
    return _points_back(text, m, default=not evening, future_only=not evening)


# A time of day after a weekday, as an invitation or a notice gives it: "Sunday from 2 to 5 p.m.", "Tuesday at 7pm".
_APPOINTMENT = re.compile(r",? (?:from |at |starting at )?\d{1,2}(?::\d{2})? ?(?:(?:-|–|to|until) ?\d{1,2}(?::\d{2})? ?)?"
                          r"(?:a\.?m|p\.?m)\b|,? from \d{1,2}(?::\d{2})? (?:to|until|till|-) ?\d")


# Words before "Monday's meeting" that make it a thing to go to (not "a statement on Monday's meeting").
_TO_ATTEND = re.compile(r"\b(?:at|to|for|before|until|ahead of|attend|attending)\s$")


# The word before a weekday, looked for after the weekday is found: "next", "last", "every", "el".
_WEEKDAY_LEAD = re.compile(r"\b(this|next|coming|last|past|on|by|until|before|every|each|este|el|pr[oó]ximo|cada|"
                           r"todos los|los) $")


def _weekday(m: re.Match, base: date, text: str, past_lead: bool) -> list[Found]:
    name, day_of_month, after = m[1], m[2], m[3]
    before = _WEEKDAY_LEAD.search(text, max(0, m.start() - 12), m.start())
    lead = before[1] if before else None
    if lead in ("every", "each", "cada", "todos los", "los") or _DATE_AFTER.match(text, m.end()) \
            or _WEEKLY.search(_sentence(text, m)):
        return []  # recurring; or "Friday, December 1": the date says it
    if day_of_month:  # "Thursday the 14th": the 14th decides
        return [Found("weekday", d, d < base) for d in _nearest_day_of_month(base, int(day_of_month))]
    wanted = next(i for i, pattern in enumerate(zip(DAYS, DIAS)) if any(re.fullmatch(p, name) for p in pattern))
    ahead = (wanted - base.weekday()) % 7
    back = past_lead or lead in ("last", "past") or after == "pasado"
    if not back and lead in ("by", "until", "before"):  # "out by Monday": ahead, unless the words say it was
        back = _points_back(text, m, default=False)
    elif not back and lead not in ("this", "next", "coming", "este", "próximo", "proximo") and after != "que viene" \
            and not _IS_ON.search(text, max(0, m.start() - 16), m.start()):
        event = _EVENT.match(text, m.end()) if _TO_ATTEND.search(text, max(0, m.start() - 16), m.start()) else None
        clock = _APPOINTMENT.match(text, m.end())
        if event:  # "speak at Monday's board meeting": a thing to go to, named by its day; ahead unless it "was"
            back = _PAST.match(text, event.end() + 1) is not None
        elif clock:  # "Sunday from 2 to 5 p.m. we invite…": a plan, unless the words after say "was"
            tail = re.split(r"[.!?\n]", text[clock.end():clock.end() + 60].lstrip(". "), maxsplit=1)[0]
            cue = _nearest_cue("", tail, ((_FUTURE, False), (_PAST, True)))
            back = cue is not None and cue[1]
        else:  # a tip tells what happened, unless its words say otherwise
            back = _points_back(text, m, default=True)
    if back:
        return [Found("weekday", base - timedelta(days=(base.weekday() - wanted) % 7 or 7), True)]
    if lead == "next" and ahead <= 1:
        ahead += 7  # "next Monday", written on a Sunday or a Monday, is the one after
    return [Found("weekday", base + timedelta(days=ahead), False)]


def _date(kind: str, m: re.Match, base: date) -> list[date]:
    if kind == "month-day":
        return _near_year(base, _MONTHS[m[1]], int(m[2]))
    if kind == "day-month":
        return _near_year(base, _MONTHS[m[2]], int(m[1]))
    if kind == "iso":
        return _safe(int(m[1]), int(m[2]), int(m[3]))
    if kind == "day-of-month":
        return _nearest_day_of_month(base, int(m[1]))
    month, day, year = int(m[1]), int(m[2]), m[3]
    if year:
        return _safe(int(year) + (2000 if len(year) == 2 else 0), month, day)
    return _near_year(base, month, day)


def _near_year(base: date, month: int, day: int) -> list[date]:
    """The date nearest the message: "Jan 2" written on Dec 31 is next year's, "Dec 30" on Jan 2 last year's."""
    options = [d for year in (base.year - 1, base.year, base.year + 1) for d in _safe(year, month, day)]
    return [min(options, key=lambda d: abs((d - base).days))] if options else []


def _nearest_day_of_month(base: date, day: int) -> list[date]:
    """"The 14th": this month's if it is at most a few days gone, else next month's."""
    month_start = base.replace(day=1)
    options = [d for start in (month_start, (month_start + timedelta(days=32)).replace(day=1))
               for d in _safe(start.year, start.month, day)]
    ahead = [d for d in options if d >= base - timedelta(days=3)]
    return ahead[:1]


def _safe(year: int, month: int, day: int) -> list[date]:
    try:
        return [date(year, month, day)]
    except ValueError:
        return []


def _points_back(text: str, m: re.Match, default: bool, future_only: bool = False) -> bool:
    """Whether the words nearest the phrase, in its sentence, speak of the past; with
    future_only, anything but a word of the future ("will", "starts") counts as past."""
    start, end = _bounds(text, m)
    before, after = text[max(start, m.start() - 60):m.start()], text[m.end():min(end, m.end() + 60)]
    best = _nearest_cue(before, after, ((_FUTURE, False), (_PAST, True)))
    if best is None:
        best = _nearest_cue(before, after, ((_PRESENT, False),))
    if best is None:
        return default
    return best[1] if future_only is False or best[1] else not _FUTURE.search(before + " " + after)


def _nearest_cue(before: str, after: str, kinds) -> tuple[int, bool] | None:
    best: tuple[int, bool] | None = None
    for rx, past in kinds:
        for cue in rx.finditer(before):
            distance = len(before) - cue.end()
            if best is None or distance < best[0]:
                best = (distance, past)
        cue = rx.search(after)
        if cue and (best is None or cue.start() < best[0]):
            best = (cue.start(), past)
    return best


# Words that put a state of danger behind the message: in its sentence, "was", "yesterday";
# in it or the next, "the heat came back", "the advisory was lifted".
_OVER = re.compile(r"\b(?:was|were|yesterday|last (?:week|night|month|year|winter)|used to)\b")
_ENDED = re.compile(r"\b(?:fixed|restored|repaired|back on|came back|is back|came and fix|lifted|is over|was over|ended|"
                    r"resolved|no longer|anymore|arregl\w+|volvi[oó]|ya (?:hay|tenemos))\b")


# The past for a state: "no water since Tuesday", "we've had no heat" are still going on.
_PAST_STATE = re.compile(_PAST.pattern.replace("had|", "(?<!'ve )(?<!have )(?<!has )had|").replace("since|", "")
                         .replace("already|", ""))


def is_over(text: str, m: re.Match) -> bool:
    """Whether the words around a danger say it has passed ("the heat came back", "there was a
    gas leak"); "since Tuesday" and "we've had" say it goes on."""
    start, end = _bounds(text, m)
    following = min((i for i in (text.find(c, end + 1) for c in ".\n!?") if i >= 0), default=len(text))
    if _ENDED.search(text, max(start, m.start() - 60), min(following, m.end() + 160)) \
            or _OVER.search(text, max(start, m.start() - 60), min(end, m.end() + 60)):
        return True
    before, after = text[max(start, m.start() - 60):m.start()], text[m.end():min(end, m.end() + 60)]
    best = _nearest_cue(before, after, ((_FUTURE, False), (_PAST_STATE, True), (_PRESENT, False)))
    return best is not None and best[1]


def _bounds(text: str, m: re.Match) -> tuple[int, int]:
    """Where the sentence holding the match starts and ends."""
    start = max(text.rfind(c, 0, m.start()) for c in ".\n!?") + 1
    ends = [i for i in (text.find(c, m.end()) for c in ".\n!?") if i >= 0]
    return start, min(ends, default=len(text))


def _sentence(text: str, m: re.Match) -> str:
    start, end = _bounds(text, m)
    return text[start:end]
