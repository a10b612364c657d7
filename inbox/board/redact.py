"""What a viewer who may not see a protected reader is shown of that reader's words.

The one place redaction is done (templates never decide it): the reader's own name and
address, every phone number, e-mail address, SSN and A-number (inbox.sort.flags finds
them), a home address the reader gives as theirs, the signature (the span the
signature detector found) and the attribution lines that introduce quoted mail
("On … Name <address> wrote:", Outlook's "From:/Sent:" block). Search asks the same
module whether a query still matches once those are gone (matches_redacted).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from inbox.sort.flags import SENSITIVE_RULES

_I = re.IGNORECASE
# Sensitive kinds whose every match is withheld: each names or reaches a person.
WITHHELD_KINDS = {"email": "[address withheld]", "phone": "[phone withheld]", "ssn": "[number withheld]",
                  "alien_number": "[number withheld]"}
# (marker, pattern, what a match needs: "@", "digits" (three in a row, or a separated run) or "" for named rules)
_WITHHELD = tuple((WITHHELD_KINDS[kind], rx, "@" if kind == "email" else ("" if name.endswith("-named") else "digits"))
                  for kind, name, rx in SENSITIVE_RULES if kind in WITHHELD_KINDS)
_DIGITS = re.compile(r"\d[\s.-]?\d[\s.-]?\d")
# A street address the reader gives as their own (a story's street stays: it is the story).
_STREET = next(rx.pattern for kind, name, rx in SENSITIVE_RULES if name == "house-number-street")
_HOME = re.compile(
    r"(?:\b(?:i|we) (?:live|lived|stay|rent)(?: (?:at|on|in))?|\bmy (?:home|house|address|apartment|place)"
    r"(?: is| at)?|\bour (?:home|house|address|apartment)(?: is| at)?|\b(?:vivo|vivimos) en|\bmi casa(?: en| es)?)"
    rf"[\s:,]+(?P<street>{_STREET}(?:,?\s*(?:apt|apartment|unit|suite)\.?\s*#?\s*\d+[a-z]?)?)", _I)
# Lines that introduce quoted mail and name its writer (in the languages quotes.py reads), one
# alternative a row; matched over the whole text at once (multiline), not line by line.
ATTRIBUTION_LINES = re.compile("|".join(f"(?:{row})" for row in (
    r"^[>\t ]*(?:on|am|le|el|il|op|den|d[ae]n|w dniu)[\t ][^\n]{0,400}?"
    r"(?:wrote|schrieb|a [ée]crit|escribi[óo]|ha scritto|schreef|skrev|napisa[łl]\w*)[\t ]*:[\t ]*$",
    r"^[>\t ]*[^\n]{1,200}\b(?:wrote|writes|schrieb|a [ée]crit|escribi[óo]):[\t ]*$",
    r"^[>\t ]*\*?(?:from|von|de|da|van|från|od|sent|to|an|à|para|aan|till|cc|reply-to)[\t ]*:\*?[\t ][^\n]*$",
    r"^[>\t ]*[^\n]{0,200}<[^<>\s]+@[^<>\s]+>[^\n]{0,200}:[\t ]*$",  # "26.06.2014, X <x@y>:"
)), re.IGNORECASE | re.MULTILINE)
# Webmail domains say nothing about who a reader is; any other domain may (a family's own).
COMMON_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "msn.com", "icloud.com",
    "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.net", "mail.com", "yandex.com", "zoho.com",
    "tutanota.com", "fastmail.com", "comcast.net", "verizon.net", "att.net",
})
_MARKERS = re.compile(r"\[[a-z ]{1,20} withheld\]")
NAME = "[name withheld]"
SIGNATURE = "[signature withheld]"
ATTRIBUTION = "[attribution withheld]"


@dataclass(frozen=True)
class Who:
    """The reader whose identity is taken out: the name and address the tip came with."""
    name: str
    address: str


def identity_terms(who: Who) -> tuple[str, ...]:
    """The words that name the reader: the name and its parts, the address, its local part and
    the pieces of it, and a domain of their own. Longest first, so the full name goes in one piece."""
    terms: set[str] = set()
    name = " ".join(re.findall(r"[^\W\d_][\w'’-]*", who.name))
    if name:
        terms.add(name)
        terms.update(part for part in re.split(r"[\s'’-]+", name) if len(part) >= 2)
    local, _, domain = who.address.partition("@")
    if local:
        terms.add(who.address)
        if len(local) >= 3:
            terms.add(local)
        terms.update(p for p in re.split(r"[._+\-]+", local) if len(p) >= 3 and not p.isdigit())
    if domain and domain not in COMMON_DOMAINS:
        terms.add(domain)
        terms.update(p for p in domain.split(".")[:-1] if len(p) >= 4)
    terms.update({_plain(t) for t in terms})  # "María" is often written "Maria"
    return tuple(sorted(terms, key=lambda t: (-len(t), t.lower())))


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=512)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern | None:
    if not terms:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)", _I)


def redact(text: str, who: Who) -> str:
    """text with the reader's identity, every phone, address and ID number, and attribution lines withheld."""
    if not text:
        return text
    text = ATTRIBUTION_LINES.sub(ATTRIBUTION, text)
    text = _withhold_numbers(text)
    text = _HOME.sub(lambda m: m.group(0)[: m.start("street") - m.start(0)] + "[home address withheld]", text)
    pattern = _terms_pattern(identity_terms(who))
    return pattern.sub(NAME, text) if pattern is not None else text


