"""The story index replayed in memory on mail imported once through the pipeline: a change to the
index or the score measured in a fraction of a second, and the pair evidence's ceiling (diagnosis).

    .venv/bin/python bench/stories_replay.py ../shared/eval/desk ../shared/corpora/spamassassin/easy-ham-1
    .venv/bin/python bench/stories_replay.py ../shared/eval/desk --pairs     # each feature's pair AUC, the frontier
    .venv/bin/python bench/stories_replay.py ... --cache /tmp/replay         # import each folder once, then reuse it
    .venv/bin/python bench/stories_replay.py ../shared/eval/desk --history ../shared/corpora/spamassassin/easy-ham-1
                                          # the desk set after another desk's history (suggestions: of the whole replay)
    ... --history ... --spread            # ... or among it: its dates spread over the desk set's, one arrival order

Each folder goes through the real pipeline once (bench/clusters.py: parse, clean, thread, sort, store),
which settles which tips are clustered at all (not a list's, an auto-reply, a follow-up in a thread);
their subjects and own words are then replayed through StoryIndex in arrival order as
StoryDesk.remember() does (the sender rule, the join threshold, members that agree, the second look,
forgetting), with features computed by the current code. On the desk set and easy ham it gives what the pipeline gives
(2026-12-03: 105 of 183 pairs, 1 wrong; with Spanish read in English, session 10: 113 of 183,
1 wrong; easy-ham-1 151 tips in 51 clusters, 29 suggestions; with members that agree, session 11:
124 of 183, 1 wrong; easy-ham-1 152 tips in 51 clusters; with the days a tip says its event happened,
session 12: 132 of 183, 1 wrong; easy-ham-1 153 in 51).
A folder with labels.csv is scored as bench/desk.py scores it; any other counts the tips put in clusters.
--pairs scores every pair of the desk set's tips (one as a story of its own, the document frequencies
of the whole set) and fits a logistic regression of the five features *on the set itself*: an
in-sample ceiling of what they can tell apart, for diagnosis only (nothing shipped is fitted on it).
"""
from __future__ import annotations

import argparse
import csv
import pickle
import re
import sys
from collections import defaultdict
from datetime import timedelta
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from inbox.config import StorySettings  # noqa: E402
from inbox.sort import stories, stories_days, stories_score  # noqa: E402
from inbox.sort.stories_index import Story, StoryIndex  # noqa: E402
from inbox.sort.stories_store import FORGET_EVERY, SAME_READER_CONTENT  # noqa: E402
from inbox.sort.text import SortInput  # noqa: E402

HISTORY_IDS = 1_000_000  # a history folder's tip ids are moved up by multiples of this


def imported(folder: str, cache: Path | None = None) -> list[dict]:
    """The clustered tips of a folder as the pipeline stored them, in arrival order."""
    saved = cache / f"{Path(folder).resolve().name}.pkl" if cache else None
    if saved is not None and saved.exists():
        return with_local_dates(folder, pickle.loads(saved.read_bytes()))
    from clusters import import_through_pipeline
    from sqlalchemy import select

    from inbox.models import Sighting, Tip, TipSignature
    from inbox.sort.text import from_tip

    sessions, _cost = import_through_pipeline([folder])
    rows = []
    with sessions() as session:
        at = {t: when for t, when in session.execute(select(TipSignature.tip_id, TipSignature.at))}
        names = {t: Path(f).name for f, t in session.execute(select(Sighting.folder, Sighting.tip_id))}
        for tip in session.scalars(select(Tip).order_by(Tip.id)):
            if tip.id in at and tip.thread_root_id is None:
                inp = from_tip(tip)
                rows.append({"id": tip.id, "file": names.get(tip.id), "at": at[tip.id], "subject": inp.subject,
                             "own": inp.own_words, "sender": (tip.sender_address or "").lower()})
    if saved is not None:
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_bytes(pickle.dumps(rows))
    return with_local_dates(folder, rows)


def with_local_dates(folder: str, rows: list[dict]) -> list[dict]:
    """Each row with its Date header ("date"), which the sorter reads the days of (stories_days.of): read from
    the folder's files, so that a cache made before the field existed still serves."""
    from email.parser import BytesHeaderParser

    parser = BytesHeaderParser()
    for row in rows:
        if "date" not in row:
            path = Path(folder) / (row["file"] or "")
            header = parser.parsebytes(path.read_bytes()).get("Date") if path.is_file() else None
            row["date"] = str(header) if header else None
    return rows


def features(row: dict):
    """A row's features as the sorter computes them (stories.features, and the days of the tip's SortInput)."""
    date = row.get("date")  # None: read on the stored UTC time
    inp = SortInput(row["subject"], row["own"], row["own"], row["sender"], row["at"],
                    headers=(("date", date),) if date else ())
    return stories.features(row["subject"], row["own"], days=stories_days.of(inp))


