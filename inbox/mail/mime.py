"""Reading one MIME part safely: its type, disposition, payload, filename, text.

Every helper here swallows what the stdlib raises on broken parts and records
a defect instead, so that parse() can only fail on a configured limit.
"""
from __future__ import annotations

import mimetypes
import re
from email.message import Message

from inbox.mail.decode import decode_bytes, header_text, message_ids

FORWARD_MARKER = "---------- Forwarded message ----------"
_FORWARD_FIELDS = (("From", "from"), ("Date", "date"), ("Subject", "subject"), ("To", "to"))


def raw_headers(msg: Message) -> list[tuple[str, str]]:
    """(name, raw value) pairs in order, for decoding our own way."""
    # raw_items(), not items(): compat32's items() wraps 8-bit values in Header
    # objects; we want the raw text and decode it ourselves.
    try:
        return [(str(name), value if isinstance(value, str) else str(value)) for name, value in msg.raw_items()]
    except Exception:
        return []


# A type's leading "main/sub" token (RFC 2045 section 5.1 tokens). What follows it is
# ignored here: "TEXT/PLAIN charset=US-ASCII" (the ";" missing) is still text/plain.
_TYPE = re.compile(r"\s*([a-z0-9!#$%&'*+.^_`|~-]+)\s*/\s*([a-z0-9!#$%&'*+.^_`|~-]*)", re.IGNORECASE)
# A Content-Type whose parameters follow the type with no ";" (seen from old mailers
# and hand-written scripts); repair_content_types() puts it back before parsing.
_MISSING_SEMICOLON = re.compile(
    rb"^(content-type:[ \t]*[a-z0-9!#$%&'*+.^_`|~-]+/[a-z0-9!#$%&'*+.^_`|~-]+)(?=[ \t]*(?:\r?\n)?[ \t]+[a-z0-9_-]+[ \t]*=)",
    re.IGNORECASE | re.MULTILINE,
)


def content_type(part: Message) -> str:
    """The part's type, lower-cased "main/sub"; one that cannot be read is text/plain (RFC 2045 5.2).

    Read from the header's leading token rather than by the stdlib, which keeps
    anything before the first ";" as the type ("text/plain charset=us-ascii").
    """
    try:
        value = part.get("content-type")
    except Exception:
        return "text/plain"
    if value is None:
        return part.get_default_type()  # text/plain, or message/rfc822 inside a digest
    match = _TYPE.match(str(value))
    if not match:
        return "text/plain"
    main, sub = match.group(1).lower(), match.group(2).lower()
    if not sub:
        return "text/plain" if main == "text" else "application/octet-stream"
    return f"{main}/{sub}"


def readable_type(part: Message) -> bool:
    """Whether a Content-Type header is missing or reads as one "main/sub" token."""
    try:
        value = part.get("content-type")
    except Exception:
        return False
    if value is None:
        return True
    match = _TYPE.match(str(value))
    return bool(match and match.group(2)) and str(value)[match.end():].lstrip()[:1] in ("", ";")


def repair_content_types(raw: bytes) -> bytes | None:
    """The message with the ";" put back after its top-level Content-Type's type, or
    None when it was not missing: "multipart/mixed boundary=..." then reads as multipart,
    and "text/plain charset=..." keeps its charset."""
    head = raw[:_header_end(raw)]
    if not _missing_semicolon(head):
        return None
    return _MISSING_SEMICOLON.sub(rb"\1;", head, count=1) + raw[len(head):]


def _header_end(raw: bytes) -> int:
    """Where the first blank line starts (its "\r" or "\n"), or the length: what the regex
    rb"\r?\n\r?\n" finds first, looked for with two finds (a regex whose first character is
    optional is tried at every position: 14 us a message against 1)."""
    lf = raw.find(b"\n\n")
    crlf = raw.find(b"\n\r\n", 0, lf + 2 if lf >= 0 else len(raw))  # one before lf, if any
    at = crlf if crlf >= 0 else lf
    if at < 0:
        return len(raw)
    return at - 1 if at and raw[at - 1] == 0x0D else at


def _missing_semicolon(head: bytes) -> bool:
    """_MISSING_SEMICOLON.search(head), tried only where a line may start "Content-Type:":
    re tries a case-blind pattern anchored at line starts at every position (7 us against 2)."""
    lowered = head.lower()  # ASCII only, as re.IGNORECASE is for bytes
    at = lowered.find(b"content-type:")
    while at >= 0:
        if _MISSING_SEMICOLON.match(head, at):  # "^" still needs a line start there
            return True
        at = lowered.find(b"content-type:", at + 1)
    return False


def disposition(part: Message) -> str:
    """"attachment", "inline" or "": decides whether a text part is body or attachment."""
    try:
        value = part.get("content-disposition")
    except Exception:
        return ""
    return str(value).split(";")[0].strip().lower() if value else ""


def embedded(part: Message) -> Message | None:
    """The message inside a message/rfc822 (or similar) part, else None."""
    ctype = content_type(part)
    if not ctype.startswith("message/") or ctype == "message/delivery-status":
        return None
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def payload_bytes(part: Message, defects: list[str], path: str) -> bytes:
    """The decoded payload; undecodable transfer encodings give the raw bytes, never an error."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return b"\n".join(block_text(m).encode("utf-8") for m in payload if isinstance(m, Message))
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        defects.append(f"{path}: payload: {type(exc).__name__}")
        data = None
    if data is None:
        try:
            data = str(payload).encode("utf-8", "surrogateescape") if payload else b""
        except UnicodeEncodeError:
            data = str(payload).encode("utf-8", "replace")
    return data


def payload_text(part: Message, defects: list[str], path: str) -> str:
    """A text part as str, whatever charset it claims (see decode.decode_bytes)."""
    data = payload_bytes(part, defects, path)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(data, charset)


def block_text(msg: Message) -> str:
    """A header block (a delivery-status group) as "Name: value" lines, for reading."""
    return "\n".join(f"{name}: {header_text(value)}" for name, value in raw_headers(msg))


def forward_summary(inner: Message) -> str:
    """The forwarded message's From/Date/Subject/To as a block a reader recognises."""
    first: dict[str, str] = {}
    for name, value in raw_headers(inner):
        first.setdefault(name.lower(), value)
    lines = [FORWARD_MARKER]
    for label, key in _FORWARD_FIELDS:
        value = header_text(first.get(key))
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def attachment_fields(part: Message, path: str, defects: list[str]) -> dict:
    """The fields of a parse.Part for an attachment or inline part."""
    ctype = content_type(part)
    name = filename_of(part, defects, path) or f"part-{path}{mimetypes.guess_extension(ctype) or '.bin'}"
    try:
        ids = message_ids(header_text(part.get("content-id")))
    except Exception:
        ids = []
    how = disposition(part)
    return dict(
        part_path=path,
        filename=name,
        content_type=ctype,
        data=payload_bytes(part, defects, path),
        content_id=ids[0] if ids else None,
        inline=how == "inline" or (bool(ids) and how != "attachment"),
    )


def filename_of(part: Message, defects: list[str], path: str) -> str:
    """The RFC 2231/2047-decoded filename with any directory part and control characters removed."""
    try:
        name = part.get_filename()
    except Exception as exc:
        defects.append(f"{path}: filename: {type(exc).__name__}")
        return ""
    if not name:
        return ""
    name = header_text(name).replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[:255]


