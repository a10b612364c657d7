"""Import a labelled desk set through the real pipeline into a fresh database; print how the sorting did.

    python bench/desk.py ../shared/eval/desk [--corpus ../shared/corpora/spamassassin] [--database URL]

The folder holds NNN.eml and labels.csv (its README says what each column means).
Prints: topic accuracy (topic or topic2 counts; and main topic only), sensitive
precision/recall/F1 per kind, urgent precision/recall/F1, threads (follow-ups
threaded, strangers' replies not), story clusters (pairwise precision/recall,
B-cubed F1, distractors joined), the CPU cost of the sensitive and urgency rules
per message and, with --corpus, the share of that corpus's messages each kind
flags (real mail that is mostly not sensitive: a false-positive check).
The labels are only read here, to measure: nothing is learned from them.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from inbox import migrate  # noqa: E402
from inbox.config import ImportSettings, Settings  # noqa: E402
from inbox.db import make_engine, session_factory  # noqa: E402
from inbox.mail import files  # noqa: E402
from inbox.models import Tip  # noqa: E402
from inbox.pipeline import Pipeline, Prepared, prepare  # noqa: E402
from inbox.sort import flags, urgency  # noqa: E402
from inbox.sort.text import from_mail, from_tip  # noqa: E402

# The labels' spelling of a kind -> the sorter's.
KIND_NAMES = {"immigration-status": "immigration_status", "street-address": "street_address",
              "dob": "date_of_birth"}


def prf(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.2f}  R {r:.2f}  F1 {f:.2f}  (tp {tp}, fp {fp}, fn {fn})"


def import_desk(folder: Path, url: str, data_dir: str) -> dict[str, Tip]:
    """Every .eml through the pipeline with the default configuration: file name -> stored tip."""
    migrate.upgrade(url)
    settings = Settings(data_dir=data_dir, imports=ImportSettings(processes=1))
    sessions = session_factory(make_engine(url))
    paths = sorted(folder.glob("*.eml"))
    ids: dict[str, int | None] = {}
    with Pipeline(settings, sessions, sorter="default") as pipeline:
        items = files.read_planned([("file", p) for p in paths])
        for path, outcome in zip(paths, pipeline.process_many(items)):
            ids[path.name] = outcome.tip_id
    session = sessions()
    tips = {t.id: t for t in session.scalars(select(Tip))}
    return {name: tips[i] for name, i in ids.items() if i in tips}


def report_topics(rows: list[dict], tips: dict[str, Tip]) -> None:
    either = main = 0
    wrong: Counter[tuple[str, str]] = Counter()
    for row in rows:
        topic = tips[row["file"]].topic if row["file"] in tips else None
        main += topic == row["topic"]
        either += topic in (row["topic"], row["topic2"])
        if topic not in (row["topic"], row["topic2"]):
            wrong[(row["topic"], topic or "-")] += 1
    print(f"topic:        {either / len(rows):.3f} (topic or topic2)   main topic only {main / len(rows):.3f}   n={len(rows)}")
    for (gold, got), n in wrong.most_common(6):
        print(f"  {n:3d}  {gold} -> {got}")


def report_sensitive(rows: list[dict], tips: dict[str, Tip]) -> None:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        gold = {KIND_NAMES.get(k, k) for k in row["sensitive"].split(";") if k}
        tip = tips.get(row["file"])
        got = set(filter(None, tip.sensitive.split(","))) if tip else set()
        for kind in gold | got:
            counts[kind][0 if kind in gold and kind in got else 1 if kind in got else 2] += 1
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    print(f"sensitive:    {prf(*total)}  (kinds)")
    gold_any = {r["file"] for r in rows if r["sensitive"]}
    got_any = {f for f, t in tips.items() if t.sensitive}
    print(f"  any kind, a message  {prf(len(gold_any & got_any), len(got_any - gold_any), len(gold_any - got_any))}")
    for kind in sorted(counts):
        print(f"  {kind:19s} {prf(*counts[kind])}")


def report_urgent(rows: list[dict], tips: dict[str, Tip]) -> None:
    tp = fp = fn = 0
    for row in rows:
        gold, got = row["urgent"] == "yes", bool(tips[row["file"]].urgent) if row["file"] in tips else False
        tp, fp, fn = tp + (gold and got), fp + (got and not gold), fn + (gold and not got)
    print(f"urgent:       {prf(tp, fp, fn)}")


def report_threads(rows: list[dict], tips: dict[str, Tip]) -> None:
    def root(name: str) -> int | None:
        tip = tips.get(name)
        return tip.thread_root_id if tip else None

    follow = [r for r in rows if r["kind"] == "followup"]
    strangers = [r for r in rows if r["kind"] == "stranger-reply"]
    threaded = sum(1 for r in follow if r["thread_of"] in tips and root(r["file"]) == tips[r["thread_of"]].id)
    apart = sum(1 for r in strangers if root(r["file"]) is None)
    print(f"threads:      follow-ups threaded {threaded}/{len(follow)}   strangers not threaded {apart}/{len(strangers)}")


def report_clusters(rows: list[dict], tips: dict[str, Tip]) -> None:
    """Over the readers' own tips: a tip with no gold cluster is a story of its own, and so is
    a tip the sorter put in no cluster."""
    own = [r for r in rows if r["kind"] == "tip" and r["file"] in tips]
    gold = {r["file"]: r["cluster"] or f"solo:{r['file']}" for r in own}
    got = {r["file"]: tips[r["file"]].cluster_id or f"solo:{r['file']}" for r in own}
    tp = fp = fn = 0
    for a, b in combinations(gold, 2):
        same_gold, same_got = gold[a] == gold[b], got[a] == got[b]
        tp, fp, fn = tp + (same_gold and same_got), fp + (same_got and not same_gold), fn + (same_gold and not same_got)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    members_gold, members_got = defaultdict(set), defaultdict(set)
    for f in gold:
        members_gold[gold[f]].add(f)
        members_got[got[f]].add(f)
    bp = sum(len(members_gold[gold[f]] & members_got[got[f]]) / len(members_got[got[f]]) for f in gold) / len(gold)
    br = sum(len(members_gold[gold[f]] & members_got[got[f]]) / len(members_gold[gold[f]]) for f in gold) / len(gold)
    bf = 2 * bp * br / (bp + br) if bp + br else 0.0
    distractors = [(r["file"], m[1]) for r in own if (m := re.search(r"distractor for ([\w-]+)", r["notes"]))]
    joined = sum(1 for f, story in distractors if any(gold[o] == story and got[o] == got[f] for o in gold if o != f))
    print(f"clusters:     pairwise P {p:.3f}  R {r:.3f}  (same-story pairs {tp + fn}, joined {tp}, wrong joins {fp})")
    print(f"              B-cubed P {bp:.3f}  R {br:.3f}  F1 {bf:.3f}   distractors joined {joined}/{len(distractors)}"
          f" ({joined / max(1, len(distractors)):.1%})")


def flag_cost(inputs: list) -> float:
    """CPU milliseconds per message of the sensitive and urgency rules (best of three passes)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for inp in inputs:
            flags.sensitive_kinds(inp)
            urgency.urgency(inp)
        best = min(best, time.process_time() - start)
    return 1000 * best / max(1, len(inputs))


