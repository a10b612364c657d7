"""Members that agree: a tip the story's centroid blurs (a story of several sides holds every side's
words) joins when two of its members, each compared alone, score it at AGREE or more; the same kind of
event in another town, plausible next to one member only, does not. Every text here was written for these tests."""
from __future__ import annotations

from datetime import timedelta

import pytest

from inbox.config import StorySettings
from inbox.sort import stories_score
from inbox.sort.stories_index import Story, StoryIndex
from tests.unit.test_sort_stories_accounts import BACKGROUND, ELSEWHERE, NEIGHBOUR, PARENT, T0, feats

JOIN = StorySettings().join
# The bus story's other side: the township's salt contract, told by its manager and by a supervisor.
MANAGER = ("township statement", "The Dalton Township manager, Carol Pruitt, says the salt contract with Keystone "
           "Materials lapsed on January 1 and a new supplier starts Friday. Supervisors will take questions at "
           "Tuesday's meeting.")
SUPERVISOR = ("salt contract", "A Dalton Township supervisor told me the Keystone Materials contract ran out at New "
              "Year and the manager never brought a renewal to the board. Ask Carol Pruitt why.")
# A tow driver on the bus itself: no name the story's tips use, the words of the two accounts of the crash.
TOWED = ("bus towed", "Pulled a school bus out of a ditch by the elementary this morning. Glare ice on that hill, "
         "not a grain of salt.")
AT = T0 + timedelta(hours=6)


def agrees(evidence) -> bool:
    return stories_score.sigmoid(stories_score.logit(evidence)) >= stories_score.AGREE


@pytest.fixture
def desk():
    index = StoryIndex(14)
    for i, (subject, body) in enumerate(BACKGROUND, 100):
        index.observe(i, feats(subject, body))
    members = [(1, feats(*PARENT)), (2, feats(*NEIGHBOUR)), (3, feats(*MANAGER)), (4, feats(*SUPERVISOR))]
    tips = {"towed": feats(*TOWED), "elsewhere": feats(*ELSEWHERE)}
    for tip, found in members + [(10, tips["towed"]), (11, tips["elsewhere"])]:
        index.observe(tip, found)
    story = None
    for tip, found in members:
        story = index.add(tip, found, T0 + timedelta(hours=tip), f"reader{tip}@example.org",
                          key=None if story is None else story.key)
    return index, story, members, tips


def test_a_tip_the_centroid_blurs_is_plausible_to_two_members_each_alone(desk):
    index, story, members, tips = desk
    towed = tips["towed"]
    vector = index.vector(towed)
    centroid = stories_score.sigmoid(stories_score.logit(index.evidence(towed, vector, story, AT)))
    assert stories_score.AGREE <= centroid < JOIN  # the whole story: a suggestion at most
    alone = [agrees(index.evidence(towed, vector, Story.alone(t, f, index.vector(f), T0 + timedelta(hours=t)), AT))
             for t, f in members]
    assert alone == [True, True, False, False]  # the two accounts of the crash, not the contract's side
    assert index.agreeing(towed, vector, story, AT, agrees) == stories_score.AGREE_MEMBERS


def test_the_same_kind_of_event_elsewhere_is_plausible_to_one_member_at_most(desk):
    index, story, _members, tips = desk
    elsewhere = tips["elsewhere"]
    vector = index.vector(elsewhere)
    assert stories_score.sigmoid(stories_score.logit(index.evidence(elsewhere, vector, story, AT))) < JOIN
    assert index.agreeing(elsewhere, vector, story, AT, agrees) < stories_score.AGREE_MEMBERS


def test_counting_stops_once_enough_members_agree_and_reads_the_nearest_in_date(desk):
    index, story, _members, tips = desk
    seen = []

    def counted(evidence) -> bool:
        seen.append(evidence)
        return True

    assert index.agreeing(tips["towed"], index.vector(tips["towed"]), story, AT, counted, enough=2) == 2
    assert len(seen) == 2
    # the nearest in date to AT are the members of hours 4 and 3: the contract's side, which shares no name with it
    assert all(e.content < 0.1 for e in seen)


def test_the_replay_joins_the_blurred_tip_and_keeps_the_other_town_apart(desk):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "stories_replay.py"
    spec = importlib.util.spec_from_file_location("bench_stories_replay_agreeing", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    index, story, _members, tips = desk
    assert bench.agreeing(index, tips["towed"], index.vector(tips["towed"]), story, AT)
    assert not bench.agreeing(index, tips["elsewhere"], index.vector(tips["elsewhere"]), story, AT)


def test_a_tip_already_in_the_story_is_never_its_own_agreeing_member(desk):
    index, story, _members, tips = desk
    towed = tips["towed"]
    story = index.add(10, towed, AT, "tow@example.com", key=story.key)
    itself = lambda evidence: evidence.content > 0.99  # noqa: E731 (only the tip against itself scores so)
    assert index.agreeing(towed, index.vector(towed), story, AT, itself, enough=1) == 0
