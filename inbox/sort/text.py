"""What sorting reads of a tip: the same few fields whether it comes fresh from
the clean stage or back from the database for a re-sort.

Topics, spam and clusters look at the subject and the reader's own words (not
the quoted mail, not the signature); the personal-data flags look at all of it,
since a source's own phone number in a signature is exactly what to protect.
"""
from __future__ import annotations

import email.parser
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from inbox.mail.headers import WANTED as _KIND_HEADERS
from inbox.sort.literals import LITERALS

# The mail server's verdict, where one ran a filter before us.
SPAM_HEADERS = ("x-spam-flag", "x-spam-status")
# A discussion list's headers (RFC 2369/2919), as inbox.mail.headers names them; a bulk sender's
# List-Unsubscribe alone (a press release, an advisory) is still one organisation's account.
DISCUSSION_LIST = ("list-id", "list-post")
# Every header sorting reads: the server's verdicts (spam, SPF/DKIM/DMARC), what the
# spam evidence checks for consistency, and what the non-tip rules read (mail/headers.py).
SORT_HEADERS = frozenset(SPAM_HEADERS) | {
    "authentication-results", "received-spf", "x-spam-score", "from", "message-id", "date", "to", "reply-to",
    "return-path", "x-mailer", "mime-version", "content-type",
} | _KIND_HEADERS
# What a story is about shows in its first pages; reading a 5 MB paste costs
# seconds of n-grams and says no more. Flags still read the whole text.
WORDS_LIMIT = 4000
HTML_LIMIT = 100_000
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SortInput:
    subject: str
    new_text: str  # the reader's own words: no quote, no signature
    full_text: str  # the whole text body
    sender: str  # lower-cased address
    sent_at: datetime | None  # naive UTC
    spam_headers: tuple[tuple[str, str], ...] = ()
    automatic: bool = False  # an auto-reply or a bounce: no reader's story to cluster
    listed: bool = False  # a discussion list's post (List-Id, List-Post): the list's conversation, not a reader's account
    headers: tuple[tuple[str, str], ...] = ()  # (lower-cased name, decoded value) of SORT_HEADERS, in order
    html: str = ""  # the HTML as sent (a stored tip: its sanitised HTML), up to HTML_LIMIT: the spam evidence reads its shape

    @property
    def own_words(self) -> str:
        """The reader's own words, up to WORDS_LIMIT characters."""
        return self.new_text[:WORDS_LIMIT]

    @cached_property
    def words(self) -> str:
        """What the topic rules, the models and the duplicate index read."""
        return f"{self.subject}\n{self.own_words}"

    @cached_property
    def everything(self) -> str:
        """What the personal-data flags read: the subject and the whole body. When the whole
        body is the reader's words (no quote, no signature, a short body: half of all mail),
        the very string words is: the literals the topic rules found in it are found once."""
        return self.words if self.full_text == self.own_words else f"{self.subject}\n{self.full_text}"

    @cached_property
    def words_lower(self) -> str:
        return self.words.lower()

    @cached_property
    def everything_lower(self) -> str:
        return self.words_lower if self.everything is self.words else self.everything.lower()

    @cached_property
    def word_set(self) -> frozenset[str]:
        """The words (\\w+) of words_lower, made once: the topic keywords and the deadline gates look them up."""
        return frozenset(_WORD.findall(self.words_lower))


class Scan:
    """A rule's pattern, run the cheap way.

    Python's re is two to three times slower with IGNORECASE, and the rule tables
    are most of the sort stage's time. So a case-insensitive pattern runs
    case-sensitively, its letters lower-cased, over the text lower-cased once per
    tip; a pattern that is one case-sensitive group ("(?-i:\\bICE\\b)") runs as
    that group alone; any other runs as written, over the text as written.
    And most rules match few tips: where every match must contain one of a few
    literal strings ("asylum", "deport", "@"), a text holding none of them is
    passed over without a regex scan. Which strings a text holds is found once
    for every rule, in one pass (inbox.sort.literals). The tables stay as readable
    as before: they are written with re.IGNORECASE.
    """

    __slots__ = ("pattern", "lower", "needles", "_ids")

    def __init__(self, rx: re.Pattern):
        rx = _case_sensitive_group(rx)
        # Group names and \\N{NAME} would change meaning if lower-cased: those run as written.
        self.lower = bool(rx.flags & re.IGNORECASE) and not re.search(r"\(\?-i|\(\?P|\\N", rx.pattern)
        pattern = re.compile(_lower_letters(rx.pattern), rx.flags & ~re.IGNORECASE) if self.lower else rx
        self.needles = None if pattern.flags & re.IGNORECASE else needles(pattern.pattern)
        self.pattern = quick(pattern)
        self._ids = None if self.needles is None else LITERALS.ids(self.needles)

    def may_match(self, text: str) -> bool:
        """False only when text holds none of the strings every match contains."""
        return self._ids is None or LITERALS.any_in(self._ids, self.needles, text)

    def search(self, text: str, lowered: str) -> re.Match | None:
        text = lowered if self.lower else text
        if not self.may_match(text):
            return None
        return self.pattern.search(text)


