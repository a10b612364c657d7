"""The search index made by the migrations (not create_all) follows tips and notes as they are
written, on SQLite and on PostgreSQL; and the audit log refuses changes there too."""
from __future__ import annotations

from contextlib import nullcontext

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from inbox import migrate
from inbox.board.queries import search_roots
from inbox.db import make_engine, session_factory
from inbox.models import AuditEntry, Note
from tests.board.factories import make_tip, make_user
from tests.conftest import pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request, tmp_path):
    with (nullcontext(f"sqlite:///{tmp_path / 'migrated.db'}") if request.param == "sqlite"
          else pg_database("inbox_board_migrated", request.config)) as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        yield session_factory(engine), engine.dialect.name
        engine.dispose()


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
