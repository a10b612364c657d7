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
from bisect import bisect_right

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
_SHORT_ATTRIBUTION = re.compile(
    r"^.{1,200}\b(wrote|writes|schrieb|a [ée]crit|escribi[óo]|написал\w*):\s*$", re.IGNORECASE | re.DOTALL
)
# Outlook's (and Hotmail's, Windows Mail's) reply header: a block of "Label: value"
# lines with a sender and a date among them, in the languages our readers write.
_HEADER_LINE = re.compile(
    r"^\s*\*?(?P<label>from|von|de|da|van|från|od|от|sent|date|gesendet|datum|envoy[ée]|enviado|"
    r"fecha|inviato|data|verzonden|skickat|wysłano|отправлено|дата|to|an|à|para|a|aan|till|кому|"
    r"cc|subject|betreff|objet|asunto|oggetto|onderwerp|ämne|тема)\s*:\*?(\s|$)",
    re.IGNORECASE,
)
_SENDER_LABELS = frozenset({"from", "von", "de", "da", "van", "från", "od", "от"})
_DATE_LABELS = frozenset({
    "sent", "date", "gesendet", "datum", "envoyé", "envoye", "enviado", "fecha", "inviato", "data",
    "verzonden", "skickat", "wysłano", "отправлено", "дата",
})
_RULE = re.compile(r"^\s*([_\-=]{8,}|-{3})\s*$")
# A line introducing a quote in a form we have no pattern for ("26.06.2014, 14:41, X <x@y>:"):
# only trusted right above ">" lines, and only if it carries a date or an address.
_LOOSE_ATTRIBUTION = re.compile(r"^.{0,200}(\d{1,4}[./:-]\d{1,2}|@).{0,200}:\s*$", re.DOTALL)
# Forward markers: what follows them is content, however much it looks like a quote.
_FORWARD = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado)"
    r"|begin forwarded message:)",
    re.IGNORECASE,
)
# A cheap first look: any line that might begin one of the separators above.
_CANDIDATE = re.compile(
    r"^[ \t]*(-{2}|\*?[^\W\d_]{1,12}\s*:|(on|am|le|el|il|op|den|d[ae]n|w)\s|begin forwarded)",
    re.IGNORECASE | re.MULTILINE,
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
    forwarding = bool(_FORWARD_SUBJECT.match(subject))
    hard = _hard_separator(lines, forwarding, _candidates(text, starts))
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
    if found:
        return starts[min(found)]
    return _signature_below_quote(text, end)


def _signature_below_quote(text: str, end: int) -> int | None:
    """A "-- " signature written under the quote it answers (bottom of the message)."""
    if end >= len(text):
        return None
    lines = text.split("\n")
    trailer = _trailer(lines, len(lines))
    if trailer < len(lines) and lines[trailer] == "--":
        offset = sum(len(line) + 1 for line in lines[:trailer])
        return offset if offset >= end else None
    return None


def unquoted(text: str) -> str:
    """text without its ">" lines and the attributions introducing them (for previews)."""
    lines = text.split("\n")
    keep = [not line.startswith(">") for line in lines]
    for i, line in enumerate(lines):
        if not keep[i] and (i == 0 or keep[i - 1]):  # the first line of a quoted block
            above = _previous_filled(lines, i)
            if above is not None and keep[above]:
                span = _attribution_ending_at(lines, above)
                keep[above - span + 1 : above + 1] = [False] * span
    return "\n".join(line for line, kept in zip(lines, keep) if kept)


def _line_starts(lines: list[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    return starts


def _candidates(text: str, starts: list[int]) -> list[int]:
    """Lines that could start a separator, found in one pass of C instead of a Python loop."""
    return [bisect_right(starts, m.start()) - 1 for m in _CANDIDATE.finditer(text)]


def _hard_separator(lines: list[str], forwarding: bool, candidates: list[int]) -> int | None:
    """First line after which everything is quoted; forwarded blocks never count."""
    after_forward = -10
    first_words = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    for i in candidates:
        line = lines[i]
        if _FORWARD.match(line):
            after_forward = i
            continue
        if forwarding or i - after_forward <= 2 or i <= first_words:
            continue  # forwarded, or nothing written above it: then it is the content itself
        if _ORIGINAL.match(line):
            return i
        if _header_block_at(lines, i):
            for j in (i - 1, i - 2):  # Outlook draws a line above the block
                if j >= 0 and _RULE.match(lines[j]):
                    return j
                if j >= 0 and lines[j].strip():
                    break
            return i
        span = _dated_attribution_at(lines, i)
        if span and not _next_filled(lines, i + span).startswith(">"):
            return i  # "On <date> ... wrote:" with an unmarked quote below it
    return None


def _header_block_at(lines: list[str], i: int) -> bool:
    labels = []
    for line in lines[i : i + 6]:
        match = _HEADER_LINE.match(line)
        if not match:
            break
        labels.append(match.group("label").lower())
    return len(labels) >= 2 and labels[0] in _SENDER_LABELS | _DATE_LABELS and bool(
        set(labels) & _SENDER_LABELS and set(labels) & _DATE_LABELS
    )


def _quoted_tail(lines: list[str], end: int) -> int | None:
    """First line of the run of quote lines (with the attribution above them) that ends the text."""
    i = _trailer(lines, end)
    while i > 0:
        line = lines[i - 1]
        if not line.strip() or line.startswith(">") or _wrapped_quote_line(lines, i - 1):
            i -= 1
            continue
        i -= _attribution_ending_at(lines, i - 1)
        break  # an attribution introduces the outermost quote; above it is new text
    return i if i < end else None


def _wrapped_quote_line(lines: list[str], i: int) -> bool:
    """A short line between two quoted ones: the end of a quoted line some client re-wrapped."""
    return (
        0 < i < len(lines) - 1
        and len(lines[i]) <= 30
        and lines[i - 1].startswith(">")
        and lines[i + 1].startswith(">")
        and len(lines[i - 1]) >= 60
    )


def _trailer(lines: list[str], end: int) -> int:
    """Where a list footer or signature below the quote starts (they hide the quote from the tail)."""
    for j in range(end - 1, max(-1, end - 26), -1):
        if _RULE.match(lines[j]) or lines[j] == "--":
            above = _previous_filled(lines, j)
            if above is not None and lines[above].startswith(">"):
                return j
    return end


def _previous_filled(lines: list[str], j: int) -> int | None:
    for k in range(j - 1, -1, -1):
        if lines[k].strip():
            return k
    return None


def _attribution_at(lines: list[str], i: int) -> int:
    """How many lines (1-3) an attribution starting at line i spans; 0 if none."""
    if not lines[i].strip() or lines[i].startswith(">"):
        return 0
    for span in (1, 2, 3):
        if i + span > len(lines) or not lines[i + span - 1].strip():
            return 0
        chunk = " ".join(lines[i : i + span])
        if _ATTRIBUTION.match(chunk):
            return span
        # The looser forms may wrap once, when the first line has a date or number in it.
        loose = span == 1 or (span == 2 and len(lines[i]) <= 120 and any(ch.isdigit() for ch in lines[i]))
        if loose and (_SHORT_ATTRIBUTION.match(chunk) or _LOOSE_ATTRIBUTION.match(chunk)):
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
    for span in (3, 2, 1):
        first = last - span + 1
        if first >= 0 and _attribution_at(lines, first) == span:
            return span
    return 0


def _next_filled(lines: list[str], i: int) -> str:
    for line in lines[i:]:
        if line.strip():
            return line
    return ">"  # nothing follows: not a reason to call the rest a quote
