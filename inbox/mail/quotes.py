"""Where the reader's own words are: quoted replies, banners and signatures, MARKED, never cut.

A wrong guess must cost nothing: the whole body is stored and these offsets only
decide what the board collapses, what the preview shows and what sorting reads.

The text is read line by line, top to bottom, in three modes:
- *new*: the reader's words, until a separator of the quoted history: an
  "On ... wrote:" attribution (any of the tables' languages, wrapped over up to
  three lines, "> "-quoted as iOS does), an Outlook header block
  (From/Sent/To/Subject and translations), an "-----Original Message-----" line;
- *marked*: after an attribution followed by ">" lines, only ">" lines are quoted;
  the lines between and after them are new words again (interleaved answers,
  bottom-posted replies);
- *unmarked*: after an Outlook block, an original-message line or an attribution
  over unmarked text (Yahoo, Samsung), everything below is the quote.
A gateway banner at the top is nobody's words. Forwarded content (from
"---------- Forwarded message ---------", "Begin forwarded message:", or an
Outlook block in a message whose subject says it is a forward) is content: a
source often forwards the leak itself, so it is never quoted away.
The signature is looked for in the last piece of new words, then the first:
from a "-- " line, a valediction, the sender's bare name or a phone's tag, to the
end of that piece.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from inbox.mail import quote_tables as t
from inbox.mail.separators import (
    RULE, attribution_at, unquoted, hard_separator, history_block, mbox_from, next_filled, odd_marker, quote_follows,
    is_quoted, wrapped_quote_line,
)
from inbox.mail.signatures import find_signature

NEW, QUOTE, HEAD, BANNER, FOOTER, FORWARD = "new", "quote", "head", "banner", "footer", "forward"

# ">" and Supercite's initials ("BM>", The Bat! and Emacs), indented or not.
_FORWARD = re.compile(r"^[-‐_=*\s]*(" + t.FORWARD_MARKER + r")[-‐_=*\s:]*$", re.IGNORECASE)
_COLON_END = re.compile(r"[:：][ \t]*$", re.MULTILINE)
_INITIALS = re.compile(r"^([A-Z]{2,3}):\s+\S")


@dataclass(frozen=True)
class Reply:
    """Offsets into the text: the reader's own words, the signature, where the trailing quote starts."""

    spans: tuple[tuple[int, int], ...]  # the reader's words in order; banners, quotes, signature left out
    new_text_end: int  # where the quoted history below the last new words starts; len(text) if none
    signature: tuple[int, int] | None

    def new_text(self, text: str) -> str:
        return "\n\n".join(text[start:end] for start, end in self.spans)


def split_reply(text: str, subject: str = "", sender: str = "") -> Reply:
    """Find the reader's words, the quote and the signature in a normalised text body."""
    lines = text.split("\n")
    starts = _line_starts(lines)
    kinds = _classify(lines, bool(t.FORWARD_SUBJECT.match(subject)), _colon_ends(text, starts))
    pieces = _pieces(lines, kinds)
    signature = find_signature(lines, [(a, b) for a, b in pieces if kinds[a] == NEW], sender)
    spans = []
    for first, last in pieces:
        if signature and signature[0] <= first <= signature[1]:
            continue  # the piece is all signature
        if signature and first < signature[0] <= last:
            last = _trim_up(lines, signature[0] - 1, first)
        if last >= first:
            spans.append((starts[first], starts[last] + len(lines[last])))
    sig_span = None
    if signature:
        sig_span = (starts[signature[0]], starts[signature[1]] + len(lines[signature[1]]))
    return Reply(tuple(spans), _new_text_end(lines, starts, kinds, pieces, signature, len(text)), sig_span)


# --- reading the lines ------------------------------------------------------------------------


def _colon_ends(text: str, starts: list[int]) -> set[int]:
    """The lines ending with a colon, where attributions end: one pass in C instead of a test per line."""
    return {bisect_right(starts, m.start()) - 1 for m in _COLON_END.finditer(text)}


def _may_separate(line: str) -> bool:
    """Cheap test before the separator regexes: header labels have an early colon, rules have dashes."""
    return ":" in line[:42] or "--" in line or "__" in line or "‐‐" in line or "：" in line or "原始" in line


