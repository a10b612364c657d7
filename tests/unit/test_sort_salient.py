"""Salient keys: readers who describe one event in their own words share its names and
numbers; those tips are suggested to an editor (never joined), different stories on one
beat are not, and the keys are stored only as hashes."""
from __future__ import annotations

import json
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.config import ImportSettings, Settings
from inbox.models import ClusterSuggestion, SortDecision, Tip, TipSignature
from inbox.pipeline import Pipeline, Source
from inbox.sort import Sorter, salient
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
    assert {"lincoln elementary", "grange hall", "judge alan whitcomb"} <= set(keys)
    for not_a_key in ("maya", "nobody", "the", "county clerk", "october", "monday", "janet moy", "polling place",
                      "place moved", "someone"):
        assert not_a_key not in keys


def test_a_salutation_naming_the_desk_is_not_a_key():
    assert salient.extract("voting", "Hello Channel 8,\n\nPrecinct 14 moved to the Grange Hall.\n") == [
        "precinct 14", "grange hall"]
    assert salient.extract("voting", "Ms. Torres,\n\nPrecinct 14 moved.\n") == ["precinct 14"]


def test_keys_are_capped_and_stored_as_8_byte_hashes():
    body = " ".join(f"Room {n} at Place{chr(65 + n)}ville." for n in range(20))
    assert len(salient.extract("rooms", body)) == salient.MAX_KEYS
    data = salient.keys("rooms", body)
    assert len(data) == salient.MAX_KEYS * salient.KEY_BYTES and b"room" not in data.lower()
    assert salient.split(data)[0] == salient.keys("rooms", "Room 0 at PlaceAville.")[:8]


def test_the_index_finds_the_tip_sharing_most_keys_and_ignores_boilerplate():
    index = salient.KeyIndex()
    index.add(1, salient.keys("x", "Precinct 14 moved to the Grange Hall on Route 6."))
    index.add(2, salient.keys("x", "Precinct 14 moved."))
    assert [c[:2] for c in index.candidates(salient.keys("y", "at the Grange Hall, precinct 14, Route 6"))] == [(1, 3)]
    assert index.candidates(salient.keys("y", "precinct 14 only")) == []
    for tip in range(3, 3 + salient.MAX_POSTINGS):  # "Fort Carroll" + "Route 6" in every tip: the desk's boilerplate
        index.add(tip, salient.keys("x", f"Fort Carroll, Route 6, room {tip}"))
    assert index.candidates(salient.keys("y", "Fort Carroll, Route 6")) == []


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


def test_five_readers_reporting_one_polling_place_move_are_suggested_to_each_other(db, settings):
    ids = store(db, settings, *(path.read_bytes() for path in POLLING))
    assert len(ids) == 5
    with db() as session:
        suggestions = session.scalars(select(ClusterSuggestion)).all()
        linked = {s.tip_id for s in suggestions if s.other_tip_id in ids} | {
            t.id for t in session.scalars(select(Tip).where(Tip.id.in_(ids[1:]), Tip.cluster_id.is_not(None)))}
        assert len(linked & set(ids)) >= 4
        assert all(s.status == "open" and 0 < s.similarity <= 1 for s in suggestions)
        why = [json.loads(e)["cluster"] for e in session.scalars(select(SortDecision.explanation))]
        by_keys = [c for c in why if c.get("signal") == "shared names and numbers"]
        assert by_keys and all(set(c) == {"action", "tip_id", "signal", "shared", "similarity", "same_reader"}
                               and c["shared"] >= salient.MIN_SHARED for c in by_keys)
        stored = b"".join(k for k in session.scalars(select(TipSignature.keys)) if k)
        text = " ".join(session.scalars(select(SortDecision.explanation)))
    assert stored and all(len(k) == 8 for k in salient.split(stored))
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


def test_a_new_sorter_reloads_the_keys_from_the_database(db, settings):
    (first,) = store(db, settings, ana_s_account())
    (second,) = store(db, settings, bo_s_account())
    with db() as session:
        (row,) = session.scalars(select(ClusterSuggestion)).all()
    assert (row.tip_id, row.other_tip_id) == (second, first)


def test_sort_all_gives_keys_to_tips_sorted_before_there_were_keys(db, settings):
    from sqlalchemy import update

    (old,) = store(db, settings, ana_s_account())
    with db() as session, session.begin():  # as a tip stored before migration 0004 looks
        session.execute(update(TipSignature).values(keys=None))
    with db() as session, session.begin():
        sorter = Sorter.load(settings, session)
        sorter.resort(session, session.get(Tip, old))
    with db() as session:
        assert session.scalar(select(TipSignature.keys).where(TipSignature.tip_id == old))
    (new,) = store(db, settings, bo_s_account())
    with db() as session:
        (row,) = session.scalars(select(ClusterSuggestion)).all()
    assert (row.tip_id, row.other_tip_id) == (new, old)