def corpus_inputs(folder: str) -> list:
    settings = Settings()
    out = []
    for raw, _source in files.read_all([folder]):
        prepared = prepare(raw, settings.limits)
        if isinstance(prepared, Prepared):
            out.append(from_mail(prepared.mail))
    return out


def report_corpus(folder: str) -> None:
    inputs = corpus_inputs(folder)
    kinds: Counter[str] = Counter()
    urgent = 0
    for inp in inputs:
        kinds.update(flags.sensitive_kinds(inp)[0])
        urgent += bool(urgency.urgency(inp))
    n = max(1, len(inputs))
    print(f"corpus:       {folder}: {len(inputs)} messages, flags+urgency {flag_cost(inputs):.3f} ms CPU a message")
    print("  flagged:    " + "  ".join(f"{k} {c / n:.1%}" for k, c in sorted(kinds.items())) + f"  urgent {urgent / n:.1%}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--corpus", action="append", default=[], help="a folder of real mail for the false-positive check")
    ap.add_argument("--database", help="SQLAlchemy URL of an EMPTY database (default: a new SQLite file)")
    args = ap.parse_args()

    with open(args.folder / "labels.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    tmp = tempfile.TemporaryDirectory(prefix="bench-desk-")
    url = args.database or f"sqlite:///{tmp.name}/desk.db"
    start = time.perf_counter()
    tips = import_desk(args.folder, url, tmp.name)
    print(f"imported:     {len(tips)} of {len(rows)} labelled messages in {time.perf_counter() - start:.1f} s")
    report_topics(rows, tips)
    report_sensitive(rows, tips)
    report_urgent(rows, tips)
    report_threads(rows, tips)
    report_clusters(rows, tips)
    inputs = [from_tip(t) for t in tips.values()]
    print(f"cost:         flags+urgency {flag_cost(inputs):.3f} ms CPU a message (desk set)")
    for folder in args.corpus:
        report_corpus(folder)
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
