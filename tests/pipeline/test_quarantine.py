"""Nothing is ever lost: a failing stage quarantines the raw bytes, the run goes on, a retry stores it."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

import inbox.pipeline as pipeline_mod
from inbox.config import ImportSettings, LimitsSettings, Settings
from inbox.models import Quarantined, Tip
from inbox.pipeline import Pipeline, Source
from inbox.store import retry_quarantined
from tests.mailfactory import make_mail


def settings(**limits) -> Settings:
    return Settings(imports=ImportSettings(processes=1, batch_size=10), limits=LimitsSettings(**limits))


def tips(db) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(Tip))


@pytest.mark.parametrize(
    "limits, raw, reason",
    [
        ({"max_message_bytes": 2000}, make_mail(body="x" * 5000), "over a limit"),
        ({"max_parts": 2}, make_mail(html="<p>a</p>", body="text"), "over a limit"),
    ],
    ids=["size", "parts"],
)
def test_message_over_a_limit_is_quarantined_with_the_reason(db, limits, raw, reason):
    with Pipeline(settings(**limits), db, sorter=None, processes=1) as p:
        out = list(p.process_many([(raw, Source("tips", "INBOX", 1, 1)), (make_mail(body="ok"), Source("tips", "INBOX", 1, 2))]))
    # max_parts=2 still lets a single-part mail through; the size limit lets the short one through.
    assert out[0].status == "quarantined" and reason in out[0].error
    assert out[1].status == "stored"
    with db() as s:
        q = s.get(Quarantined, out[0].quarantine_id)
        assert q.data == raw and q.stage == "parse" and q.attempts == 1


def test_message_nested_too_deep_is_quarantined(db):
    inner = make_mail(subject="innermost")
    for _ in range(6):
        inner = (
            b"Content-Type: message/rfc822\r\nMIME-Version: 1.0\r\nFrom: a@example.org\r\n"
            b"Subject: fwd\r\n\r\n" + inner
        )
    with Pipeline(settings(max_depth=3), db, sorter=None, processes=1) as p:
        (out,) = list(p.process_many([(inner, Source("tips", "INBOX", 1, 1))]))
    assert out.status == "quarantined" and "nested too deep" in out.error


def test_stage_that_raises_quarantines_then_retry_after_fix_stores(db, monkeypatch, caplog):
    real_clean = pipeline_mod.clean

    def broken_clean(parsed, limits=None):
        if "BOOM" in parsed.subject:
            raise ValueError("clean broke on this one")
        return real_clean(parsed, limits)

    monkeypatch.setattr(pipeline_mod, "clean", broken_clean)
    bad = make_mail(subject="BOOM the sheriff", sender="Secret Source <source@example.org>")
    good = make_mail(subject="Fine")
    caplog.set_level(logging.DEBUG)
    with Pipeline(settings(), db, sorter=None, processes=1) as p:
        out = list(p.process_many([(bad, Source("tips", "INBOX", 1, 1)), (good, Source("tips", "INBOX", 1, 2))]))
        assert [o.status for o in out] == ["quarantined", "stored"]
        assert out[0].stage == "clean" and "clean broke" in out[0].error
        # The log names the quarantine id, never the sender or subject.
        assert str(out[0].quarantine_id) in caplog.text
        assert "source@example.org" not in caplog.text and "sheriff" not in caplog.text

        # Still broken: a retry counts another attempt and keeps the message.
        (again,) = retry_quarantined(p)
        assert again.status == "quarantined"
        with db() as s:
            assert s.get(Quarantined, out[0].quarantine_id).attempts == 2

        monkeypatch.setattr(pipeline_mod, "clean", real_clean)
        (fixed,) = retry_quarantined(p)
    assert fixed.status == "stored"
    with db() as s:
        q = s.get(Quarantined, out[0].quarantine_id)
        assert q.resolution == "stored" and q.tip_id == fixed.tip_id
        assert s.get(Tip, fixed.tip_id).subject == "BOOM the sheriff"
    assert tips(db) == 2


class ExplodingSorter:
    def sort(self, session, mail, analysed=None):
        if "sort me not" in mail.parsed.subject:
            raise RuntimeError("model file is corrupt")
        return None

    def remember(self, session, tip, sorting):
        pass


def test_sort_stage_failure_quarantines_without_losing_the_batch(db):
    items = [(make_mail(subject=f"tip {n}" if n != 3 else "sort me not"), Source("tips", "INBOX", 1, n)) for n in range(1, 6)]
    with Pipeline(settings(), db, sorter=ExplodingSorter(), processes=1) as p:
        out = list(p.process_many(items))
    assert [o.status for o in out] == ["stored", "stored", "quarantined", "stored", "stored"]
    assert out[2].stage == "sort" and out[2].error == "RuntimeError: model file is corrupt"
    assert tips(db) == 4


def test_copy_of_a_stored_message_survives_its_batch_being_stored_one_at_a_time(db):
    """A sort failure sends the batch down the careful path; the copy (no parse, no sort) goes with it."""
    stored = make_mail(subject="tip 1")
    with Pipeline(settings(), db, sorter=ExplodingSorter(), processes=1) as p:
        first = p.process(stored, Source("tips", "INBOX", 1, 1))
        out = list(p.process_many([(stored, Source("tips", "Archive", 2, 1)),
                                   (make_mail(subject="sort me not"), Source("tips", "INBOX", 1, 2)),
                                   (make_mail(subject="tip 3"), Source("tips", "INBOX", 1, 3))]))
    assert [o.status for o in out] == ["duplicate", "quarantined", "stored"]
    assert out[0].tip_id == first.tip_id
    assert tips(db) == 2


def test_garbage_bytes_never_crash_the_run(db):
    junk = [b"", b"\x00\xff\xfe" * 100, b"Subject: =?bogus?Q?x?=\r\n\r\n\xff", b"Content-Type: multipart/mixed\r\n\r\nno boundary"]
    items = [(raw, Source("tips", "INBOX", 1, n)) for n, raw in enumerate(junk, 1)]
    with Pipeline(settings(), db, sorter=None, processes=1) as p:
        out = list(p.process_many(items))
    assert len(out) == len(junk)
    assert all(o.status in ("stored", "quarantined") for o in out)


def test_parallel_processes_store_the_same_as_one(db):
    items = [(make_mail(subject=f"tip {n}", body=f"Story number {n}.\n"), Source("tips", "INBOX", 1, n)) for n in range(40)]
    with Pipeline(settings(), db, sorter=None, processes=2) as p:
        out = list(p.process_many(items))
    assert [o.status for o in out] == ["stored"] * 40
    assert tips(db) == 40


def test_worker_housekeeping_retries_only_quarantined_messages_whose_backoff_passed(db, monkeypatch):
    import threading
    from datetime import timedelta

    from inbox.models import utcnow
    from inbox.worker import Housekeeper

    real_clean = pipeline_mod.clean
    monkeypatch.setattr(pipeline_mod, "clean", lambda parsed, limits=None: (_ for _ in ()).throw(ValueError("broken")))
    with Pipeline(settings(), db, sorter=None, processes=1) as p:
        out = list(p.process_many([(make_mail(subject=f"t{n}"), Source("tips", "INBOX", 1, n)) for n in (1, 2)]))
    assert [o.status for o in out] == ["quarantined", "quarantined"]
    monkeypatch.setattr(pipeline_mod, "clean", real_clean)
    with db() as s, s.begin():  # the first failed long ago, the second just now
        s.get(Quarantined, out[0].quarantine_id).last_failed_at = utcnow() - timedelta(hours=1)
    Housekeeper(settings(), db, threading.Event()).once()
    with db() as s:
        assert s.get(Quarantined, out[0].quarantine_id).resolution == "stored"
        assert s.get(Quarantined, out[1].quarantine_id).resolution is None
    assert tips(db) == 1


def test_discard_deletes_the_raw_bytes_and_keeps_the_rows_facts_and_who(db, db_url, tmp_path, capsys):
    from inbox.cli import main

    marker = "Marker7f3aQuarantinedSourceWords"
    raw = make_mail(body=f"{marker} " + "x" * 5000)
    with Pipeline(settings(max_message_bytes=2000), db, sorter=None, processes=1) as p:
        (out,) = list(p.process_many([(raw, Source("tips", "INBOX", 1, 1))]))
    with db() as s:
        before = s.get(Quarantined, out.quarantine_id)
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{db_url}"\n')
    assert main(["--config", str(config), "quarantine", "discard", str(out.quarantine_id)]) == 0
    assert "raw bytes are deleted" in capsys.readouterr().out
    with db() as s:
        row = s.get(Quarantined, out.quarantine_id)
        assert row.data == b"" and row.resolution == "discarded" and row.discarded_by == "cli"
        assert (row.sha256, row.size, row.stage, row.error, row.first_failed_at) == (
            before.sha256, len(raw), "parse", before.error, before.first_failed_at)
        assert row.resolved_at is not None
    if db_url.startswith("sqlite"):
        path = Path(db_url.split("///", 1)[1])
        files = [f for f in (path, path.with_name(path.name + "-wal")) if f.exists()]
        assert files and all(marker.encode() not in f.read_bytes() for f in files)
    # A discarded message has nothing left to retry, and is not retried.
    with Pipeline(settings(), db, sorter=None, processes=1) as p:
        assert retry_quarantined(p, out.quarantine_id) == []


def test_a_discarded_message_fetched_again_is_quarantined_with_its_bytes(db):
    from inbox.store import discard_quarantined

    raw = make_mail(body="y" * 5000)
    with Pipeline(settings(max_message_bytes=2000), db, sorter=None, processes=1) as p:
        (out,) = list(p.process_many([(raw, Source("tips", "INBOX", 1, 1))]))
        assert discard_quarantined(db, out.quarantine_id, by="user 3")
        with db() as s:
            assert s.get(Quarantined, out.quarantine_id).discarded_by == "user 3"
        (again,) = list(p.process_many([(raw, Source("tips", "INBOX", 1, 1))]))
    assert again.quarantine_id == out.quarantine_id
    with db() as s:
        row = s.get(Quarantined, out.quarantine_id)
        assert row.data == raw and row.resolution is None and row.discarded_by is None and row.attempts == 2
