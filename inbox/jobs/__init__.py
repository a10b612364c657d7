"""One durable job queue for what follows the trip: outgoing mail, notifications, webhooks,
retrains (huey: a SQLite file for the embedded default, Redis when several machines share it).

    queue = Queue(settings)
    queue.enqueue("sort.retrain")            # from the board or the worker: returns at once
    queue.consumer(workers=2).start()        # `inbox worker` does this; or `inbox jobs run`

Why huey: it is maintained, small (one dependency-free package), and its SQLite storage needs
no service, so the embedded default stays one process and a file; Redis (its other storage)
is what the machines here already run for a desk of several workers. A dequeued job leaves
huey's storage before it runs, so a job killed mid-run is not retried by huey itself: every
job therefore names a row whose state is in the desk's database, and a periodic sweep of that
domain (a row in table.PERIODIC) enqueues again what is stuck. The table of jobs is
`inbox/jobs/table.py`.
"""
from __future__ import annotations

import importlib
import logging
import random
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from inbox.config import Settings
from inbox.jobs.table import JOBS, PERIODIC, Job, Periodic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    sessions: Any  # sessionmaker on the desk's database, made once per consumer process
    attempt: int = 0  # 0 on the first try
    final: bool = False  # no retry follows if this try fails: record the failure for good
    queue: Any = None  # the Queue running this job: a job queues follow-up jobs on it


class Queue:
    """The desk's queue, built from the settings; several Queue objects on one storage share it."""

    def __init__(self, settings: Settings, sessions: Any = None,
                 jobs: tuple[Job, ...] = JOBS, periodic: tuple[Periodic, ...] = PERIODIC):
        self.settings = settings
        self.huey = _make_huey(settings)
        self._sessions = sessions  # None: an engine of the queue's own, made when a job first runs
        self._lock = threading.Lock()
        self._tasks = {job.name: self._register(job) for job in jobs}
        for row in periodic:
            self._register_periodic(row)

    def enqueue(self, name: str, *, delay: float | None = None, **payload: Any) -> str:
        """Queue a job by its table name; payload values must be ids and small plain values."""
        task = self._tasks.get(name)
        if task is None:
            raise KeyError(f"no job called {name!r} in inbox/jobs/table.py")
        if delay:
            return task.schedule(args=(payload, 0), delay=delay).id
        return task(payload, 0).id

    def depth(self) -> dict[str, int]:
        """Jobs waiting to run now, and jobs scheduled for later (retries, delays)."""
        return {"pending": self.huey.pending_count(), "scheduled": self.huey.scheduled_count()}

    def consumer(self, workers: int | None = None):
        """A huey consumer on worker threads, with the periodic sweeps; call .start() and .stop()."""
        return self.huey.create_consumer(workers=workers or self.settings.jobs.workers, worker_type="thread",
                                         periodic=True, initial_delay=0.1, max_delay=1.0, check_worker_health=True)

    def start_background(self, workers: int | None = None):
        """Run the jobs on threads of this process (the worker's, the demo's) until .stop();
        the process keeps its own signal handlers (huey's would replace them)."""
        import signal

        consumer = self.consumer(workers)
        if threading.current_thread() is not threading.main_thread():
            consumer._set_signal_handlers = lambda: None  # signal.signal works in the main thread only
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
        consumer.start()
        if threading.current_thread() is threading.main_thread():
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return consumer

    def context(self, attempt: int = 0, final: bool = False) -> JobContext:
        return JobContext(self.settings, self.sessions(), attempt, final, self)

    def sessions(self):
        with self._lock:
            if self._sessions is None:
                from inbox.commands.data import open_sessions

                self._sessions = open_sessions(self.settings)
            return self._sessions

    def _register(self, job: Job):
        fn = _lazy(job.target)

        def run(payload: dict, attempt: int) -> None:
            final = attempt >= job.retries
            try:
                fn()(self.context(attempt, final), **payload)
            except Exception as exc:  # noqa: BLE001 - a job's failure is retried or recorded, never lost
                if final:
                    log.error("job %s failed for good after %d tries: %s", job.name, attempt + 1, type(exc).__name__)
                    return
                wait = min(job.backoff_seconds * 2 ** attempt, job.max_backoff_seconds) * random.uniform(0.8, 1.2)
                log.warning("job %s try %d failed (%s); again in %.0fs", job.name, attempt + 1, type(exc).__name__, wait)
                task.schedule(args=(payload, attempt + 1), delay=wait)

        run.__name__ = job.name.replace(".", "_")
        task = self.huey.task(name=job.name)(run)
        return task

    def _register_periodic(self, periodic: Periodic) -> None:
        from huey import crontab

        fn = _lazy(periodic.target)

        def run() -> None:
            try:
                fn()(self.context())
            except Exception as exc:  # noqa: BLE001 - the next minute tries again
                log.warning("periodic %s failed: %s", periodic.name, type(exc).__name__)

        run.__name__ = periodic.name.replace(".", "_")
        self.huey.periodic_task(crontab(minute=f"*/{periodic.every_minutes}"), name=periodic.name)(run)


_SHARED: dict[tuple[int, int], tuple[Settings, Any, Queue]] = {}
_SHARED_LOCK = threading.Lock()


def shared(settings: Settings, sessions: Any = None) -> Queue:
    """This process's Queue for these settings and database, made once: for code that queues
    jobs outside a job (the worker after a batch, a retry scheduled while sending)."""
    key = (id(settings), id(sessions))
    with _SHARED_LOCK:
        if key not in _SHARED:  # the settings and sessions are kept too, so their ids stay theirs
            _SHARED[key] = (settings, sessions, Queue(settings, sessions=sessions))
        return _SHARED[key][2]


def _make_huey(settings: Settings):
    import huey

    jobs = settings.jobs
    if jobs.backend == "redis":
        return huey.RedisHuey("inbox", url=jobs.redis_url, utc=True)
    if jobs.backend == "immediate":  # tests and one-off scripts: a job runs inside enqueue()
        return huey.MemoryHuey("inbox", immediate=True, utc=True)
    path = Path(jobs.path) if jobs.path else Path(settings.data_dir) / "jobs.sqlite"
    _private_file(path)
    return huey.SqliteHuey("inbox", filename=str(path), utc=True, timeout=30)


def _private_file(path: Path) -> None:
    """The queue's file is the owner's alone (0600 in a 0700 folder), like the database."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
    path.chmod(0o600)


def _lazy(target: str) -> Callable[[], Callable]:
    module, _, name = target.partition(":")
    cache: list[Callable] = []

    def get() -> Callable:
        if not cache:
            cache.append(getattr(importlib.import_module(module), name))
        return cache[0]

    return get
