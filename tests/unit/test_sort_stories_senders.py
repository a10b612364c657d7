"""A sender's many tips (a feed, a newsletter, a press office) count for less than as many readers in
what the story index learns from the desk: its document frequencies and its common meaning. Every
tip, term and vector here is made up for these tests."""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from inbox.sort import stories, stories_index, stories_score
from inbox.sort.stories import CONTENT, Features
from inbox.sort.stories_index import SENDER_MEANING, SENDER_WORDS, StoryIndex, sender_weight
from inbox.sort.stories_meaning import CommonMeaning

T0 = datetime(2026, 2, 9, 7)
DIMS = 128


def terms(*hashes: int) -> Features:
    h = np.array(sorted(hashes), dtype=np.uint32)
    return Features(h, np.full(len(h), CONTENT, dtype=np.uint8), np.ones(len(h), dtype=np.uint8))


def test_a_senders_n_tips_add_up_to_n_to_the_power():
    for power in (SENDER_WORDS, SENDER_MEANING):
        assert sender_weight(1, power) == 1
        assert sum(sender_weight(k, power) for k in range(1, 401)) == pytest.approx(400 ** power)


def test_a_feeds_items_count_as_fewer_tips_than_as_many_readers():
    index = StoryIndex(3.0)
    for n in range(400):
        index.observe(n, terms(1, 2, 100 + n), "feed@wire.example")
    assert index.docs == pytest.approx(400 ** SENDER_WORDS)
    assert index.df[1] == pytest.approx(400 ** SENDER_WORDS)  # a word in every item stays in every "tip"
    assert index.idf(1) == pytest.approx(index.idf(2)) and index.idf(1) < 0.5
    for n in range(10):  # readers, and a tip whose sender is unknown, count one each
        index.observe(1000 + n, terms(3), f"reader{n}@mail.example" if n else "")
    assert index.docs == pytest.approx(400 ** SENDER_WORDS + 10) and index.df[3] == 10
    index.observe(1000, terms(3), "reader0@mail.example")  # a tip counts once, however often it is read
    assert index.df[3] == 10


def test_a_feeds_history_leaves_a_desk_word_nearly_as_common_as_on_the_desk_alone():
    # 60 readers' tips, "county" (7) in 15 of them; then the same desk after a feed's 600 items without it
    def desk(index: StoryIndex, first: int) -> None:
        for n in range(60):
            index.observe(first + n, terms(5000 + n, 7) if n % 4 == 0 else terms(5000 + n, 8), f"r{n}@mail.example")

    alone, after = StoryIndex(3.0), StoryIndex(3.0)
    desk(alone, 0)
    for n in range(600):
        after.observe(10_000 + n, terms(9, 20_000 + n), "feed@wire.example")
    desk(after, 0)
    assert after.idf(7) - alone.idf(7) < 1.5  # counted per item, the feed made "county" 2.8 bits rarer
    assert np.log2((660 + stories_index.PRIOR_TIPS) / 16) - alone.idf(7) > 2.5


def test_the_common_meaning_weighs_a_feed_as_it_weighs_its_tips():
    rng = np.random.default_rng(5)
    readers = rng.normal(size=(40, DIMS))
    readers[:, 0] += 4.0
    feed = np.zeros(DIMS)
    feed[1] = 1.0
    common = CommonMeaning()
    weights = []
    for m in readers:
        common.observe(m, 1)
        weights.append(1.0)
    for k in range(1, 201):
        w = sender_weight(k, SENDER_MEANING)
        common.observe(feed, w)
        weights.append(w)
    common.observe(readers[0], 1)  # folds in what is pending
    weights.append(1.0)
    common._compute()
    x = np.vstack([readers, np.tile(feed, (200, 1)), readers[:1]])
    assert common._mean == pytest.approx(np.average(x, axis=0, weights=weights))
    assert common._mean[0] > common._mean[1]  # the 40 readers outweigh the feed's 200 items


WORDS = ("orchard", "bakery", "library", "bridge", "parking", "landfill", "clinic", "tavern", "stadium", "marina",
         "quarry", "chapel", "hatchery", "armory", "depot", "greenhouse", "ferry", "rink", "vineyard", "foundry",
         "sawmill", "kennel", "cannery", "brewery", "laundromat", "pharmacy", "arcade", "bowling", "cemetery", "dairy")


def replay(rows: list[tuple[str, str, str]]) -> dict[int, int]:
    """(subject, body, sender) through the index as StoryDesk.remember() joins: {row: story key}."""
    index = StoryIndex(3.0)
    story_of = {}
    for i, (subject, body, sender) in enumerate(rows):
        found = stories.features(subject, body)
        at = T0 + timedelta(hours=i)
        index.observe(i, found, sender)
        vector = index.vector(found)
        best = max(((stories_score.logit(index.evidence(found, vector, s, at)), s)
                    for s in index.candidates(found, at)), key=lambda zs: zs[0], default=None)
        key = best[1].key if best and stories_score.sigmoid(best[0]) >= 0.7 else None
        story_of[i] = index.add(i, found, at, sender, key, vector).key
    return story_of


def test_after_a_feeds_history_two_readers_of_different_stories_are_not_joined(monkeypatch):
    # A desk's everyday words (the county, the road, closed, a detour) in many readers' tips of their own
    # stories, then two accounts of different events that share only those words. A feed's 400 items on
    # other things before them, counted item by item, make those words rare enough to join the two.
    everyday = [(f"{w} on the county road", f"The {w} by the county road has been closed since Monday and the "
                 f"county says a detour runs past the {w}; nobody knows when the {w} opens again.",
                 f"reader{n}@mail.example") for n, w in enumerate(WORDS)]
    pair = [("Truck overturned on the county road", "A truck overturned on the county road near our farm this morning, the "
             "road is closed both ways and the county set a detour through the township.", "ann@mail.example"),
            ("Flooded again by the creek", "The county road by the creek flooded again, water over the road, "
             "it is closed and the county detour sends everyone the long way round.", "bo@mail.example")]
    feed = [(f"Gadget digest {n}", f"This week {n}: a phone review, a laptop benchmark, router firmware and a "
             "reader question about batteries and chargers.", "digest@gadgets.example") for n in range(400)]
    alone = replay(everyday + pair)
    assert alone[len(everyday)] != alone[len(everyday) + 1]
    after = replay(feed + everyday + pair)
    assert after[len(feed) + len(everyday)] != after[len(feed) + len(everyday) + 1]
    monkeypatch.setattr(stories_index, "SENDER_WORDS", 1.0)  # every item a reader of its own
    monkeypatch.setattr(stories_index, "SENDER_MEANING", 1.0)
    counted_per_item = replay(feed + everyday + pair)
    assert counted_per_item[len(feed) + len(everyday)] == counted_per_item[len(feed) + len(everyday) + 1]
