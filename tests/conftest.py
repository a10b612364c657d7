"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

Every test that asks for `db` (or `engine`) runs twice: once on a new SQLite
file, once on PostgreSQL (127.0.0.1:5432 unless INBOX_TEST_PG_URL says
otherwise). PostgreSQL must be up: CI starts it, and a test that cannot reach
it fails rather than skips.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from inbox import migrate
from inbox.db import make_engine, session_factory
from inbox.models import Base

PG_ADMIN_URL = os.environ.get("INBOX_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[2] / "shared"


def create_schema(engine) -> None:
    """Every table, stamped with the migrations' head (tests/integration checks they agree)."""
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": migrate.head()})


def _worker_id(config) -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@contextmanager
def pg_database(prefix: str, config) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database of this test process's own, dropped afterwards.

    Named by xdist worker and pid, so that several test runs on one machine never share one.
    """
    name = f"{prefix}_{_worker_id(config)}_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url(request):
    """A PostgreSQL database of this test process's own, created once, with every table."""
    with pg_database("inbox_test", request.config) as url:
        engine = make_engine(url)
        create_schema(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file with every table, made once per test process: each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "inbox.db"
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The URL of an empty database with every table (a fresh one per test)."""
    if request.param == "sqlite":
        path = tmp_path / "inbox.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(_EMPTY_EVERY_TABLE)
    engine.dispose()
    return url


# Children first; then every sequence back to 1. A DELETE of a test's few rows costs
# milliseconds where TRUNCATE of every table cost 0.3 to 1 s a test. Triggers are off for this
# transaction only (the audit log's append-only trigger would refuse the DELETE; TRUNCATE
# fires no row triggers either).
_EMPTY_EVERY_TABLE = ";".join(
    ["SET LOCAL session_replication_role = replica"]
    + [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
    + ["SELECT setval(c.oid::regclass, 1, false) FROM pg_class c WHERE c.relkind = 'S'"])


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine):
    """A sessionmaker bound to a fresh database."""
    return session_factory(engine)


def in_ci(environ=os.environ) -> bool:
    """CI sets CI=true; "", "0" and "false" mean a person's own run."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (real-mail corpora, labelled eval data), which CI has beside the clone and a
    clone of the project alone does not: without it a test that reads it is skipped with one
    line naming the folder, except under CI=true, where the folder must be there and its
    absence fails the test."""
    if SHARED.is_dir():
        return SHARED
    reason = f"{SHARED} is missing (the corpora and eval data beside the clone)"
    if in_ci():
        pytest.fail(f"{reason}, and CI=true needs it", pytrace=False)
    pytest.skip(f"{reason}: skipped; CI=true makes this a failure")
