"""Hostile mail, built in code: each message is small enough to pass the size limit and
shaped to make some stage of the HTML path (or the text path after it) slow.

Used by bench/hostile.py and by the tests (tests/pipeline/test_time_budget.py,
tests/unit/test_clean.py), so the bench and the tests speak of the same messages.
"""
from __future__ import annotations

from email.message import EmailMessage
from typing import Callable, Iterator

SENDER = "Hostile Sender <hostile@attacker.example>"


def _mail(name: str, html: str | None = None, text: str | None = None, headers: list[tuple[str, str]] = ()) -> bytes:
    """One message: raw headers written by hand (the email package would refold them) and a body."""
    head = [f"From: {SENDER}", "To: tips@station.example", f"Subject: hostile {name}",
            f"Message-ID: <{name}@attacker.example>", "Date: Tue, 1 Dec 2026 10:00:00 +0000", "MIME-Version: 1.0"]
    head += [f"{k}: {v}" for k, v in headers]
    if html is not None and text is None:
        head.append("Content-Type: text/html; charset=utf-8")
        body = html
    elif html is None:
        head.append("Content-Type: text/plain; charset=utf-8")
        body = text or "A tip."
    else:
        msg = EmailMessage()
        msg.set_content(text)
        msg.add_alternative(html, subtype="html", cte="8bit")
        multipart = bytes(msg)
        cut = multipart.index(b"\n\n")
        return ("\r\n".join(head) + "\r\n").encode() + multipart[:cut].replace(b"MIME-Version: 1.0\n", b"") + multipart[cut:]
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode("utf-8")


def attribute_bomb(count: int) -> bytes:
    """One element with `count` attributes (100,000 is 1.1 MB): html5ever's duplicate check is quadratic."""
    return _mail(f"attributes-{count}", "<p " + " ".join(f"a{i}=v" for i in range(count)) + ">the tip</p>")


def attributes_everywhere(elements: int = 20_000, each: int = 60) -> bytes:
    """Many elements, each with many attributes."""
    attrs = " ".join(f"d{i}=1" for i in range(each))
    return _mail("attributes-everywhere", f"<span {attrs}>w</span>" * elements)


def deep_nesting(tag: str, depth: int) -> bytes:
    """`depth` nested `tag`s, never closed."""
    return _mail(f"deep-{tag}-{depth}", f"<{tag}>" * depth + "the tip")


def many_elements(count: int = 400_000) -> bytes:
    """Very many small elements (a 3 MB page of one-word paragraphs)."""
    return _mail(f"elements-{count}", "<p>w</p>" * count)


def unclosed_tags(count: int = 200_000) -> bytes:
    """Tags that never end: html.parser was quadratic on these."""
    return _mail(f"unclosed-{count}", "<a " * count)


def entities(count: int = 1_000_000) -> bytes:
    """A million character references."""
    return _mail(f"entities-{count}", "<p>" + "&amp;&#x41;" * count + "</p>")


def long_attribute(size: int = 5_000_000) -> bytes:
    """One attribute value of megabytes."""
    return _mail("long-attribute", f'<p title="{"x" * size}" style="color: red; {"x" * size}">the tip</p>')


def links(count: int = 100_000) -> bytes:
    """A page of links, each read as 'text (url)'."""
    return _mail(f"links-{count}", "".join(f'<a href="https://example.org/{i}">n{i}</a> ' for i in range(count)))


def big_newsletter(megabytes: float = 20.0) -> bytes:
    """An ordinary-looking HTML newsletter of `megabytes` (tables, links, styles, paragraphs)."""
    row = ('<tr><td style="padding:8px;font-family:Arial"><h3>Council notes, item {i}</h3><p>The county clerk '
           'said the ballots were moved to the <a href="https://news.example/{i}">warehouse</a> on Friday night, '
           'and the board will meet again next week to vote on the contract.</p></td></tr>\n')
    parts, size, i = ["<html><body><table>"], 0, 0
    while size < megabytes * 1_000_000:
        piece = row.format(i=i)
        parts.append(piece)
        size += len(piece)
        i += 1
    parts.append("</table></body></html>")
    return _mail(f"newsletter-{megabytes:g}mb", "".join(parts), text="The newsletter, as text.\n" * 1000)


def many_headers(count: int = 100_000) -> bytes:
    """A header block of `count` headers."""
    return _mail(f"headers-{count}", text="A tip.", headers=[(f"X-H{i}", "v") for i in range(count)])


def long_line(size: int = 10_000_000) -> bytes:
    """A text body of one 10 MB line."""
    return _mail("long-line", text="word " * (size // 5))


def long_html_line(size: int = 10_000_000) -> bytes:
    """HTML of one long text run with no tag in it."""
    return _mail("long-html-line", "<p>" + "word " * (size // 5) + "</p>")


def quoted_lines(count: int = 200_000) -> bytes:
    """A reply quoting two hundred thousand lines, and interleaved answers."""
    return _mail("quoted-lines", text="Answer.\n" + "> quoted line\nyes\n" * count)


def comments(count: int = 200_000) -> bytes:
    """Comments opened and never closed, and closed ones."""
    return _mail("comments", "<!-- a -->" * count + "<!--" * count)


# name -> message maker; every message is well under limits.max_message_bytes.
HOSTILE: dict[str, Callable[[], bytes]] = {
    "attribute bomb 1.1 MB": lambda: attribute_bomb(100_000),
    "attribute bomb 2.3 MB": lambda: attribute_bomb(200_000),
    "attributes on every element": attributes_everywhere,
    "deep <div> 200,000": lambda: deep_nesting("div", 200_000),
    "deep <span> 200,000": lambda: deep_nesting("span", 200_000),
    "deep <table> 100,000": lambda: deep_nesting("table", 100_000),
    "deep <a> 100,000": lambda: deep_nesting("a", 100_000),
    "deep <blockquote> 100,000": lambda: deep_nesting("blockquote", 100_000),
    "200,000 elements": lambda: many_elements(200_000),
    "400,000 elements": many_elements,
    "200,000 unclosed tags": unclosed_tags,
    "300,000 entities": lambda: entities(150_000),
    "a million entities": entities,
    "5 MB attribute values": long_attribute,
    "100,000 links": links,
    "20 MB HTML newsletter": big_newsletter,
    "100,000 headers": many_headers,
    "a 10 MB line of text": long_line,
    "a 10 MB line of HTML": long_html_line,
    "200,000 quoted lines": quoted_lines,
    "400,000 comments": comments,
}


def hostile_mails() -> Iterator[tuple[str, bytes]]:
    """(name, raw message) for every kind of hostile mail."""
    for name, make in HOSTILE.items():
        yield name, make()
