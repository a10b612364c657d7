"""The gazetteer the story index reads: places named at different scales meet on their county,
a word of a longer name is no town, and a shared county is evidence for a story, never against
it and never part of the wording. Every text here was written for these tests."""
from __future__ import annotations

from datetime import datetime

from inbox.sort import places, salient, stories, stories_score
from inbox.sort.stories import REGION
from inbox.sort.stories_index import StoryIndex
from tests.unit.test_sort_stories_accounts import feats

T0 = datetime(2026, 2, 3, 9)

# A water main in Centre County, Pennsylvania, told from two of its towns; and the same kind of
# event in Blair County, told in the same words.
BOALSBURG = ("no water since 5", "The water main under the square in Boalsburg broke before dawn and the taps are dry. "
                                 "The crew says the repair takes all day.\n")
BELLEFONTE = ("boil notice?", "Our taps in Bellefonte went dry this morning too, the water main break has the whole "
                              "system down. Is there a boil notice yet?\n")
ALTOONA = ("boil notice?", "Our taps in Altoona went dry this morning too, the water main break has the whole "
                           "system down. Is there a boil notice yet?\n")
BACKGROUND = [("budget", "The council voted on the budget last night and cut the library hours."),
              ("potholes", "The potholes on Main Street are getting worse every week, nobody fixes them."),
              ("landlord", "Our landlord has not fixed the heat in our building for two weeks."),
              ("school board", "The school board meeting was moved without notice, parents were not told.")]


def test_a_place_key_is_written_as_salient_writes_the_name():
    assert places.key("Lawrence Park Township") == "lawrence"
    assert places.key("Penn Hills") == "penn hills"
    assert places.key("St. Marys") == "saint marys"
    assert places.key("County") == ""


def test_a_county_is_a_region_term_of_its_own_form():
    assert places.region_name("Allegheny County", "pa") == "allegheny|PA"
    assert places.region_name("St. Louis City", "MO") == "st louis|MO"


def test_towns_of_one_county_share_its_region():
    one = places.regions(salient.names(*BOALSBURG))
    two = places.regions(salient.names(*BELLEFONTE))
    assert "centre|PA" in one & two
    assert "centre|PA" not in places.regions(salient.names(*ALTOONA))


def test_a_word_of_a_longer_name_is_no_town():
    # "Penn Hills" is a place; its word "Penn" alone is not looked up (a township of that name is in many counties).
    assert places.regions({"penn hills": salient.WHERE, "penn": salient.WHERE}) == {"allegheny|PA"}
    table = {"extension": ("franklin|LA",), "northeast extension": ()}
    places._table, saved = table, places._table
    try:
        assert places.regions({"northeast extension": salient.NAME, "extension": salient.NAME}) == set()
        assert places.regions({"extension": salient.NAME}) == {"franklin|LA"}
    finally:
        places._table = saved


def test_a_tip_carries_its_counties_as_region_terms():
    found = feats(*BOALSBURG)
    region = stories.term_hash("@centre|PA")
    assert region in found.hashes.tolist()
    assert int(found.kinds[found.hashes.tolist().index(region)]) == REGION


def test_a_shared_county_adds_evidence_but_no_wording_and_no_conflict():
    index = StoryIndex(14)
    for i, (subject, body) in enumerate(BACKGROUND * 8, 100):  # a desk of some size: a county in 2 of its tips is rare
        index.observe(i, feats(subject, body))
    first = feats(*BOALSBURG)
    story = index.add(1, first, T0, "a@example.org")
    region = stories.term_hash("@centre|PA")
    assert region not in index.vector(first)  # a county speaks once, in the evidence, not as a word
    near, far = feats(*BELLEFONTE), feats(*ALTOONA)
    for i, found in ((2, near), (3, far)):
        index.observe(i, found)
    same_county = index.evidence(near, index.vector(near), story, T0)
    other_county = index.evidence(far, index.vector(far), story, T0)
    assert same_county.names > other_county.names
    assert stories_score.logit(same_county) > stories_score.logit(other_county)
    assert region not in same_county.shared


def test_without_the_table_a_tip_has_no_region_terms():
    places._table, saved = {}, places._table
    try:
        found = feats(*BOALSBURG)
    finally:
        places._table = saved
    assert REGION not in set(found.kinds.tolist())
