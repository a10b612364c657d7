"""Retention purges what its rules name so that nothing of it is left; holds keep what they
name; forgetting a reader deletes every tip of theirs; a killed run finishes when run again;
`inbox backup` writes a snapshot that opens. Messages come in through the real pipeline."""
from __future__ import annotations

import os
import sqlite3
import stat
import uuid
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from inbox import retention
from inbox.cli import main
from inbox.config import ImportSettings, RetentionSettings, Settings
from inbox.db import sqlite_path, transaction
from inbox.models import (Attachment, Hold, Note, RawMessage, Reader, RetentionRun, Sighting, SortDecision, Tip,
                          TipEvent, TipSignature, Tombstone, User, utcnow)
from inbox.pipeline import Pipeline, Source
from inbox.retention import holds, purge
from tests.mailfactory import make_mail


def settings(tmp_path, **retain) -> Settings:
    return Settings(data_dir=str(tmp_path), imports=ImportSettings(processes=1, batch_size=10),
                    retention=RetentionSettings(**retain))


def marked_mail(marker: str, sender: str = "Rosa Diaz <rosa@example.org>") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, "tips@station.example"
    msg["Subject"] = f"Contract records {marker}"
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg.set_content(f"Hello,\n\nThe council member steered the contract; the file number is {marker}.\n\nRosa\n")
    msg.add_alternative(f"<p>The council member steered the contract; file <b>{marker}</b>.</p>", subtype="html")
    msg.add_attachment(f"Ledger line: {marker} paid twice\n", subtype="plain", filename=f"ledger-{marker}.txt")
    return bytes(msg)


def store(db, cfg: Settings, *raws: bytes) -> list[int]:
    with Pipeline(cfg, db, processes=1) as pipeline:
        outcomes = list(pipeline.process_many((raw, Source("import", "files", 0, n)) for n, raw in enumerate(raws)))
    assert all(o.status in ("stored", "threaded") for o in outcomes), [(o.status, o.error) for o in outcomes]
    return [o.tip_id for o in outcomes]


def age(db, ids, status: str, days: int) -> None:
    """As if the desk stored these tips `days` ago (a tip's age counts from when it was stored)."""
    then = utcnow() - timedelta(days=days)
    with transaction(db) as s:
        s.execute(update(Tip).where(Tip.id.in_(ids)).values(status=status, received_at=then))
        s.execute(update(Sighting).where(Sighting.tip_id.in_(ids)).values(seen_at=then))


def found_anywhere(engine, marker: str) -> list[str]:
    """Where the marker is: SQLite, in the bytes of the database file, its WAL and SHM (read after
    the engine lets go); PostgreSQL, in any text or bytea column of any table."""
    if engine.dialect.name == "sqlite":
        engine.dispose()
        base = sqlite_path(str(engine.url))
        files = [base, Path(f"{base}-wal"), Path(f"{base}-shm")]
        return [f.name for f in files if f.exists() and marker.encode() in f.read_bytes()]
    hits = []
    with engine.connect() as conn:
        columns = conn.execute(text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'bytea', 'json', 'jsonb')")).all()
        for table, column, kind in columns:
            test = (f'position(CAST(:m AS bytea) IN "{column}") > 0' if kind == "bytea"
                    else f'CAST("{column}" AS text) LIKE :like')
            if conn.execute(text(f'SELECT count(*) FROM "{table}" WHERE {test}'),
                            {"m": marker.encode(), "like": f"%{marker}%"}).scalar():
                hits.append(f"{table}.{column}")
    return hits


def count(db, model, *where) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.mark.parametrize("vacuum", [True, False], ids=["vacuum", "checkpoint only"])
def test_a_purged_tip_leaves_no_trace_of_its_marker_anywhere_in_the_database(db, engine, tmp_path, vacuum):
    """SQLite: with secure_delete and the search index compacted, the checkpoint after a run is
    what takes the old pages out of the file and the WAL; VACUUM then also shrinks the file."""
    marker = f"zq{uuid.uuid4().hex[:12]}x7"
    cfg = settings(tmp_path, vacuum=vacuum)
    gone, kept = store(db, cfg, marked_mail(marker), make_mail(subject="Bus depot overtime"))
    with transaction(db) as s:
        author = User(email="editor@newsroom.example", password_hash="x", role="editor")
        s.add(author)
        s.flush()
        s.add(Note(tip_id=gone, user_id=author.id, body=f"Called about {marker}"))
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Attachment).where(Attachment.tip_id == gone)) == 1
        assert s.scalar(select(func.count()).select_from(SortDecision).where(SortDecision.tip_id == gone)) >= 1
    assert found_anywhere(engine, marker)  # it is there before: the search below can find it
    age(db, [gone], "spam", 8)

    result = retention.run(db, cfg)

    assert result.purged["spam after 7 days"] == 1 and result.vacuumed == vacuum
    assert found_anywhere(engine, marker) == []
    with db() as s:
        assert s.get(Tip, gone) is None and s.get(Tip, kept) is not None
        stone = s.scalar(select(Tombstone).where(Tombstone.tip_id == gone))
        assert stone.reason == "spam after 7 days" and stone.by == "retention" and stone.received_at is not None
        for model in (Attachment, Sighting, SortDecision, TipSignature, Note):
            assert s.scalar(select(func.count()).select_from(model).where(model.tip_id == gone)) == 0, model
        assert s.scalar(select(func.count()).select_from(RawMessage)) == 1  # the kept tip's


