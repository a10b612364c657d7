"""Benchmark the board: 100,000 realistic tips in SQLite, `inbox serve` (waitress) in a
subprocess, 8 concurrent clients over real HTTP.

Prints, for the board (story cards: one a cluster), the board sorted by deadline and by
readers, a filtered view, a search, a tip page, a story page and the live board's poll
(answered 304 while nothing changed): p50/p95 latency and requests/s. The board keeps its column
totals for 3 s per board state (inbox/board/recent.py), so it is measured twice: as the same
page asked again, and "changing", with a tip changed every second (--change-every) while the
clients ask, so that the totals are counted afresh as the desk works. Then the SQL queries
one board page costs with 10 and with 50 cards per column (it must not grow). Bars (issues
5 and 12): p95 <= 100 ms each, on SQLite, this machine.
The JSON API (issue 14): a page of tips, a filtered page and a search, with a read token;
bar p95 <= 50 ms each at 8 clients on 100,000 tips (--api-only measures just those).

    .venv/bin/python bench/board.py [--tips 100000] [--clients 8] [--requests 400] [--keep DIR] [--api-only]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import http.client
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert  # noqa: E402

from inbox.board.auth import hash_password  # noqa: E402
from inbox.db import make_engine  # noqa: E402
from inbox.models import Attachment, Base, Mailbox, RawMessage, Sighting, Tip, User, utcnow  # noqa: E402

PASSWORD = "bench password 2026"
TOPICS = ["courts", "elections", "immigration", "schools", "transit", "state government", "police", "housing",
          "environment", "health"]
STATUS_WEIGHTS = {"new": 45, "reviewing": 15, "assigned": 10, "pursuing": 8, "published": 4, "declined": 12, "spam": 6}
WORDS = ("the county clerk office ballots shredded warehouse night trucks inspector envelope school board budget "
         "contract bus route cancelled driver shortage judge docket hearing sealed records detention center visitors "
         "agents parking lot landlord eviction notice mold tenants river discharge pipe smell hospital billing "
         "overtime police report missing evidence council vote zoning variance developer donation campaign "
         "mailers polling place moved signs wrong date superintendent audit classroom heating broken weeks").split()
RARE = ["asbestos", "whistleblower", "subpoena", "kickback", "embezzlement", "pesticide", "gerrymander", "lockout"]


def sentence(rng: random.Random) -> str:
    """A sentence of newsroom words; now and then a rarer one to search for."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words)), rng.choice(RARE))
    return " ".join(words).capitalize() + "."


