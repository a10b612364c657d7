"""A worker's folder threads share one parse/clean process pool: memory does not grow with folders."""
from __future__ import annotations

import os
import signal

from inbox.config import ImportSettings, Settings
from inbox.pipeline import Pipeline, SharedPool, Source
from tests.mailfactory import make_mail

SETTINGS = Settings(imports=ImportSettings(processes=2, batch_size=20))


def mails(folder: str, n: int):
    return [(make_mail(message_id=f"<{folder}-{i}@example.org>", body=f"tip {i} from {folder}"),
             Source("tips", folder, 1, i + 1)) for i in range(n)]


def test_two_folders_share_one_pool_and_closing_one_leaves_it_running(db):
    pool = SharedPool(2)
    try:
        with Pipeline(SETTINGS, db, sorter=None, pool=pool) as inbox, Pipeline(SETTINGS, db, sorter=None, pool=pool) as sent:
            assert {o.status for o in inbox.process_many(mails("INBOX", 20))} == {"stored"}
            processes = set(pool.get()._processes)
            assert {o.status for o in sent.process_many(mails("Sent", 20))} == {"stored"}
            assert set(pool.get()._processes) == processes and len(processes) == 2
        # Both pipelines are closed: the pool is its owner's, and still works.
        with Pipeline(SETTINGS, db, sorter=None, pool=pool) as again:
            assert {o.status for o in again.process_many(mails("Drafts", 20))} == {"stored"}
            assert set(pool.get()._processes) == processes
    finally:
        pool.close()


def test_a_pool_whose_process_died_is_replaced(db):
    pool = SharedPool(2)
    try:
        with Pipeline(SETTINGS, db, sorter=None, pool=pool) as p:
            list(p.process_many(mails("INBOX", 20)))
            before = pool.get()
            os.kill(next(iter(before._processes)), signal.SIGKILL)
            try:
                list(p.process_many(mails("INBOX2", 20)))
            except Exception:  # noqa: BLE001 - the batch in hand fails (BrokenProcessPool); nothing was stored
                pass
            after = pool.get()
            assert after is not before
            assert {o.status for o in p.process_many(mails("INBOX3", 20))} == {"stored"}
    finally:
        pool.close()


def test_start_brings_every_process_up_before_the_first_batch_and_close_right_after_is_safe(db):
    import time

    pool = SharedPool(2).start()
    try:
        deadline = time.monotonic() + 30
        while len(pool.pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        started = set(pool.pids())
        assert len(started) == 2  # up with no batch submitted
        with Pipeline(SETTINGS, db, sorter=None, pool=pool) as p:
            assert {o.status for o in p.process_many(mails("INBOX", 20))} == {"stored"}
        assert set(pool.pids()) == started  # the first batch used them, started no others
    finally:
        pool.close()
    early = SharedPool(2).start()
    early.close()  # while the processes may still be starting
    assert early.pids() == []
    assert SharedPool(1).start().pids() == []  # one process: the pipeline works in its own


def test_a_pool_forked_from_a_one_thread_process_is_up_at_once_and_replaced_through_the_server(db):
    import threading

    if threading.active_count() != 1:  # a runner with threads of its own: start() must not fork
        pool = SharedPool(2).start(fork=True)
        assert pool.get()._mp_context.get_start_method() == "forkserver"
        pool.close()
        return
    pool = SharedPool(2).start(fork=True)
    try:
        first = pool.get()
        assert first._mp_context.get_start_method() == "fork" and len(pool.pids()) == 2  # forked now
        with Pipeline(SETTINGS, db, sorter=None, pool=pool) as p:
            assert {o.status for o in p.process_many(mails("INBOX", 20))} == {"stored"}
            os.kill(next(iter(first._processes)), signal.SIGKILL)
            try:
                list(p.process_many(mails("INBOX2", 20)))
            except Exception:  # noqa: BLE001 - the batch in hand fails (BrokenProcessPool)
                pass
            # This process has threads now (the executor's): the new pool comes from the server.
            assert pool.get() is not first and pool.get()._mp_context.get_start_method() == "forkserver"
            assert {o.status for o in p.process_many(mails("INBOX3", 20))} == {"stored"}
    finally:
        pool.close()


def test_start_does_not_fork_while_another_thread_runs():
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pool = SharedPool(2).start(fork=True)
        assert pool.get()._mp_context.get_start_method() == "forkserver"
        pool.close()
    finally:
        stop.set()
        other.join()
