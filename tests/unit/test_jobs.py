"""The job queue (inbox/jobs): jobs by name from a table, retried with growing waits, a
failure recorded for good after the last try, periodic sweeps; on huey's SQLite storage, the
embedded default, with a real consumer."""
from __future__ import annotations

import os
import stat
import threading
import time
from dataclasses import replace

import pytest

from inbox.config import JobsSettings, Settings
from inbox.jobs import Queue
from inbox.jobs.table import JOBS, Job, Periodic

CALLS: list[tuple] = []
EVENT = threading.Event()


def record(ctx, **payload):
    CALLS.append(("record", ctx.attempt, ctx.final, payload))
    EVENT.set()


def fail_twice(ctx, **payload):
    CALLS.append(("fail_twice", ctx.attempt, ctx.final, payload))
    if ctx.attempt < 2:
        raise RuntimeError("the server said no")
    EVENT.set()


def always_fail(ctx, **payload):
    CALLS.append(("always_fail", ctx.attempt, ctx.final, payload))
    if ctx.final:
        EVENT.set()
    raise RuntimeError("never")


def sweep(ctx):
    CALLS.append(("sweep", ctx.attempt, ctx.final, {}))
    EVENT.set()


TABLE = (
    Job("t.record", f"{__name__}:record"),
    Job("t.fail_twice", f"{__name__}:fail_twice", retries=3, backoff_seconds=0.05),
    Job("t.always_fail", f"{__name__}:always_fail", retries=1, backoff_seconds=0.05),
)


@pytest.fixture
def settings(tmp_path):
    CALLS.clear()
    EVENT.clear()
    return Settings(data_dir=str(tmp_path / "var"))


def wait_for_event(seconds: float = 20) -> None:
    assert EVENT.wait(seconds), f"the job did not run; calls: {CALLS}"


def test_a_job_queued_by_one_queue_runs_on_another_consumer_of_the_same_file(settings):
    producer = Queue(settings, sessions=object(), jobs=TABLE, periodic=())
    producer.enqueue("t.record", tip_id=7)
    assert producer.depth()["pending"] == 1
    consumer = Queue(settings, sessions=object(), jobs=TABLE, periodic=()).start_background(workers=1)
    try:
        wait_for_event()
    finally:
        consumer.stop(graceful=True)
    assert CALLS == [("record", 0, False, {"tip_id": 7})]
    assert producer.depth() == {"pending": 0, "scheduled": 0}


def test_the_queue_file_is_private(settings):
    Queue(settings, jobs=TABLE, periodic=())
    path = os.path.join(settings.data_dir, "jobs.sqlite")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(settings.data_dir).st_mode) == 0o700


def test_a_failing_job_is_tried_again_until_it_succeeds(settings):
    queue = Queue(settings, sessions=object(), jobs=TABLE, periodic=())
    queue.enqueue("t.fail_twice", reply_id=3)
    consumer = queue.start_background(workers=1)
    try:
        wait_for_event()
    finally:
        consumer.stop(graceful=True)
    assert [(c[1], c[2]) for c in CALLS] == [(0, False), (1, False), (2, False)]


def test_the_last_try_is_marked_final_and_nothing_follows_it(settings):
    queue = Queue(settings, sessions=object(), jobs=TABLE, periodic=())
    queue.enqueue("t.always_fail")
    consumer = queue.start_background(workers=1)
    try:
        wait_for_event()
        time.sleep(0.3)  # a retry after the final try would have been scheduled by now
    finally:
        consumer.stop(graceful=True)
    assert [(c[1], c[2]) for c in CALLS] == [(0, False), (1, True)]
    assert queue.depth() == {"pending": 0, "scheduled": 0}


def test_a_job_queued_with_a_delay_waits_in_the_schedule(settings):
    queue = Queue(settings, sessions=object(), jobs=TABLE, periodic=())
    queue.enqueue("t.record", delay=3600, tip_id=1)
    consumer = queue.start_background(workers=1)
    try:
        deadline = time.monotonic() + 20
        while queue.depth()["scheduled"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
    assert queue.depth() == {"pending": 0, "scheduled": 1}
    assert CALLS == []


def test_an_unknown_job_name_is_refused(settings):
    queue = Queue(settings, jobs=TABLE, periodic=())
    with pytest.raises(KeyError, match="t.nope"):
        queue.enqueue("t.nope")


def test_immediate_backend_runs_the_job_inside_enqueue(settings):
    immediate = replace(settings, jobs=JobsSettings(backend="immediate"))
    Queue(immediate, sessions=object(), jobs=TABLE, periodic=()).enqueue("t.record", tip_id=2)
    assert CALLS == [("record", 0, False, {"tip_id": 2})]


def test_periodic_sweeps_run_on_the_consumer(settings):
    queue = Queue(settings, sessions=object(), jobs=TABLE, periodic=(Periodic("t.sweep", f"{__name__}:sweep"),))
    # huey's scheduler queues periodic tasks at the top of each minute; queue this minute's now.
    for task in queue.huey.read_periodic(queue.huey._get_timestamp()):
        queue.huey.enqueue(task)
    consumer = queue.start_background(workers=1)
    try:
        wait_for_event()
    finally:
        consumer.stop(graceful=True)
    assert ("sweep", 0, False, {}) in CALLS


def test_every_job_in_the_table_names_a_function_that_exists():
    import importlib

    for job in JOBS:
        module, _, name = job.target.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), job.name


def test_jobs_status_counts_what_waits(tmp_path, capsys):
    from inbox.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    Queue(Settings(data_dir=str(tmp_path / "var"))).enqueue("sort.retrain", delay=600)
    assert main(["--config", str(config), "jobs", "status"]) == 0
    assert capsys.readouterr().out == "jobs (sqlite): 1 waiting, 0 scheduled for later\n"


def test_jobs_run_refuses_no_threads_in_one_line(tmp_path, capsys):
    from inbox.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    assert main(["--config", str(config), "jobs", "run", "--workers", "0"]) == 2
    assert capsys.readouterr().err == "inbox: --workers: give 1 or more\n"


def test_the_redis_storage_shares_jobs_between_queues(settings):
    """Several machines share one Redis: a job queued by one Queue runs on another's consumer."""
    on_redis = replace(settings, jobs=JobsSettings(backend="redis", redis_url="redis://127.0.0.1:6379/13"))
    producer = Queue(on_redis, sessions=object(), jobs=TABLE, periodic=())
    producer.huey.flush()
    producer.enqueue("t.record", tip_id=11)
    assert producer.depth()["pending"] == 1
    consumer = Queue(on_redis, sessions=object(), jobs=TABLE, periodic=()).start_background(workers=1)
    try:
        wait_for_event()
    finally:
        consumer.stop(graceful=True)
        producer.huey.flush()
    assert CALLS == [("record", 0, False, {"tip_id": 11})]
