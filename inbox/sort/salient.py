"""Salient keys: the names and numbers that readers describing one event share.

MinHash (inbox.sort.clusters) finds rewrites of one text. Several readers who
saw the same thing write it in their own words and share almost none of them;
what they do share are the distinctive names and numbers: "Precinct 14",
"Lincoln Elementary", "Grange Hall", "County Road 6". This module pulls a few
such keys out of the reader's own words:

* a word and the number after it ("precinct 14", "road 6", "room 3b"), with
  common abbreviations spelled out (rd -> road, pct. -> precinct, no. -> number);
  never a long number (phone, account, case file): those are personal data;
* runs of one to three Capitalised words, lower-cased, leaving out function
  words, months, weekdays, titles, a word capitalised only because it starts a
  sentence (or a Title Case subject), the salutation line ("Hi Maya,", "Hello
  Channel 8," name the desk, not the story) and what follows a sign-off (the
  reader's own name), and runs made only of civic nouns ("County Clerk",
  "Election Day": every story on the beat has them).

Keys are kept only as 8-byte blake2b hashes, never as text: a tip's keys are
facts about the tip as sensitive as the tip. Two tips sharing MIN_SHARED or more
keys become a suggestion for an editor (inbox.sort.duplicates), never a join.
"""
from __future__ import annotations

import hashlib
import math
import re

from inbox.sort.clusters import STOP_WORDS

KEY_BYTES = 8
MAX_KEYS = 12
MIN_SHARED = 2  # keys two tips must share to be suggested to an editor
# ... and at least this share of the smaller tip's keys (score()). On the SpamAssassin ham (list
# mail, 3,900 messages) no floor gave 791 suggestions, 51 % within one thread; 0.5 gave 419, 65 %.
# The demo's polling-place tips share 0.5 - 1.0 of their keys.
MIN_SCORE = 0.5
# A key this many stored tips share is the desk's boilerplate (a town, a street every story names): ignored.
MAX_POSTINGS = 100
# The shared keys must be rare enough that a stored tip sharing them all by chance is unlikely: a key
# in df of N stored tips is worth log2(N / df) bits, and together they must beat log2(N) + SURPRISE_BITS
# (1 chance in 32). N is at least PRIOR_TIPS, so a young database does not find every name surprising.
SURPRISE_BITS = 5.0
PRIOR_TIPS = 200

ABBREVIATIONS = {"rd": "road", "st": "street", "str": "street", "ave": "avenue", "av": "avenue", "blvd": "boulevard",
                 "hwy": "highway", "rte": "route", "pct": "precinct", "no": "number", "nr": "number",
                 "apt": "apartment", "rm": "room", "bldg": "building", "ste": "suite", "dist": "district", "ln": "lane",
                 "fl": "floor"}
MONTHS = frozenset("january february march april may june july august september october november december "
                   "jan feb mar apr jun jul aug sep sept oct nov dec".split())
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
                     "fri sat sun today tomorrow yesterday tonight".split())
TITLES = frozenset("mr mrs ms mx dr prof rev hon jr sr gov sen rep lt sgt capt det gen".split())
NOT_NAMES = STOP_WORDS | MONTHS | WEEKDAYS | TITLES | frozenset(
    "miss sir madam since around nearly almost approximately last next past "
    "least every per like page pages step steps age aged ok okay yes i'd i'll we're we've they're".split())
