"""Redaction of a protected reader's words (inbox/board/redact.py): what a viewer without a grant reads."""
from __future__ import annotations

import pytest

from inbox.board.redact import (
    Who,
    identity_terms,
    matches_redacted,
    redact,
    redact_body,
    redact_line,
    visible_text,
)

WHO = Who("María López-Ruiz", "maria.lopez@lopezfamily.net")


def test_name_its_parts_and_its_plain_spelling_are_withheld():
    out = redact("María told me. Ms. López-Ruiz, or Maria Lopez, or just Ruiz's cousin.", WHO)
    assert "Mar" not in out and "López" not in out and "Lopez" not in out and "Ruiz" not in out
    assert out.count("[name withheld]") >= 4 and "told me" in out and "cousin" in out


def test_address_its_pieces_and_an_own_domain_are_withheld_but_webmail_is_not_an_identity():
    assert "lopezfamily.net" in identity_terms(WHO) and "maria.lopez" in identity_terms(WHO)
    assert "gmail.com" not in identity_terms(Who("Ana", "ana.b@gmail.com"))
    out = redact("Write to maria.lopez@lopezfamily.net or see lopezfamily.net.", WHO)
    assert "lopez" not in out.lower() and "[address withheld]" in out


@pytest.mark.parametrize("number", ["(913) 555-0142", "913.555.0142", "+1 913 555 0142", "+44 20 7946 0958",
                                    "123-45-6789", "A123456789", "A-123-456-789"])
def test_phone_numbers_ssns_and_a_numbers_are_withheld(number):
    out = redact(f"Reach me on {number} today.", WHO)
    assert number not in out and "withheld]" in out and out.startswith("Reach me on") and out.endswith("today.")


def test_a_home_address_the_reader_gives_is_withheld_but_the_storys_street_stays():
    out = redact("ICE came to 14 Elm Street. I live at 22 Oak Avenue, Apt 3 with my kids.", WHO)
    assert "14 Elm Street" in out
    assert "22 Oak" not in out and "Apt 3" not in out and "[home address withheld]" in out


@pytest.mark.parametrize("line", [
    "On Mon, Nov 30, 2026 at 9:00 AM María López <maria.lopez@lopezfamily.net> wrote:",
    "> On Nov 29, 2026, Jane Desk <jane@station.example> wrote:",
    "Jane Desk <jane@station.example> wrote:",
    "From: Jane Desk",
    "26.06.2014, 14:41, Jane Desk <jane@station.example>:",
    "El lun, 30 nov 2026 a las 9:00, Ana escribió:",
])
def test_quoted_attribution_lines_are_withheld(line):
    out = redact(f"New words.\n\n{line}\n> quoted words", WHO)
    assert line not in out and "[attribution withheld]" in out and "> quoted words" in out and "New words." in out


def test_signature_is_wholly_withheld_and_the_parts_stay_apart():
    text = "The bus never came.\n-- \nMaría, 555 Elm Rd, night nurse\n\nOn Friday, you wrote:\n> Tell us more"
    end, signature = text.index("\n\nOn Friday"), text.index("-- ")
    new, sig, quoted = redact_body(text, end, signature, WHO)
    assert new == "The bus never came.\n" and sig == "[signature withheld]"
    assert "nurse" not in new + quoted and "Tell us more" in quoted and "On Friday" not in quoted


def test_a_subject_keeps_its_story_and_loses_the_name():
    assert redact_line("María López on the courthouse arrests", WHO) == "[name withheld] [name withheld] on the courthouse arrests"


def test_search_matches_only_what_the_viewer_may_read():
    text = "Agents at the courthouse doors.\nThanks,\nMaría López\n(913) 555-0142\n"
    visible = visible_text("Courthouse arrests", text, len(text), text.index("Thanks"), WHO)
    assert matches_redacted("courthouse doors", visible)
    assert matches_redacted("arrest", visible)  # a light stemmer, like the full-text index
    for words in ("lopez", "María", "555", "0142", "thanks", "withheld", "name", "courthouse lopez", ""):
        assert not matches_redacted(words, visible), words
