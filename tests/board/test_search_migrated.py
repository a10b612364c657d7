"""The search index made by the migrations (not create_all) follows tips and notes as they are
written, on SQLite and on PostgreSQL; and the audit log refuses changes there too."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from inbox import migrate
from inbox.board.queries import search_roots
from inbox.db import make_engine, session_factory
from inbox.models import AuditEntry, Note
from tests.board.factories import make_tip, make_user
from tests.conftest import PG_ADMIN_URL, _worker_id


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    else:
        # The process id too: two test runs on one PostgreSQL server must not share it.
        name = f"inbox_board_migrated_{_worker_id(request.config)}_{os.getpid()}"
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield session_factory(engine), engine.dialect.name
    engine.dispose()
    if request.param == "postgresql":
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(*statements: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


def test_migrated_search_follows_inserts_updates_and_notes(migrated):
    sessions, dialect = migrated
    with sessions() as s, s.begin():
        tip = make_tip(s, subject="Levee inspection skipped", body="nobody came")
        other = make_tip(s, subject="Quiet", body="nothing")
        editor = make_user(s, "editor")
        s.add(Note(tip_id=other.id, user_id=editor.id, body="Caller mentioned the levee too"))
    with sessions() as s:
        assert sorted(search_roots(s, "levee", dialect)) == sorted([tip.id, other.id])
    with sessions() as s, s.begin():
        s.get(type(tip), tip.id).subject = "Dam inspection skipped"
    with sessions() as s:
        assert search_roots(s, "levee", dialect) == [other.id]
        assert search_roots(s, "dam", dialect) == [tip.id]


def test_migrated_audit_log_is_append_only(migrated):
    sessions, _ = migrated
    with sessions() as s, s.begin():
        s.add(AuditEntry(action="view", object_type="tip", object_id=1))
    with sessions() as s:
        with pytest.raises(DBAPIError, match="append-only"):
            s.execute(text("DELETE FROM audit_log"))
        s.rollback()
        assert s.scalar(select(AuditEntry.action)) == "view"