def replay(rows: list[dict], index: StoryIndex | None = None, join: float | None = None) -> tuple[dict[int, int], int]:
    """Each tip through the index as StoryDesk.remember() puts it: {tip id: story key}, suggestions."""
    settings = StorySettings()
    join = settings.join if join is None else join
    index = index or StoryIndex(settings.window_days)
    story_of: dict[int, int] = {}
    suggested = added = 0
    newest = None
    for row in rows:
        found = features(row)
        if found is None:
            continue
        tip, at, sender = row["id"], row["at"], row["sender"]
        index.observe(tip, found, sender)
        vector = index.vector(found)
        candidates = index.candidates(found, at)
        scored = []
        for story in candidates:
            evidence = index.evidence(found, vector, story, at)
            if sender and sender in story.senders and evidence.content < SAME_READER_CONTENT:
                continue
            scored.append((stories_score.logit(evidence), story))
        scored.sort(key=lambda s: -s[0])
        p = stories_score.sigmoid(scored[0][0]) if scored else 0.0
        best = scored[0][1] if p >= join else next(
            (s for z, s in scored if stories_score.sigmoid(z) >= stories_score.AGREE_STORY
             and agreeing(index, found, vector, s, at)), None)
        if best is None:
            suggested += bool(scored) and p >= settings.suggest
            story_of[tip] = index.add(tip, found, at, sender, None, vector).key
        else:
            story = index.add(tip, found, at, sender, best.key, vector)
            story_of[tip] = story.key
            for other, its, when, its_sender, evidence in index.lone_tips(story, candidates):
                if its_sender and its_sender in story.senders and evidence.content < SAME_READER_CONTENT:
                    continue
                p = stories_score.sigmoid(stories_score.logit(evidence))
                if p >= join or (p >= stories_score.AGREE_STORY
                                 and agreeing(index, its, index.vector(its), story, when)):
                    story_of[other] = index.add(other, its, when, its_sender, story.key).key
        newest = at if newest is None or at > newest else newest
        added += 1
        if added % FORGET_EVERY == 0:
            index.forget_before(newest - timedelta(days=2 * settings.window_days))
    return story_of, suggested


def as_history(folders: list[list[dict]]) -> list[dict]:
    """Folders' rows one after another, as a desk's history: their ids moved past any folder's own (the
    n-th by n * HISTORY_IDS), so that no tip of the folder replayed after them is taken for one already seen."""
    return [dict(r, id=r["id"] + HISTORY_IDS * n) for n, rows in enumerate(folders, 1) for r in rows]


def spread_over(history: list[dict], rows: list[dict]) -> list[dict]:
    """The history's tips with their dates spread over the span of the rows' own, in one arrival order with
    them: a desk whose other mail comes in the same weeks as its tips (a history older than them comes first)."""
    if not history or not rows:
        return history + rows
    lo, hi = min(r["at"] for r in rows), max(r["at"] for r in rows)
    first, last = min(r["at"] for r in history), max(r["at"] for r in history)
    span = (last - first) or timedelta(seconds=1)
    moved = [dict(r, at=lo + (r["at"] - first) * ((hi - lo) / span)) for r in history]
    return sorted(moved + rows, key=lambda r: r["at"])


def agreeing(index: StoryIndex, found, vector: dict, story: Story, at) -> bool:
    """Whether AGREE_MEMBERS of a story's members, each alone, score the tip at AGREE or more (StoryDesk._agreeing)."""
    enough = stories_score.AGREE_MEMBERS
    return len(story.tips) >= enough and index.agreeing(
        found, vector, story, at, lambda e: stories_score.sigmoid(stories_score.logit(e)) >= stories_score.AGREE,
        enough) >= enough


def desk_figures(gold: dict[str, str], got: dict[str, str], distractors: list[tuple[str, str]]) -> dict:
    """Pairwise and B-cubed figures of a clustering (file -> gold story, file -> found story; every
    file in both, a story of its own named uniquely), and the distractors joined to the story they imitate."""
    tp = fp = fn = 0
    for a, b in combinations(sorted(gold), 2):
        same_gold, same_got = gold[a] == gold[b], got[a] == got[b]
        tp, fp, fn = tp + (same_gold and same_got), fp + (same_got and not same_gold), fn + (same_gold and not same_got)
    members_gold, members_got = defaultdict(set), defaultdict(set)
    for f in gold:
        members_gold[gold[f]].add(f)
        members_got[got[f]].add(f)
    both = {f: len(members_gold[gold[f]] & members_got[got[f]]) for f in gold}
    bp = sum(both[f] / len(members_got[got[f]]) for f in gold) / len(gold)
    br = sum(both[f] / len(members_gold[gold[f]]) for f in gold) / len(gold)
    joined = sum(1 for f, story in distractors if any(gold[o] == story and got[o] == got[f] for o in gold if o != f))
    return {"pairs": tp + fn, "joined": tp, "wrong": fp, "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0, "bcubed": 2 * bp * br / (bp + br) if bp + br else 0.0,
            "distractors": joined, "of": len(distractors)}


