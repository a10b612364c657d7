"""The days a tip says its event happened (inbox.sort.stories_days): resolved against the Date's own
clock, kept as day numbers among the stored terms, and read by the story score. Texts written for
these tests."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from inbox.sort import deadlines, stories, stories_days, stories_score
from inbox.sort.stories import Features
from inbox.sort.stories_index import StoryIndex
from inbox.sort.text import SortInput

SUNDAY = datetime(2026, 3, 8, 9, 30)  # a Sunday morning, on the reader's clock
FRIDAY, SATURDAY = date(2026, 3, 6), date(2026, 3, 7)


def days(text: str, sent: datetime = SUNDAY) -> list[date]:
    return [date.fromordinal(d) for d in stories_days.event_days(text.lower(), sent)]


@pytest.mark.parametrize("text, expected", [
    ("Friday around 10pm the foreman told us to leave the east side", [FRIDAY]),
    ("The ice storm knocked our power out yesterday and it is still out", [SATURDAY]),
    ("We heard the explosion last night, windows rattled all down the block", [SATURDAY]),
    ("No water since about 3 this morning on our street", [SUNDAY.date()]),
    ("Right now the smoke is coming through the vents of the whole building", [SUNDAY.date()]),
    ("Between Friday noon and Saturday night the yard measured 20 inches", [FRIDAY, SATURDAY]),
    ("Anoche se fue la luz en toda la colonia y nadie vino", [SATURDAY]),
    ("El viernes pasado cerraron la fábrica sin avisar", [FRIDAY]),
    ("Ayer hubo un choque en la esquina de la escuela", [SATURDAY]),
])
def test_the_days_a_tip_says_its_event_happened(text, expected):
    assert days(text) == expected


@pytest.mark.parametrize("text", [
    "The hearing is Tuesday at the borough building, please come",  # ahead: a deadline, not the event
    "My wife has to get to work tomorrow and the street is not plowed",
    "The council votes next Thursday on the budget",
    "Every Friday the trucks park on the sidewalk",  # recurring
    "A water main broke on Sycamore Street and the authority sent a text",  # no day at all
])
def test_days_ahead_recurring_or_unsaid_are_not_the_events(text):
    assert days(text) == []


def test_the_day_a_state_began_is_no_day_of_the_event():
    """"Closed since Monday" and a later "still closed today" tell of one closure: the first names no
    day the second lies apart from. A state that began this morning is today's, either way."""
    assert days("The incline has been closed since Monday and there is no shuttle") == []
    assert days("Stuck on the interstate since this morning, nothing moving") == [SUNDAY.date()]
    assert days("Closed last Monday, the clinic never reopened") == [date(2026, 3, 2)]
    (found,) = deadlines.find("closed since monday", SUNDAY)
    assert found.began and found.past


def test_a_day_named_long_before_the_message_is_its_background():
    assert days("Since Dec 1 nobody has fixed it", datetime(2026, 12, 20, 9)) == []


def test_the_date_is_read_on_the_readers_clock():
    """A Friday-night message is a Saturday in UTC: "this morning" and "yesterday" are the reader's."""
    headers = (("date", "Fri, 06 Mar 2026 22:10:08 -0500"),)
    sent = deadlines.local_sent(headers, datetime(2026, 3, 7, 3, 10, 8))
    assert sent == datetime(2026, 3, 6, 22, 10, 8)
    inp = SortInput("Stranded", "Stuck on the interstate since this morning, nothing moving", "", "a@x.example",
                    datetime(2026, 3, 7, 3, 10, 8), headers=headers)
    assert stories_days.of(inp) == (FRIDAY.toordinal(), (FRIDAY.toordinal(),), ())
    assert deadlines.local_sent((("date", "not a date"),), SUNDAY) == SUNDAY
    assert stories_days.of(SortInput("s", "t", "", "", None)) == (None, (), ())


def test_the_days_named_ahead_are_kept_apart_from_the_events_days():
    """Readers of an announced event write in the days before it, and name its day."""
    inp = SortInput("Drop boxes", "They vote on it next Thursday the 12th. We heard about it last night.", "",
                    "a@x.example", datetime(2026, 3, 8, 14, 30), headers=(("date", "Sun, 08 Mar 2026 09:30:00 -0500"),))
    assert stories_days.of(inp) == (SUNDAY.date().toordinal(), (SATURDAY.toordinal(),), (date(2026, 3, 12).toordinal(),))
    far = SortInput("Primary", "The primary is on May 19.", "", "a@x.example", SUNDAY)
    assert stories_days.of(far)[2] == ()  # more than AHEAD_DAYS ahead: no event the readers write about now


