"""The pipeline's process pool: parse, clean and sort's pure part run here, on every core.

Kept apart from inbox.pipeline, and light to import. A pool's processes are forked
from a server process that imports the stages once (0.55 s of CPU); `inbox worker`,
which imports the same stages itself, instead forks its first pool's processes from
itself, once its imports are done and before it starts a thread (start(fork=True)):
the stages are then imported once, not twice.
"""
from __future__ import annotations

import concurrent.futures as cf
import gc
import multiprocessing
import os
import signal
import threading
from contextlib import contextmanager
from typing import Iterator

# What the pool's server imports once; each pool process is forked from it with
# them in place, sharing those pages, instead of importing them again.
PRELOAD = ["inbox.pipeline", "inbox.sort"]
# Objects made between two collections of the youngest generation, in the worker and its pool
# (Python's default: 700). Most die young by reference counting and are never walked.
YOUNG = 20_000


class SharedPool:
    """A process pool, started on first use (or by start()) and replaced if broken. A worker
    gives one to all its folder threads, so its memory does not grow with the folders."""

    def __init__(self, processes: int | None = None):
        self.processes = processes or (os.cpu_count() or 1)
        self._pool: cf.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def get(self, fork: bool = False) -> cf.ProcessPoolExecutor:
        with self._lock:
            # A pool whose process died stays broken (BrokenProcessPool on every submit).
            if self._pool is not None and getattr(self._pool, "_broken", False):
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            if self._pool is None:
                if fork:
                    context = multiprocessing.get_context("fork")
                else:
                    # forkserver: the process asking may have threads, and fork would copy their locks.
                    context = multiprocessing.get_context("forkserver")
                    context.set_forkserver_preload(PRELOAD)
                self._pool = cf.ProcessPoolExecutor(max_workers=self.processes, mp_context=context,
                                                    initializer=_settle)
            return self._pool

    def start(self, fork: bool = False) -> SharedPool:
        """Start the server and every process now, in the background; returns at once.

        The executor starts a process per task submitted while none is idle, so
        one empty task per process starts them all. Starting one waits for the
        server's imports, hence the thread. With one process the pipeline works
        in its own (Pipeline._submit): nothing to start.

        fork: the processes are forked from this one, now (milliseconds), with what it has
        imported, so that they import nothing. Only while this is the process's one thread
        (no lock another thread holds is copied); else, and for any pool that replaces this
        one (a thread may hold a lock then), the server as above.
        """
        if self.processes > 1 and fork and threading.active_count() == 1:
            # With fork the executor forks every process at the first submit, before it
            # starts its own threads, and never again (a dead process breaks the pool).
            pool = self.get(fork=True)
            pool.submit(_ready)
            return self
        if self.processes > 1:
            # The executor is made here (milliseconds), so a close() meanwhile stops this
            # one; the thread only submits, and a submit after close() is refused.
            pool = self.get()
            threading.Thread(target=self._start, args=(pool,), name="pool-start", daemon=True).start()
        return self

    def _start(self, pool: cf.ProcessPoolExecutor) -> None:
        try:
            for _ in range(self.processes):
                pool.submit(_ready)
        except RuntimeError:  # closed meanwhile: a head start only, nothing lost
            pass

    def kill(self, pool: cf.ProcessPoolExecutor) -> None:
        """Kill a pool whose process is stuck (in C or Rust code, deaf to signals): its work
        in flight fails with BrokenProcessPool, and the next get() starts a new pool."""
        with self._lock:
            for process in list(getattr(pool, "_processes", {}).values()):
                try:
                    process.kill()
                except (OSError, AttributeError):  # gone already
                    pass
            pool.shutdown(wait=False, cancel_futures=True)
            if self._pool is pool:
                self._pool = None

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None

    def pids(self) -> list[int]:
        """The pool's process ids, while it runs (for measuring their memory)."""
        with self._lock:
            return list(self._pool._processes) if self._pool is not None else []


def _ready() -> None:
    """The empty task start() sends each process."""


def _settle() -> None:
    """Put every object alive now out of the collector's sight and collect the young less often.
    A pool process's first act (what it inherited from the server or the worker that forked it,
    the stages and their compiled rules, is never garbage, and its pages then stay shared with
    that process instead of being copied when walked), and freeze_long_lived's last."""
    gc.freeze()
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])


def freeze_long_lived() -> None:
    """In a long-running process, once its modules are imported: collect, then put every object
    alive now out of the collector's sight, and collect the young less often. Full collections
    walked them all (a sixth of a million objects), and a young collection came every 700
    objects made, while a batch's results are being unpickled and its rows built: in
    bench/ingest.py's storing process 0.44 s of collecting fell to 0.21 s. The objects frozen
    are never garbage, and cycles made later are still collected. Once a process (the tests run
    the worker many times in one): what a later call would freeze may well be garbage soon."""
    global _FROZEN
    if _FROZEN:
        return
    _FROZEN = True
    gc.collect()
    _settle()


_FROZEN = False


class OverBudget(Exception):
    """A message took longer than its time budget (raised inside the pool process)."""


def _over_budget(signum, frame) -> None:
    raise OverBudget


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget in this (main) thread once it has used `seconds` of CPU.

    CPU time, not wall time: on a busy machine (here, 20 processes on two cores) a
    message waits for a core ten times longer than it works, and must not be
    quarantined for that. The timer interrupts Python code, and C code that checks
    for signals; a call into Rust or C that never returns to Python is caught by the
    parent's deadline instead (Pipeline._results, wall time), which kills the process.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _over_budget)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
