"""bench/stories_replay.py: the figures it prints and its replay of StoryDesk's decisions (fixtures written here)."""
from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "stories_replay.py"
T0 = datetime(2026, 3, 3, 8)
ACCOUNTS = [
    ("Water main on Dunmore Avenue", "A water main burst on Dunmore Avenue in Millbrook early Tuesday. The Millbrook "
     "Water Authority put out a boil water advisory only on Facebook, so half the street never heard."),
    ("taps dry", "Our taps are dry since this morning. Crews from the Millbrook Water Authority dug up Dunmore Avenue "
     "outside and nobody will say for how long."),
    ("school board vote", "The Ashford school board votes Thursday on closing Lincoln Elementary; parents were told "
     "nothing until a flyer came home in backpacks."),
]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_stories_replay", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pairwise_and_bcubed_figures(bench):
    gold = {"a": "s", "b": "s", "c": "s", "d": "alone:d", "e": "t", "f": "t"}
    got = {"a": "1", "b": "1", "c": "alone:c", "d": "1", "e": "2", "f": "2"}
    d = bench.desk_figures(gold, got, [("d", "s")])
    # same-story pairs ab ac bc ef: ab and ef joined; ad and bd joined wrongly
    assert (d["pairs"], d["joined"], d["wrong"]) == (4, 2, 2)
    assert d["precision"] == pytest.approx(0.5) and d["recall"] == pytest.approx(0.5)
    assert d["distractors"] == 1 and d["of"] == 1
    perfect = bench.desk_figures(gold, gold, [])
    assert perfect["bcubed"] == pytest.approx(1.0) and perfect["wrong"] == 0


def test_replay_joins_two_accounts_and_keeps_another_story_apart(bench):
    rows = [{"id": i + 1, "file": f"{i + 1}.eml", "at": T0 + timedelta(hours=i), "subject": s, "own": body,
             "sender": f"reader{i}@example.org"} for i, (s, body) in enumerate(ACCOUNTS)]
    story_of, _suggested = bench.replay(rows)
    assert story_of[1] == story_of[2] and story_of[3] != story_of[1]
    # the same two accounts from one sender: a sender's next message in new words is not joined
    for row in rows:
        row["sender"] = "newsletter@example.org"
    story_of, _suggested = bench.replay(rows)
    assert story_of[1] != story_of[2]


def test_a_history_is_replayed_first_under_ids_of_its_own(bench):
    desk = [{"id": i + 1, "file": f"{i + 1}.eml", "at": T0 + timedelta(days=30, hours=i), "subject": s, "own": body,
             "sender": f"reader{i}@example.org"} for i, (s, body) in enumerate(ACCOUNTS)]
    feed = [{"id": i + 1, "file": f"{i + 1}.eml", "at": T0 + timedelta(hours=i), "subject": f"Digest {i}",
             "own": f"This week {i}: a phone review, a laptop benchmark and router firmware.",
             "sender": "digest@example.org"} for i in range(40)]
    history = bench.as_history([feed, feed[:2]])
    assert [r["id"] for r in history[:2]] == [bench.HISTORY_IDS + 1, bench.HISTORY_IDS + 2]
    assert history[-1]["id"] == 2 * bench.HISTORY_IDS + 2 and len(history) == 42
    story_of, _suggested = bench.replay(history + desk)
    assert {1, 2, 3} <= set(story_of)  # the desk's tips, not taken for the history's of the same number
    assert story_of[1] == story_of[2] and story_of[3] != story_of[1]


def test_a_spread_history_comes_among_the_folders_tips(bench):
    rows = [{"id": i, "at": T0 + timedelta(days=i)} for i in (1, 2, 3)]
    history = [{"id": 10 + i, "at": datetime(2002, 8, 1) + timedelta(days=30 * i)} for i in (0, 1, 2)]
    mixed = bench.spread_over(history, rows)
    assert [r["id"] for r in mixed] == [10, 1, 11, 2, 12, 3]
    assert mixed[0]["at"] == rows[0]["at"] and mixed[-2]["at"] == rows[-1]["at"]
    assert bench.spread_over([], rows) == rows
