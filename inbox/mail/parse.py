"""bytes -> ParsedMail, with the stdlib email package. Never raises on bad mail
except for a message over a configured limit (LimitExceeded)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class LimitExceeded(Exception):
    """The message is over a configured limit; it is quarantined with this reason."""


@dataclass(frozen=True)
class Part:
    """An attachment or inline part. data is the decoded payload."""

    part_path: str  # position in the MIME tree, e.g. "2" or "1.3" (for extracting it again)
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class ParsedMail:
    raw: bytes
    sha256: str
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    from_name: str
    from_address: str  # lower-cased
    reply_to: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None  # naive UTC
    content_type: str  # of the whole message, e.g. "multipart/report"
    headers: tuple[tuple[str, str], ...]  # (lower-cased name, decoded value), in order
    text_parts: tuple[str, ...]
    html_parts: tuple[str, ...]
    attachments: tuple[Part, ...]
    defects: tuple[str, ...] = field(default=())

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None
