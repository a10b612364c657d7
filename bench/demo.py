"""How long `inbox demo` takes to be ready, and how fast the board opens pages in a real browser.

    python bench/demo.py [--rounds 3]

Prints: the first preparation of a fresh demo (migrations, accounts, the demo mailbox
through the pipeline with sorting) and a second one on the same database (which
stores nothing); then, in headless Chromium against the board under waitress, the
time to load the board and every demo tip page, p50/p95 and pages/s, over --rounds.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from inbox.commands.demo import demo_settings, prepare  # noqa: E402
from inbox.config import Settings  # noqa: E402
from inbox.models import Tip  # noqa: E402
from tests.browser.harness import CHROMIUM, CHROMIUM_FLAGS, login, start_board  # noqa: E402


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_prepare(folder: Path) -> None:
    """The demo's preparation, cold and then again on the same database."""
    start = time.perf_counter()
    import inbox.board.auth  # noqa: F401  (argon2, Flask)
    import inbox.pipeline  # noqa: F401
    import inbox.sort  # noqa: F401  (numpy, scikit-learn)

    print(f"loading the pipeline, sorter and board modules: {time.perf_counter() - start:.2f} s")
    settings = demo_settings(Settings(data_dir=str(folder)), port=0)
    for label in ("first run (fresh database)", "second run (same database)"):
        start = time.perf_counter()
        demo = prepare(settings)
        seconds = time.perf_counter() - start
        counts = dict(demo.counts)
        demo.sessions.kw["bind"].dispose()
        print(f"demo prepare, {label}: {seconds:.2f} s  outcomes {counts}")


def time_pages(folder: Path, rounds: int) -> None:
    """Board and tip pages loaded in Chromium (to the load event), as an editor."""
    from playwright.sync_api import sync_playwright

    board = start_board(folder)
    with board.demo.sessions() as s:
        tip_ids = list(s.scalars(select(Tip.id).order_by(Tip.id)))
    board_ms, tip_ms = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_context(base_url=board.url).new_page()
            login(page, board, "editor")
            start = time.perf_counter()
            for _ in range(rounds):
                for target, sink in [("/", board_ms)] + [(f"/tips/{i}", tip_ms) for i in tip_ids]:
                    t0 = time.perf_counter()
                    response = page.goto(target, wait_until="load")
                    sink.append((time.perf_counter() - t0) * 1000)
                    assert response.status == 200, (target, response.status)
            elapsed = time.perf_counter() - start
            browser.close()
    finally:
        board.close()
    total = len(board_ms) + len(tip_ms)
    print(f"board page in Chromium: n={len(board_ms)}  p50 {statistics.median(board_ms):.1f} ms  "
          f"p95 {_percentile(board_ms, 0.95):.1f} ms")
    print(f"tip pages in Chromium:  n={len(tip_ms)}  p50 {statistics.median(tip_ms):.1f} ms  "
          f"p95 {_percentile(tip_ms, 0.95):.1f} ms")
    print(f"pages/s (one browser page, sequential): {total / elapsed:.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="passes over the board and every tip page")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        time_prepare(Path(tmp) / "prepare")
        time_pages(Path(tmp) / "pages", args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
