"""Salient names: readers who describe one event in their own words share its names and
numbers; through the story score those tips join or are suggested, different stories on
one beat are not, and the names are stored only as hashes. (Until session 5 the keys only
ever suggested; they are now one kind of evidence in one score: docs/stories.md.)"""
from __future__ import annotations

import json
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.config import ImportSettings, Settings
from inbox.models import ClusterSuggestion, SortDecision, Tip, TipSignature
from inbox.pipeline import Pipeline, Source
from inbox.sort import Sorter, salient, stories
from tests.mailfactory import make_mail

MAILBOX = Path(__file__).resolve().parents[2] / "inbox" / "demo" / "mailbox"
POLLING = sorted(MAILBOX.glob("*-polling-place-*.eml"))
_uid = count(1)


def test_a_word_and_its_number_with_abbreviations_spelled_out():
    keys = salient.extract("Re-located polling site (Pct. 14)", "The new site is on County Rd 6, room 3b, lot No. 5.")
    assert {"precinct 14", "road 6", "room 3b", "number 5"} <= set(keys)


def test_quantities_dates_and_long_numbers_are_not_keys():
    keys = salient.extract("help", "We waited 41 days since October 3 for 40 years. Call 555-201-3344 or "
                                   "write to box 123456789.")
    assert keys == []


def test_capitalised_names_but_not_sentence_starts_stop_words_months_or_civic_nouns():
    body = ("Hi Maya,\n\nThe sign at Lincoln Elementary says voting moved to the Grange Hall. Nobody told us. "
            "The County Clerk said it happened in October, on a Monday. Someone should ask Judge Alan Whitcomb.\n\n"
            "Thanks,\nJanet Moy\n")
    keys = salient.extract("Polling Place Moved Without Notice", body)
    assert {"lincoln", "grange", "alan whitcomb"} <= set(keys)  # a name without the civic nouns around it
    for not_a_key in ("maya", "nobody", "the", "county clerk", "october", "monday", "janet moy", "janet", "moy",
                      "polling place", "place moved", "someone", "judge"):
        assert not_a_key not in keys


def test_a_salutation_naming_the_desk_is_not_a_key():
    assert salient.extract("voting", "Hello Channel 8,\n\nPrecinct 14 moved to the Grange Hall.\n") == [
        "precinct 14", "grange"]
    assert salient.extract("voting", "Ms. Torres,\n\nPrecinct 14 moved.\n") == ["precinct 14"]


def test_names_are_capped_and_stored_only_as_hashes():
    body = " ".join(f"Room {n} at Place{chr(65 + n)}ville." for n in range(60))
    assert len(salient.names("rooms", body)) == salient.MAX_NAMES
    found = stories.features("rooms", body)
    assert b"room" not in found.terms_bytes().lower() and b"ville" not in found.terms_bytes().lower()


# --- through the pipeline, on SQLite and PostgreSQL --------------------------------------------

@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=str(tmp_path), imports=ImportSettings(processes=1, batch_size=50))


def store(db, settings, *raws):
    with db() as session:
        sorter = Sorter.load(settings, session)
    with Pipeline(settings, db, sorter=sorter, processes=1) as p:
        outcomes = list(p.process_many((raw, Source("import", "t", 0, next(_uid))) for raw in raws))
    assert all(o.status == "stored" for o in outcomes), outcomes
    return [o.tip_id for o in outcomes]


def test_five_readers_reporting_one_polling_place_move_are_joined_or_suggested(db, settings):
    ids = store(db, settings, *(path.read_bytes() for path in POLLING))
    assert len(ids) == 5
    with db() as session:
        suggestions = session.scalars(select(ClusterSuggestion)).all()
        linked = {s.tip_id for s in suggestions if s.other_tip_id in ids} | {
            t.id for t in session.scalars(select(Tip).where(Tip.id.in_(ids[1:]), Tip.cluster_id.is_not(None)))}
        assert len(linked & set(ids)) >= 4
        assert all(s.status == "open" and 0 < s.similarity <= 1 for s in suggestions)
        why = [json.loads(e)["cluster"] for e in session.scalars(select(SortDecision.explanation))]
        matched = [c for c in why if c["action"] in ("joined", "suggested")]
        assert matched and all(c["shared_names"] == len(c["shared_hashes"]) and c["evidence"] for c in matched)
        stored = b"".join(k for k in session.scalars(select(TipSignature.terms)) if k)
        text = " ".join(json.dumps(c) for c in why)
    assert stored
    for name in ("precinct 14", "grange", "lincoln", "road 6"):
        assert name.encode() not in stored.lower() and name not in text.lower()


