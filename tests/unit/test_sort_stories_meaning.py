"""The meaning a tip shares with a story beyond what every tip on the desk shares, and a place
conflict that a word written in passing does not soften. Every vector and term here is made up
for these tests."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from inbox.sort import stories_meaning, stories_score
from inbox.sort.salient import ID, WHERE
from inbox.sort.stories import CONTENT, Features
from inbox.sort.stories_index import StoryIndex
from inbox.sort.stories_meaning import CommonMeaning, top_directions

T0 = datetime(2026, 3, 2, 9)
DIMS = 128


def desk_meanings(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit vectors that are mostly one common vector, varying most along two common directions."""
    common, along = np.zeros(DIMS), np.zeros((2, DIMS))
    common[0], along[0, 1], along[1, 2] = 3.0, 1.0, 1.0
    x = common + rng.normal(size=(n, 2)) @ (along * [[1.5], [1.2]]) + 0.12 * rng.normal(size=(n, DIMS))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x)).astype(np.float32)


def test_the_common_part_is_unknown_until_the_desk_has_enough_tips():
    common = CommonMeaning()
    for m in desk_meanings(np.random.default_rng(1), stories_meaning.MIN_TIPS - 1):
        common.observe(m)
    assert not common.ready()
    common.observe(None)  # a tip with no meaning counts for nothing
    assert not common.ready()
    common.observe(desk_meanings(np.random.default_rng(2), 1)[0])
    assert common.ready() and common.version == 1


def test_unrelated_tips_score_near_zero_and_one_story_stays_close_once_the_common_part_is_gone():
    rng = np.random.default_rng(7)
    common = CommonMeaning()
    for m in desk_meanings(rng, 200):
        common.observe(m)
    a, b = desk_meanings(rng, 2)
    assert float(a @ b) > 0.6  # plainly, any two tips of the desk look alike
    assert abs(float(common.distinct(a) @ common.distinct(b))) < 0.3
    story = np.zeros(DIMS)
    story[40] = 1.0  # what two accounts of one story share besides the desk's common part
    one, two = unit(a + 0.5 * story), unit(b + 0.5 * story)
    assert float(common.distinct(one) @ common.distinct(two)) > 0.5


def test_the_top_directions_are_the_covariances_leading_eigenvectors():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, DIMS)) * np.linspace(2.0, 0.5, DIMS)
    x[:, 5] *= 4.0
    x[:, 9] *= 3.0
    cov = np.cov(x.T)
    _values, vectors = np.linalg.eigh(cov)
    expected = vectors[:, ::-1][:, :stories_meaning.DIRECTIONS].T
    cold = top_directions(cov, np.zeros((0, DIMS)))
    warm = top_directions(cov, cold)
    for got in (cold, warm):
        assert got.shape == expected.shape
        assert np.abs((got * expected).sum(axis=1)) == pytest.approx(1.0, abs=1e-3)


def test_evidence_stored_before_the_distinct_meaning_is_scored_as_it_was():
    old = {"content": 0.2, "names": 3.0, "meaning": 0.75, "conflict": 0.0, "gap_days": 0.5}
    assert stories_score.logit(old) == pytest.approx(
        stories_score.BIAS + stories_score.CONTENT * 0.2 + stories_score.NAMES * 3.0
        + stories_score.MEANING * (0.75 - stories_score.MEANING_BASE) - stories_score.GAP * 0.5)
    new = {**old, "distinct": 0.3}
    assert stories_score.logit(new) - stories_score.logit({**new, "distinct": 0.0}) == pytest.approx(
        stories_score.DISTINCT * 0.3)


def features(terms: dict[int, int], meaning: np.ndarray | None = None) -> Features:
    hashes = np.array(sorted(terms), dtype=np.uint32)
    kinds = np.array([terms[int(h)] for h in hashes], dtype=np.uint8)
    return Features(hashes, kinds, np.ones(len(hashes), dtype=np.uint8), meaning)


def test_the_index_learns_the_common_part_from_the_tips_it_stores():
    index = StoryIndex(14)
    meanings = desk_meanings(np.random.default_rng(5), stories_meaning.MIN_TIPS + 2)
    first = features({1: CONTENT, 2: CONTENT, 3: CONTENT}, meanings[0])
    story = index.add(1, first, T0, "a@example.org")
    tip = features({1: CONTENT, 2: CONTENT, 4: CONTENT}, meanings[1])
    assert index.evidence(tip, index.vector(tip), story, T0).distinct is None  # a young desk: the plain cosine
    for n, m in enumerate(meanings[2:], 10):
        index.observe(n, features({100 + n: CONTENT, 200 + n: CONTENT, 300 + n: CONTENT}, m))
    evidence = index.evidence(tip, index.vector(tip), story, T0)
    assert evidence.distinct is not None and "distinct" in evidence.numbers()
    assert evidence.distinct < evidence.meaning