# Nouns every story on a beat names in capitals; a run of these alone says nothing about which story.
CIVIC = frozenset("""
county city state town township village borough federal national public community local
board office department dept agency authority commission committee council court clerk clerks
election elections day school schools elementary middle high district precinct ward
road street avenue lane highway route boulevard drive hall center centre building park
police sheriff fire station hospital clinic library church university college company
north south east west new old
administration staff director secretary treasurer auditor governor mayor judge rep sen senator representative
officer sergeant chief captain deputy commissioner superintendent principal president manager system
people citizens residents voters vote nobody everyone one two three four five six seven eight nine ten
""".split())
# Nouns whose number names a thing ("precinct 14", "road 6", "room 3b", "case 52"), not a quantity ("taking 11 weeks").
ID_NOUNS = frozenset("""
precinct ward district route road street avenue lane highway boulevard interstate exit room courtroom suite unit
apartment floor building lot gate bus line station channel pier dock bay section grade case docket bill item
chapter box local number ordinance resolution measure proposition prop amendment flight plant well tower
""".split())

# The first line when it greets someone ("Hi Maya,", "Ms. Torres,", "Hello Channel 8,"): the desk, not the story.
_SALUTATION = re.compile(r"\A\s*(?:(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|attn|attention"
                         r"|to)\b[^\n]{0,60}|[^\n!?]{0,40}[,:])[ \t]*\n", re.IGNORECASE)
_SIGN_OFF = re.compile(r"(?im)^\s*(?:(?:thanks|thank you|thx|regards|best(?: regards| wishes)?|cheers|sincerely|"
                       r"respectfully|warmly|cordially|yours(?: truly)?|kind regards)\b[^\n]{0,20}|--\s*)$")
# A word, a number (a long or hyphenated one is a phone or file number: skipped below), or a break.
_TOKEN = re.compile(r"(\d(?:[\d,./-]*\d)?[a-zA-Z]?(?!\w))|([^\W\d_]+(?:['’][^\W\d_]+)*)(\.?)|(\n\s*\n|[^\w\s#])")
_NUMBER = re.compile(r"\d{1,4}[a-z]?")


def _key_hash(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=KEY_BYTES).digest()


def _own_text(subject: str, body: str) -> tuple[str, str]:
    """The subject, and the body without its salutation line and anything after a sign-off."""
    body = _SALUTATION.sub("", body, count=1)
    end = _SIGN_OFF.search(body)
    return subject, body[:end.start()] if end else body


def _tokens(text: str, title_case: bool) -> list[tuple[str, str, bool]]:
    """(kind, text, sentence-initial) for each word, number and break of a text."""
    out: list[tuple[str, str, bool]] = []
    append = out.append
    initial = True
    for number, word, dot, brk in _TOKEN.findall(text):
        if number:
            append(("number", number, False))
            initial = False
        elif word:
            append(("word", word, initial or title_case))
            if dot:
                lower = word.lower()
                is_abbreviation = lower in ABBREVIATIONS or lower in TITLES or len(word) == 1
                append((("dot" if is_abbreviation else "break"), ".", False))
                initial = not is_abbreviation
            else:
                initial = False
        else:
            append(("break", brk, False))
            initial = brk.strip() in ("", ".", "!", "?")
    return out


