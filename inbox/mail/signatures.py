"""Where a reader's signature starts inside their own words: a "-- " line, a valediction, the sender's
bare name or a phone's tag, to the end of that piece of new words (read by quotes.py).

The conventions are the languages' (quote_tables.VALEDICTION, MOBILE_TAG): a
signature is short lines under the words, except the legal or company-register
notice that may end it; a valediction or a name on the reader's first line
opens the words instead ("Thanks Paul, ...").
"""
from __future__ import annotations

import re

from inbox.mail import quote_tables as t

_NAME_WORD = re.compile(r"^[(\"'«]?[A-ZÀ-ÖØ-ÞĀ-ſ][\w.'’\-]*[)\"'»,]?$|^[&|/]$|^[A-Z]\.$")
_CJK_NAME = re.compile(r"^[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{2,5}$")
_TOKEN = re.compile(r"[^\W\d_]{2,}")


def find_signature(lines: list[str], own: list[tuple[int, int]], sender: str = "") -> tuple[int, int] | None:
    """(first line, last line) of the signature: in the last piece of new words, else the first."""
    tokens = frozenset(token.lower() for token in _TOKEN.findall(sender))
    if not own:
        return None
    candidates = [own[-1]] if len(own) == 1 else [own[-1], own[0]]
    text_start = own[0][0]
    for first, last in candidates:
        start = _signature_in(lines, first, last, tokens, text_start)
        if start is not None:
            return start, last
    return None


def _signature_in(lines: list[str], first: int, last: int, sender: frozenset[str], text_start: int) -> int | None:
    filled = [i for i in range(first, last + 1) if lines[i].strip()]
    found = None
    for k in range(max(0, len(filled) - 26), len(filled)):
        i, after = filled[k], filled[k + 1 :]
        line = lines[i].strip()
        if line == "--" and len(after) <= 25:
            found = i
        elif len(after) <= 2 and len(line) <= 120 and is_mobile_tag(line):
            found = i
        elif i == text_start:
            continue  # the reader's first line opens the words ("Thanks Paul, ..."), it does not sign them
        elif len(after) <= 15 and len(line) <= 60 and t.VALEDICTION.match(line) and _tail_is_short(lines, after):
            found = i
        elif (
            not lines[i - 1].strip()
            and len(after) <= 8
            and _looks_like_name(line, sender)
            and _tail_is_short(lines, after)
        ):
            found = i
        if found is not None:
            return found
    return None


def is_mobile_tag(line: str) -> bool:
    """"Sent from my iPhone", "Get Outlook for iOS" and their translations (a device named, not "my desk")."""
    match = t.MOBILE_TAG.match(line)
    return bool(match) and (match.group("device") is None or bool(t.DEVICE.search(match.group("device"))))


def _tail_is_short(lines: list[str], after: list[int]) -> bool:
    """Signature lines are short, except in the legal or company-register notice that may end them."""
    paragraph: list[int] = []
    for j in [*after, None]:
        if j is None or (paragraph and j != paragraph[-1] + 1):
            long = any(len(lines[k]) > 100 for k in paragraph)
            if long and not any(t.DISCLAIMER.search(lines[k]) for k in paragraph):
                return False
            paragraph = []
        if j is not None:
            paragraph.append(j)
    return True


def _looks_like_name(line: str, sender: frozenset[str]) -> bool:
    line = line.lstrip("-–— ")  # "- Jim", "— Jane"
    words = line.split()
    if not words or len(line) > 50 or len(words) > 6 or line[-1] in ",:;?!":
        return False
    if sender and any(word.strip("(),.\"'").lower() in sender for word in words[:3]):
        return True
    if _CJK_NAME.match(line):
        return True
    return len(words) <= 4 and line[-1] != "." and all(_NAME_WORD.match(word) for word in words)
