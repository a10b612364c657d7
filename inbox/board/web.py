"""What every view needs: the settings, a database session per request, the user, the client's IP."""
from __future__ import annotations

import threading

from flask import current_app, g, request
from sqlalchemy import text
from sqlalchemy.orm import Session

from inbox.config import Settings
from inbox.models import User

_SQLITE_WRITERS = threading.Lock()


def settings() -> Settings:
    """The Settings the app was built with (never re-read from a file)."""
    return current_app.extensions["inbox"]["settings"]


def db() -> Session:
    """This request's session; closed when the request ends."""
    if "db" not in g:
        g.db = current_app.extensions["inbox"]["sessions"]()
    return g.db


def dialect() -> str:
    """"sqlite" or "postgresql": search speaks each one's full-text dialect."""
    return db().get_bind().dialect.name


def user() -> User:
    """The logged-in user (the login check ran before any view that calls this)."""
    return g.user


def client_ip() -> str:
    """The peer address; behind a proxy, configure the proxy to set it (see README)."""
    return (request.remote_addr or "")[:64]


def begin_write() -> None:
    """Start this request's transaction as a writer (SQLite: take the write lock first).

    SQLite in WAL mode cannot turn a read transaction into a write one once another
    connection has committed since it began ("database is locked", no waiting). So a
    request that will write takes the lock with its first statement, a write that
    changes nothing, and then waits its turn instead of failing. Threads of one process
    queue on a Python lock first: SQLite's own busy handler waits by sleeping in steps of
    milliseconds, which made every contended write (each tip view is audited) slow.
    """
    session = db()
    session.commit()
    if dialect() == "sqlite":
        if not g.get("holds_write_lock"):
            _SQLITE_WRITERS.acquire()
            g.holds_write_lock = True
        session.execute(text("UPDATE users SET id = id WHERE 0 = 1"))


def release_write_lock() -> None:
    """At the end of the request, after its session is closed: let the next writer in."""
    if g.pop("holds_write_lock", False):
        _SQLITE_WRITERS.release()


def end_write() -> None:
    """Commit a short write and let the next writer in now, not at the end of the request
    (before slow work, such as checking a password, that must not hold the lock)."""
    db().commit()
    release_write_lock()


def end_transaction() -> None:
    """Commit what this request did so far and drop its snapshot or lock (before handing
    work to code with sessions of its own, or before writing after a long read)."""
    db().commit()
