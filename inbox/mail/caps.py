"""How much HTML the clean stage will read: a linear look at mail HTML before nh3 and
html.parser see it, so that no message under the size limit stalls the desk.

Measured (bench/hostile.py): html5ever, inside nh3, checks each new attribute
against the element's others (100,000 attributes on one element: 10 s, 200,000:
40 s), appends character references to a text node in quadratic time (400,000
"&amp;": 5 s), and grows quadratically with the nesting depth of block containers;
html.parser and our text reader cost some microseconds per tag (400,000 tags: 9 s).
Each of those is capped here, per element and in total. HTML past a cap is read
as plain text (tags cut out by one regex, entities decoded) and shown with a note
saying why; ordinary mail, far under every cap, pays one count of "<" and "&".
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from inbox.config import LimitsSettings

# Block containers whose nesting makes html5ever slow (each, 20,000 deep: 1.5-5 s); other tags stay linear.
_BLOCK_TAG = re.compile(
    r"<(/?)(address|article|aside|blockquote|center|del|details|dialog|dir|div|dl|fieldset|figcaption|"
    r"figure|footer|form|header|hgroup|ins|listing|main|menu|nav|ol|optgroup|pre|rb|rp|rt|rtc|search|"
    r"section|summary|ul)\b[^<>]*>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(r"<[^<>]*>")  # [^<>], not [^>]: linear even when no ">" follows
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
# Depth is counted only in documents with this many tags: ordinary mail pays nothing.
_COUNT_DEPTH_FROM = 5_000


@dataclass(frozen=True)
class HtmlCaps:
    """The caps, from [limits] in the configuration."""

    max_bytes: int
    max_tags: int
    max_attributes: int
    max_references: int
    max_depth: int

    @classmethod
    def of(cls, limits: LimitsSettings) -> HtmlCaps:
        return cls(limits.html_max_bytes, limits.html_max_tags, limits.html_max_attributes,
                   limits.html_max_references, limits.html_max_depth)


def over_cap(parts: tuple[str, ...], caps: HtmlCaps) -> str | None:
    """Why a message's HTML parts are past what the clean stage reads (None: they are not).

    The totals are over all the parts together: 25 parts of 2 MB cost what one of 50 MB does.
    """
    size = sum(len(part) for part in parts)
    if size > caps.max_bytes:
        return f"{size:,} characters of HTML, over the {caps.max_bytes:,} the board reads"
    tags = sum(part.count("<") for part in parts)
    if tags > caps.max_tags:
        return f"{tags:,} tags, over the {caps.max_tags:,} the board reads"
    references = sum(part.count("&") for part in parts)
    if references > caps.max_references:
        return f"{references:,} character references, over the {caps.max_references:,} the board reads"
    for part in parts:
        reason = _too_many_attributes(part, caps.max_attributes) or _too_deep(part, tags, caps.max_depth)
        if reason:
            return reason
    return None


def flatten(html: str, caps: HtmlCaps) -> str:
    """HTML read as plain text by the cheapest means: tags become spaces, entities are
    decoded (unless there are more than the cap: decoding costs a Python call each)."""
    import html as htmllib

    text = _ANY_TAG.sub(" ", html).strip()
    return htmllib.unescape(text) if text.count("&") <= caps.max_references else text


def _too_many_attributes(html: str, most: int) -> str | None:
    # An attribute takes at least two characters (a space and a name), so only a tag
    # longer than 2 * most can hold too many: ordinary mail has none, found by one scan in C.
    long_tag = re.compile(r"<[^<>]{%d,}>" % (2 * most))
    if not long_tag.search(html):
        return None
    for match in long_tag.finditer(html):
        count = len(_QUOTED.sub(" ", match.group()).split()) - 1  # the tag's name is the first word
        if count > most:
            return f"an element with {count:,} attributes, over the {most:,} the board reads"
    return None


def _too_deep(html: str, tags: int, most: int) -> str | None:
    if tags < _COUNT_DEPTH_FROM:
        return None
    depth = 0
    for match in _BLOCK_TAG.finditer(html):
        depth += -1 if match.group(1) else 1
        if depth > most:
            return f"HTML nested over {most:,} deep"
    return None
