"""Full-text search over tips' subject and body and over notes, kept in step by the database.

SQLite: FTS5 tables with external content and triggers, so a tip inserted by the
pipeline (which knows nothing of the board) is searchable at once.
PostgreSQL: GIN expression indexes on to_tsvector(...), which need no triggers at all.
The DDL is attached to create_all here and exposed for Alembic migrations.
"""
from __future__ import annotations

import re

from sqlalchemy import DDL, bindparam, column, event, or_, text
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TextualSelect

from inbox.models.board import Note
from inbox.models.core import Tip

# PostgreSQL indexes only the first 100,000 characters: a tsvector is limited to 1 MB,
# and a longer body must never make the pipeline's INSERT fail.
_PG_TIP_DOC = "to_tsvector('english'::regconfig, left(coalesce(subject, '') || ' ' || coalesce(text_body, ''), 100000))"
_PG_NOTE_DOC = "to_tsvector('english'::regconfig, left(coalesce(body, ''), 100000))"

_SQLITE_TIPS = [
    "CREATE VIRTUAL TABLE tips_fts USING fts5(subject, text_body, content='tips', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER tips_fts_insert AFTER INSERT ON tips BEGIN "
    "INSERT INTO tips_fts(rowid, subject, text_body) VALUES (new.id, new.subject, new.text_body); END",
    "CREATE TRIGGER tips_fts_delete AFTER DELETE ON tips BEGIN "
    "INSERT INTO tips_fts(tips_fts, rowid, subject, text_body) VALUES ('delete', old.id, old.subject, old.text_body); END",
    "CREATE TRIGGER tips_fts_update AFTER UPDATE OF subject, text_body ON tips BEGIN "
    "INSERT INTO tips_fts(tips_fts, rowid, subject, text_body) VALUES ('delete', old.id, old.subject, old.text_body); "
    "INSERT INTO tips_fts(rowid, subject, text_body) VALUES (new.id, new.subject, new.text_body); END",
    "INSERT INTO tips_fts(tips_fts) VALUES ('rebuild')",
]
_SQLITE_NOTES = [
    "CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN "
    "INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER notes_fts_update AFTER UPDATE OF body ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')",
]
_PG_TIPS = [f"CREATE INDEX ix_tips_fts ON tips USING gin ({_PG_TIP_DOC})"]
_PG_NOTES = [f"CREATE INDEX ix_notes_fts ON notes USING gin ({_PG_NOTE_DOC})"]

_DDL = {
    ("sqlite", "tips"): _SQLITE_TIPS,
    ("sqlite", "notes"): _SQLITE_NOTES,
    ("postgresql", "tips"): _PG_TIPS,
    ("postgresql", "notes"): _PG_NOTES,
}
_DROP = {
    ("sqlite", "tips"): [f"DROP TRIGGER IF EXISTS tips_fts_{e}" for e in ("insert", "delete", "update")]
    + ["DROP TABLE IF EXISTS tips_fts"],
    ("sqlite", "notes"): [f"DROP TRIGGER IF EXISTS notes_fts_{e}" for e in ("insert", "delete", "update")]
    + ["DROP TABLE IF EXISTS notes_fts"],
    ("postgresql", "tips"): ["DROP INDEX IF EXISTS ix_tips_fts"],
    ("postgresql", "notes"): ["DROP INDEX IF EXISTS ix_notes_fts"],
}


def search_ddl(dialect: str, table: str) -> list[str]:
    """Statements that create the search index for table ("tips" or "notes"); for migrations too."""
    return _DDL.get((dialect, table), [])


def drop_search_ddl(dialect: str, table: str) -> list[str]:
    """Statements that remove it again (a migration's downgrade)."""
    return _DROP.get((dialect, table), [])


for (_dialect, _table), _stmts in _DDL.items():
    _target = Tip.__table__ if _table == "tips" else Note.__table__
    for _stmt in _stmts:
        event.listen(_target, "after_create", DDL(_stmt).execute_if(dialect=_dialect))
    for _stmt in _DROP[(_dialect, _table)]:
        event.listen(_target, "before_drop", DDL(_stmt).execute_if(dialect=_dialect))


def fts5_query(words: str) -> str:
    """A reader's words as an FTS5 query: every word must occur; no FTS5 syntax gets through."""
    tokens = re.findall(r"\w+", words)
    return " ".join(f'"{t}"' for t in tokens)


def matching_ids(words: str, dialect: str, newest: int | None = None) -> list[TextualSelect]:
    """SELECTs of the ids of tips whose subject or body, or one of whose notes, contain the words
    (at most the `newest` of each, when given: ids grow with arrival)."""
    if dialect == "sqlite":
        query = fts5_query(words)
        if not query:
            return [text("SELECT 0 AS id WHERE 0 = 1").columns(column("id"))]
        return id_selects(dialect, newest, lambda: bindparam("q", query, unique=True))
    return id_selects(dialect, newest, lambda: bindparam("q", words, unique=True))


def search_param(words: str, dialect: str) -> str:
    """The value of :q for id_selects (SQLite: an FTS5 query; "" when nothing can match)."""
    return fts5_query(words) if dialect == "sqlite" else words


def id_selects(dialect: str, newest: int | None, q=lambda: bindparam("q")) -> list[TextualSelect]:
    """The SELECTs behind matching_ids with :q as a parameter, for statements built once and reused."""
    limit = "" if newest is None else f" ORDER BY id DESC LIMIT {int(newest)}"
    if dialect == "sqlite":
        return [
            text(f"SELECT rowid AS id FROM tips_fts WHERE tips_fts MATCH :q{limit.replace('id DESC', 'rowid DESC')}")
            .bindparams(q()).columns(column("id")),
            text(
                "SELECT notes.tip_id AS id FROM notes_fts JOIN notes ON notes.id = notes_fts.rowid "
                f"WHERE notes_fts MATCH :q{limit.replace('id DESC', 'notes.id DESC')}"
            ).bindparams(q()).columns(column("id")),
        ]
    return [
        text(f"SELECT id FROM tips WHERE {_PG_TIP_DOC} @@ websearch_to_tsquery('english'::regconfig, :q){limit}")
        .bindparams(q()).columns(column("id")),
        text(
            f"SELECT tip_id AS id FROM notes WHERE {_PG_NOTE_DOC} @@ websearch_to_tsquery('english'::regconfig, :q)"
            f"{limit}"
        ).bindparams(q()).columns(column("id")),
    ]


def matches(words: str, dialect: str, id_column: ColumnElement = Tip.id) -> ColumnElement[bool]:
    """A WHERE clause: the tip (id_column) is one whose text or notes contain the words."""
    return or_(*(id_column.in_(ids) for ids in matching_ids(words, dialect)))


def not_search_index(name: str | None, type_: str, parent_names: dict) -> bool:
    """For Alembic's include_name: the search tables and indexes are made by DDL, not by models."""
    if type_ == "table" and name and (name.startswith("tips_fts") or name.startswith("notes_fts")):
        return False
    return not (type_ == "index" and name in ("ix_tips_fts", "ix_notes_fts"))
