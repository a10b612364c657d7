"""The spam model shipped in the package: it loads, tells today's scams from a newsroom's mail,
is trained reproducibly, keeps no word, and gives way to the desk's own model as labels pile up."""
from __future__ import annotations

import importlib.util
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from inbox.config import Settings
from inbox.sort import Sorter, spam_base
from inbox.sort.text import SortInput

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "spam_corpus"
# Buckets when the shipped file was trained: "gift", "cards" and the pair; " gif", "gift", "ift ".
PINNED_WORDS = [386004, 749212, 135335]
PINNED_CHARS = [716691, 262021, 35844]


def mail(subject: str, text: str, sender: str = "someone@example.org") -> SortInput:
    return SortInput(subject=subject, new_text=text, full_text=text, sender=sender, sent_at=None)


# Written for these tests, not copied from the training corpus.
SCAMS = [
    mail("Are you around?", "Hi, are you around right now? I need you to pick up three Amazon gift cards of $200 for a "
         "client and send me the codes. I'm stuck in a meeting, keep this between us.", "boss.private.desk@gmail.example"),
    mail("Your parcel is waiting", "We tried to deliver your parcel but the address was incomplete. Pay the $1.95 "
         "redelivery fee within 24 hours or it goes back to the sender."),
    mail("Congratulations! Your newsroom has been selected", "Your organization has been selected for the 2027 Media "
         "Leadership Award. To confirm your award and your trophy, complete the form and pay the participation fee."),
]
HAM = [
    mail("This week at the county", "Here is this week's county newsletter: road work on Route 6, the library's new "
         "hours and the budget hearing on Tuesday. You are receiving this because you subscribed. Unsubscribe."),
    mail("Flooded underpass on Main", "The underpass on Main Street has been flooded since last night and cars are "
         "stuck. Nobody from the city has come. I live next to it and can send photos."),
    mail("Story idea: a school garden feeds 300 families", "Hi, I handle press for the district. Lincoln Elementary's "
         "garden gave produce to 300 families this fall; the principal and two students are free to talk Thursday."),
]


@pytest.fixture(scope="module")
def base():
    model = spam_base.shipped()
    assert model is not None, "inbox/sort/data/spam-base.npz is missing: run scripts/train_default_spam.py"
    return model


def test_the_shipped_model_loads_and_names_both_labels(base):
    assert set(base.labels) == {"ham", "spam"}


@pytest.mark.parametrize("inp", SCAMS, ids=["gift-cards", "parcel-fee", "vanity-award"])
def test_a_scam_the_model_never_saw_lands_in_spam(inp):
    sorting = Sorter(Settings()).analyse(inp)
    assert sorting.is_spam
    assert sorting.explanation["spam"]["base_model"] > 0.5


@pytest.mark.parametrize("inp", HAM, ids=["newsletter", "readers-tip", "pr-pitch"])
def test_a_newsletter_a_tip_and_a_pitch_stay_out_of_spam(inp):
    sorting = Sorter(Settings()).analyse(inp)
    assert not sorting.is_spam
    assert sorting.explanation["spam"]["base_model"] < 0.5


def test_switching_the_base_model_off_leaves_the_rules_alone():
    settings = Settings()
    off = replace(settings, sorting=replace(settings.sorting, base_spam_model=False))
    why = Sorter(off).analyse(SCAMS[0]).explanation["spam"]
    assert why["model"] is None and why["base_model"] is None


def test_the_desks_model_takes_a_growing_share_as_labels_of_both_kinds_arrive():
    assert spam_base.desk_share(None) == 0.0
    assert spam_base.desk_share({"ham": 500}) == 0.0  # one kind alone teaches nothing about spam
    assert spam_base.desk_share({"ham": 500, "spam": 10}) < spam_base.desk_share({"ham": 500, "spam": 300}) < 1.0
    assert spam_base.desk_share({"ham": 100, "spam": spam_base.DESK_HALF_WEIGHT}) == pytest.approx(0.5)
    assert spam_base.blend(0.9, None, 0.7) == 0.9
    assert spam_base.blend(None, 0.2, 0.0) == 0.2
    assert spam_base.blend(0.9, 0.1, 0.5) == pytest.approx(0.5)
    assert spam_base.blend(0.9, 0.1, 0.1) > 0.8


