"""Which of the rule tables' literal strings a text holds, found in one pass over it.

Every match of most rules must contain one of a few literal strings (text.needles), and
most rules match few tips: a rule whose strings are all absent is passed over without
its regex. Testing each rule's strings with `in` walks a text once a string: some 600
strings over a message's few texts, a hundred rules. An Aho-Corasick automaton of every
rule's strings (pyahocorasick) lists those a text holds, overlapping ones included, in
one pass; each text is scanned once, and every rule then asks a set.

The automaton is built once a process, when first used, from every Scan's strings
(the rule tables make theirs when imported); a Scan made later (a desk's topic
regexes) adds its strings, and the next use builds it again.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable

import ahocorasick

# Strings this short (".", "@", "in", "th") occur almost everywhere: the automaton would
# list every occurrence (two thirds of all it lists), and `in` finds the first one sooner.
SHORT = 2
# Texts remembered, by identity, with the strings each holds: a message's texts (its
# words, its whole text, its subject, lower-cased and not; the non-tip rules' head and
# tail) number about twenty.
REMEMBERED = 32
# A text asked about this many times is answered with `in` tests, the strings of each
# rule that asks; after that the automaton scans it. Most of a message's texts are
# asked about by a few rules (the case-sensitive flags' whole text, the non-tip rules'
# head and tail): half its characters, for a tenth of the tests.
TESTED = 4


class Literals:
    """Strings, each given an id, and which of them a text holds."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()
        self._built: tuple[ahocorasick.Automaton | None, tuple[tuple[str, int], ...], int] = (None, (), 0)
        self._seen: dict[int, list] = {}  # id(text) -> [text, strings then, times asked, ids held or None]

    def ids(self, strings: Iterable[str]) -> frozenset[int]:
        """The ids of strings, each given one the first time it is seen."""
        with self._lock:
            return frozenset(self._ids.setdefault(s, len(self._ids)) for s in strings)

    def any_in(self, ids: frozenset[int], strings: tuple[str, ...], text: str) -> bool:
        """Whether text holds one of strings (ids: theirs, from ids())."""
        seen = self._seen.get(id(text))
        if seen is None or seen[0] is not text or seen[1] != len(self._ids):
            seen = self._remember(text)
        if seen[3] is None:
            seen[2] += 1
            if seen[2] <= TESTED:
                return any(s in text for s in strings)
            seen[3] = self._held(text)
        return not ids.isdisjoint(seen[3])

    def _remember(self, text: str) -> list:
        seen = [text, len(self._ids), 0, None]  # the text is kept: its id cannot name another meanwhile
        with self._lock:
            if len(self._seen) >= REMEMBERED:
                del self._seen[next(iter(self._seen))]  # the oldest
            self._seen[id(text)] = seen
        return seen

    def _held(self, text: str) -> frozenset[int]:
        """The ids of every string text holds."""
        automaton, short, _ = self._automaton()
        found = {i for _, i in automaton.iter(text)} if automaton is not None else set()
        found.update(i for s, i in short if s in text)
        return frozenset(found)

    def _automaton(self) -> tuple[ahocorasick.Automaton | None, tuple[tuple[str, int], ...], int]:
        built = self._built
        if built[2] == len(self._ids):
            return built
        with self._lock:
            strings = dict(self._ids)
            automaton = ahocorasick.Automaton()
            for s, i in strings.items():
                if len(s) > SHORT:
                    automaton.add_word(s, i)
            automaton.make_automaton()
            short = tuple((s, i) for s, i in strings.items() if len(s) <= SHORT)
            self._built = (automaton if len(automaton) else None, short, len(strings))
            return self._built


LITERALS = Literals()
