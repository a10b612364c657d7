"""Independent accounts of one event, without a database: readers' inflections meet, the
same kind of event in another town stays apart, and a tip that stood alone is scored again
once the story it belongs to has grown. Every text here was written for these tests."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from inbox.config import StorySettings
from inbox.sort import stories, stories_score
from inbox.sort.stories import Features
from inbox.sort.stories_index import StoryIndex

JOIN = StorySettings().join
T0 = datetime(2026, 1, 12, 8)

# A school bus off an icy road in Dalton Township: a parent's terse lowercase note first, then
# two fuller accounts; and the same kind of event in Westover Borough told in much the same words.
LONE = ("ferncliff", "my son just called, his bus went off the road on ferncliff by the elementary. he says the hill "
                     "is a sheet of ice. is anyone reporting this\n")
PARENT = ("Dalton Township bus in the ditch",
          "Hello,\n\nA Dalton Township school bus slid into the ditch on Ferncliff Road around 7:40 this morning. "
          "The driver told parents the road had not been salted. My daughter was on it; the kids were shaken but "
          "nobody was hurt.\n\nDana\n")
NEIGHBOUR = ("Ferncliff Road never salted",
             "Ferncliff Road still has not been salted and this morning a school bus slid into the ditch by Dalton "
             "Elementary. Parents have complained to Dalton Township for weeks about the ice on that hill and the bus "
             "drivers have too.\n")
ELSEWHERE = ("bus off the road in Westover",
             "A school bus slid off Quarry Hill Road in Westover Borough this morning on the ice. Westover Borough "
             "stopped salting that hill after the budget cuts, the drivers say.\n")
# What a desk has seen before: other tips on the same beats, so "bus", "ice" and "parents" are not rare.
BACKGROUND = [("budget", "The county council voted on the budget last night and cut the library hours."),
              ("potholes", "The potholes on Main Street are getting worse every week, nobody fixes them."),
              ("landlord", "Our landlord has not fixed the heat in our building for two weeks."),
              ("school board", "The school board meeting was moved without notice, parents were not told."),
              ("buses late", "The school buses were late again this morning, the drivers say the routes are too long."),
              ("ice", "Nobody salted the sidewalks downtown and people are slipping on the ice this morning."),
              ("crash", "A car slid off the road into a ditch on Route 9 last night, the driver was hurt."),
              ("hill", "The hill by the park floods every time it rains and the township does nothing."),
              ("parents", "Parents have complained for weeks about the drop-off line at the middle school."),
              ("snow", "The borough has not plowed our street since the snow on Friday."),
              ("bus stop", "The bus stop shelter on Oak Street was removed and riders wait in the cold.")]


def feats(subject: str, body: str) -> Features:
    found = stories.features(subject, body)
    assert found is not None
    return found


def probability(index: StoryIndex, found: Features, story, at: datetime) -> float:
    return stories_score.sigmoid(stories_score.logit(index.evidence(found, index.vector(found), story, at)))


@pytest.fixture
def index() -> StoryIndex:
    index = StoryIndex(14)
    for i, (subject, body) in enumerate(BACKGROUND, 100):
        index.observe(i, feats(subject, body))
    return index


@pytest.mark.parametrize("words", [("plowed", "plowing", "plows", "plow"), ("closed", "closes", "closing", "close"),
                                   ("stopped", "stopping", "stops", "stop"), ("families", "family"),
                                   ("evacuated", "evacuate")])
def test_a_words_inflections_share_one_stem(words):
    assert len({stories.stem(w) for w in words}) == 1


def test_two_readers_inflecting_the_same_words_share_their_terms():
    one = feats("plows", "The city plowed the west side first and the east side is still waiting.")
    two = feats("plowing", "Nobody is plowing the east side, trucks keep running the west side routes.")
    shared = set(one.hashes.tolist()) & set(two.hashes.tolist())
    assert stories.term_hash("plow") in shared and stories.term_hash("east") in shared
    assert stories.term_hash("plowed") not in shared and stories.term_hash("plowing") not in shared


def test_independent_accounts_in_their_own_words_join(index):
    parent, neighbour = feats(*PARENT), feats(*NEIGHBOUR)
    index.observe(1, parent)
    index.observe(2, neighbour)
    story = index.add(1, parent, T0, "dana@example.org")
    assert probability(index, neighbour, story, T0 + timedelta(hours=2)) >= JOIN


def test_the_same_kind_of_event_in_another_town_stays_apart(index):
    parent, neighbour, elsewhere = feats(*PARENT), feats(*NEIGHBOUR), feats(*ELSEWHERE)
    for tip, found in ((1, parent), (2, neighbour), (3, elsewhere)):
        index.observe(tip, found)
    story = index.add(1, parent, T0, "dana@example.org")
    story = index.add(2, neighbour, T0 + timedelta(hours=1), "n@example.net", key=story.key)
    evidence = index.evidence(elsewhere, index.vector(elsewhere), story, T0 + timedelta(hours=2))
    assert evidence.conflict == 1.0
    assert probability(index, elsewhere, story, T0 + timedelta(hours=2)) < JOIN


def test_a_tip_that_stood_alone_is_scored_again_against_the_story_once_it_grows(index):
    lone, parent, neighbour = feats(*LONE), feats(*PARENT), feats(*NEIGHBOUR)
    for tip, found in ((1, lone), (2, parent), (3, neighbour)):
        index.observe(tip, found)
    alone = index.add(1, lone, T0, "son@example.com")
    assert probability(index, parent, alone, T0 + timedelta(hours=1)) < JOIN  # the parent starts a story of its own
    story = index.add(2, parent, T0 + timedelta(hours=1), "dana@example.org")
    story = index.add(3, neighbour, T0 + timedelta(hours=2), "n@example.net", key=story.key)
    again = index.lone_tips(story, [alone, story])
    assert [tip for tip, *_ in again] == [1]  # the story itself is no lone tip
    tip, found, at, sender, evidence = again[0]
    assert at == T0 and sender == "son@example.com" and found is lone
    assert stories_score.sigmoid(stories_score.logit(evidence)) >= JOIN


def test_days_apart_weigh_against_a_story():
    index = StoryIndex(14)
    parent, neighbour = feats(*PARENT), feats(*NEIGHBOUR)
    index.observe(1, parent)
    story = index.add(1, parent, T0, "dana@example.org")
    near = index.evidence(neighbour, index.vector(neighbour), story, T0 + timedelta(hours=3))
    far = index.evidence(neighbour, index.vector(neighbour), story, T0 + timedelta(days=6))
    assert stories_score.logit(near) - stories_score.logit(far) == pytest.approx(
        stories_score.GAP * (far.gap - near.gap))
    assert far.gap == pytest.approx(6.0) and stories_score.logit(far) < stories_score.logit(near)


def test_the_same_kind_of_numbered_place_with_another_number_is_evidence_against(index):
    moved = feats("polling place moved", "The election office moved the precinct 14 polling place to the fire hall "
                                          "and sent no letters to the voters there.")
    purge = feats("purge letters", "The election office mailed letters to voters in precinct 3 saying they will be "
                                   "removed from the rolls.")
    again = feats("precinct 14", "Precinct 14 voters got no letter about the polling place moving to the fire hall.")
    for tip, found in ((1, moved), (2, purge), (3, again)):
        index.observe(tip, found)
    story = index.add(1, moved, T0, "a@example.org")
    other = index.evidence(purge, index.vector(purge), story, T0)
    same = index.evidence(again, index.vector(again), story, T0)
    assert other.conflict == 1.0 and same.conflict == 0.0
    assert stories.term_hash("precinct #") not in set(other.shared)  # numbering a precinct is no shared name
