"""The rule tables' cheap scanning (text.Scan) finds exactly what the plain patterns find."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from inbox.config import from_dict
from inbox.mail.clean import clean
from inbox.mail.parse import parse
from inbox.sort import flags, spam, urgency
from inbox.sort.text import Scan, from_mail, needles, quick

DEMO = Path(__file__).resolve().parents[2] / "inbox" / "demo" / "mailbox"


@pytest.mark.parametrize("pattern, expected", [
    (r"\basylum\b", {"asylum"}),
    (r"\b(?:asylum|deport(?:ed|ation))\b", {"asylum", "deport"}),
    (r"illegal(?:ly)? alien", {"illegal alien", "illegally alien"}),  # an optional part spelt both ways
    (r"\b(?:911|9-1-1) (?:call|dispatch)", {"911 call", "911 dispatch", "9-1-1 call", "9-1-1 dispatch"}),
    (r"\bd\.?o\.?b\b", {"dob", "d.ob", "do.b", "d.o.b"}),  # not "d"
    (r"\bno[- ]bid contracts?\b", {"no bid contract", "no-bid contract"}),  # a small class spelt out
    (r"(?:a|b|c|d|e)(?:f|g|h|i|j)(?:k|l|m|n|o)x", {"x"}),  # too many spellings: the literal run
    (r"(?:click )?here", {"here"}),
    (r"\d{3}-\d{4}", {"-"}),
    (r"\d{3}\s\d{4}", None),  # digits and classes: nothing literal is promised
    (r"(?:ab|)cd", {"cd"}),
    (r"(?:ab|)", None),  # an empty branch promises nothing
    (r"x(?i:abc)", {"x"}),  # a group that changes case rules is not trusted
])
def test_needles_are_what_every_match_must_contain(pattern, expected):
    found = needles(pattern)
    assert (set(found) if found else None) == expected


@pytest.mark.parametrize("pattern, lead", [
    (r"(?<![\d-])\d{3}-\d{4}", "(?=[\\d])"),  # a look-behind first: led by the first characters
    (r"\b(?:apt|unit)\.?\s*\d+", "(?=[au])"),
    (r"(?<!\w)(?:\+?1[\s.-]?)?\(?[2-9]\d", "(?=[12-9\\(\\+])"),  # optional parts: their firsts and the next item's
    (r"(?<!\w)\bA(?:\d{8})", "(?=[A])"),
    (r"\bword", "(?=[w])"),
])
def test_quick_leads_an_assertion_led_pattern_with_a_look_ahead_for_its_first_characters(pattern, lead):
    assert quick(re.compile(pattern)).pattern == f"{lead}(?:{pattern})"


@pytest.mark.parametrize("pattern", [
    r"asylum",  # a literal first: re skips to it already
    r"[2-9]\d{2}",  # a class first: the same
    r"\b(?:x|)",  # can match empty
    r"(?<![\w.+-])[\w.+-]{1,64}@",  # starts with almost any character: a look-ahead would cost more
    r"\b[^a]b",  # a negated class: not followed
    r"(?im)^\s*thanks",  # global flags must lead the pattern: left alone, not broken
])
def test_quick_leaves_alone_what_it_cannot_or_need_not_speed_up(pattern):
    rx = re.compile(pattern)
    assert quick(rx) is rx


def test_a_case_insensitive_pattern_runs_lower_cased_over_lower_cased_text():
    assert Scan(re.compile(r"\bdeported\b", re.I)).lower
    capitals = Scan(re.compile(r"\b(?:I|US|SR)[- ]\d\D\S", re.I))
    assert capitals.lower and r"(?:i|us|sr)[- ]\d\D\S" in capitals.pattern.pattern  # escapes kept
    assert not Scan(re.compile(r"\bdeported\b")).lower
    assert not Scan(re.compile(r"(?P<Word>ICE) (?P=Word)", re.I)).lower  # group names run as written


def test_a_pattern_that_is_one_case_sensitive_group_runs_as_that_group():
    scan = Scan(re.compile(r"(?-i:\bICE\b)", re.I))
    assert not scan.lower and scan.needles == ("ICE",)
    assert scan.search("ICE agents", "ice agents") and not scan.search("ice cream", "ice cream")
    mixed = Scan(re.compile(r"(?-i:ICE)|ice age", re.I))  # two branches: not one group
    assert mixed.search("the Ice Age", "the ice age")


def _texts() -> list[str]:
    settings = from_dict({})
    texts = []
    for path in sorted(DEMO.glob("*.eml")):
        inp = from_mail(clean(parse(path.read_bytes(), settings.limits)))
        texts += [inp.everything, inp.words]
    # One line that each rule family should fire on, in mixed case.
    texts += ["Call 555-201-3344 or A-123-456-789, SSN 123-45-6789, DOB 1/2/80, Apt 4B",
              "He is UNDOCUMENTED; the Asylum hearing is TOMORROW. Click HERE to claim your prize!!!",
              "Sin papeles, mis hijos. AIDS clinic. 12-year-old. URGENT: right now"]
    return texts


TABLES = ([rx for _, _, rx in flags.SENSITIVE_RULES] + [rx for _, rx in urgency.URGENT_RULES]
          + [rx for *_, rx in spam.SPAM_RULES])


@pytest.mark.parametrize("rx", TABLES, ids=lambda rx: rx.pattern[:40])
def test_every_rule_finds_the_same_with_the_cheap_scan(rx):
    scan = Scan(rx)
    for text in _texts():
        assert bool(scan.search(text, text.lower())) == bool(rx.search(text)), text[:80]
