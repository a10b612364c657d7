"""Sensitive-content kinds (never values) and urgency."""
from __future__ import annotations

from datetime import datetime

import pytest

from inbox.sort.flags import sensitive_kinds, urgency
from inbox.sort.text import SortInput

SENT = datetime(2026, 11, 20, 9, 30)  # a Friday


def tip(text: str, subject: str = "", sent: datetime | None = SENT) -> SortInput:
    return SortInput(subject=subject, new_text=text, full_text=text, sender="r@example.org", sent_at=sent)


@pytest.mark.parametrize("text, kind", [
    ("call me at (555) 201-3344 after six", "phone"),
    ("my cell is +44 20 7946 0958", "phone"),
    ("write to maria.l@example.net", "email"),
    ("she lives at 1423 North Maple Street", "street_address"),
    ("the family in apt 4B", "street_address"),
    ("his SSN is 123-45-6789", "ssn"),
    ("her A-number is A123456789", "alien_number"),
    ("A-number unknown, case pending", "alien_number"),
    ("DOB 03/04/1990", "date_of_birth"),
    ("born on March 4, 1990", "date_of_birth"),
    ("the family is undocumented", "immigration_status"),
    ("he is in deportation proceedings", "immigration_status"),
    ("she was diagnosed with cancer last year", "health"),
    ("he is HIV-positive", "health"),
    ("my daughter was in the room", "minor"),
    ("a 15-year-old was detained", "minor"),
    ("she is a minor and was questioned alone", "minor"),
    ("he has AIDS and lost his coverage", "health"),
])
def test_each_sensitive_rule_kind(text, kind):
    kinds, rule_names = sensitive_kinds(tip(text))
    assert kind in kinds
    assert rule_names


@pytest.mark.parametrize("text", [
    "The council meets on the 4th floor at 7 pm.",
    "Order 3 of 12 trucks arrived in 2024.",
    "Version 10.2.1 of the budget is out.",
    "Our 45-year-old building needs a new roof.",
    "It was a minor problem with the permits.",
    "The grant aids families who lost their homes.",
])
def test_ordinary_text_is_not_sensitive(text):
    assert sensitive_kinds(tip(text)) == ((), [])


def test_the_signature_and_quote_are_scanned_too():
    inp = SortInput(subject="", new_text="see below", full_text="see below\n-- \nAna, 555-201-3344",
                    sender="a@example.org", sent_at=SENT)
    assert sensitive_kinds(inp)[0] == ("phone",)


def test_rule_names_never_carry_the_matched_value():
    kinds, names = sensitive_kinds(tip("ssn 123-45-6789, call 555-201-3344, mail ana@example.org"))
    assert kinds == ("email", "phone", "ssn")
    joined = " ".join(names)
    for value in ("123-45-6789", "555-201-3344", "ana@example.org"):
        assert value not in joined


@pytest.mark.parametrize("text", [
    "The vote is today",
    "they clear the camp tonight",
    "tomorrow's hearing will decide",
    "Please come ASAP",
    "the hearing is on November 21",
    "hearing is 11/22 at 9",
    "the vote is this Saturday",
])
def test_urgent(text):
    assert urgency(tip(text))


@pytest.mark.parametrize("text", [
    "the hearing is on December 15",
    "this happened on November 2",
    "nothing pressing here",
    "hearing is 12/24",
])
def test_not_urgent(text):
    assert urgency(tip(text)) == []


def test_a_date_early_next_year_counts_across_new_year():
    assert "date-within-48h" in urgency(tip("the shelter closes January 1", sent=datetime(2026, 12, 31, 12)))


def test_date_urgency_is_measured_from_the_message_date_not_today():
    old = datetime(2020, 3, 2, 8)
    assert "date-within-48h" in urgency(tip("meeting March 3", sent=old))
    assert urgency(tip("meeting March 30", sent=old)) == []


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Mi hermano no tiene papeles y lo detuvieron ayer.", "immigration_status"),
        ("Es indocumentada, lleva nueve años aquí.", "immigration_status"),
        ("Lo detenido por inmigración el jueves.", "immigration_status"),
        ("Mi hija puede traducir la llamada.", "minor"),
        ("Hay menores de edad en el centro.", "minor"),
    ],
)
def test_spanish_tips_are_flagged_too(text, kind):
    kinds, _ = sensitive_kinds(tip(text))
    assert kind in kinds


def test_spanish_words_that_only_look_alike_are_not_flagged():
    kinds, _ = sensitive_kinds(tip("El asiento del autobús estaba roto; los papeles de la reunión llegaron tarde."))
    assert "immigration_status" not in kinds
