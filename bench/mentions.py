"""What finding a hidden reader in someone else's mail costs (inbox/board/mentions.py), on hostile
and large inputs: the address scan over a long run of letters before an "@" (a pattern that
backtracks takes a minute on 200 KB), and the full-name pass with thousands of protected readers
over a 10 MB body, then withholding the one it finds.

    .venv/bin/python bench/mentions.py [--readers 5000] [--megabytes 10]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.board import mentions, redact  # noqa: E402
from inbox.board.access import Readers  # noqa: E402
from inbox.models import User  # noqa: E402


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=5000)
    parser.add_argument("--megabytes", type=int, default=10)
    args = parser.parse_args()
    for label, body in (("1 MB of letters, then @", "x " + "a" * 1_000_000 + "@"),
                        ("a. repeated to 1 MB, then @", "a." * 500_000 + "@"),
                        ("@, then 1 MB of letters", "@" + "b" * 1_000_000)):
        print(f"addresses_in, {label}: {timed(lambda: mentions.addresses_in(body)):.1f} ms")
    rows = tuple(sorted((f"r{i}@flats.example", f"Reader{i} Family{i}") for i in range(args.readers)))
    body = "word " * (args.megabytes * 200_000) + "Reader4321 Family4321 told me."
    readers = Readers(None, User(id=10**6, role="reporter", beats="", email=""), "secret")
    readers.memo["hidden"] = rows  # as _hidden_rows reads them from the database
    print(f"the names' automaton, {args.readers} readers: {timed(lambda: mentions._automaton(mentions._names_of(rows))):.0f} ms"
          " (once a process, until a protection changes)")
    print(f"full names in a {args.megabytes} MB body: {timed(lambda: mentions._by_name(readers, (body,))):.0f} ms")
    who = (redact.Who("Reader4321 Family4321", "r4321@flats.example"),)
    print(f"withholding one reader from it: {timed(lambda: redact.redact_mentions(body, who)):.0f} ms")
    small = "Same here, the landlord ignored our calls. " * 20
    print(f"full names in an 860-character tip: {timed(lambda: [mentions._by_name(readers, (small,)) for _ in range(1000)]) / 1000:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
