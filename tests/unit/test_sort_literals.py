"""The rule tables' literal strings, found in one pass (inbox.sort.literals): a rule is
passed over only when its text holds none of its strings."""
from __future__ import annotations

import random
import re

from inbox.sort.literals import TESTED, Literals
from inbox.sort.text import Scan


def _asked(literals: Literals, strings: tuple[str, ...], text: str) -> list[bool]:
    """The answer on each of enough asks that the automaton answers the last ones."""
    ids = literals.ids(strings)
    return [literals.any_in(ids, strings, text) for _ in range(TESTED + 2)]


def test_overlapping_strings_are_each_found():
    literals = Literals()
    literals.ids(("asylum seeker", "seek"))
    for strings, held in [(("seek",), True), (("asylum seeker",), False), (("sylum s",), True), (("ekers",), False)]:
        assert _asked(literals, strings, "an asylum seeks") == [held] * (TESTED + 2), strings


def test_one_character_and_two_character_strings_are_found():
    literals = Literals()
    assert _asked(literals, ("@",), "a@b") == [True] * (TESTED + 2)
    assert _asked(literals, ("in", "xyz"), "within") == [True] * (TESTED + 2)
    assert _asked(literals, ("in", "xyz"), "out") == [False] * (TESTED + 2)


def test_strings_added_after_a_text_was_scanned_are_found_in_it():
    literals = Literals()
    text = "the deportation hearing"
    assert _asked(literals, ("hearing",), text)[-1]
    assert _asked(literals, ("deport",), text) == [True] * (TESTED + 2)  # the automaton is built again
    assert _asked(literals, ("trial",), text) == [False] * (TESTED + 2)


def test_texts_are_told_apart_by_identity_not_by_a_reused_id():
    literals = Literals()
    for word in ("alpha", "beta", "gamma") * 30:  # texts made and dropped: ids are reused
        text = "".join([word, " and more"])
        assert _asked(literals, ("beta",), text)[-1] == (word == "beta")


def test_the_answer_is_the_substring_test_on_random_texts():
    rng = random.Random(7)
    literals = Literals()
    alphabet = "abc @."
    tables = [tuple({"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(3)})
              for _ in range(40)]
    ids = [literals.ids(t) for t in tables]
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for _ in range(TESTED + 1):
            assert [literals.any_in(i, t, text) for i, t in zip(ids, tables)] == \
                [any(s in text for s in t) for t in tables]


def test_a_scan_made_after_the_tables_finds_its_matches():
    scan = Scan(re.compile(r"\bzyxwvut(?:ian)?\b", re.I))
    assert scan.needles == ("zyxwvut",)
    text = "A Zyxwvutian wrote"
    lowered = text.lower()
    for _ in range(TESTED + 2):
        assert scan.search(text, lowered) and scan.may_match(lowered)
        assert not scan.search("nothing here", "nothing here")
