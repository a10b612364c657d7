"""Messages from files, for `inbox import` and the demo: .eml files, folders of them, Maildir, mbox.

Each message is read as bytes (never decoded here) with a stable Source, so
importing the same thing twice finds the same places and stores nothing new.
"""
from __future__ import annotations

import mailbox
import os
import re
from pathlib import Path
from typing import Iterator

from inbox.pipeline import Source

IMPORT_MAILBOX = "import"
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")  # RFC 5322 field name, then a colon
_SKIP_SUFFIXES = {".json", ".txt", ".md", ".py", ".csv", ".html", ".pdf", ".zip", ".gz"}


def read_all(paths: list[str | os.PathLike]) -> Iterator[tuple[bytes, Source]]:
    """(raw bytes, source) for every message under paths, in a stable order.

    Raises FileNotFoundError for a missing path before reading anything.
    """
    return read_planned(plan(paths))


def plan(paths: list[str | os.PathLike]) -> list[tuple[str, Path]]:
    """("file" | "mbox", path) for every mail file under paths, walked once.

    Raises FileNotFoundError for a missing path before reading anything.
    """
    return [item for root in _roots(paths) for item in _walk(root)]


def read_planned(items: list[tuple[str, Path]]) -> Iterator[tuple[bytes, Source]]:
    """Every message of plan()'s files, each file read once."""
    for kind, path in items:
        if kind == "mbox":
            yield from _read_mbox(path)
        else:
            yield path.read_bytes(), Source(IMPORT_MAILBOX, str(_stable_name(path)))


def size(items: list[tuple[str, Path]]) -> int:
    """The bytes plan()'s files hold: the progress bar's measure (an mbox is not read to count it)."""
    total = 0
    for _, path in items:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def _roots(paths: list[str | os.PathLike]) -> list[Path]:
    roots = [Path(p) for p in paths]
    for p in roots:
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder")
    return [p.resolve() for p in roots]


def _walk(p: Path) -> Iterator[tuple[str, Path]]:
    """("file" | "mbox", path) for every mail file under p."""
    if p.is_file():
        yield ("mbox" if _is_mbox(p) else "file"), p
        return
    maildir = _is_maildir(p)
    if maildir:
        for sub in ("new", "cur"):
            for f in sorted((p / sub).iterdir()):
                if f.is_file() and not f.name.startswith("."):
                    yield "file", f
    for child in sorted(p.iterdir()):
        if child.name.startswith(".") or (maildir and child.name in ("cur", "new", "tmp")):
            continue
        if child.is_dir():
            yield from _walk(child)
        elif _is_mbox(child):
            yield "mbox", child
        elif _looks_like_mail(child):
            yield "file", child


def _stable_name(path: Path) -> Path:
    # Maildir renames a file when its flags change (and moves it new/ -> cur/);
    # the name before ":2," is stable.
    if path.parent.name in ("new", "cur") and _is_maildir(path.parent.parent):
        return path.parent.parent / path.name.split(":2,")[0]
    return path


def _read_mbox(path: Path) -> Iterator[tuple[bytes, Source]]:
    box = mailbox.mbox(path, create=False)
    try:
        for uid, key in enumerate(box.iterkeys(), start=1):
            yield box.get_bytes(key), Source(IMPORT_MAILBOX, str(path), 0, uid)
    finally:
        box.close()


def _is_maildir(p: Path) -> bool:
    return p.is_dir() and (p / "cur").is_dir() and (p / "new").is_dir()


def _is_mbox(p: Path) -> bool:
    if p.suffix.lower() == ".mbox" or p.name.lower() == "mbox":
        return True
    return p.suffix.lower() != ".eml" and _head(p).startswith(b"From ")


def _looks_like_mail(p: Path) -> bool:
    if p.suffix.lower() == ".eml":
        return True
    if p.suffix.lower() in _SKIP_SUFFIXES:
        return False
    return bool(_HEADER_LINE.match(_head(p)))


def _head(p: Path) -> bytes:
    try:
        with p.open("rb") as fh:
            return fh.read(200)
    except OSError:
        return b""
