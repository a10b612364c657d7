"""Ingest the corpus with one checkout's code, in a way that does not depend on the clock, and
dump what it stored: run it for two checkouts and diff the dumps to prove they store the same.

    python scripts/ingest_same.py /work/main > old.txt
    python scripts/ingest_same.py .          > new.txt
    diff old.txt new.txt && echo same

It runs bench/ingest.py --store-cpu from that checkout (its own code, on the spamassassin corpus,
N = 5,000) with the sorter's clocks at zero: the story index reads the signatures stored since
the last look before every message, rather than once a second. Once a second makes the stories
depend on the machine's speed (a story forgotten past the window before that second's read comes
back from it, inbox.sort.stories_store.read_new), so two runs of the same code can differ.
The sync in-process (not the worker subprocess) is what is dumped (scripts/ingest_dump.py).
"""
from __future__ import annotations

import contextlib
import io
import runpy
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(root: str, corpus: str = "../shared/corpora/spamassassin") -> int:
    root_path = Path(root).resolve()
    sys.path.insert(0, str(root_path))
    import inbox.sort

    inbox.sort.SIGNATURE_CHECK_SECONDS = inbox.sort.MODEL_CHECK_SECONDS = 0.0
    sys.argv = [str(root_path / "bench/ingest.py"), "--corpus", str(Path(corpus).resolve()), "--count", "5000",
                "--store-cpu"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        try:
            runpy.run_path(sys.argv[0], run_name="__main__")
        except SystemExit:
            pass
    db = sorted(Path("/tmp").glob("bench-ingest-*/store-cpu.db"), key=lambda p: p.stat().st_mtime)[-1]
    print(printed.getvalue(), file=sys.stderr)
    print(f"dumping {db}", file=sys.stderr)
    return subprocess.call([sys.executable, str(HERE / "ingest_dump.py"), str(db)])


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
