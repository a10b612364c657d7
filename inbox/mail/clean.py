"""ParsedMail -> CleanMail: sanitised HTML, one normalised text body, where the new
words end, a preview, and whether a machine sent it.

This is the ONE module that sanitises HTML. The policy is the one in
../shared/reference/sanitise.md, which left none of the 223 DOMPurify payloads
dangerous; bench/sanitise.py re-checks that on every run. nh3 (ammonia) does
the parsing and serialising; we add the rules it has no switch for: style
values that load or run something, and images, of which only the message's
own cid: parts survive (a remote image tells the sender when and from where a
tip was read), rewritten to the board's /cid/<raw sha256>/<content-id> route.
"""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

import nh3

from inbox.config import LimitsSettings
from inbox.mail.caps import HtmlCaps, flatten, over_cap
from inbox.mail.headers import mail_kind
from inbox.mail.html_text import STRUCTURE_TAGS, html_to_text
from inbox.mail.parse import ParsedMail
from inbox.mail.quotes import Reply, split_reply

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup",
    "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
# Dropped together with everything inside them.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "title", "textarea", "noscript", "template", "svg", "math", "head",
    "select", "option",
})
# No class or id: they collide with the board's CSS and allow DOM clobbering.
ALLOWED_ATTRIBUTES = {
    "*": {"dir", "lang", "title", "align", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "valign", "width"},
    "th": {"colspan", "rowspan", "valign", "width", "scope"},
    "table": {"width", "cellpadding", "cellspacing", "border"},
    "font": {"color"},
    "col": {"span", "width"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "cid"})
LINK_REL = "noopener noreferrer nofollow"
# Colours, fonts, text alignment/decoration, line-height, margin, padding, border, sizes.
STYLE_PROPERTIES = frozenset({
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight",
    "font-variant", "text-align", "text-decoration", "text-decoration-line", "text-decoration-color",
    "text-decoration-style", "line-height", "vertical-align", "width", "height",
    *(f"{box}{side}" for box in ("margin", "padding") for side in ("", "-top", "-right", "-bottom", "-left")),
    *(f"border{side}{what}" for side in ("", "-top", "-right", "-bottom", "-left") for what in ("", "-color", "-style", "-width")),
})
# A style value containing any of these (spaces ignored), or a CSS comment, is dropped whole.
_BAD_STYLE = ("expression", "url(", "\\", "@import", "javascript:", "behavior", "-moz-binding", "image-set(")
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")
_NO_BLANKS = dict.fromkeys(range(0x21))  # browsers skip these inside a URL scheme
PREVIEW_CHARS = 300
_PREVIEW_READS = 64_000
# Reduces mail HTML to well-formed structure before html_to_text reads it (linear, in Rust).
_STRUCTURE = nh3.Cleaner(
    tags=set(STRUCTURE_TAGS - DROPPED_WITH_CONTENT),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={"a": {"href"}},
    link_rel=None,
    url_schemes={"http", "https", "mailto"},
)


@dataclass(frozen=True)
class CleanMail:
    parsed: ParsedMail
    text: str  # the whole text body, whitespace normalised (never cut)
    new_text_end: int  # where the reader's own new words end (quoted reply starts); == len(text) if none
    signature_start: int | None
    # The reader's own words as (start, end) offsets in text: banners, quotes and signature left out;
    # several when answers sit between quotes or under them.
    new_text_spans: tuple[tuple[int, int], ...]
    html: str | None  # sanitised HTML (None when the mail had no HTML)
    preview: str  # <= 300 chars readable summary of the new text
    is_auto_reply: bool
    is_bounce: bool
    is_list: bool
    mail_kind_reasons: tuple[str, ...]  # which header rules fired


_DEFAULT_LIMITS = LimitsSettings()
_DEFAULT_CAPS = HtmlCaps.of(_DEFAULT_LIMITS)


def clean(parsed: ParsedMail, limits: LimitsSettings | None = None) -> CleanMail:
    """Make a parsed message safe to show and easy to read; nothing of the body is cut
    below limits.text_max_chars (1 M characters: past it, a note says how much more there is).

    HTML past a cap of limits' (inbox/mail/caps.py) is read as plain text, and its
    "HTML" is a note saying so: the message costs linear time, whatever its markup.
    """
    caps = _DEFAULT_CAPS if limits is None else HtmlCaps.of(limits)
    too_much = over_cap(parsed.html_parts, caps) if parsed.html_parts else None
    text = cut(normalise(body_text(parsed, caps if too_much else None)), (limits or _DEFAULT_LIMITS).text_max_chars)
    reply = split_reply(text, parsed.subject, parsed.from_name)
    html = None
    if too_much:
        html = not_shown_note(too_much)
    elif parsed.html_parts:
        html = "\n<hr>\n".join(_sanitise(part, parsed.sha256) for part in parsed.html_parts)
    kind = mail_kind(parsed.headers)
    return CleanMail(
        parsed=parsed,
        text=text,
        new_text_end=reply.new_text_end,
        signature_start=reply.signature[0] if reply.signature else None,
        new_text_spans=reply.spans,
        html=html,
        preview=preview(text, reply),
        is_auto_reply=kind.is_auto_reply,
        is_bounce=kind.is_bounce,
        is_list=kind.is_list,
        mail_kind_reasons=kind.reasons,
    )


