"""Stories from independent accounts, without a database: what a tip's terms are, how a tip
compares with a story as a whole, and how editors' decisions move the score."""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from inbox.config import StorySettings
from inbox.sort import salient, stories, stories_score
from inbox.sort.stories import Features
from inbox.sort.stories_index import StoryIndex

# One event (a water main break in Millbrook) as three readers tell it, and the same kind of
# event in another town. Written for these tests.
FIRST = ("Hi,\n\nA water main burst on Dunmore Avenue in Millbrook early Tuesday. The Millbrook Water Authority "
         "put out a boil water advisory but only on Facebook, so half the street never heard about it.\n\n"
         "Thanks,\nJanet Moy\n")
SECOND = ("Hello,\n\nNo water at our house since this morning. Crews from the Millbrook Water Authority have Dunmore "
          "Ave dug up and nobody will say if we have to boil the water or for how long. My neighbors in Millbrook are "
          "buying bottled water at the Dollar General.\n\nGreg Amato\nMillbrook\n")
THIRD = ("Our diner next to the Dollar General on Dunmore had to close: no water, crews dug up the street and nobody "
         "would say how long we had to boil it. We lost two days of business and bought bottled water for the kitchen.\n")
ELSEWHERE = ("Dear editor,\n\nA water main broke on Sycamore Street in Ashford Township last week. The Ashford "
             "Municipal Authority issued a boil water advisory by text. They say repairs will take a month.\n\nRay\n")
T0 = datetime(2026, 3, 3, 8)
JOIN = StorySettings().join


def feats(subject: str, body: str) -> Features:
    found = stories.features(subject, body)
    assert found is not None
    return found


def score(index: StoryIndex, found: Features, story, at: datetime) -> float:
    return stories_score.sigmoid(stories_score.logit(index.evidence(found, index.vector(found), story, at)))


def test_an_institution_name_is_kept_whole_and_as_its_head():
    one = salient.names("budget", "Cherry Creek School District cut the late buses again.")
    two = salient.names("buses", "The late buses in Cherry Creek are gone, parents say.")
    assert "cherry creek" in one and "cherry creek" in two
    assert one["cherry creek"] & salient.WHERE
    assert "creek school district" not in one


def test_sign_off_names_forwarded_headers_and_quotes_are_not_names():
    body = ("My son's lunch was thrown away at Elm Ridge Elementary.\n\n"
            "---------- Forwarded message ---------\nFrom: Chad Lindemuth <chad@school.example>\n"
            "Date: Tue, Sep 19, 2023 at 5:02 PM\nSubject: Meal Account Procedures\nTo: Staff <s@school.example>\n\n"
            "Students below -$25 get an alternate meal.\n\n> On Monday, Pat Quinlan wrote:\n> Hazleton is next\n\n"
            "Thanks,\nMeredith Sousa\n")
    found = salient.names("FW: lunch", body)
    assert "elm ridge" in found
    for word in ("forwarded", "subject", "chad", "lindemuth", "meredith", "sousa", "pat", "hazleton"):
        assert word not in found, word


def test_a_name_block_under_the_tip_is_the_reader_not_the_story():
    found = salient.names("smoke", "The train stopped in the tunnel past 2nd Street and filled with smoke.\n\n"
                                   "Greg Amato\nFishtown\n")
    assert "2nd street" in found and "greg" not in found and "fishtown" not in found


def test_terms_are_kept_as_hashes_and_round_trip():
    found = feats("Water main", FIRST)
    again = Features.from_bytes(found.terms_bytes(), found.meaning_bytes())
    assert np.array_equal(again.hashes, found.hashes) and np.array_equal(again.kinds, found.kinds)
    assert b"millbrook" not in found.terms_bytes().lower()
    assert float(again.meaning @ found.meaning) > 0.99
    assert stories.features("hi", "see attached") is None


def test_two_readers_telling_one_event_in_their_own_words_score_above_the_join_threshold():
    index = StoryIndex(14)
    first, second = feats("Water main break, boil advisory", FIRST), feats("no water - Dunmore Ave", SECOND)
    index.observe(2, second)
    story = index.add(1, first, T0, "janet@example.org")
    assert score(index, second, story, T0 + timedelta(hours=4)) >= JOIN


def test_the_same_kind_of_event_in_another_town_is_evidence_against():
    index = StoryIndex(14)
    index.observe(3, feats("no water", SECOND))  # the desk has seen a few tips: "water" is not rare
    index.observe(4, feats("closed", THIRD))
    story = index.add(1, feats("Water main break, boil advisory", FIRST), T0, "a")
    elsewhere = feats("Ashford water main", ELSEWHERE)
    index.observe(2, elsewhere)
    evidence = index.evidence(elsewhere, index.vector(elsewhere), story, T0)
    assert evidence.conflict == 1.0
    assert score(index, elsewhere, story, T0) < JOIN


def test_a_third_reader_unlike_the_first_tip_matches_the_story_as_a_whole():
    index = StoryIndex(14)
    first, second, third = (feats("Water main break, boil advisory", FIRST), feats("no water - Dunmore Ave", SECOND),
                            feats("lost two days of business", THIRD))
    for tip, found in ((1, first), (2, second), (3, third)):
        index.observe(tip, found)
    alone = index.add(1, first, T0, "a")
    assert score(index, third, alone, T0) < 0.82  # less sure of the first tip alone than of the story
    story = index.add(2, second, T0 + timedelta(hours=4), "b", key=alone.key)
    assert score(index, third, story, T0 + timedelta(hours=5)) >= JOIN


def test_candidates_are_only_stories_within_the_window():
    index = StoryIndex(14)
    first, second = feats("Water main break", FIRST), feats("no water", SECOND)
    index.add(1, first, T0, "a")
    assert [s.tips for s in index.candidates(second, T0 + timedelta(days=3))] == [[1]]
    assert index.candidates(second, T0 + timedelta(days=30)) == []


def test_a_tip_leaving_its_story_leaves_the_rest_together():
    index = StoryIndex(14)
    first, second, third = feats("a", FIRST), feats("b", SECOND), feats("c", THIRD)
    key = index.add(1, first, T0, "a").key
    index.add(2, second, T0, "b", key=key)
    index.add(3, third, T0, "c", key=key)
    index.remove(2)
    assert index.stories[key].tips == [1, 3] and 2 not in index.story_of


def test_editors_dismissing_high_scores_raise_the_join_threshold_and_accepting_low_ones_lower_it():
    dismissed = [(2.0, False)] * 30
    stricter = stories_score.fit(dismissed)
    assert stricter.threshold(0.82) > 0.82 and stricter.decisions == 30
    accepted = [(-1.0, True)] * 30
    looser = stories_score.fit(accepted)
    assert looser.threshold(0.82) < 0.82
    assert stories_score.fit([]).threshold(0.82) == stories_score.Calibration().threshold(0.82)
