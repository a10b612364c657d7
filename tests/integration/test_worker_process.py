"""`inbox worker` as a real process against a real Dovecot: IDLE push, signals, SIGKILL.

These run on a SQLite file only: they test the process (signals, kills, restarts),
and the store's behaviour on PostgreSQL is covered by the in-process sync tests
and the two-worker takeover test.
"""
from __future__ import annotations

import random
import signal
import time

import pytest

from tests.integration.conftest import mailbox, write_config
from tests.integration.dovecot import message
from tests.integration.proc import Db, Worker, migrated_sqlite, wait_for

pytestmark = pytest.mark.dovecot

N = 2000  # the SIGKILL test's mailbox, as the issue asks
SMALL = 600  # enough to be mid-sync when a signal comes, at any pipeline speed seen so far


@pytest.fixture
def sqlite_url(tmp_path):
    return migrated_sqlite(tmp_path)


def load(dovecot, user: str, n: int) -> str:
    """user's INBOX with n messages, loaded with MULTIAPPEND."""
    dovecot.append(user, "INBOX", (message(i, body="x" * (i % 400)) for i in range(n)))
    return user


def assert_exactly(db: Db, n: int) -> None:
    assert db.tips() == n
    assert db.sightings() == n
    assert db.distinct_sightings() == n
    assert db.quarantined() == 0


@pytest.mark.parametrize("tls", ["tls", "plain"])
def test_mail_appended_while_idling_is_stored_within_two_seconds(dovecot, mail_user, sqlite_url, tmp_path, tls):
    config = write_config(tmp_path / "config.toml", sqlite_url, [mailbox(dovecot, mail_user, tls=tls)])
    db = Db(sqlite_url)
    worker = Worker(config, log=tmp_path / "worker.log")
    try:
        wait_for(lambda: any(f.last_sync_at for f in db.folders()), 30, what="the first sync")
        time.sleep(1.0)  # let it settle into IDLE
        latencies = []
        for i in range(3):
            dovecot.append(mail_user, "INBOX", [message(100 + i)])
            latencies.append(wait_for(lambda: db.tips() == i + 1, 10, interval=0.02, what="the new tip"))
            time.sleep(0.5)
        assert max(latencies) < 2.0, latencies
    finally:
        worker.signal(signal.SIGTERM)
        assert worker.wait(20) == 0
        db.close()


def test_without_idle_the_worker_polls_at_its_interval(dovecot, mail_user, sqlite_url, tmp_path):
    box = mailbox(dovecot, mail_user, idle=False, poll_seconds=1)
    config = write_config(tmp_path / "config.toml", sqlite_url, [box])
    db = Db(sqlite_url)
    worker = Worker(config, log=tmp_path / "worker.log")
    try:
        wait_for(lambda: any(f.last_sync_at for f in db.folders()), 30, what="the first sync")
        dovecot.append(mail_user, "INBOX", [message(1)])
        assert wait_for(lambda: db.tips() == 1, 10, what="the polled tip") < 3.0
    finally:
        worker.signal(signal.SIGTERM)
        assert worker.wait(20) == 0
        db.close()


def test_sigkill_at_random_points_loses_and_duplicates_nothing(dovecot, mail_user, sqlite_url, tmp_path):
    loaded = load(dovecot, mail_user, N)
    config = write_config(tmp_path / "config.toml", sqlite_url, [mailbox(dovecot, loaded, batch_count=100)])
    db = Db(sqlite_url)
    rng = random.Random(20261128)
    kills_mid_sync = 0
    for attempt in range(20):
        if kills_mid_sync >= 5:
            break
        worker = Worker(config, log=tmp_path / f"worker-{attempt}.log")
        before = db.tips()
        # Kill while it syncs: after it has stored something new, at a random moment. The worker
        # stores a few hundred messages a second, so the moment is soon enough to leave work for
        # the next start (and a start that finds everything stored ends the waiting, not the test).
        wait_for(lambda: db.tips() > before or db.tips() >= N or worker.proc.poll() is not None, 60,
                 interval=0.01, what="progress")
        time.sleep(rng.uniform(0.0, 0.3))
        at_kill = db.tips()
        worker.kill()
        if at_kill < N:
            kills_mid_sync += 1
    assert kills_mid_sync >= 5
    final = Worker(config, log=tmp_path / "worker-final.log")
    try:
        wait_for(lambda: db.tips() >= N and all(f.last_uid == N for f in db.folders()), 240, what="all tips")
    finally:
        final.signal(signal.SIGTERM)
        assert final.wait(20) == 0
    assert_exactly(db, N)
    db.close()


