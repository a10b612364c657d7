"""The rule tables' literal pre-check (inbox/sort/literals.py) against the substring tests it
replaced, replayed over every pre-check that sorting 1,000 SpamAssassin messages makes.

    .venv/bin/python bench/scan_literals.py [--corpora ../shared/corpora/spamassassin]

Prints CPU milliseconds a message for both, three times, and fails if any answer differs.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.config import Settings  # noqa: E402
from inbox.pipeline import prepare  # noqa: E402
from inbox.sort import Sorter  # noqa: E402
from inbox.sort import literals, text  # noqa: E402


def recorded(raws: list[bytes], settings: Settings) -> list[tuple[text.Scan, str]]:
    """(scan, the text it reads) for every pre-check sorting raws makes."""
    calls: list[tuple[text.Scan, str]] = []
    search, may_match = text.Scan.search, text.Scan.may_match

    def record_search(self, plain, lowered):
        calls.append((self, lowered if self.lower else plain))
        return search(self, plain, lowered)

    def record_may_match(self, body):
        calls.append((self, body))
        return may_match(self, body)

    analyser = Sorter.analyser(settings, ())
    text.Scan.search, text.Scan.may_match = record_search, record_may_match
    try:
        for raw in raws:
            prepare(raw, settings.limits, analyser)
    finally:
        text.Scan.search, text.Scan.may_match = search, may_match
    return [(scan, body) for scan, body in calls if scan.needles is not None]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=Path("../shared/corpora/spamassassin"))
    args = ap.parse_args()
    files = sorted((args.corpora / "easy-ham-1").iterdir())[:800] + sorted((args.corpora / "spam-1").iterdir())[:200]
    calls = recorded([f.read_bytes() for f in files], Settings())
    print(f"{len(calls)} pre-checks over {len({id(body) for _, body in calls})} texts of {len(files)} messages")
    for _ in range(3):
        start = time.process_time()
        before = [any(n in body for n in scan.needles) for scan, body in calls]
        middle = time.process_time()
        literals.LITERALS._seen.clear()  # every text unseen, as in the worker
        after = [scan.may_match(body) for scan, body in calls]
        end = time.process_time()
        if before != after:
            print("DIFFERENT ANSWERS")
            return 1
        n = len(files)
        print(f"substring tests {1000 * (middle - start) / n:.3f} ms a message   "
              f"one pass (literals) {1000 * (end - middle) / n:.3f} ms a message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
