"""The bundled demo mailbox: reader tips written for the project, shipped as .eml files.

`inbox demo` and the browser tests import these through the real pipeline, each
with a stable Source, so importing them twice stores nothing new.
"""
from __future__ import annotations

from importlib import resources
from typing import Iterator

from inbox.pipeline import Source

DEMO_MAILBOX = "demo"
DEMO_FOLDER = "INBOX"
DEMO_UIDVALIDITY = 1


def message_names() -> list[str]:
    """The .eml files' names in import order (their number prefix is the order)."""
    folder = resources.files(__package__).joinpath("mailbox")
    return sorted(item.name for item in folder.iterdir() if item.name.endswith(".eml"))


def messages() -> Iterator[tuple[bytes, Source]]:
    """(raw bytes, source) for every demo tip; the UID is its place in the list, from 1."""
    folder = resources.files(__package__).joinpath("mailbox")
    for uid, name in enumerate(message_names(), start=1):
        raw = folder.joinpath(name).read_bytes()
        yield raw, Source(DEMO_MAILBOX, DEMO_FOLDER, DEMO_UIDVALIDITY, uid)