def _script():
    spec = importlib.util.spec_from_file_location("train_default_spam", REPO / "scripts" / "train_default_spam.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_training_twice_on_the_same_inputs_writes_the_same_bytes_and_the_file_scores_as_trained(tmp_path):
    script = _script()
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    meta = script.train(None, CORPUS, first)
    script.train(None, CORPUS, second)
    assert first.read_bytes() == second.read_bytes()
    assert meta["samples"]["project_spam"] >= 50 and meta["samples"]["project_ham"] >= 50
    texts, labels, weights, _ = script.training_set(None, CORPUS)
    trained = spam_base.untrained().fit(texts, labels, parallel=False, weights=weights)
    loaded = spam_base.read(first)
    probe = [inp.words for inp in SCAMS + HAM]
    assert np.allclose(loaded.predict_proba(probe), trained.predict_proba(probe), atol=1e-5)


def _corpus_words() -> set[str]:
    text = " ".join((CORPUS / f"{k}.txt").read_text(encoding="utf-8") for k in ("ham", "spam")).lower()
    return {w for w in "".join(c if c.isalpha() else " " for c in text).split() if len(w) >= 6}


def test_the_shipped_model_file_holds_no_word_of_what_it_learned_from():
    data = spam_base.BASE_FILE.read_bytes().lower()
    with zipfile.ZipFile(spam_base.BASE_FILE) as archive:
        names = sorted(archive.namelist())
        members = [archive.read(name).lower() for name in names]
    assert all(name.endswith(".npy") for name in names)
    words = _corpus_words()
    assert len(words) > 300  # the check reads real words: gift, invoice, newsletter ...
    leaked = [w for w in words if any(w.encode() in blob for blob in [data, *members])]
    assert leaked == []
    with np.load(spam_base.BASE_FILE, allow_pickle=False) as arrays:  # numbers only: nothing to unpickle
        assert all(arrays[name].dtype.kind in "iuf" for name in arrays.files)


def test_the_fast_scorer_gives_the_probabilities_of_the_model_it_reads(base):
    script = _script()
    texts = [text for _, raw in script.corpus_messages(CORPUS)[::7] if (text := script.words(raw))]
    texts += ["", "!!!", "  spaced\tout\n\nwords  ", "Ünïcödé wörds and ÉTÉ", "x" * 5000, "礼品卡 汇款 Перевод",
              "gift cards wire " * 3000]
    model = spam_base.read(spam_base.BASE_FILE)
    fast = np.array([base.scores(t)["spam"] for t in texts])
    assert np.allclose(fast, model.predict_proba(texts)[:, model.labels.index("spam")], atol=1e-6)


def test_only_the_first_max_chars_of_a_text_are_scored(base):
    head = (HAM[1].words + " ") * (spam_base.MAX_CHARS // len(HAM[1].words) + 1)
    tail = " gift cards wire transfer bitcoin urgent payment" * 200
    assert len(head) > spam_base.MAX_CHARS
    assert base.scores(head + tail)["spam"] == base.scores(head)["spam"]
    assert base.scores(tail)["spam"] > 0.5  # the tail alone would count


def test_the_base_model_reads_words_word_pairs_and_character_4_grams():
    parts = [(name, part.steps[0][1].get_params()) for name, part in spam_base.untrained().features.transformer_list]
    assert parts == [("words", {"analyzer": "word", "ngram_range": (1, 2)}),
                     ("chars", {"analyzer": "char", "ngram_range": (4, 4)})]


def test_word_grams_are_one_bucket_per_word_and_per_pair_whatever_the_case():
    words = lambda text: spam_base.grams(text, "word").tolist()  # noqa: E731
    assert len(words("Gift cards, a wire.")) == 3 + 2  # gift cards wire; gift+cards, cards+wire ("a" is no word)
    assert words("GIFT Cards") == words("gift cards")
    one = words("gift cards gift cards")
    assert len(set(one)) == 4 and len(one) == 7  # gift, cards, gift+cards, cards+gift; counted per occurrence
    assert words("gift cards")[2] != words("cards gift")[2]  # a pair's order counts
    assert words("") == [] and words("! ?") == []


@pytest.mark.parametrize("text", ["Gift cards, a wire.", "Ünïcödé wörds, 礼品卡 и Перевод; a b c d_e 42 x1 ab 😀x 😀xy",
                                  "x" * 30_000, "", "!!", "word"], ids=["plain", "scripts", "long", "empty", "no-word", "one"])
def test_word_hashes_are_the_polynomial_of_each_word_scikit_learns_token_pattern_finds(text):
    import re

    mod = 2 ** 32
    tokens = re.findall(r"(?u)\b\w\w+\b", text[:spam_base.MAX_CHARS].lower())
    expected = [sum(ord(ch) * pow(spam_base._P, i, mod) for i, ch in enumerate(token)) % mod for token in tokens]
    hashed = spam_base.word_hashes(spam_base.code_points(text)).tolist()
    assert hashed[:len(tokens)] == expected
    assert len(hashed) == max(2 * len(tokens) - 1, 0)  # then one per pair of neighbours


def test_a_lone_surrogate_in_a_text_is_scored_not_raised(base):
    assert 0.0 < base.scores("gift cards \udc80 now")["spam"] < 1.0


def test_char_grams_are_every_4_characters_of_the_text_with_its_spaces_collapsed():
    chars = lambda text: spam_base.grams(text, "char").tolist()  # noqa: E731
    assert len(chars("gift")) == len(" gift ") - 3
    assert chars("Gift  CARDS\n") == chars("gift cards")
    assert len(chars("gift cards")) == len(" gift cards ") - 3  # across the words' ends
    assert len(chars("ab")) == 1 and chars("a") == [] and chars("") == []  # " ab " is one 4-gram
    assert all(0 <= b < 2 ** 20 for b in chars("Ünïcödé 礼品卡 Перевод 😀" * 50))
    assert len(set(chars("abcdefghijklmnopqrstuvwxyz" * 2))) == 26 + 2  # one per distinct 4-gram: the 26 of the cycle, " abc", "xyz "


def test_the_buckets_are_those_the_shipped_file_was_trained_with():
    # If this changes, the shipped file no longer matches its scorer: run scripts/train_default_spam.py.
    assert spam_base.grams("gift cards", "word").tolist() == PINNED_WORDS
    assert spam_base.grams("gift", "char").tolist() == PINNED_CHARS


def test_scoring_with_the_shipped_model_never_imports_scikit_learn():
    import subprocess
    import sys

    code = ("import sys; from inbox.sort import spam_base; "
            "p = spam_base.shipped().scores('Are you available? I need gift cards.')['spam']; "
            "print(p > 0.5, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.split() == ["True", "False"]