def extract(subject: str, body: str) -> list[str]:
    """The salient keys of a tip, as text (for tests and hashing only: never stored)."""
    subject, body = _own_text(subject, body)
    words_in_subject = [w for w in re.findall(r"[^\W\d_]+", subject) if len(w) > 3]
    title_case = bool(words_in_subject) and sum(w[0].isupper() for w in words_in_subject) * 2 > len(words_in_subject)
    tokens = _tokens(subject, title_case) + [("break", "\n\n", False)] + _tokens(body, False)
    # A word capitalised at a sentence's start is a name only if it is capitalised elsewhere too.
    mid_caps = {t for kind, t, initial in tokens if not initial and kind == "word" and t[0].isupper()}
    found: dict[str, tuple[int, int]] = {}  # key -> (strength, first position)
    run: list[str] = []

    def end_run(at: int) -> None:
        if not run:
            return
        for start in range(0, len(run), 3):
            chunk = run[start:start + 3]
            if not all(w in CIVIC for w in chunk):
                found.setdefault(" ".join(chunk), (len(chunk), at))
        run.clear()

    previous = None
    for at, (kind, text, initial) in enumerate(tokens):
        if kind == "number":
            end_run(at)
            number = text.replace(",", "").lower()
            if previous and _NUMBER.fullmatch(number):
                found.setdefault(f"{previous} {number}", (3, at))
            previous = None
            continue
        if kind == "dot":
            continue  # "Pct. 14", "No. 5": the abbreviation still pairs with its number
        if kind == "break":
            end_run(at)
            previous = None
            continue
        lower = text.lower()
        if lower.endswith(("'s", "’s")):
            lower = lower[:-2]  # "Crestline's" is Crestline
        word = ABBREVIATIONS.get(lower, lower)
        capitalised = text[0].isupper() and (not initial or text in mid_caps)
        previous = word if (word in ID_NOUNS or capitalised) and word not in NOT_NAMES and len(word) > 1 else None
        if capitalised and lower not in NOT_NAMES and len(lower) > 1:
            run.append("saint" if lower == "st" and not run else word)  # "St. Anne" but "Main St."
        else:
            end_run(at)
    end_run(len(tokens))
    ranked = sorted(found, key=lambda k: (-found[k][0], found[k][1]))
    return ranked[:MAX_KEYS]


def keys(subject: str, body: str) -> bytes:
    """The salient keys of a tip as stored: concatenated 8-byte hashes, strongest first."""
    return b"".join(_key_hash(k) for k in extract(subject, body))


def split(data: bytes | None) -> list[bytes]:
    """Stored keys back as a list of 8-byte hashes."""
    return [data[i:i + KEY_BYTES] for i in range(0, len(data or b""), KEY_BYTES)]


class KeyIndex:
    """Stored tips by key hash, to find the tip sharing the most keys with a new one."""

    def __init__(self):
        self.postings: dict[bytes, list[int]] = {}
        self.stored: dict[int, bytes] = {}  # tip id -> its keys, to check a candidate against its row

    def __len__(self) -> int:
        return len(self.stored)

    def add(self, tip_id: int, data: bytes | None) -> None:
        """Index a stored tip's keys (again is harmless)."""
        if not data or tip_id in self.stored:
            return
        self.stored[tip_id] = data
        for key in split(data):
            members = self.postings.setdefault(key, [])
            if len(members) <= MAX_POSTINGS:  # one past the limit marks the key as boilerplate
                members.append(tip_id)

    def keys_of(self, tip_id: int) -> bytes | None:
        return self.stored.get(tip_id)

    def candidates(self, data: bytes | None, limit: int = 3) -> list[tuple[int, int, float]]:
        """(tip id, shared keys, bits) of the stored tips sharing at least MIN_SHARED keys that are
        rare enough together (see SURPRISE_BITS) and at least MIN_SCORE of the smaller key set,
        the most informative first."""
        tips = max(len(self.stored), PRIOR_TIPS)
        shared: dict[int, list[float]] = {}
        for key in split(data):
            members = self.postings.get(key, ())
            if len(members) > MAX_POSTINGS:
                continue
            bits = math.log2(tips / len(members)) if members else 0.0
            for tip_id in members:
                shared.setdefault(tip_id, []).append(bits)
        needed = math.log2(tips) + SURPRISE_BITS
        mine = len(data or b"") // KEY_BYTES
        best = sorted((-sum(b), -len(b), -tip_id) for tip_id, b in shared.items()
                      if len(b) >= MIN_SHARED and sum(b) >= needed
                      and score(len(b), mine, len(self.stored[tip_id]) // KEY_BYTES) >= MIN_SCORE)
        return [(-neg_id, -neg_n, round(-neg_bits, 2)) for neg_bits, neg_n, neg_id in best[:limit]]


def score(shared: int, mine: int, theirs: int) -> float:
    """A suggestion's similarity (0..1): the share of the smaller key set the two tips have in common."""
    return round(shared / max(1, min(mine, theirs)), 3)
