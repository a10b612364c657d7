"""Import every message under the given folders into a fresh database; print the figures.

    python bench/pipeline.py ../shared/corpora/spamassassin [--processes N] [--database URL] [--no-sort]
                             [--encryption both|on|off] [--rounds N]

With --encryption both (the default) the same mail is imported with encryption at rest off and
on (a desk key made for the run: raw mail and HTML sealed, inbox/vault.py), alternating for
--rounds rounds, each into a fresh database; both figures are printed with their ratio.

Prints: messages, stored, duplicates, threaded, quarantined, crashes (exceptions that
escaped the pipeline: must be 0), msgs/s, MB/s, peak RSS (this process and, separately,
the largest parse/clean worker process), and checks stored + duplicates + threaded +
quarantined = input.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox import migrate  # noqa: E402
from inbox.config import ImportSettings, Settings  # noqa: E402
from inbox.db import make_engine, session_factory  # noqa: E402
from inbox.mail import files  # noqa: E402
from inbox.pipeline import Pipeline  # noqa: E402


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--processes", type=int, default=0, help="parse/clean processes (0: one per core)")
    ap.add_argument("--batch-size", type=int, default=200)
    ap.add_argument("--database", help="SQLAlchemy URL of an EMPTY database (default: a new SQLite file); "
                    "emptied again between runs")
    ap.add_argument("--no-sort", action="store_true", help="leave out the sort stage")
    ap.add_argument("--encryption", choices=["both", "on", "off"], default="both",
                    help="encryption at rest: both (off and on in the same run, with the ratio), on or off")
    ap.add_argument("--rounds", type=int, default=1, help="with both: alternate off and on this many times")
    args = ap.parse_args()
    modes = {"both": [False, True] * max(1, args.rounds), "on": [True], "off": [False]}[args.encryption]
    rates: dict[bool, list[float]] = {False: [], True: []}
    ok = True
    for encrypted in modes:
        rate, good = run_once(args, encrypted)
        rates[encrypted].append(rate)
        ok = ok and good
    if rates[False] and rates[True]:
        off, on = max(rates[False]), max(rates[True])
        print(f"encryption off: {off:,.0f} msgs/s   on: {on:,.0f} msgs/s   on/off: {on / off:.3f} "
              f"(best of {len(rates[True])} each; the bar is >= 0.90)")
    return 0 if ok else 1


def _empty(url: str) -> None:
    """A PostgreSQL database given with --database, emptied between runs (SQLite runs get a new file)."""
    from sqlalchemy import text

    from inbox.models import Base

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
                          + " RESTART IDENTITY CASCADE"))
    engine.dispose()


def run_once(args, encrypted: bool) -> tuple[float, bool]:
    """One import of every message; prints its figures; returns (msgs/s, whether all was accounted)."""
    from inbox.config import EncryptionSettings
    from inbox.vault import encode_public, generate

    tmp = tempfile.TemporaryDirectory(prefix="bench-pipeline-")
    url = args.database or f"sqlite:///{tmp.name}/bench.db"
    migrate.upgrade(url)
    if args.database:
        _empty(url)
    encryption = EncryptionSettings(public_key=encode_public(generate().public_key)) if encrypted else EncryptionSettings()
    settings = Settings(data_dir=tmp.name, imports=ImportSettings(processes=args.processes, batch_size=args.batch_size),
                        encryption=encryption)
    engine = make_engine(url)
    sessions = session_factory(engine)
    sizes: list[int] = []

    def stream():  # read as we go, as `inbox import` does: memory stays flat
        for raw, source in files.read_all(args.dirs):
            sizes.append(len(raw))
            yield raw, source

    counts: Counter[str] = Counter()
    crashes = 0
    sorter = None if args.no_sort else "default"
    with Pipeline(settings, sessions, sorter=sorter) as pipeline:
        _ = pipeline.sorter  # load models before the clock starts
        start = time.perf_counter()
        try:
            for outcome in pipeline.process_many(stream()):
                counts[outcome.status] += 1
        except Exception as exc:  # noqa: BLE001 - a crash is a figure here, and must be 0
            crashes += 1
            print(f"CRASH: {type(exc).__name__}: {exc}", file=sys.stderr)
        elapsed = time.perf_counter() - start
        child_rss = max((_peak_rss_mb(pid) for pid in pipeline.pool.pids()), default=0.0)
    engine.dispose()

    n, total_bytes = len(sizes), sum(sizes)
    accounted = counts["stored"] + counts["duplicate"] + counts["threaded"] + counts["quarantined"]
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"encryption:   {'on' if encrypted else 'off'}")
    print(f"folders:      {' '.join(args.dirs)}")
    print(f"database:     {url.split('://')[0]}  processes: {pipeline.processes}  sort: {'off' if args.no_sort else 'on' if pipeline.sorter else 'not available'}")
    print(f"messages:     {n}  ({total_bytes / 1e6:.1f} MB)")
    print(f"stored:       {counts['stored']}")
    print(f"threaded:     {counts['threaded']}")
    print(f"duplicates:   {counts['duplicate']}")
    print(f"quarantined:  {counts['quarantined']}")
    print(f"crashes:      {crashes}")
    print(f"accounted:    {accounted} of {n} ({'OK' if accounted == n else 'MISMATCH'})")
    print(f"msgs/s:       {n / elapsed:,.0f}")
    print(f"MB/s:         {total_bytes / 1e6 / elapsed:,.1f}")
    print(f"peak RSS:     {self_rss:,.0f} MB (main process), {child_rss:,.0f} MB (largest worker process)")
    print(f"seconds:      {elapsed:.2f}")
    tmp.cleanup()
    return n / elapsed, crashes == 0 and accounted == n


if __name__ == "__main__":
    sys.exit(main())