def _worker_mid_sync(dovecot, mail_user, sqlite_url, tmp_path) -> tuple:
    """(config, db, worker): a worker started on SMALL messages that has stored its first tips."""
    loaded = load(dovecot, mail_user, SMALL)
    # Small batches: the pipeline reads one batch ahead, so "in hand" stays well short of the whole folder.
    config = write_config(tmp_path / "config.toml", sqlite_url, [mailbox(dovecot, loaded, batch_count=25)], batch_size=50)
    db = Db(sqlite_url)
    worker = Worker(config, log=tmp_path / "worker.log")
    wait_for(lambda: db.tips() > 0, 60, interval=0.01, what="the first tips")
    return config, db, worker


def test_first_sigterm_finishes_the_batch_in_hand_and_exits_0(dovecot, mail_user, sqlite_url, tmp_path):
    config, db, worker = _worker_mid_sync(dovecot, mail_user, sqlite_url, tmp_path)
    worker.signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    stored = db.tips()
    assert 0 < stored < SMALL, "stopped mid-sync"
    # Everything fetched was stored and recorded: the next start begins right after it.
    (state,) = db.folders()
    assert state.last_uid == stored and state.owner is None
    assert "finishing the batch in hand" in worker.text()
    assert worker.leftovers() == []
    again = Worker(config, "--once", log=tmp_path / "worker-2.log")
    assert again.wait(120) == 0
    assert_exactly(db, SMALL)
    db.close()


def test_second_signal_exits_at_once_and_the_next_start_still_loses_nothing(dovecot, mail_user, sqlite_url, tmp_path):
    config, db, worker = _worker_mid_sync(dovecot, mail_user, sqlite_url, tmp_path)
    # Back to back: the worker now finishes a batch of 50 in well under 50 ms, so a second
    # signal sent that much later could find the process already past its stop, in the
    # interpreter's own shutdown (which puts SIGTERM back to its default, a kill).
    worker.signal(signal.SIGINT)
    worker.signal(signal.SIGTERM)
    started = time.monotonic()
    assert worker.wait(10) == 128 + signal.SIGTERM
    assert time.monotonic() - started < 2.0
    assert worker.leftovers() == []  # no orphaned pool processes
    again = Worker(config, "--once", log=tmp_path / "worker-2.log")
    assert again.wait(120) == 0
    assert_exactly(db, SMALL)
    db.close()


def test_folder_deleted_and_recreated_under_a_running_worker_gives_no_duplicates(dovecot, mail_user, sqlite_url, tmp_path):
    msgs = [message(i, tag="desk") for i in range(30)]
    dovecot.append(mail_user, "Desk", msgs)
    box = mailbox(dovecot, mail_user, folders=("Desk",))
    config = write_config(tmp_path / "config.toml", sqlite_url, [box], backoff_min_seconds=0.2, backoff_max_seconds=1.0)
    db = Db(sqlite_url)
    worker = Worker(config, log=tmp_path / "worker.log")
    try:
        wait_for(lambda: db.tips() == 30, 60, what="the first sync")
        (before,) = db.folders()
        dovecot.recreate_folder(mail_user, "Desk")
        dovecot.append(mail_user, "Desk", msgs + [message(99, tag="desk")])
        wait_for(lambda: db.tips() == 31, 30, what="the resync")
        wait_for(lambda: db.folders()[0].last_uid == 31, 30, what="the resync to finish")
        (after,) = db.folders()
        assert after.uidvalidity != before.uidvalidity
        assert db.tips() == 31 and db.sightings() == 61 and db.quarantined() == 0
    finally:
        worker.signal(signal.SIGTERM)
        assert worker.wait(20) == 0
        db.close()
