"""Faults a worker must survive: a kicked connection, a server restart, a dead owner on PostgreSQL."""
from __future__ import annotations

import signal
import time

import pytest

from inbox import migrate
from tests.conftest import pg_database
from tests.integration.conftest import mailbox, new_user, write_config
from tests.integration.dovecot import message
from tests.integration.proc import Db, Worker, migrated_sqlite, wait_for

pytestmark = pytest.mark.dovecot


def test_kick_and_server_restart_mid_sync_then_the_worker_finishes_without_spinning(own_dovecot, tmp_path):
    # SQLite only: this is about the IMAP connection, not the database.
    n = 3000
    user = new_user(own_dovecot)
    own_dovecot.append(user, "INBOX", (message(i, body="y" * (i % 500)) for i in range(n)))
    url = migrated_sqlite(tmp_path)
    box = mailbox(own_dovecot, user, batch_count=50, timeout_seconds=5)
    config = write_config(tmp_path / "config.toml", url, [box], backoff_min_seconds=0.5, backoff_max_seconds=4.0)
    db = Db(url)
    worker = Worker(config, log=tmp_path / "worker.log")
    try:
        wait_for(lambda: db.tips() > 0, 60, interval=0.01, what="the first tips")
        assert "kicked" in own_dovecot.kick(user)
        after_kick = db.tips()
        assert after_kick < n, "the kick came mid-sync"
        wait_for(lambda: db.tips() > after_kick, 30, interval=0.02, what="progress after the kick")
        failures = worker.text().count("retry in")
        own_dovecot.stop()
        at_stop = db.tips()
        # Once it has noticed (it may first finish storing a batch in hand), it only backs off.
        wait_for(lambda: worker.text().count("retry in") > failures, 60, what="the worker noticing")
        # Jobs queued for the batches stored before the outage may still run (on a loaded
        # machine, for seconds): a quiet 4-second window out of three shows it is not spinning.
        spent = []
        for _ in range(3):
            cpu = worker.cpu_seconds()
            time.sleep(4.0)
            spent.append(worker.cpu_seconds() - cpu)
            if spent[-1] < 0.5:
                break
        assert min(spent) < 0.5, f"CPU seconds in each 4 s while the server was down: {spent}"
        own_dovecot.start()
        wait_for(lambda: db.tips() == n and all(f.last_uid == n for f in db.folders()), 120, what="all tips")
        assert at_stop < n, "the restart came mid-sync"
    finally:
        worker.signal(signal.SIGTERM)
        assert worker.wait(20) == 0
    assert db.tips() == n and db.sightings() == n and db.distinct_sightings() == n
    log = worker.text()
    assert log.count("retry in") >= 2
    # Ids in logs, never addresses, subjects or bodies.
    assert user not in log and "@example.org" not in log and "Tip number" not in log and "Hello, this is tip" not in log
    db.close()


@pytest.fixture
def pg_migrated(request):
    """A PostgreSQL database of its own, migrated with Alembic (the workers check the revision)."""
    with pg_database("inbox_takeover", request.config) as url:
        migrate.upgrade(url)
        yield url


def test_two_workers_on_postgresql_never_both_store_and_one_takes_over_when_the_owner_dies(dovecot, pg_migrated, tmp_path):
    # PostgreSQL by nature: two processes ("machines", named differently) share it.
    user = new_user(dovecot)
    folders = ("INBOX", "Desk")
    for folder in folders:
        dovecot.append(user, folder, [message(i, tag=folder) for i in range(150)])
    box = mailbox(dovecot, user, folders=folders, batch_count=20)
    lease = 6
    workers = {}
    for name in ("machine-a", "machine-b"):
        config = write_config(tmp_path / f"{name}.toml", pg_migrated, [box], name=name, lease_seconds=lease)
        workers[name] = Worker(config, log=tmp_path / f"{name}.log")
    db = Db(pg_migrated)
    try:
        wait_for(lambda: db.tips() == 300 and sum(f.last_uid for f in db.folders()) == 300, 60, what="first sync")
        # A batch's log line follows its commit: wait for the last one to be written too.
        wait_for(lambda: sum(w.batch_counts()[0] for w in workers.values()) >= 300, 10, what="the batch log lines")
        # Each folder has one owner, and no message was stored by both.
        owners = {f.folder: f.owner.split(":")[0] for f in db.folders()}
        assert set(owners) == set(folders)
        stored = {name: w.batch_counts() for name, w in workers.items()}
        assert sum(s for s, _ in stored.values()) == 300
        assert all(dup == 0 for _, dup in stored.values())
        assert db.quarantined() == 0
        assert not any("lease lost" in w.text() for w in workers.values()), "a live owner lost its folder"
        # Kill the owner of the INBOX as a machine dies: no clean release.
        dead = owners["INBOX"]
        workers[dead].kill()
        killed_at = time.monotonic()
        dovecot.append(user, "INBOX", [message(i, tag="late") for i in range(10)])
        wait_for(lambda: db.tips() == 310, 60, interval=0.1, what="the other worker taking the INBOX over")
        took = time.monotonic() - killed_at
        assert took < 60
        assert took > lease / 2, "it waited for the lease rather than stealing a live one"
        survivor = next(n for n in workers if n != dead)
        # The INBOX's new mail shows the take-over; a folder of the dead worker's with no new mail
        # (it may have owned both) is taken when the survivor's thread for it next finds the lease run out.
        wait_for(lambda: {f.owner.split(":")[0] for f in db.folders()} == {survivor}, 30,
                 interval=0.1, what="the survivor owning every folder")
        assert db.sightings() == 310 and db.distinct_sightings() == 310 and db.quarantined() == 0
        assert sum(w.batch_counts()[1] for w in workers.values()) == 0
    finally:
        for w in workers.values():
            if w.proc.poll() is None:
                w.signal(signal.SIGTERM)
                assert w.wait(20) == 0
        db.close()
