"""scripts/build_es_en.py without Apertium: its choices on analyser and dictionary streams written for
this test (the real ones need the Debian package apertium-eng-spa, a build-time tool only)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_es_en.py"
SPEC = importlib.util.spec_from_file_location("build_es_en", SCRIPT)
build_es_en = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(build_es_en)

# What lt-proc answers for four forms (analyses), and for their readings (-b: translations).
MORPH = ("^nada/nada<prn><ind><f><sg>/nadar<vblex><pri><p3><sg>$\n"
         "^los/el<det><def><m><pl>/prpers<prn><pro><p3><m><pl>$\n"
         "^despedidos/despedir<vblex><pp><m><pl>$\n^hospital/hospital<n><m><sg>$\n^podía/poder<vbmod><pii><p3><sg>$\n^humo/humo<n><m><sg>$\n")
BILINGUAL = {"nada<prn><ind><f><sg>": "nothing<prn>", "nadar<vblex><pri><p3><sg>": "swim<vblex>",
             "el<det><def><m><pl>": "the<det>", "prpers<prn><pro><p3><m><pl>": "prpers<prn>",
             "hospital<n><m><sg>": "hospital<n>", "poder<vbmod><pii><p3><sg>": "@poder<vbmod>",
             "humo<n><m><sg>": "smoke<n>/fume<n>",
             "despedir<vblex><pp><m><pl>": "sack<vblex>/give# off<vblex>"}
ZIPF = {"give": 6.0, "sack": 3.8, "nothing": 5.6, "swim": 4.2, "smoke": 4.6, "fume": 3.0, "hospital": 4.9}


def fake_lt_proc(args: list[str], lines: list[str]) -> str:
    if args[0] == "-b":
        return "".join(f"^{line[1:-1]}/{BILINGUAL[line[1:-1]]}$\n" for line in lines)
    return MORPH


def test_one_reading_the_most_common_in_english_and_function_words_marked(monkeypatch):
    monkeypatch.setattr(build_es_en, "lt_proc", fake_lt_proc)
    forms = ["despedidos", "nada", "los", "hospital", "podía", "humo", "kennett"]
    built = build_es_en.build(forms, {"los"}, lambda w: ZIPF.get(w, 0.0))
    rows = {form: (lemmas, function) for form, lemmas, function in built}
    assert rows["nada"] == (["nothing"], False)  # not swim (nadar), a rarer English word
    assert rows["humo"] == (["smoke"], False)
    assert rows["despedidos"] == (["sack"], False)  # a phrase ("give off") is no reading while a word is
    assert rows["los"] == ([], True)  # the, and the pronoun placeholder: no content word; a Spanish function word
    assert rows["podía"] == ([], False)  # known to the analyser, untranslated: no word at all
    assert "hospital" not in rows  # the same in both: kept as written without a row
    assert "kennett" not in rows  # unknown to the analyser


def test_english_lemma_of_a_multiword_reading():
    assert build_es_en.english("rush# forward<vblex><ifi><p3><sg>") == "rush forward"
