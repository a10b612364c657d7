"""Engine and sessions, shared by the worker, the importer and the board.

SQLite is the embedded default (WAL, foreign keys, secure_delete);
PostgreSQL through psycopg 3 (``postgresql://`` or ``postgresql+psycopg://``)
is the store several processes share. No other database or driver is supported.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Table, create_engine, event, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


# URL scheme -> the scheme SQLAlchemy is given. A bare "postgresql://" would make
# SQLAlchemy pick psycopg2, which is not installed: psycopg 3 is the driver here.
SCHEMES = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}
SUPPORTED = "sqlite:///PATH or postgresql://USER@HOST/DB (psycopg 3)"


class UnsupportedURL(ValueError):
    """A database URL this project cannot use; the message names its scheme, never the rest
    (which may hold a password)."""


def normalise_url(url: str) -> str:
    """url with the scheme SQLAlchemy needs for the drivers installed here, or UnsupportedURL."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise UnsupportedURL(f"not a database URL: expected {SUPPORTED}")
    target = SCHEMES.get(scheme.lower())
    if target is None:
        dialect, _, driver = scheme.partition("+")
        if dialect.lower() in ("sqlite", "postgresql", "postgres"):
            raise UnsupportedURL(f"the driver {driver} is not supported: use {SUPPORTED}")
        raise UnsupportedURL(f"{dialect} is not supported: use {SUPPORTED}")
    return f"{target}://{rest}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and for :memory:)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1] if "///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def create_sqlite_folder(url: str) -> None:
    """Make the folder a SQLite database is to live in (0700) and its empty file (0600):
    only commands that create the database (`db upgrade`, `demo`) call it, so a typo in a
    path makes no folders. Made before SQLite opens the file, whatever the process's umask:
    SQLite gives the WAL and SHM files the database's mode."""
    path = sqlite_path(url)
    if path is not None:
        _private_file(path)


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine for url (psycopg 3 for PostgreSQL); SQLite files get their pragmas."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy issue BEGIN itself so transactions really are transactions.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _private_file(path: Path) -> None:
    """The database's folder (0700) and an empty file (0600) made before SQLite opens it,
    whatever the process's umask: SQLite gives the WAL and SHM files the database's mode."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see make_engine)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA secure_delete=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def take_write_lock(session: Session) -> None:
    """Make this transaction a writer now (SQLite), so it waits its turn instead of failing.

    SQLite in WAL mode cannot turn a read transaction into a write one once another
    connection has committed since it began ("database is locked", without waiting);
    a write that changes nothing takes the lock first. PostgreSQL needs nothing.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE mailboxes SET id = id WHERE 0 = 1"))


def write_afresh(session: Session) -> None:
    """End this session's transaction (committing what it holds) and begin a writer: for a write
    that follows something slow (a post, a send) done on what an earlier read loaded."""
    session.commit()
    take_write_lock(session)


def reserve_ids(session: Session, table: str, n: int) -> list[int]:
    """n primary keys for table, handed out before the rows exist (so no flush is needed to know them).

    PostgreSQL: from the table's sequence. SQLite: above the largest id, which is
    safe because the caller holds the write lock (take_write_lock) until commit.
    """
    if n <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"), {"n": n}
        )
        return [r[0] for r in rows]
    top = session.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
    # Ids handed out earlier in this session may not be flushed yet: never hand them out twice.
    top = max(top, session.info.get(("reserved", table), 0))
    session.info[("reserved", table)] = top + n
    return list(range(top + 1, top + n + 1))


class RowBuffer:
    """Rows a batch adds and never reads back (raw bytes, sightings, attachments,
    sort decisions, signatures), inserted with Core at one write point.

    Building and flushing an ORM object costs several times what a plain row
    does, and these are most of a batch's rows. Each row carries the primary
    keys it points at (handed out by reserve_ids), so nothing is read back.
    write() inserts them parents first, with a session flush (the tips and
    clusters, still ORM objects) in between.
    """

    def __init__(self):
        self.rows: dict[Table, list[dict]] = {}

    def add(self, model, **values) -> None:
        """One row of model's table. Every row of a table must name the same columns."""
        self.rows.setdefault(model.__table__, []).append(values)

    def pending(self, model) -> list[dict]:
        """The rows of model's table not written yet."""
        return self.rows.get(model.__table__, [])

    def clear(self) -> None:
        self.rows.clear()

    def write(self, session: Session) -> None:
        """Insert every row, in foreign-key order; the session's own objects are flushed
        just before the first table that depends on them (the tips)."""
        from inbox.models import Base, Tip

        flushed = False
        for table in Base.metadata.sorted_tables:
            if table is Tip.__table__:
                session.flush()
                flushed = True
            rows = self.rows.pop(table, None)
            if rows:
                session.execute(insert(table), rows)
        if not flushed:
            session.flush()
        self.rows.clear()


def add_row(session: Session, rows: RowBuffer | None, model, **values) -> None:
    """A row through the batch's RowBuffer when there is one (the pipeline), else as an
    ORM object in the session (a re-sort, the board)."""
    if rows is not None:
        rows.add(model, **values)
    else:
        session.add(model(**values))
