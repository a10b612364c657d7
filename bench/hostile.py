"""Hostile mail through the real pipeline, then the board under 8 readers of the largest tip.

    .venv/bin/python bench/hostile.py [--only NAME ...] [--clients 8] [--rounds 3] [--keep DIR]

1. Each hostile message of bench/hostile_mail.py (attribute bombs of 1.1 and 2.3 MB, deep
   nesting, very many elements, a million entities, a 20 MB HTML newsletter, 100,000
   headers, 10 MB lines, ...) is imported alone through `Pipeline.process_many` into a
   fresh SQLite database: wall seconds (pool round trip and store included), the CPU
   seconds of parse + clean + sorting's pure part (run once more in this process, to
   time them), the CPU seconds of this process while the pipeline stored it (sending it
   to the pool, the store, sorting's database part), and the outcome. On a busy machine
   wall seconds are many times the CPU seconds: read both.
2. All of them again, mixed with 50 ordinary tips, in one import: the total, and when the
   last ordinary tip was stored (they must not wait for the hostile ones).
3. `inbox serve` (one waitress process, 8 threads) on that database, plus one tip whose
   stored HTML is 20 MB (as tips stored before the caps have); 8 clients open the largest
   tip at once, `--rounds` times: the board process's peak RSS and its RSS afterwards.

Bars (issue 10): <= 1 s per message; the board process <= 300 MB.
"""
from __future__ import annotations

import argparse
import hashlib
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from sqlalchemy import func, insert, select  # noqa: E402

from board import PASSWORD, Browser, free_port  # noqa: E402
from hostile_mail import HOSTILE, big_newsletter  # noqa: E402
from inbox import migrate  # noqa: E402
from inbox.board.auth import hash_password  # noqa: E402
from inbox.config import ImportSettings, Settings  # noqa: E402
from inbox.db import make_engine, session_factory  # noqa: E402
from inbox.models import RawMessage, Tip, User, utcnow  # noqa: E402
from inbox.pipeline import Pipeline, Source, prepare  # noqa: E402