def _classify(lines: list[str], forwarding: bool, ends: set[int]) -> list[str]:
    """One kind per line: new, quote, head (attribution, header block), banner, footer or forward."""
    n = len(lines)
    kinds = [NEW] * n
    first = _banner(lines, kinds)
    mode, i, marker = NEW, first, None
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        quoted = is_quoted(line) or (marker is not None and line.lstrip(" \t").startswith(marker))
        maybe = _may_separate(line)
        if (maybe or i in ends) and not line.startswith(">") and _FORWARD.match(unquoted(line)):
            kinds[i:] = [FORWARD] * (n - i)
            break
        if quoted:
            if mode == "marked" and not mbox_from(lines, i):
                kinds[i] = QUOTE
            elif mode == NEW and history_block(lines, i, first):
                mode = "marked"
                kinds[i] = QUOTE
            i += 1
            continue
        if mode == "marked" and wrapped_quote_line(lines, i):
            kinds[i] = QUOTE
            i += 1
            continue
        hard, lead = hard_separator(lines, i) if maybe else (0, 0)
        if hard:
            if quote_follows(lines, i + hard):
                kinds[i : i + hard] = [HEAD] * hard  # Outlook Express: the block, then ">" lines
                mode = "marked"
                i += hard
                continue
            if i == first:
                pass  # a block with nothing written above it is the content itself (pasted, forwarded)
            elif forwarding and mode == NEW:
                kinds[i : i + lead] = [HEAD] * lead  # Outlook's line above a forwarded block
                kinds[i + lead :] = [FORWARD] * (n - i - lead)
                break
            else:
                _unmarked_quote(lines, kinds, i)
                break
        span, strong = attribution_at(lines, i) if i in ends or i + 1 in ends or i + 2 in ends else (0, False)
        if span:
            marker = marker or odd_marker(lines, i + span)
            if marker or quote_follows(lines, i + span):
                kinds[i : i + span] = [HEAD] * span
                mode = "marked"
                i += span
                continue
            if strong and i > first:
                _unmarked_quote(lines, kinds, i)
                break
        i += 1
    return kinds


def _unmarked_quote(lines: list[str], kinds: list[str], i: int) -> None:
    """Everything from i is quoted, except answers the reader wrote into it behind their initials ("RH: ...")."""
    kinds[i:] = [QUOTE] * (len(lines) - i)
    tagged: dict[str, list[int]] = {}
    for j in range(i, len(lines)):
        match = _INITIALS.match(lines[j])
        if match and match.group(1).lower() not in t.HEADER_LABELS:
            tagged.setdefault(match.group(1), []).append(j)
    for rows in tagged.values():
        if len(rows) >= 2:  # one initial-led line may be anything; two are a way of answering
            for j in rows:
                while j < len(lines) and lines[j].strip():
                    kinds[j] = NEW
                    j += 1


def _banner(lines: list[str], kinds: list[str]) -> int:
    """Mark a gateway banner's paragraph at the top; return the first line after it."""
    first = next_filled(lines, 0)
    if first is None or not t.BANNER.match(lines[first][:120]):
        return first or 0
    end = first
    while end < len(lines) and lines[end].strip():
        end += 1
    after = next_filled(lines, end)
    if after is None or end - first > 5:
        return first  # a banner is a short paragraph above the reader's words, never all of them
    kinds[first:end] = [BANNER] * (end - first)
    return after




















# --- pieces and offsets ----------------------------------------------------------------------


def _pieces(lines: list[str], kinds: list[str]) -> list[tuple[int, int]]:
    """Runs of new (or forwarded) lines, blank lines trimmed, list footers under a quote left out."""
    pieces, i, n = [], 0, len(lines)
    while i < n:
        if kinds[i] not in (NEW, FORWARD) or not lines[i].strip():
            i += 1
            continue
        j = i
        while j + 1 < n and kinds[j + 1] == kinds[i]:
            j += 1
        last = _trim_up(lines, j, i)
        if kinds[i] == NEW:
            footer = _list_footer(lines, i, last)
            if footer is not None:
                kinds[footer : last + 1] = [FOOTER] * (last + 1 - footer)
                last = _trim_up(lines, footer - 1, i)
        if last >= i:
            pieces.append((i, last))
        i = j + 1
    return pieces


def _list_footer(lines: list[str], first: int, last: int) -> int | None:
    """Where a mailing list's or group's footer ends a piece (a "-- " or rule line, then unsubscribe words)."""
    for k in range(max(first, last - 10), last + 1):
        opener = lines[k].strip()
        if opener == "--" or RULE.match(opener) or opener.startswith("-----"):
            if t.LIST_FOOTER.search(" ".join(lines[k : min(last + 1, k + 5)])[:500]):
                return k
    return None


def _new_text_end(lines, starts, kinds, pieces, signature, length) -> int:
    """Where the quote below the last new words starts (old readers cut the new text there)."""
    last_words = max((b for a, b in pieces if not (signature and signature[0] <= a <= signature[1])), default=-1)
    if signature and signature[0] <= last_words:
        last_words = max(last_words, signature[1])
    below = next((i for i in range(last_words + 1, len(lines)) if kinds[i] in (QUOTE, HEAD)), None)
    if below is None:
        return length
    while below > 0 and not lines[below - 1].strip():
        below -= 1
    return starts[below]


# --- small helpers ----------------------------------------------------------------------------






def _line_starts(lines: list[str]) -> list[int]:
    return [0, *accumulate(len(line) + 1 for line in lines)][:-1]




def _trim_up(lines: list[str], last: int, first: int) -> int:
    while last >= first and not lines[last].strip():
        last -= 1
    return last