def test_a_plan_and_a_run_keep_what_a_hold_names(db, tmp_path):
    cfg = settings(tmp_path)
    ids = store(db, cfg, *(make_mail(subject=f"Spam offer {n}", sender=f"Seller {n} <seller{n}@example.net>")
                           for n in range(4)))
    age(db, ids, "spam", 10)
    with transaction(db) as s:
        holds.add(s, "tip", ids[0], "subpoena 2026-113", "cli")
        reader = holds.add(s, "reader", "Seller1@example.net", "complaint", "cli")
    with db() as s:
        assert retention.plan(s, cfg)[0] == retention.PlanRow("spam after 7 days", 2, 2)

    result = retention.run(db, cfg)

    assert result.total == 2
    with db() as s:
        assert sorted(s.scalars(select(Tip.id))) == ids[:2]
        with pytest.raises(retention.Held):
            retention.delete_tip(s, ids[1], "cli")
        holds.lift(s, reader.id, "cli")
        s.commit()
        assert retention.plan(s, cfg)[0].due == 1


def test_age_counts_from_when_the_desk_stored_a_tip_or_last_changed_it_not_from_its_date(db, tmp_path):
    from datetime import datetime, timezone

    cfg = settings(tmp_path)
    old = datetime(2019, 3, 1, tzinfo=timezone.utc)  # a backfill of old mail: Date headers years ago
    ids = store(db, cfg, *(make_mail(subject=f"Old offer {n}", sender=f"Seller {n} <seller{n}@example.net>", date=old)
                           for n in range(2)))
    with transaction(db) as s:
        s.execute(update(Tip).where(Tip.id.in_(ids)).values(status="spam"))
    with db() as s:
        assert retention.plan(s, cfg)[0].due == 0  # stored today: not purged on arrival
    age(db, ids, "spam", 10)
    with transaction(db) as s:  # someone moved one of them to Spam on the board yesterday
        s.add(TipEvent(tip_id=ids[0], kind="status", detail="new → spam", at=utcnow() - timedelta(days=1)))
    assert retention.run(db, cfg).total == 1
    with db() as s:
        assert list(s.scalars(select(Tip.id))) == [ids[0]]


def test_forgetting_a_reader_deletes_every_tip_of_theirs_and_nothing_else(db, engine, tmp_path, capsys):
    marker = f"zq{uuid.uuid4().hex[:12]}x7"
    cfg = settings(tmp_path)
    first = make_mail(sender="Ana Ruiz <ana@example.org>", subject="Warehouse injuries", message_id="<w1@example.org>")
    reply = make_mail(sender="Ana Ruiz <ana@example.org>", subject="Re: Warehouse injuries", in_reply_to="<w1@example.org>",
                      body=f"More on the injuries: badge {marker}.\n")
    ids = store(db, cfg, first, reply, marked_mail(marker, sender="Ana Ruiz <ANA@example.org>"),
                make_mail(subject="Bus depot overtime"))
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{engine.url.render_as_string(hide_password=False)}"\n')
    with transaction(db) as s:
        hold = holds.add(s, "tip", ids[0], "lawyer's letter", "cli")

    assert main(["--config", str(config), "forget", "ana@example.org", "--yes"]) == 2  # held: refused
    assert count(db, Tip) == 4
    with transaction(db) as s:
        holds.lift(s, hold.id, "cli")
    capsys.readouterr()
    assert main(["--config", str(config), "forget", "ana@example.org"]) == 0
    assert "3 tip(s)" in capsys.readouterr().out and count(db, Tip) == 4  # without --yes: counted only
    assert main(["--config", str(config), "forget", "ana@example.org", "--yes"]) == 0

    assert count(db, Tip) == 1 and count(db, Reader, Reader.address == "ana@example.org") == 0
    assert count(db, Tombstone, Tombstone.reason == "forgotten") == 3
    assert count(db, RawMessage) == 1 and count(db, Sighting) == 1
    assert found_anywhere(engine, marker) == []


