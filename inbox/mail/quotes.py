"""Where the reader's own words end: quoted replies and signatures, MARKED, never cut.

No library was good enough to depend on (../shared/reference/sanitise.md), and
a wrong guess must cost nothing: the whole body is stored and these offsets
only decide what the board collapses and what the preview shows.

The quote is the *tail* of the message made of quoted material: ">" lines, the
"On ... wrote:" line that introduces them, and everything after an Outlook
"From:/Sent:" block or an "-----Original Message-----" line. New words written
between quotes (interleaved replies) stay in the new text. Forwarded messages
are content, not quotes: a source often forwards the leak itself.
"""
from __future__ import annotations

import re

# "-----Original Message-----" and its translations (Outlook, Yahoo, Lotus).
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|urspr[üu]ngliche nachricht|message d'origine|mensaje original|"
    r"messaggio originale|oorspronkelijk bericht|original meddelelse|originalmeddelande)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# "On <date>, X wrote:" in English, German, French, Spanish, Italian, Dutch, Scandinavian, Polish.
_ATTRIBUTION = re.compile(
    r"^\s*(on|am|le|el|il|op|den|d[ae]n|w dniu)\s.{0,400}?"
    r"(wrote|schrieb|a [ée]crit|escribi[óo]|ha scritto|schreef|skrev|napisa[łl]\w*)\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)
# Older clients: "Jane Doe <jane@example.org> wrote:" on its own.
_SHORT_ATTRIBUTION = re.compile(r"^.{1,120}\b(wrote|writes|schrieb|a [ée]crit|escribi[óo]):\s*$", re.IGNORECASE)
# Outlook's reply header: a From: line followed within a few lines by Sent:/Date:.
_HEADER_FROM = re.compile(r"^\s*\*?(from|von|de|da|van|från|od)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(sent|date|gesendet|datum|envoy[ée]|enviado|fecha|inviato|data|verzonden|skickat|wysłano)\s*:",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*[_\-=]{8,}\s*$")
# Forward markers: what follows them is content, however much it looks like a quote.
_FORWARD = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado)"
    r"|begin forwarded message:)",
    re.IGNORECASE,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|wg|tr|rv|enc)\s*:", re.IGNORECASE)

# Mobile and webmail sign-offs that clients add on their own.
_MOBILE = re.compile(
    r"^\s*(sent (from|with|via) (my )?[\w' .\-]{2,40}|get outlook for \w+|von meinem [\w' \-]{2,30} gesendet|"
    r"envoy[ée] de mon [\w' \-]{2,30}|enviado desde mi [\w' \-]{2,30}|inviato da[l]? [\w' \-]{2,30})\s*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(thanks|thank you|many thanks|thx|cheers|regards|best|best regards|kind regards|warm regards|"
    r"best wishes|all the best|sincerely|yours|take care|viele gr[üu](ß|ss)e|mit freundlichen gr[üu](ß|ss)en|"
    r"gr[üu](ß|ss)e|cordialement|bien [àa] vous|saludos|un saludo|atentamente|cordiali saluti|saluti)"
    r"\s*[,.!]*\s*$",
    re.IGNORECASE,
)


def find_quote(text: str, subject: str = "") -> int:
    """Offset in text where the quoted reply starts (len(text) when there is none)."""
    lines = text.split("\n")
    starts = _line_starts(lines)
    hard = _hard_separator(lines, forwarding=bool(_FORWARD_SUBJECT.match(subject)))
    end = hard if hard is not None else len(lines)
    begin = _quoted_tail(lines, end)
    if begin is None or not any(lines[i].startswith(">") for i in range(begin, end)):
        begin = end  # only blank lines before the separator: nothing quoted there
    while begin > 0 and not lines[begin - 1].strip():
        begin -= 1
    return len(text) if begin >= len(lines) else starts[begin]


def find_signature(text: str, end: int) -> int | None:
    """Offset of the signature in text[:end] ("-- ", a sign-off, "Sent from my iPhone"), or None."""
    lines = text[:end].split("\n")
    starts = _line_starts(lines)
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 2:
        return None
    found: list[int] = []
    first = max(1, len(filled) - 26)  # a signature is in the last 25 lines or nowhere
    for k in range(first, len(filled)):
        i, after = filled[k], len(filled) - k - 1
        stripped = lines[i].strip()
        if stripped in ("--", "-- ") and after <= 25:
            found.append(i)
        elif after <= 2 and _MOBILE.match(stripped):
            found.append(i)
        elif after <= 4 and _SIGN_OFF.match(stripped) and all(len(lines[j]) <= 60 for j in filled[k + 1 :]):
            found.append(i)
    return starts[min(found)] if found else None


def _line_starts(lines: list[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    return starts


def _hard_separator(lines: list[str], forwarding: bool) -> int | None:
    """First line after which everything is quoted; forwarded blocks never count."""
    after_forward = -10
    for i, line in enumerate(lines):
        if _FORWARD.match(line):
            after_forward = i
            continue
        if forwarding or i - after_forward <= 2:
            continue
        if _ORIGINAL.match(line):
            return i
        if _HEADER_FROM.match(line) and any(_HEADER_SENT.match(lines[j]) for j in range(i + 1, min(i + 5, len(lines)))):
            return i - 1 if i and _RULE.match(lines[i - 1]) else i
        span = _dated_attribution_at(lines, i)
        if span and not _next_filled(lines, i + span).startswith(">"):
            return i  # "On <date> ... wrote:" with an unmarked quote below it
    return None


def _quoted_tail(lines: list[str], end: int) -> int | None:
    """First line of the run of quote lines, attributions and blanks that ends the text."""
    i = end
    while i > 0:
        line = lines[i - 1]
        if not line.strip() or line.startswith(">"):
            i -= 1
            continue
        back = _attribution_ending_at(lines, i - 1)
        if back:
            i -= back
            continue
        break
    return i if i < end else None


def _attribution_at(lines: list[str], i: int) -> int:
    """How many lines (1-3) an attribution starting at line i spans; 0 if none."""
    if not lines[i].strip() or lines[i].startswith(">"):
        return 0
    for span in (1, 2, 3):
        chunk = " ".join(lines[i : i + span])
        if i + span <= len(lines) and (_ATTRIBUTION.match(chunk) or (span == 1 and _SHORT_ATTRIBUTION.match(chunk))):
            return span
    return 0


def _dated_attribution_at(lines: list[str], i: int) -> int:
    """Like _attribution_at, but only the "On <date>, X wrote:" form, which has a digit."""
    if not lines[i].lstrip()[:1].isalpha():
        return 0
    for span in (1, 2, 3):
        chunk = " ".join(lines[i : i + span])
        if i + span <= len(lines) and _ATTRIBUTION.match(chunk):
            return span if any(ch.isdigit() for ch in chunk) else 0
    return 0


def _attribution_ending_at(lines: list[str], last: int) -> int:
    for span in (1, 2, 3):
        first = last - span + 1
        if first >= 0 and _attribution_at(lines, first) == span:
            return span
    return 0


def _next_filled(lines: list[str], i: int) -> str:
    for line in lines[i:]:
        if line.strip():
            return line
    return ">"  # nothing follows: not a reason to call the rest a quote
