"""The separators of quoted history that quotes.py reads lines against: Outlook header blocks
and original-message lines, "On ... wrote:" attributions in the tables' languages, ">" blocks
that are history rather than a pasted line, and older clients' odd quote markers.
Each function looks at the lines from index i and answers how far a separator reaches."""
from __future__ import annotations

import re

from inbox.mail import quote_tables as t
from inbox.mail.signatures import is_mobile_tag

_MARKERS = re.compile(r"^[ \t]*([A-Za-z]{0,4}>[ \t]?)*")
_QUOTED = re.compile(r"[ \t]*[A-Za-z]{0,4}>")
RULE = re.compile(r"^\s*([_\-=‐—]{8,}|-{3}|_{3,})\s*$")
_ORIGINAL = re.compile(r"^[-‐_=*\s]*(" + t.ORIGINAL_MESSAGE + r")[-‐_=*\s:]*$", re.IGNORECASE)
_LETTER_BEFORE, _LETTER_AFTER = r"(?<![^\W\d_])", r"(?![^\W\d_])"
_VERB = re.compile(_LETTER_BEFORE + "(" + t.ATTRIBUTION_VERB + ")" + _LETTER_AFTER, re.IGNORECASE)
_OPENING = re.compile(r"^(" + t.ATTRIBUTION_OPENING + r")\s", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_ODD_MARKERS = frozenset("|#):}")


def hard_separator(lines: list[str], i: int) -> tuple[int, int]:
    """(lines, lines before the header block) of an original-message line or Outlook block at i; (0, 0) if none."""
    line = lines[i]
    dashed = "--" in line or "__" in line or "‐‐" in line or "==" in line or "原始" in line
    if dashed and _ORIGINAL.match(unquoted(line)):
        below = next_filled(lines, i + 1)
        block = header_block(lines, below) if below is not None else 0
        return (below + block - i, 0) if block else (1, 0)
    if dashed and RULE.match(line):
        below = next_filled(lines, i + 1)
        block = header_block(lines, below) if below is not None else 0
        return (below + block - i, below - i) if block else (0, 0)
    block = header_block(lines, i)
    return block, 0


def header_block(lines: list[str], i: int) -> int:
    """How many From/Sent/To/Subject lines (any order, any of the languages) start at i; 0 if no block."""
    if ":" not in lines[i][:40] and "：" not in lines[i][:40]:
        return 0
    if i > 0 and t.RAW_HEADER.match(unquoted(lines[i - 1])):
        return 0  # the end of pasted raw headers, not a client's block
    kinds, addressed = [], False
    for j in range(i, min(i + 10, len(lines))):
        bare = unquoted(lines[j])
        match = t.HEADER_LINE.match(bare)
        if not match:
            if t.RAW_HEADER.match(bare):
                return 0  # Message-Id, Reply-To, X-...: headers pasted or forwarded raw, not a reply's block
            wrapped = kinds and kinds[-1] in ("to", "cc") and bare and j + 1 < len(lines)
            if wrapped and t.HEADER_LINE.match(unquoted(lines[j + 1])):
                kinds.append("")  # a long To: or Cc: list wrapped onto the next line
                continue
            break
        kind = t.HEADER_LABELS.get(" ".join(match.group("label").lower().split()), "")
        kinds.append(kind)
        addressed = addressed or (kind == "sender" and "@" in match.group("value"))
    found = (
        len(kinds) >= 2
        and kinds[0] in ("sender", "date")
        and "sender" in kinds
        and ("subject" in kinds or addressed)
        and ("date" in kinds or "subject" in kinds)
    )
    return len(kinds) if found else 0


def attribution_at(lines: list[str], i: int) -> tuple[int, bool]:
    """(lines spanned, strong) of an attribution starting at line i; (0, False) if none.

    Strong ones ("On <date>, X wrote:", opening word and date, or a date and an
    address) may introduce an unmarked quote; weak ones ("X wrote:", a date and
    an address with no verb) only count above ">" lines.
    """
    for span in (1, 2, 3):
        last = i + span - 1
        if last >= len(lines) or not lines[last].strip():
            return 0, False
        if not lines[last].rstrip().endswith((":", "：")):
            continue
        parts = [unquoted(line) for line in lines[i : last + 1]]
        chunk = " ".join(parts)
        if len(chunk) > 400:
            return 0, False
        if span > 1 and not opens_attribution(parts[0]):
            return 0, False  # a sentence of new words above an attribution is not part of it
        dated = bool(_DIGIT.search(chunk))
        if _VERB.search(chunk):
            if dated and (_OPENING.match(chunk) or "@" in chunk):
                return span, True
            if dated or len(chunk) <= 200:
                return span, False
        elif dated and "@" in chunk:
            return span, False
        return 0, False
    return 0, False


def quote_follows(lines: list[str], i: int) -> bool:
    """Whether ">" lines come within the next three lines written (a client may put a note first)."""
    seen = 0
    for line in lines[i : i + 12]:
        if line.strip():
            if is_quoted(line):
                return True
            seen += 1
            if seen == 3:
                break
    return False


def odd_marker(lines: list[str], i: int) -> str | None:
    """The character older clients quote with instead of ">" ("| ", "# ", ") "), if the lines below share one."""
    filled = [line.lstrip(" \t") for line in lines[i : i + 8] if line.strip()][:4]
    if len(filled) >= 2 and filled[0][:1] in _ODD_MARKERS and all(line[:1] == filled[0][:1] for line in filled[:2]):
        return filled[0][:1]
    return None


def opens_attribution(first: str) -> bool:
    """Whether the first of several lines can begin an attribution (not end a sentence of new words)."""
    if _OPENING.match(first) or "@" in first or "<" in first:
        return True
    return first[-1:] not in ".!?" and bool(_DIGIT.search(first))


def history_block(lines: list[str], i: int, first: int) -> bool:
    """Whether a ">" block met in the new words is quoted history, not a line the reader pasted."""
    if i == first:
        return True  # a message that opens with a quote answers it below (bottom-posted, interleaved)
    end = i
    while end < len(lines) and is_quoted(lines[end]):
        end += 1
    for j in range(i, min(end, i + 4)):
        bare = unquoted(lines[j])
        if bare and (_ORIGINAL.match(bare) or header_block(lines, j) or attribution_at(lines, j)[0]):
            return True
    after = next_filled(lines, end)
    if after is None:
        return True  # the quote ends the message
    follow = lines[after].strip()
    return follow == "--" or is_mobile_tag(follow)


def mbox_from(lines: list[str], i: int) -> bool:
    """A new line that mbox storage turned into ">From ..." (it quotes nothing)."""
    return lines[i].startswith(">From ") and not (i > 0 and is_quoted(lines[i - 1]))


def wrapped_quote_line(lines: list[str], i: int) -> bool:
    """A short line between two quoted ones: the end of a quoted line some client re-wrapped."""
    return (
        0 < i < len(lines) - 1
        and len(lines[i]) <= 30
        and is_quoted(lines[i - 1])
        and is_quoted(lines[i + 1])
        and len(lines[i - 1]) >= 60
    )


def is_quoted(line: str) -> bool:
    """A ">" line, also indented as MH and exmh write them (" > "), or led by initials ("BM> ")."""
    return line[:1] == ">" or (">" in line[:8] and bool(_QUOTED.match(line)))


def unquoted(line: str) -> str:
    """The line without its quote markers and surrounding spaces."""
    return _MARKERS.sub("", line, count=1).strip() if ">" in line[:8] else line.strip()


def next_filled(lines: list[str], i: int) -> int | None:
    for j in range(i, len(lines)):
        if lines[j].strip():
            return j
    return None