def cid_url(raw_sha256: str, content_id: str) -> str:
    """The board's URL for an inline part: /cid/<raw message sha256>/<url-quoted Content-ID>."""
    return f"/cid/{raw_sha256}/{quote(content_id, safe='')}"


def sanitise(html: str, raw_sha256: str, caps: HtmlCaps = _DEFAULT_CAPS) -> str:
    """Untrusted mail HTML -> HTML safe to show (in the board's sandboxed iframe); HTML
    past a cap becomes the note that says so."""
    too_much = over_cap((html,), caps)
    return not_shown_note(too_much) if too_much else _sanitise(html, raw_sha256)


def _sanitise(html: str, raw_sha256: str) -> str:
    own = f"/cid/{raw_sha256}/"

    def attribute(tag: str, name: str, value: str) -> str | None:
        if value.translate(_NO_BLANKS)[:11].lower().startswith(_SCRIPT_SCHEMES):
            return None  # not only in URLs: no attribute may hold a script URL at all
        if name == "style":
            return None if _dangerous_style(value) else value
        if tag == "img" and name == "src":
            src = value.strip()
            if src[:4].lower() != "cid:":
                return None  # every remote (or data:) image goes
            content_id = "".join(unquote(src[4:]).split()).strip("<>")
            return cid_url(raw_sha256, content_id) if content_id else None
        return value

    def relative(url: str) -> str | None:
        # The only relative URLs allowed are the ones `attribute` just wrote.
        return url if url.startswith(own) and ".." not in url else None

    cleaner = nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        url_relative=relative,
    )
    return cleaner.clean(html)


def cut(text: str, most: int) -> str:
    """The text, or its first `most` characters and a note of how much more the original holds."""
    if len(text) <= most:
        return text
    return text[:most] + f"\n\n[... {len(text) - most:,} more characters are in the original message]"


def not_shown_note(reason: str) -> str:
    """What the mail's HTML view shows in place of HTML past a cap: why, and where the words are."""
    return ('<p class="not-shown"><em>The formatted version of this message is not shown: '
            f"{htmllib.escape(reason)}. Its words are in the text above; the original message is kept "
            "and editors can download it.</em></p>")


def body_text(parsed: ParsedMail, plain: HtmlCaps | None = None) -> str:
    """The text body in reading order; HTML-only parts read as plain text (the cheapest
    way when `plain`, the caps the HTML passed)."""
    order = parsed.reading_order or tuple(("text", i) for i in range(len(parsed.text_parts)))
    if not order:
        order = tuple(("html", i) for i in range(len(parsed.html_parts)))
    read_html = _read_html if plain is None else (lambda html: flatten(html, plain))
    pieces = [parsed.text_parts[i] if kind == "text" else read_html(parsed.html_parts[i]) for kind, i in order]
    return "\n\n".join(piece for piece in pieces if piece.strip())


# NBSP and friends become spaces; invisible characters go. ZWJ/ZWNJ stay: Persian,
# Indic scripts and emoji need them. C0/C1 controls go (PostgreSQL refuses NUL).
_TRANSLATE = {
    **{c: None for c in (*range(0x00, 0x09), 0x0B, 0x0E, *range(0x0F, 0x20), 0x7F, *range(0x80, 0xA0))},
    **dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a"), " "),
    **dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None),
    **dict.fromkeys(map(ord, "\u2028\u2029\x0c"), "\n"),
}
_ODD_CHARACTER = re.compile("[" + "".join(re.escape(chr(c)) for c in _TRANSLATE) + "]")
_BLANKS = re.compile(r"\n{4,}")


def normalise(text: str) -> str:
    """CRLF to LF, odd spaces and invisible characters out, no trailing spaces, <= 2 blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _ODD_CHARACTER.search(text):  # most mail has none: skip the slower translate
        text = text.translate(_TRANSLATE)
    # rstrip per line, not a "[ \t]+$" regex: that one is quadratic on a long run of spaces.
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    if "\n\n\n\n" in text:  # most mail has no three blank lines running: the sub alone took 30 us a message
        text = _BLANKS.sub("\n\n\n", text)
    text = text.strip("\n")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (from broken UTF-7/16) cannot be stored
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def preview(text: str, reply: Reply) -> str:
    """About 300 characters of the reader's new words, cut at a word."""
    # 300 characters are found in the first _PREVIEW_READS of the reader's words: a 3 MB reply read whole took seconds.
    words = (" ".join(reply.new_text(text)[:_PREVIEW_READS].split())
             or " ".join(text[:_PREVIEW_READS].replace(">", " ").split()[:100]))
    if len(words) <= PREVIEW_CHARS:
        return words
    cut = words.rfind(" ", 0, PREVIEW_CHARS)
    if cut < PREVIEW_CHARS * 2 // 3:
        cut = PREVIEW_CHARS - 1
    return words[:cut].rstrip(" ,;:.-") + "…"


def _read_html(html: str) -> str:
    return html_to_text(_STRUCTURE.clean(html))


def _dangerous_style(value: str) -> bool:
    # A CSS comment can split a keyword ("expr/**/ession"); mail styles don't need comments.
    squashed = "".join(value.lower().split())
    return "/*" in squashed or any(bad in squashed for bad in _BAD_STYLE)
