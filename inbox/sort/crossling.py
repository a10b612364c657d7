"""A Spanish tip's content words in English, so that readers of one event who write in two
languages share the words of what happened ("incendio", "humo", "bomberos": fire, smoke, fireman).

    crossling.spanish(text)     # True when the text is written in Spanish (its function words)
    crossling.in_english(text)  # each Spanish word that the table knows replaced by its English lemmas

The table (inbox/sort/data/es_en.tsv.gz, built by scripts/build_es_en.py from Apertium's Spanish
analyser and Spanish-English dictionary) maps some 36,600 frequent Spanish word forms to the English
lemmas of all their readings; a word it does not know (a name, a rare word) is kept as written. It is
read only for a text that is Spanish: the share of its words that are Spanish function words
("de", "los", "una", "pero"; none of them common in English) is at least SPANISH_SHARE. An English
tip's words are never touched. The story index then weighs the English words as it weighs any
(inbox.sort.stories), and the meaning table reads them too.
"""
from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "es_en.tsv.gz"
# Of a language's running words (wordfreq's frequencies), the share that are these Spanish function words:
# Spanish 0.45, Catalan 0.26, French 0.18, Portuguese 0.13, Italian and Dutch 0.10, German 0.01, English 0.001.
SPANISH_SHARE = 0.3  # Spanish, not a neighbour: a Romance text read through a Spanish table would mean other words
MIN_WORDS = 6  # fewer words than this tell no language
LANGUAGE_SAMPLE = 1500
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], frozenset[str]]:
    """Spanish form -> its English lemmas (space-separated, "" for a function word); the function words."""
    english: dict[str, str] = {}
    function: set[str] = set()
    if not TABLE.exists():
        return english, frozenset()
    with gzip.open(TABLE, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            form, lemmas, mark = line.rstrip("\n").split("\t")
            english[form] = lemmas
            if mark == "f":
                function.add(form)
    return english, frozenset(function)


def spanish(text: str) -> bool:
    """Whether a text is written in Spanish: enough of its first words are Spanish function words.

    Its first LANGUAGE_SAMPLE characters (some 250 words) tell: splitting a whole 3 KB text into
    words cost 0.09 ms, on every tip the worker stores."""
    words = _WORD.findall(text[:LANGUAGE_SAMPLE].lower())
    if len(words) < MIN_WORDS:
        return False
    function = _table()[1]
    return sum(w in function for w in words) >= SPANISH_SHARE * len(words)


def in_english(text: str) -> str:
    """The text with each Spanish word the table knows replaced by its English lemmas (lower case)."""
    english = _table()[0]

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        found = english.get(w.lower())
        return w if found is None else found

    return _WORD.sub(word, text)
