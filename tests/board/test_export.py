"""CSV export: the board's filters, masking of protected readers, neutralised formulas, one
audit row per export, and rows streamed chunk by chunk (from the board and `inbox export`)."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import event, select

from inbox.board import export
from inbox.cli import main
from inbox.models import AuditEntry, Reader, ReaderGrant
from tests.board.factories import make_tip, make_user

NAME, ADDRESS, PHONE = "Maria Lopez", "maria@lopezfamily.net", "555-867-5309"


@pytest.fixture
def desk(db, users):
    """A protected reader's tip on the courts beat, an ordinary one whose subject is a formula,
    a transit tip in review, and a reporter the editors granted the protected reader to."""
    with db() as s, s.begin():
        protected = make_tip(s, subject=f"ICE at the courthouse, call {NAME} at {PHONE}", sender=ADDRESS,
                             sender_name=NAME, topic="courts", sensitive="anonymity,phone")
        formula = make_tip(s, subject='=HYPERLINK("http://evil.example","click")', sender="carl@example.org",
                           sender_name="@Carl Clerk", topic="courts")
        transit = make_tip(s, subject="Bus depot fire", sender="bus@example.org", topic="transit", status="reviewing")
        reader = Reader(address=ADDRESS, protected=True, why="anonymity")
        s.add(reader)
        s.flush()
        granted = make_user(s, "reporter", "granted@newsroom.example", beats="courts")
        s.add(ReaderGrant(reader_id=reader.id, user_id=granted.id, granted_by=users["editor"][0], reason="her story"))
        return {"protected": protected.id, "formula": formula.id, "transit": transit.id}


@pytest.fixture
def config_file(tmp_path, db_url):
    path = tmp_path / "config.toml"
    path.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{db_url}"\n'
                    '[board]\nsecret_key = "test-secret-key"\nsecure_cookies = false\n')
    return str(path)


def _table(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _cli(config_file, capsys, *argv) -> bytes:
    assert main(["--config", config_file, "export", *argv]) == 0
    return capsys.readouterr().out.encode()


def test_export_follows_the_board_filters_and_search(client_for, desk):
    editor = client_for("editor")
    everything = _table(editor.get("/export.csv").data)
    assert [int(r["id"]) for r in everything] == sorted(desk.values(), reverse=True)  # newest first
    assert list(everything[0]) == list(export.HEADER)
    courts = _table(editor.get("/export.csv?topic=courts").data)
    assert {int(r["id"]) for r in courts} == {desk["protected"], desk["formula"]}
    reviewing = _table(editor.get("/export.csv?status=reviewing").data)
    assert [(int(r["id"]), r["status"], r["topic"]) for r in reviewing] == [(desk["transit"], "reviewing", "transit")]
    found = _table(editor.get("/export.csv?q=depot").data)
    assert [int(r["id"]) for r in found] == [desk["transit"]]


def test_a_bad_filter_is_a_400_that_names_it(client_for, desk):
    response = client_for("editor").get("/export.csv?status=nonsense")
    assert response.status_code == 400
    assert b"status is not one of the board" in response.data


def test_editor_gets_a_protected_readers_name_a_reporter_without_a_grant_never_does(client_for, desk, config_file,
                                                                                     capsys):
    editor = client_for("editor").get("/export.csv?topic=courts").data
    row = next(r for r in _table(editor) if int(r["id"]) == desk["protected"])
    assert row["sender"] == f"{NAME} <{ADDRESS}>" and PHONE in row["subject"] and row["readers"] == "1"
    assert row["sensitive"] == "anonymity,phone"

    reporter = _cli(config_file, capsys, "--as", "reporter@newsroom.example")
    for secret in (NAME, "Maria", "Lopez", ADDRESS, "lopezfamily", PHONE, "867"):
        assert secret.lower().encode() not in reporter.lower()
    row = next(r for r in _table(reporter) if int(r["id"]) == desk["protected"])
    assert re.fullmatch(r"Reader [0-9A-F]{6}", row["sender"])
    assert "[name withheld]" in row["subject"] and "[phone withheld]" in row["subject"]
    assert "courthouse" in row["subject"]  # the story stays
    # The pseudonym is the board's own: the same one the reporter's board page shows.
    board = client_for("reporter").get("/?topic=courts").get_data(as_text=True)
    assert row["sender"] in board

    granted = _table(_cli(config_file, capsys, "--as", "granted@newsroom.example", "--topic", "courts"))
    assert next(r for r in granted if int(r["id"]) == desk["protected"])["sender"] == f"{NAME} <{ADDRESS}>"


def test_a_reporter_exports_only_the_threads_they_may_open(config_file, capsys, desk):
    rows = _table(_cli(config_file, capsys, "--as", "reporter@newsroom.example"))
    assert {int(r["id"]) for r in rows} == {desk["protected"], desk["formula"]}  # the transit tip is off-beat


def test_the_command_line_without_as_is_an_admin_and_refuses_bad_filters(config_file, capsys, desk):
    rows = _table(_cli(config_file, capsys, "--query", "courthouse"))
    assert [r["sender"] for r in rows] == [f"{NAME} <{ADDRESS}>"]
    assert main(["--config", config_file, "export", "--status", "lost"]) == 2
    assert "status is not one of the board's columns" in capsys.readouterr().err
    assert main(["--config", config_file, "export", "--as", "nobody@newsroom.example"]) == 2


@pytest.mark.parametrize("value", ["=1+2", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_prefixed(value):
    assert export.cell(value) == "'" + value
    assert export.cell("a = b") == "a = b" and export.cell(12) == "12" and export.cell(None) == ""


def test_formulas_in_a_tip_are_neutralised_in_the_file(client_for, desk):
    row = next(r for r in _table(client_for("editor").get("/export.csv").data) if int(r["id"]) == desk["formula"])
    assert row["subject"].startswith("'=HYPERLINK(")
    assert row["sender"].startswith("'@Carl Clerk")


def test_each_export_is_one_audit_row_with_its_filters_and_count_never_content(client_for, desk, db, users):
    client_for("editor").get("/export.csv?topic=courts&q=courthouse").close()
    with db() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "csv_export")).all()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.user_id == users["editor"][0] and entry.ip == "127.0.0.1"
    assert "topic=courts" in entry.detail and "q=courthouse" in entry.detail and "rows: 1;" in entry.detail
    assert NAME not in entry.detail and PHONE not in entry.detail and "ICE" not in entry.detail


def test_a_large_export_streams_chunk_by_chunk(client_for, db, engine, users, monkeypatch):
    with db() as s, s.begin():
        ids = [make_tip(s, subject=f"Tip number {n}", sender=f"r{n}@example.org", topic="courts").id for n in range(7)]
    monkeypatch.setattr(export, "CHUNK", 2)
    editor = client_for("editor")
    chunk_queries = []
    listener = lambda _c, _cur, statement, *rest: chunk_queries.append(statement) if re.search(  # noqa: E731
        r"tips\.id <= ", statement) else None
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = editor.get("/export.csv")
        assert response.is_streamed
        pieces = iter(response.response)
        first = next(pieces)
        assert len(chunk_queries) == 1  # the first rows are out before the rest are read
        assert len(_table(first.encode() if isinstance(first, str) else first)) == 2
        rest = b"".join(p.encode() if isinstance(p, str) else p for p in pieces)
        response.close()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(chunk_queries) == 4  # 2 + 2 + 2 + 1 rows
    whole = (first.encode() if isinstance(first, str) else first) + rest
    assert [int(r["id"]) for r in _table(whole)] == sorted(ids, reverse=True)
    with db() as s:
        assert "rows: 7;" in s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "csv_export"))


def test_the_board_links_to_the_export_of_its_view_for_editors_only(client_for, desk):
    board = client_for("editor").get("/?topic=courts").get_data(as_text=True)
    assert 'href="/export.csv?topic=courts"' in board
    assert "/export.csv" not in client_for("reporter").get("/").get_data(as_text=True)
