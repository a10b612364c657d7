"""A fast HTML -> plain text reading, for HTML-only mail (search, preview, quotes).

Not a sanitiser (that is clean.py's job, and the text is never shown as
HTML): it only has to read well. It expects well-formed markup: clean.py
first passes mail HTML through nh3 keeping only STRUCTURE_TAGS, because
html.parser is quadratic on broken markup (4,000 unclosed "<a " took 5 s,
16,000 took a minute) and a hostile tip must not stall the desk. Blocks become lines, links become
"text (url)", entities are decoded, and <blockquote> lines get "> " in front
so that the quote detector treats a quoted HTML reply like a quoted plain one.
"""
from __future__ import annotations

from html.parser import HTMLParser

# Tags whose content is not text a reader sees.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "math", "select", "textarea", "object"})
# Tags that start and end a paragraph (a blank line around them).
_PARAGRAPHS = frozenset({
    "p", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "hr",
})
# Tags that start and end a line.
_LINES = frozenset({
    "div", "tr", "li", "dt", "dd", "address", "center", "section", "article", "header", "footer",
    "form", "fieldset", "caption", "body", "html",
})
_CELLS = frozenset({"td", "th"})
# Quote marks drawn at most this deep (a hostile 50,000-deep blockquote must not explode the text).
_MAX_QUOTE_DEPTH = 10
# The tags this reader gives a meaning to; everything else may be reduced to its text.
STRUCTURE_TAGS = _PARAGRAPHS | _LINES | _CELLS | {"a", "br"}
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "wbr"})


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.hidden = 0
        self.quote = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []  # (href, number of line pieces when the link opened)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += tag not in _VOID
            return
        self.block_break(tag)
        if tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
        elif tag == "li":
            self.line.append("- ")
        elif tag == "hr":
            self.line.append("---")
            self.paragraph()
        elif tag in _CELLS and self.line:
            self.line.append("  ")
        elif tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), "")
            self.links.append((href.strip(), len(self.line)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.line[start:]).strip()
            bare = href[7:] if href.lower().startswith("mailto:") else href
            if href.lower().startswith(("http:", "https:", "mailto:")) and bare not in shown:
                self.line.append(f" ({href})")
        self.block_break(tag)
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)

    def block_break(self, tag: str) -> None:
        """The line break a tag makes where it opens and where it closes."""
        if tag == "br":
            self.newline(blank_if_empty=True)
        elif tag in _PARAGRAPHS:
            self.paragraph()
        elif tag in _LINES:
            self.newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.line.append(first)
            for piece in rest:
                self.newline(blank_if_empty=True)
                self.line.append(piece)
            return
        words = data.split()
        if not words:
            if data and self.line and not self.line[-1].endswith(" "):
                self.line.append(" ")
            return
        text = " ".join(words)
        if data[0].isspace() and self.line and not self.line[-1].endswith(" "):
            text = " " + text
        if data[-1].isspace():
            text += " "
        self.line.append(text)

    def newline(self, blank_if_empty: bool = False) -> None:
        text = "".join(self.line)
        text = text.rstrip() if self.pre else text.strip()
        self.line = []
        depth = min(self.quote, _MAX_QUOTE_DEPTH)
        if text:
            self.lines.append("> " * depth + text)
        elif blank_if_empty:
            self.lines.append(">" * depth)

    def paragraph(self) -> None:
        self.newline()
        if self.lines and self.lines[-1].strip(">"):
            self.lines.append(">" * min(self.quote, _MAX_QUOTE_DEPTH))


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (for mail that has no text/plain part)."""
    reader = _Reader()
    try:
        reader.feed(html)
        reader.close()
    except Exception:  # html.parser is lenient; a failure still leaves what was read
        pass
    reader.newline()
    return "\n".join(reader.lines).strip()
