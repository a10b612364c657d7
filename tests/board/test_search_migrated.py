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


def test_migrated_search_finds_a_pipeline_batch_at_once_and_indexes_each_tip_once(migrated):
    """The pipeline stores a batch with one flush (here the careful way, a savepoint a message,
    since one fails sorting); its tips are searchable when it commits, each indexed once."""
    from inbox.config import ImportSettings, Settings
    from inbox.pipeline import Pipeline, Source
    from tests.mailfactory import make_mail
    from tests.pipeline.test_quarantine import ExplodingSorter

    sessions, dialect = migrated
    items = [(make_mail(subject=f"Culvert {n} collapsed" if n != 3 else "sort me not", body=f"Road {n} closed.\n"),
              Source("tips", "INBOX", 1, n)) for n in range(1, 6)]
    settings = Settings(imports=ImportSettings(processes=1, batch_size=50))
    with Pipeline(settings, sessions, sorter=ExplodingSorter(), processes=1) as p:
        out = list(p.process_many(items))
    assert [o.status for o in out] == ["stored", "stored", "quarantined", "stored", "stored"]
    with sessions() as s:
        assert sorted(search_roots(s, "culvert", dialect)) == sorted(o.tip_id for o in out if o.tip_id)
        if dialect == "sqlite":  # one index entry per stored tip: no trigger indexes it a second time
            assert s.scalar(text("SELECT count(*) FROM tips_fts_docsize")) == 4
            assert s.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'tips_fts_insert'")) == 0
