"""Deadlines: the dates a tip's words name, resolved against its Date header, and what is urgent."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from inbox.sort import deadlines
from inbox.sort.urgency import urgency_of
from inbox.sort.text import SortInput

TUESDAY = datetime(2023, 11, 28, 15, 0)  # Tue 28 Nov 2023: a month end two days on


def tip(text: str, sent: datetime = TUESDAY, subject: str = "") -> SortInput:
    return SortInput(subject=subject, new_text=text, full_text=text, sender="r@example.org", sent_at=sent)


def due(text: str, sent: datetime = TUESDAY) -> date | None:
    found = deadlines.nearest(deadlines.find(text.lower(), sent), sent)
    return found.day if found else None


@pytest.mark.parametrize("text, day", [
    ("The election is Tuesday.", date(2023, 11, 28)),  # written on a Tuesday: today
    ("The vote is Thursday and the polling place moved.", date(2023, 11, 30)),  # what it is set for, past verb after
    ("The hearing is on Thursday.", date(2023, 11, 30)),
    ("The vote is next Monday.", date(2023, 12, 4)),  # across the month end
    ("They meet next Thursday the 14th.", date(2023, 12, 14)),
    ("tmrw at 9 the board decides", date(2023, 11, 29)),
    ("The shelter closes Dec 9.", date(2023, 12, 9)),
    ("the shelter closes 9 December", date(2023, 12, 9)),
    ("comments are due 12/1", date(2023, 12, 1)),
    ("comments are due 2023-12-01", date(2023, 12, 1)),
    ("There's a rally this weekend.", date(2023, 12, 2)),
    ("The sweep happens in two days.", date(2023, 11, 30)),
    ("the site closes a week from today", date(2023, 12, 5)),
    ("La audiencia es el próximo jueves.", date(2023, 11, 30)),
    ("La votación es el 5 de diciembre.", date(2023, 12, 5)),
    ("Los desalojan mañana.", date(2023, 11, 29)),
    ("they want us out by monday", date(2023, 12, 4)),
    ("our members vote Thursday, 12/14, on a strike", date(2023, 12, 14)),  # the date says which Thursday  # "by", "until", "before" a weekday: a deadline ahead
    ("The comment period stays open until Friday.", date(2023, 12, 1)),
])
def test_phrases_resolve_against_the_message_date(text, day):
    assert due(text) == day


def test_the_same_words_resolve_from_their_own_date_not_from_today():
    assert due("The vote is next Monday.", sent=datetime(2020, 2, 27, 9)) == date(2020, 3, 2)  # leap year month end


def test_jan_2_written_on_new_years_eve_is_next_year():
    assert due("The shelter closes Jan 2.", sent=datetime(2023, 12, 31, 12)) == date(2024, 1, 2)


@pytest.mark.parametrize("text", [
    "Last Tuesday the council voted to close it.",
    "On Monday the board voted 5-2.",
    "It happened on Nov 20 and nobody came.",
    "We've been waiting since Nov. 27.",
    "The trucks were here yesterday.",
    "We weren't given any notice until Sunday afternoon, and then it was too late.",
    "From last Thursday until Monday morning the system was down.",
])
def test_past_events_are_no_deadline(text):
    assert due(text) is None


@pytest.mark.parametrize("text", [
    "They hold office hours every Friday.",
    "Staff make the calls on Thursday afternoons.",
    "Starting this Thursday we'll do a weekly phone bank.",
    "La clínica abre todos los martes.",
])
def test_recurring_things_are_no_deadline(text):
    assert due(text) is None


def test_a_rate_is_not_a_clock():
    assert due("three crashes in an hour at that corner") is None
    assert due("second bomb threat in a week") is None


def test_six_days_out_is_urgent_and_eight_is_not():
    wednesday = datetime(2023, 11, 29, 12)
    soon = urgency_of(tip("The election is Tuesday.", sent=wednesday))
    assert soon.rules == ["deadline-weekday"] and soon.deadline == datetime(2023, 12, 5)
    later = urgency_of(tip("The hearing is on December 7.", sent=wednesday))
    assert later.rules == [] and later.deadline == datetime(2023, 12, 7)  # stored all the same, for sorting


def test_the_explanation_names_the_phrase_kind_and_the_date_never_the_words():
    found = urgency_of(tip("The meeting at Hartwell Park is on Thursday", sent=TUESDAY))
    assert found.why["deadline"] == {"phrase": "weekday", "date": "2023-11-30", "days_after_sent": 2}
    assert "Hartwell" not in repr(found.why) and "meeting" not in repr(found.why)


def test_danger_now_sets_the_deadline_to_the_message_day():
    found = urgency_of(tip("No heat in the whole building and it's below freezing."))
    assert found.rules == ["no-heat"] and found.deadline == datetime(2023, 11, 28)


def test_no_heat_in_summer_without_cold_words_is_not_danger():
    assert urgency_of(tip("The office has no heat, again.", sent=datetime(2023, 7, 10, 9))).rules == []


def test_nothing_dated_has_no_deadline():
    found = urgency_of(tip("The council has ignored our letters for years."))
    assert found.rules == [] and found.deadline is None


def test_may_the_month_is_read_and_may_the_word_is_not():
    assert due("The hearing is on May 2.", sent=datetime(2024, 4, 29, 9)) == date(2024, 5, 2)
    assert due("They may close it, 2 people said.", sent=datetime(2024, 4, 29, 9)) is None


@pytest.mark.parametrize("text", [
    "On Tue, Nov 28, 2023 at 9:14 AM Ana Ruiz wrote:",
    "Sent: Tuesday, November 28, 2023 9:14 AM",
    "FOR IMMEDIATE RELEASE - November 28, 2023, 1:45 p.m.",
])
def test_a_date_that_stamps_a_message_is_no_deadline(text):
    assert due(text) is None


def test_days_left_or_away_count_from_the_message_date():
    sent = datetime(2023, 12, 9, 11, 0)
    (left,) = deadlines.find("with three days left that is not enough notice", sent)
    assert (left.day, left.past) == (date(2023, 12, 12), False)
    (away,) = deadlines.find("the vote is two weeks away", sent)
    assert away.day == date(2023, 12, 23)
    assert deadlines.find("it happened three days before the vote", sent) == []


def test_a_weekday_with_a_time_of_day_is_a_plan_unless_its_words_say_it_was():
    # TUESDAY 28 Nov 2023: that Sunday is 3 Dec, that Friday 1 Dec
    assert due("We decided to hold an open house. On Sunday from 2 to 5 p.m. neighbours can visit.") == date(2023, 12, 3)
    assert due("Thursday at 2 p.m. was the time they used the office for it.") is None


def test_an_event_to_attend_named_by_its_day_is_ahead():
    assert due("We wanted to speak at Friday's school board meeting but they changed the rules.") == date(2023, 12, 1)
    assert due("The commissioner issued a statement on Friday's special meeting.") is None


def test_where_someone_is_tonight_is_no_deadline():
    assert due("My landlord changed the locks. I'm at my mom's tonight.") is None
    assert due("They clear the camp tonight.") == date(2023, 11, 28)


@pytest.mark.parametrize("text", [
    "I'm glad to answer questions tomorrow.",
    "Happy to talk more on Thursday if you want.",
    "You can reach me Friday after 3.",
    "Call me tomorrow, I'm off work.",
    "I'm available Monday morning.",
    "Puedo hablar con usted mañana.",
])
def test_when_the_writer_can_be_reached_is_no_deadline(text):
    assert due(text) is None


def test_a_deadline_beside_an_offer_to_talk_still_counts():
    assert due("Call me tomorrow. The council votes on Thursday.") == date(2023, 11, 30)
    assert due("Happy to talk, but the camp is cleared tomorrow.") == date(2023, 11, 29)
