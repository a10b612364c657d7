"""The spam score: content rules, the server's verdict, the model, and restraint."""
from __future__ import annotations

import pytest

from inbox.sort.spam import PRIOR, score, server_verdict
from inbox.sort.text import SortInput


def mail(subject: str = "", text: str = "", headers: tuple[tuple[str, str], ...] = ()) -> SortInput:
    return SortInput(subject=subject, new_text=text, full_text=text, sender="s@example.org", sent_at=None,
                     spam_headers=headers)


def rules_of(explanation: dict) -> list[str]:
    return [r["rule"] for r in explanation["rules"]]


def test_blatant_spam_scores_high_on_rules_alone():
    value, why = score(mail("YOU HAVE WON BIG NOW", "Dear friend, you have won! Click here to claim your prize. "
                            "Act now, 100% free, pay a small fee!!!"), None)
    assert value >= 0.8
    assert {"prize", "click-here", "act-now", "guarantee", "small-fee", "shouting-subject", "exclamations"} <= set(rules_of(why))


@pytest.mark.parametrize("subject, text", [
    ("Council vote", "The council voted 5-2 tonight to close the shelter; I think you should look at who funded it."),
    ("URGENT: eviction", "My landlord says we must leave today. Please call me, this is urgent!!"),
    ("Warehouse injuries", "They told us to work from the loading dock even after two injuries. Click the link in their memo."),
])
def test_a_readers_tip_stays_below_the_threshold_without_a_model(subject, text):
    value, _ = score(mail(subject, text), None)
    assert value < 0.8


def test_the_servers_yes_and_no_are_read_from_either_header():
    assert server_verdict(mail(headers=(("x-spam-flag", "YES"),))) == (True, "x-spam-flag")
    assert server_verdict(mail(headers=(("x-spam-status", "No, score=-1.2 required=5.0"),))) == (False, "x-spam-status")
    assert server_verdict(mail(headers=(("x-spam-status", "Yes, score=9.1"),))) == (True, "x-spam-status")
    assert server_verdict(mail()) == (None, None)


def test_the_server_verdict_moves_the_score_both_ways():
    plain, _ = score(mail("hello", "a note"), None)
    flagged, why = score(mail("hello", "a note", (("x-spam-flag", "YES"),)), None)
    cleared, _ = score(mail("hello", "a note", (("x-spam-status", "No, score=0.1"),)), None)
    assert plain == pytest.approx(PRIOR)
    assert cleared < plain < flagged
    assert why["server"] == {"header": "x-spam-flag", "spam": True}


def test_the_model_is_the_starting_point_and_rules_add_to_it():
    alone, _ = score(mail("hi", "a note"), 0.7)
    with_rule, why = score(mail("hi", "click here"), 0.7)
    assert alone == pytest.approx(0.7)
    assert with_rule > alone
    assert why["model"] == 0.7
