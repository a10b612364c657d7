"""Alembic owns the schema: its head equals the models, and every revision goes up and down.

Runs on an empty SQLite file and an empty PostgreSQL database.
"""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from inbox import migrate
from inbox.db import make_engine
from inbox.models import Base
from inbox.models.search import not_search_index
from tests.conftest import pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    with pg_database("inbox_migrations", request.config) as url:
        yield url


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": not_search_index})
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_head_equals_the_models(empty_url):
    migrate.upgrade(empty_url)
    assert migrate.current(empty_url) == migrate.head()
    assert _diff(empty_url) == []


def test_every_revision_upgrades_and_downgrades(empty_url):
    script = ScriptDirectory.from_config(migrate.alembic_config(empty_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert revisions, "no migrations found"
    for rev in revisions:
        migrate.upgrade(empty_url, rev)
        assert migrate.current(empty_url) == rev
    for rev in reversed(revisions[:-1]):
        migrate.downgrade(empty_url, rev)
        assert migrate.current(empty_url) == rev
    migrate.downgrade(empty_url, "base")
    assert _tables(empty_url) == set()
    migrate.upgrade(empty_url)
    assert _tables(empty_url) >= {t.name for t in Base.metadata.sorted_tables}