def test_a_run_killed_after_its_first_batch_is_finished_by_the_next(db, engine, tmp_path, monkeypatch):
    marker = f"zq{uuid.uuid4().hex[:12]}x7"
    cfg = settings(tmp_path, batch_size=2)
    ids = store(db, cfg, *(marked_mail(f"{marker} {n}", sender=f"r{n}@example.org") for n in range(5)))
    age(db, ids, "declined", 40)
    real, calls = purge.purge_tips, []

    def killed_after_one_batch(session, ids, *args, **kwargs):
        calls.extend(ids[:1])
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies mid-run: this batch's transaction never commits
        return real(session, ids, *args, **kwargs)

    monkeypatch.setattr(purge, "purge_tips", killed_after_one_batch)
    with pytest.raises(KeyboardInterrupt):
        retention.run(db, cfg)
    assert count(db, Tip) == 3 and count(db, Tombstone) == 2
    assert count(db, RetentionRun, RetentionRun.finished_at.is_(None)) == 1

    monkeypatch.setattr(purge, "purge_tips", real)
    assert retention.run(db, cfg).total == 3

    assert count(db, Tip) == 0 and count(db, Tombstone) == 5 and count(db, RawMessage) == 0
    for model in (Attachment, Sighting, SortDecision, TipSignature):
        assert count(db, model) == 0, model
    assert count(db, RetentionRun, RetentionRun.finished_at.is_(None)) == 0
    assert found_anywhere(engine, marker) == []


def test_the_worker_runs_the_rules_once_a_day(db, tmp_path):
    cfg = settings(tmp_path)
    ids = store(db, cfg, make_mail(subject="Spam offer"))
    assert retention.run_if_due(db, cfg) is not None  # never ran: due
    age(db, ids, "spam", 8)
    assert retention.run_if_due(db, cfg) is None and count(db, Tip) == 1  # ran a moment ago
    with transaction(db) as s:
        s.execute(update(RetentionRun).values(finished_at=utcnow() - timedelta(hours=25)))
    assert retention.run_if_due(db, cfg).total == 1


def test_backup_writes_a_private_snapshot_that_opens_with_the_tips(db, engine, tmp_path, capsys):
    cfg = settings(tmp_path)
    store(db, cfg, make_mail(subject="Bus depot overtime"), make_mail(subject="Warehouse injuries"))
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{engine.url.render_as_string(hide_password=False)}"\n')
    target = tmp_path / "snapshot.db"

    code = main(["--config", str(config), "backup", str(target)])

    out = capsys.readouterr().out
    if engine.dialect.name == "postgresql":
        assert code == 2 and "pg_dump" in out and len(out.strip().splitlines()) == 1 and not target.exists()
        return
    assert code == 0 and stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with sqlite3.connect(target) as snapshot:
        assert snapshot.execute("SELECT count(*) FROM tips").fetchone() == (2,)
        assert snapshot.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_the_commands_plan_hold_and_run_by_counts_never_content(db, engine, tmp_path, capsys):
    cfg = settings(tmp_path)
    ids = store(db, cfg, *(make_mail(subject=f"Cheap watches {n}", sender=f"w{n}@example.net") for n in range(3)))
    age(db, ids, "spam", 9)
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{engine.url.render_as_string(hide_password=False)}"\n')
    run = lambda *args: main(["--config", str(config), *args])  # noqa: E731

    assert run("hold", "add", "--tip", str(ids[0]), "--reason", "subpoena 113") == 0
    assert run("hold", "add", "--tip", str(ids[0])) == 2  # a hold needs a reason
    assert run("retention", "plan") == 0
    assert run("hold", "list") == 0
    out = capsys.readouterr().out
    assert "2 to purge      1 held   spam after 7 days" in out and "tip " + str(ids[0]) in out
    assert "Cheap watches" not in out and "example.net" not in out

    assert run("retention", "run") == 0
    assert "2 tip(s) purged" in capsys.readouterr().out and count(db, Tip) == 1
    with db() as s:
        hold_id = s.scalar(select(Hold.id))
    assert run("hold", "lift", str(hold_id)) == 0 and run("retention", "run") == 0
    assert count(db, Tip) == 0 and count(db, Hold, Hold.lifted_at.is_not(None)) == 1


def test_the_workers_housekeeping_purges_by_the_rules(db, tmp_path):
    import threading

    from inbox.worker import Housekeeper

    cfg = settings(tmp_path)
    old, fresh = store(db, cfg, make_mail(subject="Cheap watches"), make_mail(subject="Bus depot overtime"))
    age(db, [old], "spam", 8)
    keeper = Housekeeper(cfg, db, threading.Event())
    try:
        keeper.once()
    finally:
        keeper.pipeline.close()
    with db() as s:
        assert list(s.scalars(select(Tip.id))) == [fresh]
        assert s.scalar(select(func.count()).select_from(RetentionRun).where(RetentionRun.finished_at.is_not(None))) == 1
