"""Content words, and the story score over them: a paraphrase from another reader joins,
a different story on the same beat does not. (MinHash and its LSH index were replaced by
the story index in session 5: docs/stories.md.)"""
from __future__ import annotations

from datetime import datetime

from inbox.config import StorySettings
from inbox.sort import stories, stories_score
from inbox.sort.clusters import counts, words
from inbox.sort.stories_index import StoryIndex

S = StorySettings()
STORY = ("Polling place moved without notice. The county election office moved the precinct 14 polling place "
         "from Lincoln Elementary to the Grange hall on Route 9 and sent no letters to the 2,300 voters registered there.")
PARAPHRASE = ("Hi there,\nNobody told the voters! The election office moved precinct 14's polling place: it is no longer "
              "at Lincoln Elementary, now the Grange hall on Route 9. No letters went to the 2,300 registered voters.\n"
              "Thanks so much,\nDeb")
OTHER_STORY = ("Voter rolls purge letters. The county election office mailed letters to 800 voters in precinct 3 saying "
               "they will be removed from the rolls unless they answer within ten days.")
AT = datetime(2026, 11, 3, 9)


def p(first: str, second: str) -> float:
    index = StoryIndex(S.window_days)
    a, b = stories.features("", first), stories.features("", second)
    index.observe(2, b)
    story = index.add(1, a, AT, "a")
    return stories_score.sigmoid(stories_score.logit(index.evidence(b, index.vector(b), story, AT)))


def test_greetings_and_sign_offs_are_not_content():
    assert words("Hi there, thanks so much, best regards") == set()
    assert words("Ballots lost") == {"ballot", "lost"}
    assert counts("Wilkes-Barre ballots, more ballots") == {"wilkes-barre": 1, "ballot": 2}


def test_a_paraphrase_from_another_reader_clears_the_join_threshold():
    assert p(STORY, PARAPHRASE) >= S.join


def test_a_different_story_on_the_same_beat_stays_below_the_join_threshold():
    assert p(STORY, OTHER_STORY) < S.join


def test_too_few_words_give_no_features():
    assert stories.features("", "hi, see attached") is None
