"""The learned model: probabilities, versioned files with sidecars, and refusing files we did not write."""
from __future__ import annotations

import json

import pytest

from inbox.sort.model import TextModel, UnsafeModelFile, load_model, train_and_save

TEXTS = [
    "ballots lost at the polling place", "voters turned away at the precinct", "election office moved the polls",
    "early voting lines four hours long", "poll workers not trained on machines", "absentee ballots never arrived",
    "hospital closing its emergency room", "nurses say the clinic is short staffed", "measles outbreak at daycare",
    "patients waiting days for beds", "nursing home residents neglected", "pharmacy out of insulin again",
]
LABELS = ["Elections"] * 6 + ["Health"] * 6


def test_probabilities_are_calibrated_rows_that_rank_the_right_label_first():
    model = TextModel().fit(TEXTS, LABELS)
    assert model.calibrated
    probs = model.predict_proba(["the polling place ran out of ballots", "the clinic has no nurses"])
    assert probs.shape == (2, 2)
    assert probs.sum(axis=1) == pytest.approx([1.0, 1.0])
    scores = model.scores("voters and ballots at the precinct")
    assert max(scores, key=scores.get) == "Elections"


def test_too_few_examples_per_label_still_give_probabilities():
    model = TextModel().fit(TEXTS[:2] + TEXTS[6:8], LABELS[:2] + LABELS[6:8])
    assert not model.calibrated
    scores = model.scores("ballots")
    assert sum(scores.values()) == pytest.approx(1.0)


def test_one_label_is_not_enough_to_train():
    with pytest.raises(ValueError):
        TextModel().fit(TEXTS[:6], LABELS[:6])


def test_saved_model_has_a_sidecar_and_loads_back(tmp_path):
    _, saved = train_and_save(tmp_path, "topics", 3, TEXTS, LABELS)
    sidecar = json.loads((tmp_path / saved.filename).with_suffix(".json").read_text())
    assert sidecar["version"] == 3 and sidecar["labels"] == {"Elections": 6, "Health": 6}
    assert sidecar["data_sha256"] == saved.data_sha256 and sidecar["samples"] == 12
    model = load_model(tmp_path, saved.filename, saved.file_sha256)
    assert model.labels == ["Elections", "Health"]


def test_a_file_that_changed_since_we_wrote_it_is_never_unpickled(tmp_path):
    _, saved = train_and_save(tmp_path, "spam", 1, TEXTS, LABELS)
    path = tmp_path / saved.filename
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(UnsafeModelFile):
        load_model(tmp_path, saved.filename, saved.file_sha256)


IDENTITIES = ["Rosalind Okonkwo-Pereira", "555-867-5309", "rosalind.okp@example.org", "Quillfeather"]


def test_a_saved_model_holds_no_word_of_the_tips_it_learned_from(tmp_path):
    import joblib

    texts = [f"{t}. Call me, Rosalind Okonkwo-Pereira, at 555-867-5309 or rosalind.okp@example.org; "
             f"my neighbour Quillfeather saw it too" for t in TEXTS]
    model, saved = train_and_save(tmp_path, "topics", 1, texts, LABELS)
    assert model.scores("ballots at the precinct")["Elections"] > 0.5  # it still learned the topics
    data = (tmp_path / saved.filename).read_bytes().lower()
    _, plain = train_and_save(tmp_path, "topics", 2, TEXTS, LABELS)  # the same model's own names ("FeatureUnion")
    baseline = (tmp_path / plain.filename).read_bytes().lower()
    pieces = {w.lower() for identity in IDENTITIES for w in identity.replace("-", " ").replace("@", " ").split()}
    grams = {p[i:i + 4] for p in pieces if len(p) >= 6 for i in range(len(p) - 3)}  # the char 4-grams too
    assert [p for p in pieces | grams if p.encode() in data and p.encode() not in baseline] == []
    assert all(p.encode() not in data for p in pieces)
    loaded = joblib.load(tmp_path / saved.filename)
    kept = [part for _, part in loaded.features.transformer_list]
    assert not any(hasattr(step, "vocabulary_") for part in kept for step in getattr(part, "steps", [(None, part)])
                   for step in [step[1]])


def test_training_texts_leave_out_the_senders_name_phones_and_addresses():
    from inbox.sort.learn import without_identity

    text = "Subject\nRosalind Okonkwo-Pereira here: call 555-867-5309 or +1 (555) 867 5309, rosalind.okp@example.org. The ballots were lost."
    kept = without_identity(text, "Rosalind Okonkwo-Pereira")
    assert "ballots were lost" in kept
    assert not any(piece.lower() in kept.lower() for piece in ("Rosalind", "Okonkwo", "555", "867", "@"))
