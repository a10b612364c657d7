"""Full-text search over tips' subject and body and over notes, kept in step by the database.

SQLite: FTS5 tables with external content. Triggers keep them in step on update
and delete, and on a note's insert; a tip's insert is indexed by a session hook
(index_new_tips), so a tip stored by the pipeline (which knows nothing of the
board) is searchable at once.
PostgreSQL: GIN expression indexes on to_tsvector(...), which need no triggers at all.
The DDL is attached to create_all here and exposed for Alembic migrations.
"""
from __future__ import annotations

import re

from sqlalchemy import DDL, bindparam, column, event, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

from inbox.models.board import Note
from inbox.models.core import Tip

# PostgreSQL indexes only the first 100,000 characters: a tsvector is limited to 1 MB,
# and a longer body must never make the pipeline's INSERT fail.
_PG_TIP_DOC = "to_tsvector('english'::regconfig, left(coalesce(subject, '') || ' ' || coalesce(text_body, ''), 100000))"
_PG_NOTE_DOC = "to_tsvector('english'::regconfig, left(coalesce(body, ''), 100000))"

# New tips are indexed by index_new_tips below, not by an insert trigger: SQLite's
# trigger copies the whole new row (the HTML too) for each tip, which tripled the
# index's cost (0.22 ms a tip against 0.08 for one INSERT ... SELECT per flush).
SQLITE_TIPS_INSERT_TRIGGER = (
    "CREATE TRIGGER tips_fts_insert AFTER INSERT ON tips BEGIN "
    "INSERT INTO tips_fts(rowid, subject, text_body) VALUES (new.id, new.subject, new.text_body); END"
)
_SQLITE_INDEX_TIPS = text(
    "INSERT INTO tips_fts(rowid, subject, text_body) SELECT id, subject, text_body FROM tips WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_SQLITE_TIPS = [
    "CREATE VIRTUAL TABLE tips_fts USING fts5(subject, text_body, content='tips', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
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


@event.listens_for(Session, "after_flush")
def index_new_tips(session: Session, _context) -> None:
    """SQLite: put the tips a flush inserted into the search index, in the same transaction
    (so a tip is searchable as soon as it is committed, and a rolled-back tip never is)."""
    ids = [obj.id for obj in session.new if isinstance(obj, Tip)]
    if not ids:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return  # PostgreSQL's GIN expression index keeps itself
    for start in range(0, len(ids), 500):
        connection.execute(_SQLITE_INDEX_TIPS, {"ids": ids[start : start + 500]})


def fts5_query(words: str) -> str:
    """A reader's words as an FTS5 query: every word must occur; no FTS5 syntax gets through."""
    tokens = re.findall(r"\w+", words)
    return " ".join(f'"{t}"' for t in tokens)


def search_param(words: str, dialect: str) -> str:
    """The value of :q for id_selects (SQLite: an FTS5 query; "" when nothing can match)."""
    return fts5_query(words) if dialect == "sqlite" else words


def _tip_hits(dialect: str) -> tuple[str, str]:
    """The SELECT of the ids of tips that match :q, and the column its ids are ordered by."""
    if dialect == "sqlite":
        return "SELECT rowid AS id FROM tips_fts WHERE tips_fts MATCH :q", "rowid"
    return f"SELECT id FROM tips WHERE {_PG_TIP_DOC} @@ websearch_to_tsquery('english'::regconfig, :q)", "id"


def id_selects(dialect: str, newest: int | None, below: bool = False) -> list[TextualSelect]:
    """SELECTs of the ids of tips whose subject or body, or one of whose notes, match :q (at most
    the `newest` of each when given: ids grow with arrival). Built once, bound per search.

    below: for one page by cursor, the tip index's newest :k hits below :before and all of its
    hits from :before up (a follow-up there stands for a root that may be below); see
    kth_hit_below for telling whether those were enough."""
    limit = "" if newest is None else f" ORDER BY id DESC LIMIT {int(newest)}"
    tips, order = _tip_hits(dialect)
    if dialect == "sqlite":
        notes = ("SELECT notes.tip_id AS id FROM notes_fts JOIN notes ON notes.id = notes_fts.rowid "
                 f"WHERE notes_fts MATCH :q{limit.replace('id DESC', 'notes.id DESC')}")
    else:
        notes = (f"SELECT tip_id AS id FROM notes WHERE {_PG_NOTE_DOC} @@ "
                 f"websearch_to_tsquery('english'::regconfig, :q){limit}")
    if below:
        tip_selects = [f"{tips} AND {order} < :before ORDER BY {order} DESC LIMIT :k", f"{tips} AND {order} >= :before"]
    else:
        tip_selects = [f"{tips}{limit.replace('id DESC', f'{order} DESC')}"]
    return [text(sql).columns(column("id")) for sql in (*tip_selects, notes)]


def kth_hit_below(dialect: str) -> TextualSelect:
    """The id of the :k-th newest tip below :before that matches :q (None when fewer match):
    a page found among the newest :k hits is the whole search's page when its last id is at or
    above this one, since a thread root is never newer than its tips."""
    tips, order = _tip_hits(dialect)
    return text(f"{tips} AND {order} < :before ORDER BY {order} DESC LIMIT 1 OFFSET :k - 1")


def not_search_index(name: str | None, type_: str, parent_names: dict) -> bool:
    """For Alembic's include_name: the search tables and indexes are made by DDL, not by models."""
    if type_ == "table" and name and (name.startswith("tips_fts") or name.startswith("notes_fts")):
        return False
    return not (type_ == "index" and name in ("ix_tips_fts", "ix_notes_fts"))