# Terms: two towns, a river and a state agency, as a story and two tips write them; two numbered roads
# ("route 22" and "route 51": a word and its number, an ID).
UPRIVER, DOWNRIVER, RIVER, AGENCY, ROAD, OTHER_ROAD = 11, 12, 13, 14, 15, 16


def quiet_desk(tips: int = 40) -> StoryIndex:
    """An index whose desk has seen `tips` tips, none of them with the terms the tests use."""
    index = StoryIndex(14)
    for n in range(tips):
        index.observe(100 + n, features({1000 + n: CONTENT, 2000 + n: CONTENT, 3000 + n: CONTENT}))
    return index


def conflicts(story_terms: dict[int, int], *tips: dict[int, int]) -> list[float]:
    """The conflict of each tip with a story of one tip holding story_terms."""
    index = quiet_desk()
    story = index.add(1, features(story_terms), T0, "a@example.org")
    found = [features(terms) for terms in tips]
    for n, tip in enumerate(found, 2):
        index.observe(n, tip)
    return [index.evidence(tip, index.vector(tip), story, T0).conflict for tip in found]


def test_a_place_shared_only_as_a_word_in_passing_does_not_soften_the_conflict():
    in_passing = {DOWNRIVER: WHERE, AGENCY: CONTENT, 5: CONTENT, 6: CONTENT}
    named = {DOWNRIVER: WHERE, AGENCY: WHERE, 5: CONTENT, 6: CONTENT}
    assert conflicts({UPRIVER: WHERE, RIVER: WHERE, AGENCY: WHERE, 5: CONTENT}, in_passing, named) == [1.0, 0.5]


def test_a_numbered_road_both_name_softens_the_conflict_of_their_other_places():
    """A bridge's lane closure told by a driver at one end and a shop owner in the next town: both
    name Route 22, each a spot of its own. A road only one of them names is no such link."""
    same_road = {DOWNRIVER: WHERE, ROAD: ID, 5: CONTENT, 6: CONTENT}
    other_road = {DOWNRIVER: WHERE, OTHER_ROAD: ID, 5: CONTENT, 6: CONTENT}
    assert conflicts({UPRIVER: WHERE, ROAD: ID, 5: CONTENT}, same_road, other_road) == [0.5, 1.0]


def test_re_clustering_keeps_what_the_desk_learned_of_its_common_meaning():
    from inbox.config import StorySettings
    from inbox.sort.stories_store import StoryDesk

    desk = StoryDesk(StorySettings())
    for n, m in enumerate(desk_meanings(np.random.default_rng(9), stories_meaning.MIN_TIPS), 1):
        desk.index.add(n, features({n: CONTENT, 1000 + n: CONTENT, 2000 + n: CONTENT}, m), T0, "")
    learned = desk.index.common
    desk.reset()  # `inbox sort --all`: the stored tips come again, already counted
    assert desk.index.common is learned and learned.ready() and not desk.index.stories


def test_a_big_storys_many_words_do_not_crowd_a_small_story_out_of_the_candidates(monkeypatch):
    """Six accounts of a subway fire hold, between them, six of the tip's rare words, one each; one
    earlier tip holds three of them itself. The tip is compared with the one that says what it says."""
    from inbox.sort import stories_index

    index = quiet_desk(60)
    big = None
    for n in range(6):
        big = index.add(10 + n, features({50 + n: CONTENT, 60 + n: CONTENT, 70: CONTENT}), T0, f"r{n}@example.org",
                        None if big is None else big.key)
    small = index.add(20, features({50: CONTENT, 51: CONTENT, 52: CONTENT, 80: CONTENT}), T0, "s@example.org")
    tip = features({50: CONTENT, 51: CONTENT, 52: CONTENT, 53: CONTENT, 54: CONTENT, 55: CONTENT, 81: CONTENT})
    index.observe(30, tip)
    monkeypatch.setattr(stories_index, "CANDIDATES", 1)
    assert [s.key for s in index.candidates(tip, T0)] == [small.key]
