"""Meaning features: the distilled word-piece table, cut as the model's tokenizer cuts, and the topic model using it."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from inbox.sort import meaning
from inbox.sort.model import TextModel


@pytest.fixture(scope="module")
def table():
    return meaning.table()


def words(table, text):
    rows = {i: p for p, i in table.ids.items()}
    return [rows[i] for i in meaning.Embedder(table).piece_ids(text)]


def test_the_shipped_table_is_the_distilled_one_it_says_it_is(table):
    assert table.about["pieces"] == len(table.ids) == table.vectors.shape[0] == 30522
    assert table.vectors.shape[1] == table.dims == table.about["dims"]
    assert table.vectors.dtype == np.int8 and table.scale.shape == (table.dims,) and (table.scale > 0).all()
    assert "all-MiniLM-L6-v2" in table.about["source"]
    # BERT's uncased vocabulary, in its own order: the rows line up with the pieces.
    assert table.ids["[PAD]"] == 0 and table.ids["[UNK]"] == 100 and table.ids["the"] == 1996


def test_text_is_cut_as_bert_uncased_cuts_it(table):
    # The expected pieces are what the model's own tokenizer (Hugging Face tokenizers) gives,
    # less its [UNK]. Lower-cased, accents stripped, punctuation split off, longest piece first.
    assert words(table, "Café owners PROTEST!") == ["cafe", "owners", "protest", "!"]
    assert words(table, "gerrymandering") == ["gerry", "##man", "##der", "##ing"]
    assert words(table, "council's vote, 5-4") == ["council", "'", "s", "vote", ",", "5", "-", "4"]
    assert words(table, "移民") == ["民"]  # CJK characters one by one ("移" is not in the vocabulary)
    # What the tokenizer would call [UNK] (too long, or no piece fits) carries no meaning: left out.
    assert words(table, "x" * 101 + " tip") == ["tip"]
    assert words(table, "\x00\u200b") == []


def test_texts_about_one_thing_land_closer_than_texts_about_another(table):
    vectors = meaning.Embedder(table).embed([
        "Senate passes the state budget",
        "Lawmakers approve spending plan",
        "Storm floods coastal homes",
    ])
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > unrelated + 0.1


def test_a_text_with_no_known_piece_is_a_zero_row_and_no_text_is_no_row(table):
    embedder = meaning.Embedder(table)
    assert not embedder.embed([""]).any()
    assert embedder.embed([]).shape == (0, table.dims)
    # Mean of the pieces' rows, scaled back from int8.
    one = embedder.embed(["vote"])[0]
    row = table.vectors[table.ids["vote"]].astype(np.float32) * table.scale
    assert one == pytest.approx(row / np.linalg.norm(row), abs=1e-6)


def test_the_topic_model_reads_meaning_and_its_file_does_not_carry_the_table():
    texts = ["ballots lost at the polling place", "voters turned away at the precinct", "poll workers untrained",
             "hospital closing its emergency room", "nurses say the clinic is short staffed", "patients wait for beds"]
    labels = ["Elections"] * 3 + ["Health"] * 3
    model = TextModel.for_kind("topics").fit(texts, labels)
    assert [name for name, _ in model.features.transformer_list] == ["words", "chars", "meaning"]
    assert [name for name, _ in TextModel.for_kind("spam").features.transformer_list] == ["words", "chars"]
    # Words the training texts never used: only their meaning points at the right desk.
    words_only = TextModel().fit(texts, labels)
    assert words_only.scores("surgeon") == words_only.scores("referendum")  # both unknown: the same guess
    for text, desk in (("surgeon", "Health"), ("referendum", "Elections"), ("candidate", "Elections")):
        scores = model.scores(text)
        assert max(scores, key=scores.get) == desk and scores[desk] > 0.9, text
    assert len(pickle.dumps(model)) < 1_000_000


def test_a_model_trained_with_another_table_refuses_to_score():
    model = TextModel.for_kind("topics").fit(["vote here", "vote there", "sick here", "sick there"],
                                             ["Elections", "Elections", "Health", "Health"])
    features = dict(model.features.transformer_list)["meaning"]
    features.table_sha256 = "0" * 64
    with pytest.raises(ValueError, match="retrain"):
        model.scores("vote")
