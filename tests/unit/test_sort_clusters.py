"""MinHash + LSH: paraphrases meet, different stories on one beat do not, and the
index never compares a new tip with every stored one."""
from __future__ import annotations

import numpy as np

from inbox.config import SortingSettings
from inbox.sort import clusters
from inbox.sort.clusters import LSHIndex, MinHasher, from_bytes, similarity, to_bytes, words

S = SortingSettings()
STORY = ("Polling place moved without notice. The county election office moved the precinct 14 polling place "
         "from Lincoln Elementary to the Grange hall on Route 9 and sent no letters to the 2,300 voters registered there.")
PARAPHRASE = ("Hi there,\nNobody told the voters! The election office moved precinct 14's polling place: it is no longer "
              "at Lincoln Elementary, now the Grange hall on Route 9. No letters went to the 2,300 registered voters.\n"
              "Thanks so much,\nDeb")
OTHER_STORY = ("Voter rolls purge letters. The county election office mailed letters to 800 voters in precinct 3 saying "
               "they will be removed from the rolls unless they answer within ten days.")

hasher = MinHasher()


def sig(text: str) -> np.ndarray:
    return hasher.signature(words(text))


def test_greetings_and_sign_offs_are_not_content():
    assert words("Hi there, thanks so much, best regards") == set()
    assert words("Ballots lost") == {"ballot", "lost"}


def test_a_paraphrase_from_another_reader_clears_the_join_threshold():
    assert similarity(sig(STORY), sig(PARAPHRASE)) >= S.cluster_join


def test_a_different_story_on_the_same_beat_stays_below_the_suggest_threshold():
    assert similarity(sig(STORY), sig(OTHER_STORY)) < S.cluster_suggest


def test_too_few_words_give_no_signature():
    assert hasher.signature(words("hi, see attached")) is None


def test_signatures_are_stable_across_processes_and_round_trip_as_bytes():
    again = MinHasher().signature(words(STORY))
    assert np.array_equal(sig(STORY), again)
    assert np.array_equal(from_bytes(to_bytes(again)), again)


def test_nearest_finds_the_paraphrase_among_many_and_looks_at_few(monkeypatch):
    index = LSHIndex()
    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(5000)]
    for key in range(2000):
        index.add(key, hasher.signature(set(rng.choice(vocab, 30, replace=False))))
    index.add(9999, sig(STORY))
    compared = []
    real = np.count_nonzero

    def counting(a, axis=None):
        if axis == 1:
            compared.append(a.shape[0])
        return real(a, axis=axis)

    monkeypatch.setattr(clusters.np, "count_nonzero", counting)
    found = index.nearest(sig(PARAPHRASE), S.cluster_suggest)
    assert [m.tip_id for m in found] == [9999]
    assert sum(compared) < 50  # of 2,001 stored tips


def test_adding_the_same_key_twice_is_harmless():
    index = LSHIndex()
    index.add(1, sig(STORY))
    index.add(1, sig(STORY))
    assert len(index) == 1
    assert [m.tip_id for m in index.nearest(sig(STORY), 0.99)] == [1]