def fill(url: str, count: int, seed: int = 5) -> None:
    """count tips of realistic size: ~1.5 kB bodies, raw messages, follow-ups, clusters, attachments."""
    rng = random.Random(seed)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    now = utcnow()
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    with engine.begin() as conn:
        conn.execute(insert(User), [
            {"email": "editor@bench.example", "name": "Bench Editor", "role": "editor", "beats": "",
             "password_hash": hash_password(PASSWORD)},
            {"email": "reporter@bench.example", "name": "Bench Reporter", "role": "reporter", "beats": "courts,schools",
             "password_hash": hash_password(PASSWORD)},
        ])
        conn.execute(insert(Mailbox), [{"name": "tips", "address": "tips@bench.example", "last_success_at": now},
                                       {"name": "city", "address": "city@bench.example", "last_success_at": now}])
    batch = 5000
    tip_id = 0
    for start in range(0, count, batch):
        raws, tips, atts, sights = [], [], [], []
        for _ in range(min(batch, count - start)):
            tip_id += 1
            subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize()
            body = "\n\n".join(" ".join(sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(2, 4)))
            sender = f"reader{rng.randint(1, 30000)}@example.org"
            raw = (f"From: Reader <{sender}>\r\nTo: tips@bench.example\r\nSubject: {subject}\r\n"
                   f"Message-ID: <{tip_id}@bench.example>\r\n\r\n{body}").encode()
            sha = hashlib.sha256(raw).hexdigest()
            raws.append({"id": tip_id, "sha256": sha, "size": len(raw), "data": raw})
            follow_up = tip_id > 100 and rng.random() < 0.15
            tips.append({
                "id": tip_id, "fingerprint": sha, "raw_message_id": tip_id,
                "thread_root_id": rng.randint(max(1, tip_id - 500), tip_id - 1) if follow_up else None,
                "message_id": f"<{tip_id}@bench.example>", "sender_name": f"Reader {rng.randint(1, 30000)}",
                "sender_address": sender, "subject": subject, "text_body": body, "new_text_end": len(body),
                "preview": body[:200], "received_at": now - timedelta(minutes=count - tip_id),
                "topic": rng.choice(TOPICS) if rng.random() < 0.9 else None, "topic_confidence": rng.random(),
                "topic_source": "rules", "cluster_id": rng.randint(1, count // 20) if rng.random() < 0.3 else None,
                "sensitive": "health" if rng.random() < 0.05 else "", "urgent": rng.random() < 0.03,
                "deadline": now + timedelta(days=rng.randint(0, 30)) if rng.random() < 0.1 else None,
                "status": rng.choices(statuses, weights)[0], "assignee_id": rng.choice([None, None, None, 1, 2]),
            })
            if rng.random() < 0.1:
                atts.append({"tip_id": tip_id, "position": 0, "part_path": "2", "filename": "scan.pdf",
                             "content_type": "application/pdf", "size": rng.randint(10_000, 900_000), "sha256": sha})
            sights.append({"tip_id": tip_id, "mailbox_id": rng.choice([1, 2]), "folder": "INBOX", "uidvalidity": 1,
                           "uid": tip_id, "raw_message_id": tip_id})
        with engine.begin() as conn:
            conn.execute(insert(RawMessage), raws)
            conn.execute(insert(Tip), tips)
            if atts:
                conn.execute(insert(Attachment), atts)
            conn.execute(insert(Sighting), sights)
        print(f"  filled {start + len(tips):,} tips", end="\r", flush=True)
    with engine.begin() as conn:  # the stories sorting would have made of the clusters
        conn.exec_driver_sql(
            "INSERT INTO clusters (id, size, readers, created_at, updated_at) SELECT cluster_id, count(*), "
            "count(DISTINCT sender_address), min(received_at), max(received_at) FROM tips "
            "WHERE cluster_id IS NOT NULL GROUP BY cluster_id")
        # Rows inserted here bypass the session hook that indexes a stored tip for search
        # (inbox.models.search.index_new_tips): index them all at once, or every search finds nothing.
        conn.exec_driver_sql("INSERT INTO tips_fts(tips_fts) VALUES ('rebuild')")
        conn.exec_driver_sql("PRAGMA optimize")
    engine.dispose()
    print()


class Browser:
    """One client: its own keep-alive connection and session cookie."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.bearer = ""  # an API token: sent instead of a cookie

    def request(self, method: str, path: str, body: str | None = None, extra: dict | None = None) -> tuple[int, str]:
        """One request on the kept-alive connection; remembers the session cookie."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if self.bearer:
            headers = {"Authorization": f"Bearer {self.bearer}", "Accept": "application/json"}
        headers.update(extra or {})
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        set_cookie = response.getheader("Set-Cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";", 1)[0]
        return response.status, data

    def login(self, email: str) -> None:
        """Log in as a real browser would: the form, its CSRF token, the POST."""
        _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login", urlencode({"email": email, "password": PASSWORD, "csrf_token": token}))
        if status != 302:
            raise SystemExit(f"bench login failed with HTTP {status}")


def measure(port: int, paths: list[str], clients: int, email: str, token: str = "") -> tuple[list[float], float]:
    """Run paths spread over `clients` threads (logged in as email, or with an API token); latencies in ms and the wall time."""
    browsers = [Browser(port) for _ in range(clients)]
    for b in browsers:
        if token:
            b.bearer = token
        else:
            b.login(email)
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def work(browser: Browser, mine: list[str]) -> None:
        for path in mine:
            path, _, etag = path.partition(" etag=")  # the poll: as the page sends it, with its ETag
            t0 = time.perf_counter()
            status, _ = browser.request("GET", path, extra={"If-None-Match": etag} if etag else None)
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                if status not in (200, 304):
                    errors.append(f"{status} {path}")

    threads = [threading.Thread(target=work, args=(b, paths[i::clients])) for i, b in enumerate(browsers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. {errors[:3]}")
    return latencies, wall


def query_counts(url: str) -> dict[int, tuple[int, int]]:
    """SQL statements for one board page with 10 and with 50 cards per column (in-process)."""
    from inbox.board import create_app
    from inbox.config import BoardSettings, DatabaseSettings, Settings
    from inbox.db import session_factory

    engine = make_engine(url)
    settings = Settings(database=DatabaseSettings(url=url), board=BoardSettings(secret_key="bench", secure_cookies=False))
    app = create_app(settings, session_factory(engine))
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": "editor@bench.example", "password": PASSWORD, "csrf_token": token})
    result = {}
    for per in (10, 50):
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        page = client.get(f"/?per={per}").get_data(as_text=True)
        event.remove(engine, "before_cursor_execute", listener)
        result[per] = (len(statements), page.count('<article class="card'), page.count("data-story="))
    engine.dispose()
    return result


def api_token(url: str, email: str) -> str:
    """A read token for this user, made as `inbox token create` makes one (a kept database gets the table)."""
    from sqlalchemy import select

    from inbox.board.api import tokens
    from inbox.db import session_factory

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with session_factory(engine)() as s, s.begin():
        token, _row = tokens.create(s, s.scalar(select(User).where(User.email == email)), "read", 1, "bench", via="cli")
    engine.dispose()
    return token


class Desk(threading.Thread):
    """While it runs, a tip event is written every `every` seconds (as a status change on the
    board writes one), so the board's state moves and its kept column totals are counted afresh."""

    def __init__(self, url: str, every: float):
        super().__init__(daemon=True)
        self.url, self.every, self.done = url, every, threading.Event()

    def run(self) -> None:
        engine = make_engine(self.url)
        while not self.done.wait(self.every):
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO tip_events (tip_id, user_id, kind, detail, at) "
                                     "VALUES (1, 1, 'status', 'bench', CURRENT_TIMESTAMP)")
        engine.dispose()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.join()


def story_ids(url: str) -> list[int]:
    """The stories (clusters) the database holds."""
    engine = make_engine(url)
    with engine.connect() as conn:
        ids = [row[0] for row in conn.exec_driver_sql("SELECT id FROM clusters ORDER BY id")]
    engine.dispose()
    return ids


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p95 of some latencies."""
    latencies = sorted(latencies)
    return statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    """Fill (or reuse) the database, serve it, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tips", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="requests per scenario")
    parser.add_argument("--keep", help="use (and keep) this directory; an existing database there is reused")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="waitress processes (default: cores)")
    parser.add_argument("--cards", type=int, default=None, help="board.cards_per_column (default: the config default)")
    parser.add_argument("--api-only", action="store_true", help="measure only the JSON API")
    parser.add_argument("--change-every", type=float, default=1.0,
                        help="seconds between tip changes in the 'board, changing' run (default 1)")
    args = parser.parse_args()
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="board-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "inbox.db"
    url = f"sqlite:///{db_path}"
    if not db_path.exists():
        print(f"Filling {db_path} with {args.tips:,} tips ...")
        t0 = time.perf_counter()
        fill(url, args.tips)
        print(f"  took {time.perf_counter() - t0:.0f} s; database {db_path.stat().st_size / 1e6:.0f} MB")
    token = api_token(url, "editor@bench.example")
    port = free_port()
    config = workdir / "config.toml"
    config.write_text(f'data_dir = "{workdir}"\n[database]\nurl = "{url}"\n'
                      f'[board]\nsecret_key = "bench-secret"\nsecure_cookies = false\nport = {port}\nthreads = 8\n'
                      f'processes = {args.processes}\nlogin_attempts_per_minute = 1000\n'
                      + (f'cards_per_column = {args.cards}\n' if args.cards else ""))
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
        rng = random.Random(7)
        n = args.requests
        probe = Browser(port)
        probe.login("editor@bench.example")
        state = re.search(r'data-state="([0-9.]+)"', probe.request("GET", "/")[1]).group(1)
        stories = story_ids(url)  # random clusters leave a few ids unused
        scenarios = {
            "board": ["/"] * n,
            "filtered view": ["/?" + urlencode({"topic": rng.choice(TOPICS), "assignee": "none"}) for _ in range(n)],
            "search": [f"/?q={rng.choice(RARE)}" for _ in range(n)],
            "tip page": [f"/tips/{rng.randint(1, args.tips)}" for _ in range(n)],
            "story page": [f"/stories/{rng.choice(stories)}" for _ in range(n)],
            "sort deadline": ["/?sort=deadline"] * n,
            "sort readers": ["/?sort=readers"] * n,
            "poll (304)": [f"/board/poll?state={state} etag=\"{state}\"" for _ in range(n)],
            "poll (changed)": [f"/board/poll?state={state.split('.')[0]}.0" for _ in range(n)],
        }
        api = {
            "api list": ["/api/v1/tips?limit=50"] * n,
            "api filtered": ["/api/v1/tips?" + urlencode({"topic": rng.choice(TOPICS), "status": "new", "limit": 50})
                             for _ in range(n)],
            "api search": [f"/api/v1/tips?q={rng.choice(RARE)}&limit=50" for _ in range(n)],
            "api next page": [f"/api/v1/tips?limit=50&cursor={rng.randint(1000, args.tips)}" for _ in range(n)],
        }
        print(f"\nJSON API, {args.clients} concurrent clients with a read token, {n} requests each")
        print(f"{'call':<16}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'1 client p50':>14}   bar p95 <= 50 ms")
        for name, paths in api.items():
            measure(port, paths[: args.clients * 2], args.clients, "", token)  # warm up
            alone, _ = measure(port, paths[:50], 1, "", token)
            latencies, wall = measure(port, paths, args.clients, "", token)
            p50, p95 = percentiles(latencies)
            print(f"{name:<16}{p50:>9.1f}{p95:>9.1f}{len(latencies) / wall:>9.0f}{statistics.median(alone):>14.1f}"
                  f"   {'ok' if p95 <= 50 else 'OVER'}")
        if args.api_only:
            return 0
        print(f"\n{args.tips:,} tips, SQLite, waitress {args.processes} process(es) x 8 threads, "
              f"{args.clients} concurrent clients, {n} requests each; load average before: {os.getloadavg()[0]:.1f}")
        print(f"{'page':<16}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'1 client p50':>14}   bar p95 <= 100 ms")
        worst = 0.0
        for name, paths in scenarios.items():
            measure(port, paths[: args.clients * 2], args.clients, "editor@bench.example")  # warm up
            alone, _ = measure(port, paths[:50], 1, "editor@bench.example")  # the service time, uncontended
            latencies, wall = measure(port, paths, args.clients, "editor@bench.example")
            latencies.sort()
            p50 = statistics.median(latencies)
            p95 = latencies[int(len(latencies) * 0.95) - 1]
            worst = max(worst, p95)
            print(f"{name:<16}{p50:>9.1f}{p95:>9.1f}{len(latencies) / wall:>9.0f}{statistics.median(alone):>14.1f}"
                  f"   {'ok' if p95 <= 100 else 'OVER'}")
        with Desk(url, every=args.change_every):  # someone changes a tip every so often: the state moves
            latencies, wall = measure(port, ["/"] * n, args.clients, "editor@bench.example")
        latencies.sort()
        worst = max(worst, latencies[int(len(latencies) * 0.95) - 1])
        print(f"{'board, changing':<16}{statistics.median(latencies):>9.1f}{latencies[int(len(latencies) * 0.95) - 1]:>9.1f}"
              f"{len(latencies) / wall:>9.0f}{'':>14}   {'ok' if latencies[int(len(latencies) * 0.95) - 1] <= 100 else 'OVER'}"
              f"   (a tip changed every {args.change_every:g} s)")
        latencies, wall = measure(port, ["/"] * (n // 2), args.clients, "reporter@bench.example")
        latencies.sort()
        print(f"{'board (reporter)':<16}{statistics.median(latencies):>9.1f}{latencies[int(len(latencies) * 0.95) - 1]:>9.1f}"
              f"{len(latencies) / wall:>9.0f}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    counts = query_counts(url)
    print("\nSQL queries for one board page (editor, all columns):")
    for per, (queries, cards, stories) in counts.items():
        print(f"  {per:>3} cards per column: {cards:>4} cards shown ({stories} of them stories), {queries} queries")
    print("  constant" if counts[10][0] == counts[50][0] else "  GROWS with the cards")
    print(f"\nworst p95: {worst:.1f} ms ({'within' if worst <= 100 else 'over'} the 100 ms bar); "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on this machine counts too)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
