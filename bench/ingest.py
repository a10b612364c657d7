"""IMAP ingest against a throwaway Dovecot: raw FETCH rate vs `inbox worker --once`; prints the figures.

    python bench/ingest.py --corpus ../shared/corpora/spamassassin --count 5000 [--tls] [--profile FILE] [--store-cpu]

Loads N messages (cycling the corpus if it has fewer) into one INBOX with
MULTIAPPEND, then measures in the same run:
  (a) a raw imapclient FETCH of every message (BODY.PEEK[], UID batches of 100, nothing else);
  (b) `inbox worker --once` as a subprocess, from an empty SQLite database to done
      (process start, imports and the pool's start-up included);
and prints both rates, b/a, and the worker's peak RSS (its largest process, and
the sampled total of the worker and its pool). --profile FILE also runs the
same sync in-process under cProfile (main thread) and prints the top entries; --store-cpu
runs it in-process unprofiled and prints the storing thread's own CPU time a message (cProfile
inflates small Python calls many times over: it put a tenth of the storing thread in forgetting
stories, where a sampling profiler finds 0.3 %).
"""
from __future__ import annotations

import argparse
import os
import itertools
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imapclient import IMAPClient  # noqa: E402

from inbox import migrate  # noqa: E402
from tests.integration.conftest import mailbox, write_config  # noqa: E402
from tests.integration.dovecot import Dovecot  # noqa: E402
from tests.integration.proc import Db  # noqa: E402

BARS = {"b": 500.0, "ratio": 0.15, "rss_mb": 250.0}


def corpus_messages(corpus: Path, count: int):
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise SystemExit(f"no files under {corpus}")
    for path in itertools.islice(itertools.cycle(files), count):
        yield path.read_bytes()


def raw_fetch(server: Dovecot, user: str, tls: bool) -> tuple[int, int, float]:
    """(a): messages, bytes, seconds for a bare FETCH BODY.PEEK[] of everything in UID batches of 100."""
    client = server.client(user, tls=tls)
    start = time.perf_counter()
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["ALL"])
    n = size = 0
    for i in range(0, len(uids), 100):
        for data in client.fetch(uids[i : i + 100], ["BODY.PEEK[]"]).values():
            n += 1
            size += len(data[b"BODY[]"])
    elapsed = time.perf_counter() - start
    client.logout()
    return n, size, elapsed