def test_days_are_stored_among_the_terms_and_read_back_apart_from_them():
    text = "Friday around 10pm the plow drivers were told to leave the east side of Millbrook until further notice"
    plain = stories.features("Plows", text)
    thursday = date(2026, 3, 12).toordinal()
    dated = stories.features("Plows", text, days=(SUNDAY.date().toordinal(), (FRIDAY.toordinal(),), (thursday,)))
    back = Features.from_bytes(dated.terms_bytes(), dated.meaning_bytes())
    assert back.days == (FRIDAY.toordinal(),) and back.sent_day == SUNDAY.date().toordinal()
    assert back.ahead == (thursday,)
    assert back.hashes.tolist() == plain.hashes.tolist()  # no day is ever a term
    old = Features.from_bytes(plain.terms_bytes(), plain.meaning_bytes())  # stored before days were
    assert old.days == () and old.sent_day is None and old.ahead == ()


def test_how_a_tips_days_and_a_storys_compare():
    fri, sat, sun, tue = FRIDAY.toordinal(), SATURDAY.toordinal(), SUNDAY.date().toordinal(), FRIDAY.toordinal() + 4
    assert stories_days.apart((fri,), sun, {fri: 1}, {fri: 1}) == (0.0, 1)  # both name Friday
    assert stories_days.apart((fri,), sun, {}, {fri: 1}) == (0.0, 0)  # it names the day the story was sent
    assert stories_days.apart((), fri, {fri: 1}, {sun: 1}) == (0.0, 0)  # the story names the day it was sent
    assert stories_days.apart((fri,), sun, {sat: 1}, {sun: 1}) == (1.0, 0)  # a day apart: a time zone, midnight
    assert stories_days.apart((tue,), tue, {fri: 1}, {sat: 1}) == (3.0, -1)  # two events
    assert stories_days.apart((), sun, {}, {fri: 1}) == (None, 0)  # neither names a day: the dates alone
    thu = tue + 2
    assert stories_days.apart((), tue, {}, {fri: 1}, (thu,), {thu: 2}) == (0.0, 0)  # both write before Thursday's vote
    assert stories_days.apart((tue,), tue, {fri: 1}, {sat: 1}, (thu,), {thu: 1}) == (0.0, -1)  # no evidence beyond the gap
    assert stories_days.apart((), tue, {}, {fri: 1}, (thu,), {thu + 1: 1}) == (None, 0)
    assert stories_days.apart((thu,), thu + 1, {}, {tue: 1}, (), {thu: 1}) == (0.0, 0)  # "voted yesterday", after


def test_a_reader_writing_days_later_about_the_same_night_is_not_days_apart():
    index = StoryIndex(14)
    first = ("Stranded", "Sitting on the interstate past the Millbrook exit since tonight, snow coming sideways "
             "and no plows, cars with kids all around me")
    later = ("Why the east side waited", "Friday night the supervisor kept the plows on the downtown grid and the "
             "west side, nothing went east of Millbrook Avenue; two trucks were down")
    fri_night, sunday = datetime(2026, 3, 6, 22), datetime(2026, 3, 8, 9)
    a = stories.features(*first, days=(FRIDAY.toordinal(), (FRIDAY.toordinal(),), ()))
    b = stories.features(*later, days=(sunday.date().toordinal(), (FRIDAY.toordinal(),), ()))
    story = index.add(1, a, fri_night, "a@x.example")
    index.observe(2, b, "b@x.example")
    evidence = index.evidence(b, index.vector(b), story, sunday)
    assert evidence.gap > 1.4 and evidence.event_gap == 0.0 and evidence.same_days == 1
    undated = Features(b.hashes, b.kinds, b.tf, b.meaning)
    before = index.evidence(undated, index.vector(undated), story, sunday)
    gained = stories_score.logit(evidence) - stories_score.logit(before)
    assert gained == pytest.approx(stories_score.GAP * evidence.gap + stories_score.SAME_DAYS)
    assert stories_score.logit(evidence.numbers()) == pytest.approx(stories_score.logit(evidence), abs=0.05)


def test_the_boards_why_says_when_they_say_it_happened():
    from inbox.board.why import story_words

    story = {"action": "joined", "tip_id": 7, "similarity": 0.8, "thresholds": {"join": 0.7, "suggest": 0.27},
             "evidence": {"content": 0.2, "names": 0.0, "meaning": 0.7, "conflict": 0.0, "gap_days": 1.9,
                          "event_gap_days": 0.0, "same_days": 1}}
    _sentence, facts = story_words(story, set())
    said = {f.label: f.value for f in facts}
    assert said["Days apart"] == "1.9" and said["Days apart by the days they name"] == "0"
    assert said["Day of the event"] == "the same day"
    story["evidence"] = dict(story["evidence"], gap_days=0.2, event_gap_days=1.0)  # more than the dates': not read
    assert "Days apart by the days they name" not in {f.label for f in story_words(story, set())[1]}
    story["evidence"] = {"content": 0.2, "gap_days": 0.5}  # stored before the days were: nothing said of them
    assert [f.label for f in story_words(story, set())[1]] == ["Rare words in common", "Days apart"]
