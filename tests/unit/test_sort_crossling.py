"""A Spanish reader's account meets an English one through the shipped Spanish-English word table
(inbox.sort.crossling); an English tip is never translated. Every text here was written for these tests."""
from __future__ import annotations

from datetime import datetime

from inbox.sort import clusters, crossling, stories
from inbox.sort.stories_index import StoryIndex
from tests.unit.test_sort_stories_accounts import BACKGROUND

# A fire in a laundromat on Calloway Avenue, told by two readers: one in Spanish, one in English.
SPANISH = ("Incendio en la lavandería",
           "Hola, esta noche hubo un incendio en la lavandería de la avenida Calloway. Los bomberos llegaron "
           "rápido pero el humo llenó todo el edificio y los vecinos tuvieron que salir a la calle con sus niños. "
           "Dicen que la secadora se quemó.\n")
ENGLISH = ("Laundromat fire on Calloway",
           "There was a fire at the laundromat on Calloway Avenue tonight. Thick smoke filled the whole building, "
           "the neighbors had to go out on the street with their kids. Firemen were there fast.\n")
# Other tips a desk has seen, so that the common words are not rare (the story tests' own).
T0 = datetime(2026, 2, 3, 21)


def test_a_spanish_text_is_told_from_an_english_one():
    assert crossling.spanish(SPANISH[1])
    assert not crossling.spanish(ENGLISH[1])
    # an English tip naming a Spanish place or quoting a phrase is still English
    assert not crossling.spanish("The Casa de la Cultura on Elm Street closed its doors last week without notice "
                                 "to the families who use it every day.")
    assert not crossling.spanish("incendio en la calle")  # too few words to tell
    # its neighbours share some of its function words, not enough of them: a Spanish table would misread them
    assert not crossling.spanish("Ontem à noite houve um incêndio na lavandaria da avenida Calloway, os bombeiros "
                                 "chegaram depressa mas o fumo encheu o prédio e os vizinhos saíram para a rua.")
    assert not crossling.spanish("Hier soir il y a eu un incendie à la laverie de l'avenue Calloway, les pompiers "
                                 "sont arrivés vite mais la fumée a rempli tout l'immeuble et les voisins sont sortis.")


def test_spanish_words_become_english_lemmas_and_names_stay():
    words = clusters.counts(crossling.in_english(SPANISH[1]))
    assert {"fire", "smoke", "building"} <= set(words)
    assert "calloway" in words  # a word the table does not know is kept as written
    assert not {"los", "la", "hubo", "incendio", "humo"} & set(words)  # function words and Spanish forms are gone


def test_the_two_accounts_share_content_words_only_through_the_table(monkeypatch):
    def content_cosine() -> float:
        index = StoryIndex(14)
        for i, (subject, body) in enumerate(BACKGROUND):
            index.observe(100 + i, stories.features(subject, body))
        english, spanish = stories.features(*ENGLISH), stories.features(*SPANISH)
        index.observe(1, english)
        index.observe(2, spanish)
        story = index.add(1, english, T0, "", None, index.vector(english))
        return index.evidence(spanish, index.vector(spanish), story, T0).content

    translated = content_cosine()
    monkeypatch.setattr(crossling, "spanish", lambda text: False)
    assert translated > 2 * max(content_cosine(), 0.05)


def test_an_english_tip_is_never_translated():
    # "red", "sin" and "pie" are Spanish words too (net, without, foot): an English tip keeps them
    body = ("The red pie truck parked outside the bakery on Fulton Street every morning is a sin, "
            "the neighbors say, blocking the crosswalk for the school kids.\n")
    assert not crossling.spanish(body)
    hashes = set(stories.features("red truck", body).hashes.tolist())
    assert {stories.term_hash(w) for w in ("red", "pie", "sin", "bakery")} <= hashes
    assert stories.term_hash("network") not in hashes


def test_the_language_is_told_by_the_texts_start():
    english = ENGLISH[1] * 8  # some 1,700 characters of English
    assert not crossling.spanish(english + SPANISH[1] * 4)
    assert crossling.spanish(SPANISH[1] * 4 + english)