def quick(rx: re.Pattern) -> re.Pattern:
    """rx, led by a look-ahead for the characters a match can start with, where it starts
    with an assertion (a look-behind, \\b): the same matches, found two to thirty times faster.

    re skips to a match's possible first characters only when the pattern starts with
    a literal or a class; before an assertion it tries every position, and the
    assertion, in full. A class in a look-ahead costs a position one test instead.
    """
    try:
        from re import _parser

        items = _parser.parse(rx.pattern, rx.flags)
        if not items.data or items.data[0][0] not in (_parser.AT, _parser.ASSERT, _parser.ASSERT_NOT):
            return rx
        found = _first_chars(items.data, _parser)
        if found is None or found[1] or not found[0] or BROAD.intersection(found[0]):
            return rx  # it can match an empty string, starts almost anywhere, or in a way not followed here
        return re.compile(f"(?=[{''.join(sorted(set(found[0])))}])(?:{rx.pattern})", rx.flags)
    except Exception:  # noqa: BLE001 - an optimisation must never break a rule (e.g. "(?m)" must lead)
        return rx


BROAD = {r"\w", r"\W", r"\S", r"\D"}  # most characters: a look-ahead for them costs more than it saves
_CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
               "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}


def _first_chars(items, c) -> tuple[list[str], bool] | None:
    """(members of a class holding every possible first character, whether the sequence
    can match empty), or None for anything not followed (a negated class, '.', flags)."""
    members: list[str] = []
    for op, av in items:
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero width: the next item starts the match
        if op is c.LITERAL:
            return members + [re.escape(chr(av))], False
        if op is c.IN:
            found = [_class_member(o, v) for o, v in av]
            return (None if None in found else (members + found, False))  # type: ignore[operator]
        if op is c.SUBPATTERN:
            if av[1] or av[2]:
                return None
            parts = [av[3]]
        elif op is c.BRANCH:
            parts = av[1]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            parts = [av[2]]
        else:
            return None
        found = [_first_chars(part, c) for part in parts]
        if None in found:
            return None
        for chars, _ in found:  # type: ignore[misc]
            members += chars
        empty = any(e for _, e in found) or (op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] == 0)  # type: ignore[misc]
        if not empty:
            return members, False
    return members, True


def _class_member(op, av) -> str | None:
    if op.name == "LITERAL":
        return re.escape(chr(av))
    if op.name == "RANGE":
        return f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}"
    if op.name == "CATEGORY":
        return _CATEGORIES.get(av.name)
    return None  # NEGATE and the rest


def _lower_letters(pattern: str) -> str:
    """A pattern's letters lower-cased, its escapes (\\D, \\S, \\W, \\B ...) kept."""
    return re.sub(r"\\.|[A-Z]+", lambda m: m[0] if m[0][0] == "\\" else m[0].lower(), pattern)


def _case_sensitive_group(rx: re.Pattern) -> re.Pattern:
    """'(?-i:X)', a whole pattern made case-sensitive inside IGNORECASE, as X without IGNORECASE."""
    whole = re.fullmatch(r"\(\?-i:(.*)\)", rx.pattern, re.S)
    if not whole or not rx.flags & re.IGNORECASE:
        return rx
    try:
        from re import _parser

        if len(_parser.parse(rx.pattern, rx.flags).data) == 1:  # not "(?-i:a)|(?-i:b)"
            return re.compile(whole[1], rx.flags & ~re.IGNORECASE)
    except re.error:
        pass
    return rx


MAX_NEEDLES = 24  # more substring tests than this cost about what the regex does
CLASS_SPELLINGS = 4  # a class of at most this many literal characters ("[- ]") is spelt out


def needles(pattern: str) -> tuple[str, ...] | None:
    """Literal strings one of which every match of a case-sensitive pattern contains,
    or None when the pattern promises none (digits, classes, optional parts).

    Read from the parsed pattern: a stretch of items each matching one of a few exact
    strings (a literal, a small class of literals, an optional or alternative group of
    such, an assertion: none) is one candidate, every way it can be spelt ("d\\.?o" is
    "do" or "d.o", so "(?:911|9-1-1) call" promises four strings, not "call"); a group
    or a repeat of at least one passes on its own; an alternation promises the union of
    its branches' (if every branch promises some). Of a sequence's candidates the one
    with the longest shortest string is kept. An optimisation only: anything
    unexpected gives None, and the regex runs.
    """
    try:
        from re import _parser  # the stdlib's own parser (sre_parse before 3.11)

        parsed = _parser.parse(pattern)
        # Spelt out, the strings are longer but more: where an alternation's branches then
        # promise too many, literal runs alone may still promise few enough.
        found = [f for f in (_needles(parsed, _parser, True), _needles(parsed, _parser, False))
                 if f and len(f) <= MAX_NEEDLES]
    except Exception:  # noqa: BLE001 - an optimisation must never break a rule
        return None
    if not found:
        return None
    return tuple(sorted(max(found, key=_rank), key=lambda s: (-len(s), s)))