def descendants(pid: int) -> list[int]:
    """pid and every process under it now (a scan of /proc: a few ms, so not every sample)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def rss_and_cpu(pid: int) -> tuple[int, float] | None:
    """(RSS kB, CPU seconds so far) of one process, from two small /proc files; None once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * PAGE_KB, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def pss(pid: int) -> int:
    """Proportional set size (kB): a page shared by n processes counts 1/n. Reading it walks
    the process's page tables (milliseconds), so it is sampled less often than RSS."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return 0


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The sampler runs beside the worker on the same two cores: RSS and CPU every 50 ms cost
# little; the process tree and PSS, every 500 ms. (Sampling all of it every 50 ms took
# 7 ms a time: an eighth of a core taken from the worker.)
SAMPLE_SECONDS, SLOW_SAMPLE_SECONDS = 0.05, 0.5


def worker_once(config: Path, log: Path) -> tuple[int, float, int, int, float]:
    """(b): exit status, seconds, peak sampled RSS and PSS (kB) of the worker and its pool
    together, and the CPU seconds they used (each process's last sample)."""
    peak_rss = peak_pss = 0
    cpu: dict[int, float] = {}
    cmd = [sys.executable, "-m", "inbox.cli", "--config", str(config), "worker", "--once"]
    start = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        pids, slow_at = [proc.pid], 0.0
        while proc.poll() is None:
            now = time.perf_counter()
            slow = now - slow_at >= SLOW_SAMPLE_SECONDS
            if slow:
                pids, slow_at = descendants(proc.pid), now
                peak_pss = max(peak_pss, sum(map(pss, pids)))
            sample = {p: s for p in pids if (s := rss_and_cpu(p)) is not None}
            peak_rss = max(peak_rss, sum(r for r, _ in sample.values()))
            cpu.update({p: c for p, (_, c) in sample.items()})
            time.sleep(SAMPLE_SECONDS)
    return proc.returncode, time.perf_counter() - start, peak_rss, peak_pss, sum(cpu.values())


def profile_in_process(config: Path, out: Path | None) -> None:
    """The same sync in this process under cProfile (the folder loop on the main thread); with
    out None, not profiled: the storing thread's own CPU time (its thread time) is printed."""
    import cProfile
    import pstats

    from inbox import config as config_mod
    from inbox import syncstate, worker
    from inbox.db import make_engine, session_factory
    from sqlalchemy import text

    settings = config_mod.load(config)
    sessions = session_factory(make_engine(settings.database_url))
    box = settings.mailboxes[0]
    folder = worker.FolderWorker(settings, sessions, box, "INBOX", syncstate.new_owner(), threading.Event(), once=True)
    start, cpu, whole = time.perf_counter(), time.thread_time(), time.process_time()
    if out is None:
        folder.run()  # its pipeline's own pool is stopped (and its processes reaped) on the way out
        elapsed, cpu, whole = time.perf_counter() - start, time.thread_time() - cpu, time.process_time() - whole
        with sessions() as session:
            seen = session.scalar(text("SELECT count(*) FROM sightings"))
        print(f"storing thread: {cpu:.2f} s of CPU (its thread time, the sync in-process, the pool's start and "
              f"the sorter's load included) for {seen} messages = {cpu / max(seen, 1) * 1000:.2f} ms a message; "
              f"{elapsed:.1f} s")
        print(f"                the whole process {whole / max(seen, 1) * 1000:.2f} ms a message (its other threads: the "
              f"pool's queues, the results' unpickling)")
        return
    profiler = cProfile.Profile()
    profiler.runcall(folder.run)
    elapsed = time.perf_counter() - start
    profiler.dump_stats(out)
    print(f"profile:      in-process sync {elapsed:.1f} s; stats in {out}")
    pstats.Stats(str(out)).sort_stats("cumulative").print_stats(25)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--tls", action="store_true", help="both measurements over implicit TLS (pinned certificate)")
    ap.add_argument("--processes", type=int, default=0, help="the pipeline's processes (0: one per core)")
    ap.add_argument("--batch-count", type=int, default=200, help="messages per FETCH batch in the worker")
    ap.add_argument("--profile", type=Path, help="also profile the sync in-process; write pstats here")
    ap.add_argument("--store-cpu", action="store_true",
                    help="also run the sync in-process, unprofiled, and print the storing thread's CPU a message")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    server = Dovecot(pool=1)
    user = server.take_user()
    server.start()
    try:
        start = time.perf_counter()
        loaded = server.append(user, "INBOX", corpus_messages(args.corpus, args.count), per_command=100)
        load_s = time.perf_counter() - start

        n_a, bytes_a, secs_a = raw_fetch(server, user, args.tls)

        url = f"sqlite:///{tmp / 'inbox.db'}"
        migrate.upgrade(url)
        box = mailbox(server, user, tls="tls" if args.tls else "plain", batch_count=args.batch_count)
        config = write_config(tmp / "config.toml", url, [box])
        text = config.read_text().replace("processes = 2", f"processes = {args.processes}")
        config.write_text(text)
        status, secs_b, peak_tree, peak_pss, cpu_b = worker_once(config, tmp / "worker.log")
        db = Db(url)
        seen, tips, quarantined = db.sightings(), db.tips(), db.quarantined()
        db.close()
        peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

        seen += quarantined  # every message is a sighting or a quarantine row
        rate_a, rate_b = n_a / secs_a, seen / secs_b
        print(f"corpus:       {args.corpus}  ({loaded} messages loaded, {bytes_a / 1e6:.1f} MB, "
              f"MULTIAPPEND {loaded / load_s:,.0f} msg/s)")
        print(f"transport:    {'implicit TLS, pinned certificate' if args.tls else 'plaintext, loopback'}")
        print(f"(a) raw FETCH:     {n_a} msgs in {secs_a:.2f} s = {rate_a:,.0f} msg/s ({bytes_a / secs_a / 1e6:.1f} MB/s)")
        print(f"(b) worker --once: {seen} msgs in {secs_b:.2f} s = {rate_b:,.0f} msg/s (exit {status}; "
              f"{tips} tips, {quarantined} quarantined; start-up included)")
        print(f"b/a:          {rate_b / rate_a:.3f}")
        print(f"(b) CPU:      {cpu_b:.1f} s in the worker and its pool (sampled every 50 ms) = "
              f"{cpu_b / max(seen, 1) * 1000:.2f} ms per message; {cpu_b / secs_b:.2f} of {os.cpu_count()} cores busy on average")
        print(f"peak RSS:     {peak_child / 1024:.0f} MB largest process; {peak_tree / 1024:.0f} MB worker + pool (sampled every 50 ms; "
              f"PSS, every 0.5 s, which counts a page the processes share once: {peak_pss / 1024:.0f} MB)")
        ok = rate_b >= BARS["b"] and rate_b / rate_a >= BARS["ratio"] and peak_child / 1024 <= BARS["rss_mb"]
        print(f"bars:         b >= {BARS['b']:.0f} msg/s, b/a >= {BARS['ratio']}, peak RSS <= {BARS['rss_mb']:.0f} MB: "
              f"{'met' if ok and seen == loaded else 'NOT met'}")
        for out in ([None] if args.store_cpu else []) + ([args.profile] if args.profile else []):
            db_url = f"sqlite:///{tmp / ('profile.db' if out else 'store-cpu.db')}"
            migrate.upgrade(db_url)
            config.write_text(config.read_text().replace(url, db_url))
            url = db_url
            profile_in_process(config, out)
        return 0 if status == 0 and seen == loaded else 1
    finally:
        server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
