"""Build inbox/sort/data/es_en.tsv.gz, the Spanish-to-English word table the story index reads
(inbox.sort.crossling): a Spanish reader's account then shares content words with an English one.

    apt-get install apertium-eng-spa   # GPL-2: Apertium's Spanish analyser and Spanish-English dictionary
    pip install wordfreq               # its Spanish word list (the forms real text uses), frequency order
    python scripts/build_es_en.py

The most frequent Spanish word forms (wordfreq's list, alphabetic ones only) go through Apertium's
Spanish morphological analyser (lt-proc spa-eng.automorf.bin: "bomberos" -> bombero<n><m><pl>), and
every analysis through its bilingual dictionary (lt-proc -b spa-eng.autobil.bin: bombero<n> -> fireman).
Of all the English lemmas of a form's analyses and their translations, less English function words
(inbox.sort.clusters.STOP_WORDS), the row keeps the one most common in English (wordfreq's figures:
the most frequent sense, since a word table cannot read the context): "nada" is nothing, not swim
(nadar); "esposas" wives, not handcuffs. Every reading kept instead joined Spanish tips of different
stories on the rare English words of their common words' other senses (docs/stories.md). A form the
analyser knows with no content reading ("podía") maps to no word: kept as written, it would be a rare
word that only Spanish tips share; a form the same in both ("hospital") needs no row. A form whose every
analysis is a closed-class word (article, preposition, conjunction, pronoun, the auxiliaries ser and
haber) and that is some 30 times as frequent in Spanish as in English (wordfreq's figures: "de", "los",
"una"; not "a", "no", "me") is marked function: crossling counts a text's such words to tell a Spanish
tip from an English one. General knowledge of the two languages, not of any desk's mail; the same bytes
every build (with the same package versions). The table is derived from Apertium's GPL-2 data (the form
list from wordfreq's CC-BY-SA 4.0 frequencies): its licence is theirs (docs/stories.md).
"""
from __future__ import annotations

import argparse
import gzip
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.sort import clusters  # noqa: E402

APERTIUM = Path("/usr/share/apertium/apertium-eng-spa")
FORMS = 60_000  # the most frequent Spanish forms: a tip's words beyond these are mostly names
MORE_SPANISH = 1.5  # a function word tells Spanish only when 10**1.5 (about 30) times as frequent there as in English
CLOSED = {"det", "pr", "cnjcoo", "cnjsub", "cnjadv", "prn", "rel", "vbser", "vbhaver", "predet", "num"}
_ANALYSIS = re.compile(r"\^([^/$]*)((?:/[^/$]*)*)\$")


def lt_proc(args: list[str], lines: list[str]) -> str:
    """Apertium's lexical transducer over the lines, its stream back."""
    done = subprocess.run(["lt-proc", *args], input="\n".join(lines) + "\n", capture_output=True,
                          text=True, check=True)
    return done.stdout


def english(lemma_tags: str) -> str:
    """"fireman<n><sg>" -> "fireman"; a multiword "rush# forward<vblex>" -> "rush forward"."""
    return re.sub(r"<.*", "", lemma_tags).replace("#", "").strip().lower()


def build(forms: list[str], spanish_only: set[str],
          english_zipf: Callable[[str], float]) -> list[tuple[str, list[str], bool]]:
    """(form, English content lemmas, function word?) for each form Apertium knows; a form it knows
    but whose readings are all English function words (or untranslated) maps to no word at all."""
    analyses: dict[str, list[str]] = {}
    for surface, rest in _ANALYSIS.findall(lt_proc([str(APERTIUM / "spa-eng.automorf.bin")], forms)):
        found = [a for a in rest.split("/")[1:] if a and not a.startswith("*")]
        if found:
            analyses[surface] = found
    keys = sorted({a for found in analyses.values() for a in found})
    out = re.findall(r"\^([^$]*)\$", lt_proc(["-b", str(APERTIUM / "spa-eng.autobil.bin")],
                                              [f"^{k}$" for k in keys]))
    bilingual = dict(zip(keys, ([p for p in r.split("/")[1:] if p and not p.startswith("@")] for r in out)))
    rows = []
    for form in forms:
        if form not in analyses:
            continue
        readings = [english(t) for analysis in analyses[form] for t in bilingual.get(analysis, [])]
        single = [r for r in readings if " " not in r]  # "give off" is not give: a phrase only when no word
        lemmas: list[str] = []
        for reading in single or readings:
            for word in reading.split():
                if word not in clusters.STOP_WORDS and word.isalpha() and word != "prpers" and word not in lemmas:
                    lemmas.append(word)
        if lemmas:  # the most common reading only: "nada" is nothing, not swim; "esposas" wives, not manacles
            best = max(english_zipf(w) for w in lemmas)
            lemmas = [w for w in lemmas if english_zipf(w) == best]
        tags = [set(re.findall(r"<(\w+)>", a)) for a in analyses[form]]
        function = all(t & CLOSED for t in tags) and form in spanish_only
        if lemmas != [form] or function:  # "hospital" -> hospital: kept as written without a row
            rows.append((form, lemmas, function))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "inbox/sort/data/es_en.tsv.gz"))
    args = parser.parse_args()
    import wordfreq

    forms = [w for w in wordfreq.top_n_list("es", FORMS) if re.fullmatch(r"[a-záéíóúüñ]+", w)]
    spanish_only = {w for w in forms
                    if wordfreq.zipf_frequency(w, "es") - wordfreq.zipf_frequency(w, "en") >= MORE_SPANISH}
    rows = build(forms, spanish_only, lambda w: wordfreq.zipf_frequency(w, "en"))
    lines = ["# Spanish form\tEnglish content lemma\tf: a Spanish function word (scripts/build_es_en.py;"
             " from Apertium's apertium-eng-spa, GPL-2)\n"]
    lines += [f"{form}\t{' '.join(lemmas)}\t{'f' if function else ''}\n" for form, lemmas, function in rows]
    Path(args.out).write_bytes(gzip.compress("".join(lines).encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{args.out}: {len(rows)} forms, {sum(r[2] for r in rows)} function words")


if __name__ == "__main__":
    main()
