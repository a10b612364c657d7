"""The job queue's own cost: how fast the board or worker can queue a job, and how many jobs a
consumer runs a second, on huey's SQLite storage (the embedded default) and, where it answers,
Redis. The jobs do nothing, so this is the queue alone; a reply's SMTP round trip dwarfs it.

    bench/jobs.py [--count 2000] [--redis redis://127.0.0.1:6379/15]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.config import JobsSettings, Settings  # noqa: E402
from inbox.jobs import Queue  # noqa: E402
from inbox.jobs.table import Job  # noqa: E402

DONE = threading.Semaphore(0)


def nothing(ctx, **payload) -> None:
    DONE.release()


TABLE = (Job("bench.nothing", f"{__name__}:nothing"),)


def measure(settings: Settings, count: int, workers: int) -> tuple[float, float]:
    queue = Queue(settings, sessions=object(), jobs=TABLE, periodic=())
    queue.huey.flush()
    start = time.perf_counter()
    for i in range(count):
        queue.enqueue("bench.nothing", tip_id=i)
    queued = time.perf_counter() - start
    consumer = queue.start_background(workers)
    start = time.perf_counter()
    for _ in range(count):
        DONE.acquire(timeout=60)
    ran = time.perf_counter() - start
    consumer.stop(graceful=True)
    return count / queued, count / ran


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = p.parse_args()
    sys.modules.setdefault("bench_jobs", sys.modules[__name__])
    global TABLE
    TABLE = (Job("bench.nothing", "bench_jobs:nothing"),)
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(data_dir=tmp)
        rows = [("sqlite", base)]
        rows.append(("redis", replace(base, jobs=JobsSettings(backend="redis", redis_url=args.redis))))
        print(f"{args.count} jobs that do nothing, {args.workers} consumer threads")
        print(f"{'storage':<8} {'queued/s':>10} {'run/s':>10}")
        for name, settings in rows:
            try:
                queued, ran = measure(settings, args.count, args.workers)
            except Exception as exc:  # noqa: BLE001 - Redis may not be running here
                print(f"{name:<8} not measured: {type(exc).__name__}: {exc}")
                continue
            print(f"{name:<8} {queued:>10,.0f} {ran:>10,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