def redact_mentions(text: str, mentioned: tuple[Who, ...]) -> str:
    """Another reader's words with these readers' identities withheld: their names, addresses
    and the pieces of them, and every attribution line that names them ("On …, Ana <ana@…> wrote:").
    The writer's own words, numbers and signature stay: only who the mentioned readers are goes."""
    if not text or not mentioned:
        return text
    pattern = _terms_pattern(tuple(sorted({t for who in mentioned for t in identity_terms(who)},
                                          key=lambda t: (-len(t), t.lower()))))
    if pattern is None:
        return text
    text = ATTRIBUTION_LINES.sub(lambda m: ATTRIBUTION if pattern.search(fold(m.group(0), True)) else m.group(0), text)
    folded = fold(text, one_for_one=True)
    if folded is text:
        return pattern.sub(NAME, text)
    # Matched without accents ("Ruíz" is her "Ruiz" too), replaced in the text as written.
    out, last = [], 0
    for m in pattern.finditer(folded):
        out += [text[last:m.start()], NAME]
        last = m.end()
    return "".join(out) + text[last:]


def fold(text: str, one_for_one: bool = False) -> str:
    """text without accents ("María" -> "Maria"): one translate table for the letters it holds (a 10 MB
    body is one pass in C); text itself when ASCII. one_for_one: only letters whose plain form is one
    letter are changed, so every position stays where it was."""
    if text.isascii():
        return text
    plain = {c: _plain(c) for c in set(text) if ord(c) > 127}
    return text.translate({ord(c): p for c, p in plain.items() if not one_for_one or len(p) == 1})


def _withhold_numbers(text: str) -> str:
    # Every rule but the named ones needs an "@" or three digits in a row: skip them when absent.
    has_at, has_digits = "@" in text, _DIGITS.search(text) is not None
    for marker, rx, needs in _WITHHELD:
        if (needs == "@" and has_at) or (needs == "digits" and has_digits) or needs == "":
            text = rx.sub(marker, text)
    return text


def redact_line(text: str, who: Who) -> str:
    """A subject or a note's line: the identity and numbers withheld (no attribution rule)."""
    if not text:
        return text
    text = _withhold_numbers(text)
    pattern = _terms_pattern(identity_terms(who))
    return pattern.sub(NAME, text) if pattern is not None else text


def redact_body(text: str, new_end: int, signature_start: int | None, who: Who) -> tuple[str, str, str]:
    """The body's three parts (new words, signature, quoted), redacted; the signature wholly withheld."""
    end = new_end if 0 < new_end <= len(text) else len(text)
    signature = ""
    if signature_start is not None and 0 <= signature_start < end:
        new, signature, quoted = text[:signature_start], text[signature_start:end], text[end:]
    elif signature_start is not None and end <= signature_start < len(text):
        new, quoted, signature = text[:end], text[end:signature_start], text[signature_start:]
    else:
        new, quoted = text[:end], text[end:]
    return redact(new, who), SIGNATURE if signature.strip() else "", redact(quoted, who)


def visible_text(subject: str, text: str, new_end: int, signature_start: int | None, who: Who) -> str:
    """Everything of a tip a masked viewer can read (for search)."""
    new, _signature, quoted = redact_body(text, new_end, signature_start, who)
    return f"{redact_line(subject, who)}\n{new}\n{quoted}"


def _stem(word: str) -> str:
    # Enough of an English stemmer that "trucks" finds "truck" the way the full-text index does.
    for suffix in ("ing", "ies", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def query_words(words: str) -> list[str]:
    """A search's words, lower-cased: the only syntax a masked viewer's search has (every word must occur)."""
    return re.findall(r"\w+", words.lower())


def words_of(visible: str) -> frozenset[str]:
    """The stemmed words of a redacted text (the markers are not words of the reader's)."""
    return frozenset(_stem(w) for w in re.findall(r"\w+", _MARKERS.sub(" ", visible).lower()))


def matches_words(words: str, present: frozenset[str]) -> bool:
    """Whether every word of the query is among the words a viewer may read."""
    wanted = {_stem(w) for w in query_words(words)}
    return bool(wanted) and wanted <= present


def matches_redacted(words: str, visible: str) -> bool:
    """Whether every word of the query occurs in what the viewer may read (so a hit on the
    reader's name, address, phone or signature alone is no hit)."""
    return matches_words(words, words_of(visible))