def _needles(items, c, spell: bool) -> frozenset[str] | None:
    best: frozenset[str] | None = None
    run = frozenset([""])  # every way the items since the last break can be spelt

    def consider(candidate: frozenset[str] | None) -> None:
        nonlocal best
        if (candidate and len(candidate) <= MAX_NEEDLES and min(map(len, candidate)) > 0
                and (best is None or _rank(candidate) > _rank(best))):
            best = candidate

    for op, av in items:
        spelt = _spellings([(op, av)], c) if spell or op is c.LITERAL else None
        if spelt is not None:
            longer = _product(run, spelt)
            if longer is not None:
                run = longer
                continue
        consider(_shortest(run))
        run = spelt if spelt is not None else frozenset([""])
        if spelt is not None:
            continue
        if op is c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if not add_flags and not del_flags:  # (?i:...) inside would break the promise
                consider(_needles(sub, c, spell))
        elif op is c.BRANCH:
            branches = [_needles(b, c, spell) for b in av[1]]
            if all(branches):
                consider(frozenset().union(*branches))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
            consider(_needles(av[2], c, spell))
        # Anything else (classes, anchors, look-arounds, optional parts) promises nothing.
    consider(_shortest(run))
    return best


def _spellings(items, c) -> frozenset[str] | None:
    """Every string the items can match, exactly, if they are few; else None."""
    run = frozenset([""])
    for op, av in items:
        if op is c.LITERAL:
            spelt = frozenset([chr(av)])
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            spelt = frozenset([""])  # zero width: the strings either side are one
        elif op is c.IN and len(av) <= CLASS_SPELLINGS and all(o is c.LITERAL for o, _ in av):
            spelt = frozenset(chr(v) for _, v in av)
        elif op is c.SUBPATTERN and not av[1] and not av[2]:
            spelt = _spellings(av[3], c)
        elif op is c.BRANCH:
            branches = [_spellings(b, c) for b in av[1]]
            spelt = None if None in branches else frozenset().union(*branches)
            spelt = spelt if spelt is None or len(spelt) <= MAX_NEEDLES else None
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
            once = _spellings(av[2], c)
            spelt = None if once is None else once | {""}
        else:
            return None
        run = None if spelt is None else _product(run, spelt)
        if run is None:
            return None
    return run


def _product(heads: frozenset[str], tails: frozenset[str]) -> frozenset[str] | None:
    if len(heads) * len(tails) > MAX_NEEDLES:
        return None
    return frozenset(h + t for h in heads for t in tails)


def _shortest(strings: frozenset[str]) -> frozenset[str]:
    """strings without those holding another of them (a text holding "dob." holds "dob")."""
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


def _rank(candidate: frozenset[str]) -> tuple[int, int]:
    return min(map(len, candidate)), -len(candidate)


def own_words(text: str, new_text_end: int | None, signature_start: int | None) -> str:
    """The part of the body the reader wrote for this message."""
    end = len(text) if new_text_end is None or new_text_end <= 0 else new_text_end
    if signature_start is not None and 0 < signature_start < end:
        end = signature_start
    return text[:end]


def from_mail(mail: Any) -> SortInput:
    """A CleanMail (inbox.mail.clean) as sorting sees it."""
    parsed = mail.parsed
    headers = tuple((name, value) for name, value in parsed.headers if name in SPAM_HEADERS)
    html = "\n".join(parsed.html_parts)[:HTML_LIMIT] if parsed.html_parts else (mail.html or "")[:HTML_LIMIT]
    return SortInput(
        subject=parsed.subject or "",
        new_text=own_words(mail.text, mail.new_text_end, mail.signature_start),
        full_text=mail.text,
        sender=(parsed.from_address or "").lower(),
        sent_at=parsed.date,
        spam_headers=headers,
        automatic=mail.is_auto_reply or mail.is_bounce,
        listed=any(r.startswith(DISCUSSION_LIST) for r in mail.mail_kind_reasons),
        headers=tuple((name, value) for name, value in parsed.headers if name in SORT_HEADERS),
        html=html,
    )


def from_tip(tip: Any, raw: bytes | None = None) -> SortInput:
    """A stored tip as sorting sees it; the server's spam verdict is read again from the raw headers."""
    headers: tuple[tuple[str, str], ...] = ()
    listed = bool(tip.is_list)
    every: tuple[tuple[str, str], ...] = ()
    if raw:
        from inbox.mail.decode import header_text

        msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        headers = tuple((k.lower(), str(v)) for k, v in msg.items() if k.lower() in SPAM_HEADERS)
        listed = any(k.lower() in DISCUSSION_LIST for k in msg.keys())
        every = tuple((k.lower(), header_text(v)) for k, v in msg.raw_items() if k.lower() in SORT_HEADERS)
    return SortInput(
        subject=tip.subject or "",
        new_text=own_words(tip.text_body or "", tip.new_text_end, tip.signature_start),
        full_text=tip.text_body or "",
        sender=(tip.sender_address or "").lower(),
        sent_at=tip.sent_at or tip.received_at,
        spam_headers=headers,
        automatic=bool(tip.is_auto_reply or tip.is_bounce),
        listed=listed,
        headers=every,
        html=(tip.html_body or "")[:HTML_LIMIT],
    )
