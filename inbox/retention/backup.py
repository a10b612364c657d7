"""`inbox backup PATH`: a consistent snapshot of the SQLite database, taken with SQLite's
online backup API (the worker and the board may keep writing meanwhile)."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from inbox.db import sqlite_path


class NotSQLite(Exception):
    """A PostgreSQL database: its backup is pg_dump's job (the message says the command)."""


def pg_dump_command(url: str) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    parts = ["pg_dump", "--format=custom", "--file=PATH"]
    if u.host:
        parts.append(f"--host={u.host}")
    if u.port:
        parts.append(f"--port={u.port}")
    if u.username:
        parts.append(f"--username={u.username}")
    return " ".join([*parts, u.database or ""])


def backup(url: str, target: str | os.PathLike) -> int:
    """Write the snapshot to target (a new file, 0600); returns its size in bytes."""
    source = sqlite_path(url)
    if source is None:
        raise NotSQLite(f"not SQLite: back PostgreSQL up with `{pg_dump_command(url)}`")
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target} exists: give a new file")
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # private before any byte is in it
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=1024)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    return target.stat().st_size