def test_different_stories_on_the_same_beat_are_not_suggested(db, settings):
    first = ("Hi,\n\nThe polling place for Precinct 14 moved from Lincoln Elementary to the Grange Hall on County "
             "Road 6 and nobody was told.\n\nAna\n")
    other = ("Dear editor,\n\nThe County Clerk mailed purge letters to 800 voters in Precinct 3 who live near "
             "Maple Ridge; the letters say they will be removed from the rolls. Election Day is next week.\n\nRay\n")
    third = ("Hello,\n\nBallot drop box at the Eastside Library (Ward 7) has been overflowing since Tuesday and the "
             "County Clerk will not say when it is emptied.\n\nLee\n")
    ids = store(db, settings, make_mail(sender="ana@example.org", subject="Polling place moved", body=first),
                make_mail(sender="ray@example.com", subject="Voter roll purge letters", body=other),
                make_mail(sender="lee@example.net", subject="Drop box overflowing", body=third))
    with db() as session:
        assert session.scalars(select(ClusterSuggestion)).all() == []
        assert all(session.get(Tip, i).cluster_id is None for i in ids)


def test_the_same_reader_writing_again_is_not_suggested_by_keys(db, settings):
    one = "Hi,\n\nPrecinct 14 voting moved to the Grange Hall, out by the feed store.\n\nAna\n"
    two = "Hello again,\n\nAlso: the Grange Hall has no ramp, and Precinct 14 has many older voters.\n\nAna\n"
    store(db, settings, make_mail(sender="ana@example.org", subject="polling", body=one),
          make_mail(sender="ana@example.org", subject="ramp", body=two))
    with db() as session:
        assert session.scalars(select(ClusterSuggestion)).all() == []


def ana_s_account():
    return make_mail(sender="ana@example.org", subject="Precinct 14",
                     body="Hi,\n\nPrecinct 14 voting moved to the Grange Hall on Route 6.\n")


def bo_s_account():
    """Another reader's words for the same move: no sentence in common, the same names and number."""
    return make_mail(sender="bo@example.org", subject="voting",
                     body="Hello,\n\nmy mom votes in precinct 14, now out at the Grange Hall; no bus goes there.\n")


def _linked(db, first: int, second: int) -> bool:
    with db() as session:
        a, b = session.get(Tip, first), session.get(Tip, second)
        suggested = session.scalars(select(ClusterSuggestion).where(ClusterSuggestion.tip_id == second,
                                                                    ClusterSuggestion.other_tip_id == first)).all()
    return bool(suggested) or (a.cluster_id is not None and a.cluster_id == b.cluster_id)


def test_a_new_sorter_reloads_the_stories_from_the_database(db, settings):
    (first,) = store(db, settings, ana_s_account())
    (second,) = store(db, settings, bo_s_account())
    assert _linked(db, first, second)


def test_sort_all_gives_terms_to_tips_stored_before_there_were_stories(db, settings):
    import io

    from sqlalchemy import update

    from inbox.commands.sort import sort_all

    (old,) = store(db, settings, ana_s_account())
    with db() as session, session.begin():  # as a tip stored before migration 0008 looks
        session.execute(update(TipSignature).values(terms=None, meaning=None, at=None))
    assert sort_all(settings, db, out=io.StringIO()) == 0
    with db() as session:
        assert session.scalar(select(TipSignature.terms).where(TipSignature.tip_id == old))
    (new,) = store(db, settings, bo_s_account())
    assert _linked(db, old, new)


def test_the_street_after_an_ordinal_is_no_saint():
    # "2nd St." is a street: its "St" names no Saint (which every tip naming a numbered street would share).
    found = salient.names("stuck", "The train stopped past 2nd St. and we walked to the 5th Street station.")
    assert "2nd street" in found and "5th street" in found
    assert "saint" not in found
    assert "saint anne" in salient.names("mass", "The food bank at St. Anne has run out of formula.")


def test_an_ordinal_after_a_compass_point_or_at_a_corner_is_a_street():
    """Readers in a city of numbered streets write "E 38th" and "38th & Pine": the same street as
    another reader's "38th St"."""
    assert "38th street" in salient.names("Water main break 38th & Pine", "Water running down E. 38th now.")
    assert "38th street" in salient.names("main", "The main broke at 38th and Pine last night.")
    assert "26th street" in salient.names("plows", "Nobody has plowed West 26th since Friday.")
    assert not any("street" in k for k in salient.names("vote", "The vote is on the 14th and Thursday is the deadline."))
    assert not any("street" in k for k in salient.names("school", "She is in the 5th grade and he is in 3rd."))