def rss_mb(pid: int, field: str = "VmHWM") -> float:
    """A process's peak (VmHWM) or current (VmRSS) resident memory, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def ordinary(n: int, start: int = 0) -> list[tuple[bytes, Source]]:
    """n ordinary reader tips, a few lines each."""
    items = []
    for i in range(start, start + n):
        raw = (f"From: Reader {i} <reader{i}@example.org>\r\nTo: tips@station.example\r\n"
               f"Subject: The council vote on the depot, note {i}\r\nMessage-ID: <ordinary-{i}@example.org>\r\n"
               "Date: Tue, 1 Dec 2026 09:00:00 +0000\r\n\r\n"
               f"Hello,\r\n\r\nTrucks were unloading at the county depot at 3am again (night {i}).\r\n"
               "The council votes on the contract on Friday.\r\n\r\nA reader\r\n").encode()
        items.append((raw, Source("ordinary", "INBOX", 1, i + 1)))
    return items


def import_each(pipeline: Pipeline, mails: dict[str, bytes], settings: Settings) -> None:
    """Part 1: every hostile message alone, through the pipeline, and its pure stages here."""
    sorter = pipeline.sorter
    print(f"{'message':<32}{'MB':>6}{'pipeline s':>12}{'stages CPU s':>14}{'storing CPU s':>15}  outcome")
    worst = 0.0
    for uid, (name, raw) in enumerate(mails.items(), start=1):
        cpu = time.process_time()
        prepare(raw, settings.limits, sorter, settings.imports.time_budget_seconds)
        cpu = time.process_time() - cpu
        start, storing = time.perf_counter(), time.process_time()
        (outcome,) = pipeline.process_many([(raw, Source("hostile-alone", "INBOX", 1, uid))])
        wall, storing = time.perf_counter() - start, time.process_time() - storing
        worst = max(worst, wall)
        what = outcome.status + (f" ({outcome.stage}: {outcome.error[:50]})" if outcome.error else "")
        print(f"{name:<32}{len(raw) / 1e6:>6.1f}{wall:>12.2f}{cpu:>14.2f}{storing:>15.2f}  {what}", flush=True)
    print(f"slowest: {worst:.2f} s per message ({'within' if worst <= 1 else 'OVER'} the 1 s bar)\n")


def import_mixed(pipeline: Pipeline, mails: dict[str, bytes]) -> None:
    """Part 2: the hostile messages among 50 ordinary tips, in one import."""
    items = ordinary(50)
    for i, raw in enumerate(mails.values()):
        raw = raw.replace(b"Message-ID: <", b"Message-ID: <mixed-", 1)  # not a copy of part 1's: all stages run
        items.insert(min(len(items), 3 + i * 4), (raw, Source("hostile-mixed", "INBOX", 1, i + 1)))
    start = time.perf_counter()
    last_ordinary, statuses = 0.0, {}
    for (raw, source), outcome in zip(items, pipeline.process_many(items)):
        if source.mailbox == "ordinary":
            last_ordinary = time.perf_counter() - start
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    total = time.perf_counter() - start
    print(f"mixed import: {len(items)} messages ({len(mails)} hostile, 50 ordinary) in {total:.2f} s; "
          f"the last ordinary tip stored after {last_ordinary:.2f} s; {statuses}")


def add_old_big_tip(url: str) -> int:
    """A tip whose stored HTML is 20 MB: what the pipeline kept before the caps."""
    engine = make_engine(url)
    raw = big_newsletter(20.0)
    html = raw.decode("utf-8", "replace")
    with engine.begin() as conn:
        raw_id = conn.execute(insert(RawMessage).values(sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), data=raw)
                              .returning(RawMessage.id)).scalar_one()
        tip_id = conn.execute(insert(Tip).values(
            fingerprint="old-big-tip", raw_message_id=raw_id, subject="An old 20 MB newsletter",
            text_body="The newsletter, as text.", new_text_end=24, preview="The newsletter", html_body=html, html_size=len(html),
            sender_name="Old", sender_address="old@example.org", received_at=utcnow(), status="new",
        ).returning(Tip.id)).scalar_one()
        conn.execute(insert(User).values(email="editor@bench.example", name="Bench Editor", role="editor", beats="",
                                         password_hash=hash_password(PASSWORD)))
    engine.dispose()
    return tip_id


def largest_tip(sessions) -> tuple[int, int]:
    """The id and size (text + HTML, characters) of the largest stored tip."""
    size = func.length(Tip.text_body) + func.coalesce(func.length(Tip.html_body), 0)
    with sessions() as s:
        tip_id, chars = s.execute(select(Tip.id, size).order_by(size.desc()).limit(1)).one()
    return tip_id, chars


def serve_and_read(workdir: Path, url: str, tip_ids: list[int], clients: int, rounds: int) -> None:
    """Part 3: the board in its own process; `clients` readers open each tip at once."""
    port = free_port()
    config = workdir / "config.toml"
    config.write_text(f'data_dir = "{workdir}"\n[database]\nurl = "{url}"\n[board]\nsecret_key = "bench-secret"\n'
                      f"secure_cookies = false\nport = {port}\nthreads = 8\nprocesses = 1\n"
                      "login_attempts_per_minute = 1000\n")
    server = subprocess.Popen([sys.executable, "-m", "inbox.cli", "--config", str(config), "serve"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        print(server.stdout.readline().strip())
        for _ in range(100):
            try:
                if Browser(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        browsers = [Browser(port) for _ in range(clients)]
        for b in browsers:
            b.login("editor@bench.example")
        print(f"board process after start and {clients} logins: {rss_mb(server.pid, 'VmRSS'):.0f} MB")
        for tip_id in tip_ids:
            sizes, errors = [], []

            def read(browser: Browser) -> None:
                for _ in range(rounds):
                    status, page = browser.request("GET", f"/tips/{tip_id}")
                    sizes.append(len(page))
                    if status != 200:
                        errors.append(status)

            threads = [threading.Thread(target=read, args=(b,)) for b in browsers]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            print(f"tip {tip_id}: {clients} clients x {rounds} rounds in {time.perf_counter() - start:.2f} s, "
                  f"page {max(sizes) / 1e6:.2f} MB, errors {errors or 'none'}; board peak RSS so far "
                  f"{rss_mb(server.pid):.0f} MB, now {rss_mb(server.pid, 'VmRSS'):.0f} MB")
        peak = rss_mb(server.pid)
        print(f"board process peak RSS: {peak:.0f} MB ({'within' if peak <= 300 else 'OVER'} the 300 MB bar)")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="hostile messages by name (default: all)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", help="work in (and keep) this directory")
    args = parser.parse_args()
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{workdir / 'inbox.db'}"
    migrate.upgrade(url)
    settings = Settings(data_dir=str(workdir), imports=ImportSettings(processes=0))
    mails = {name: make() for name, make in HOSTILE.items() if not args.only or name in args.only}
    engine = make_engine(url)
    sessions = session_factory(engine)
    with Pipeline(settings, sessions) as pipeline:
        list(pipeline.process_many(ordinary(20, start=1000)))  # the pool started, its sorter loaded
        import_each(pipeline, mails, settings)
        import_mixed(pipeline, mails)
        pool_peak = max((rss_mb(pid) for pid in pipeline.pool.pids()), default=0.0)
    print(f"import peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (this process), "
          f"{pool_peak:.0f} MB (largest pool process)\n")
    newest, chars = largest_tip(sessions)
    engine.dispose()
    old = add_old_big_tip(url)
    print(f"largest tip the pipeline stored: {newest} ({chars / 1e6:.1f} M characters of text and HTML); "
          f"tip {old} holds 20 MB of HTML stored before the caps")
    serve_and_read(workdir, url, [newest, old], args.clients, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