def score_desk(folder: str, rows: list[dict], story_of: dict[int, int]) -> dict:
    with open(Path(folder) / "labels.csv", newline="", encoding="utf-8") as fh:
        labels = {r["file"]: r for r in csv.DictReader(fh)}
    own = {r["file"]: r["id"] for r in rows if labels.get(r["file"], {}).get("kind") == "tip"}
    sizes: dict[int, int] = defaultdict(int)
    for tip in own.values():
        sizes[story_of.get(tip)] += 1
    gold = {f: labels[f]["cluster"] or f"alone:{f}" for f in own}
    got = {f: str(story_of[t]) if sizes[story_of.get(t)] > 1 and t in story_of else f"alone:{f}" for f, t in own.items()}
    distractors = [(f, m[1]) for f in own if (m := re.search(r"distractor for ([\w-]+)", labels[f]["notes"]))]
    return desk_figures(gold, got, distractors)


def pair_evidence(rows: list[dict]) -> list:
    """(evidence, tip a, tip b) for every pair of the rows' tips, the later one as a story of one."""
    found = {r["id"]: f for r in rows if (f := features(r)) is not None}
    rows = [r for r in rows if r["id"] in found]
    index = StoryIndex(StorySettings().window_days)
    for r in rows:
        index.observe(r["id"], found[r["id"]])
    vectors = {t: index.vector(f) for t, f in found.items()}
    out = []
    for a, b in combinations(rows, 2):
        story = Story.alone(b["id"], found[b["id"]], vectors[b["id"]], b["at"])
        out.append((index.evidence(found[a["id"]], vectors[a["id"]], story, a["at"]), a, b))
    return out


def pairs_report(folder: str, rows: list[dict]) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    with open(Path(folder) / "labels.csv", newline="", encoding="utf-8") as fh:
        labels = {r["file"]: r for r in csv.DictReader(fh)}
    rows = [r for r in rows if labels.get(r["file"], {}).get("kind") == "tip"]
    scored = pair_evidence(rows)
    same = np.array([bool(labels[a["file"]]["cluster"]) and labels[a["file"]]["cluster"] == labels[b["file"]]["cluster"]
                     for _e, a, b in scored])
    x = np.array([[e.content, e.names, e.distinct or 0.0, e.conflict, e.gap,
                   min(e.gap, e.event_gap) if e.event_gap is not None else e.gap, e.same_days] for e, _a, _b in scored])
    print(f"pairs: {len(same)}, same story {int(same.sum())}; AUC " + "  ".join(
        f"{name} {roc_auc_score(same, sign * x[:, i]):.3f}"
        for i, (name, sign) in enumerate((("content", 1), ("names", 1), ("distinct", 1), ("conflict", -1), ("gap", -1),
                                          ("event gap", -1), ("same days", 1)))))
    for label, columns in (("five features", slice(0, 5)),
                           ("the event gap for the gap, and same days", [0, 1, 2, 3, 5, 6])):
        fitted = LogisticRegression(C=10, max_iter=2000, class_weight="balanced").fit(x[:, columns], same)
        order = np.argsort(-fitted.decision_function(x[:, columns]))
        right, wrong = np.cumsum(same[order]), np.cumsum(~same[order])
        print(f"in-sample frontier, {label} (same-story pairs at wrong pairs): " + "  ".join(
            f"{int(right[np.searchsorted(wrong, w + 1) - 1])} at {w}" for w in (1, 4, 15, 100)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--cache", type=Path, help="keep each folder's import here and reuse it (outside the repo)")
    ap.add_argument("--join", type=float, help="the join threshold (default: the configuration's)")
    ap.add_argument("--pairs", action="store_true", help="a labelled folder's pair AUCs and in-sample frontier")
    ap.add_argument("--history", action="append", default=[], metavar="FOLDER",
                    help="replay this folder's clustered tips first, as a desk's history (repeatable): each "
                         "folder is then scored after it, from the document frequencies and common meaning it left")
    ap.add_argument("--spread", action="store_true",
                    help="with --history: its tips' dates spread over each folder's span, replayed among its tips")
    args = ap.parse_args()
    history = as_history([imported(folder, args.cache) for folder in args.history])
    for folder in args.folders:
        rows = imported(folder, args.cache)
        if args.pairs:
            pairs_report(folder, rows)
            continue
        story_of, suggested = replay(spread_over(history, rows) if args.spread else history + rows, join=args.join)
        name = f"{folder} {'among' if args.spread else 'after'} {' and '.join(args.history)}" if history else folder
        if (Path(folder) / "labels.csv").exists():
            d = score_desk(folder, rows, story_of)
            print(f"{name}: pairwise P {d['precision']:.3f} R {d['recall']:.3f} (same-story pairs {d['pairs']}, "
                  f"joined {d['joined']}, wrong joins {d['wrong']}), B-cubed F1 {d['bcubed']:.3f}, "
                  f"distractors joined {d['distractors']}/{d['of']}, {suggested} suggestions")
        else:
            sizes: dict[int, int] = defaultdict(int)
            for row in rows:
                if row["id"] in story_of:
                    sizes[story_of[row["id"]]] += 1
            held = sum(n for n in sizes.values() if n > 1)
            print(f"{name}: {len(rows)} clustered tips; {sum(1 for n in sizes.values() if n > 1)} clusters holding "
                  f"{held} tips; {suggested} suggestions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
