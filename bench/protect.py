"""What protecting readers costs: the store's hook, the board's look-up, redaction, and search.

Fills a SQLite database with N tips from R readers (a share of them protected), then prints
- the store hook: a batch's upserts per protected reader, and the check on every other tip;
- redaction of one tip body (inbox/board/redact.py) per tip;
- the board page for a reporter (cards + the one readers query) against an editor's;
- a search whose hits include protected readers' tips, for a reporter (hits re-checked on
  the redacted text) and for an editor (no re-check).

    .venv/bin/python bench/protect.py [--tips 5000] [--readers 1000] [--protected 0.1] [--repeat 30]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from inbox.board import redact  # noqa: E402
from inbox.board.queries import Filters, board_page, user_labels  # noqa: E402
from inbox.db import make_engine, session_factory  # noqa: E402
from inbox.models import Base, RawMessage, Tip, User, utcnow  # noqa: E402
from inbox.models.readers import identity_risks, protect_at_risk  # noqa: E402

WORDS = ("council contract courthouse judge eviction landlord trucks depot night shift bus route school board "
         "ballots precinct clerk permit river spill inspector overtime budget hearing").split()
FIRST = ("Maria Jose Ana Luis Rosa Carlos Laura Ahmed Mei Olga Tom Sara Ivan Noor Eli").split()
LAST = ("Lopez Quintero Brennan Alvarez Nguyen Okafor Schmidt Rossi Haddad Kowalski Silva Tanaka").split()


def body(rng: random.Random, name: str) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(180))
    return (f"{words}.\nCall me at (555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}.\n\nThanks,\n{name}\n"
            f"\nOn Mon, Nov 30, 2026 at 9:00 AM {name} <x@example.org> wrote:\n> {words[:200]}\n")


def fill(sessions, tips: int, readers: int, share: float, seed: int = 7):
    rng = random.Random(seed)
    people = [(f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"reader{i}@example.org") for i in range(readers)]
    protected = set(rng.sample(range(readers), int(readers * share)))
    now = utcnow()
    with sessions() as s, s.begin():
        s.execute(insert(RawMessage), [{"id": 1, "sha256": "0" * 64, "size": 1, "data": b"x", "received_at": now}])
        rows = []
        for i in range(1, tips + 1):
            k = rng.randrange(readers)
            name, address = people[k]
            mail = body(rng, name)
            rows.append({"id": i, "fingerprint": f"{i:064d}", "raw_message_id": 1, "subject": " ".join(rng.sample(WORDS, 5)),
                         "sender_name": name, "sender_address": address, "text_body": mail, "new_text_end": mail.index("\nOn Mon"),
                         "signature_start": mail.index("Thanks,"), "preview": mail[:200], "topic": "courts",
                         "sensitive": "anonymity,phone" if k in protected else "phone", "status": "new", "received_at": now,
                         "version": 1})
        s.execute(insert(Tip), rows)
        s.add_all([User(email="r@x", role="reporter", beats="courts", password_hash="x"),
                   User(email="e@x", role="editor", password_hash="x")])
        s.execute(text("INSERT INTO tips_fts(tips_fts) VALUES ('rebuild')"))  # Core inserts skip the session's indexing
    return rows


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tips", type=int, default=5000)
    ap.add_argument("--readers", type=int, default=1000)
    ap.add_argument("--protected", type=float, default=0.1)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        Base.metadata.create_all(engine)
        sessions = session_factory(engine)
        rows = fill(sessions, args.tips, args.readers, args.protected)

        start = time.perf_counter()
        checked = sum(bool(identity_risks(r["sensitive"])) for r in rows)
        check_us = (time.perf_counter() - start) / len(rows) * 1e6
        batch = [(r["sender_address"], r["sensitive"], r["received_at"]) for r in rows[:100]]  # one store batch
        batches = []
        for _ in range(args.repeat):
            with sessions() as s, s.begin():
                start = time.perf_counter()
                readers = protect_at_risk(s, batch)
                batches.append((time.perf_counter() - start) * 1000)
                s.rollback()
        print(f"store hook: identity check {check_us:.2f} µs a tip ({checked} of {len(rows)} at risk); "
              f"a batch of 100 tips with {readers} readers at risk: one upsert, p50 {statistics.median(batches):.2f} ms")

        sample = rows[:500]
        start = time.perf_counter()
        for r in sample:
            who = redact.Who(r["sender_name"], r["sender_address"])
            redact.redact_body(r["text_body"], r["new_text_end"], r["signature_start"], who)
        print(f"redaction: {(time.perf_counter() - start) * 1000 / len(sample):.3f} ms a tip body "
              f"({sum(len(r['text_body']) for r in sample) // len(sample)} characters)")

        with sessions() as s:
            reporter, editor = s.query(User).filter_by(role="reporter").one(), s.query(User).filter_by(role="editor").one()
            users = user_labels(s)
            for label, who in (("reporter", reporter), ("editor", editor)):
                page = Filters(per=50)
                p50, worst = timed(lambda: board_page(s, who, page, "sqlite", users, "k"), args.repeat)
                print(f"board page, 50 cards a column, {label}: p50 {p50:.1f} ms, max {worst:.1f} ms")
            for words in ("courthouse eviction", "Lopez"):
                for label, who in (("reporter", reporter), ("editor", editor)):
                    f = Filters(q=words, per=50)
                    p50, worst = timed(lambda: board_page(s, who, f, "sqlite", users, "k"), args.repeat)
                    shown = sum(len(c.cards) for c in board_page(s, who, f, "sqlite", users, "k").columns)
                    print(f"search {words!r}, {label}: p50 {p50:.1f} ms, max {worst:.1f} ms, {shown} cards")


if __name__ == "__main__":
    main()
