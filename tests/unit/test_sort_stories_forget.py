"""Forgetting old stories drops each whole: the index ends as removing every member in turn left it."""
from __future__ import annotations

import copy
from datetime import timedelta

from inbox.sort.stories_index import StoryIndex
from tests.unit.test_sort_stories import ELSEWHERE, FIRST, SECOND, T0, THIRD, feats


def _state(index: StoryIndex) -> tuple:
    stories = {k: (s.tips, s.vector, s.kinds, s.counts, None if s.meaning is None else s.meaning.tolist(), s.times,
                   s.senders, s.first, s.latest) for k, s in index.stories.items()}
    members = {k: sorted(v) for k, v in index._members.items()}
    return stories, index.story_of, index.postings, members, index.df, index.docs, index.seen


def test_forgetting_old_stories_leaves_the_index_as_removing_their_tips_one_by_one_did():
    index = StoryIndex(14)
    texts = [("a", FIRST), ("b", SECOND), ("c", THIRD), ("d", ELSEWHERE)]
    old = index.add(1, feats(*texts[0]), T0, "a").key
    index.add(2, feats(*texts[1]), T0 + timedelta(days=1), "b", key=old)
    index.add(3, feats(*texts[2]), T0 + timedelta(days=2), "c", key=old)
    index.add(4, feats(*texts[3]), T0, "d")  # an old story of one
    recent = index.add(5, feats(*texts[1]), T0 + timedelta(days=40), "e").key
    index.add(6, feats(*texts[2]), T0 + timedelta(days=41), "f", key=recent)
    one_by_one = copy.deepcopy(index)
    for story in [s for s in one_by_one.stories.values() if s.last < T0 + timedelta(days=30)]:
        for tip in list(story.tips):
            one_by_one.remove(tip)

    assert index.forget_before(T0 + timedelta(days=30)) == 2
    assert _state(index) == _state(one_by_one)
    assert list(index.stories) == [recent] and set(index.story_of) == {5, 6}


def test_a_story_filed_over_another_is_forgotten_as_removing_its_tips_one_by_one_did():
    index = StoryIndex(14)
    first = index.add(1, feats("a", FIRST), T0, "a").key
    index.add(2, feats("b", SECOND), T0, "b", key=first)
    other = index.add(3, feats("c", THIRD), T0, "c").key
    index.add(4, feats("d", ELSEWHERE), T0 + timedelta(days=40), "d", key=other)
    index.rekey(first, other)  # filed over the story of 3 and 4: their tips now name a story without them
    one_by_one = copy.deepcopy(index)
    for story in [s for s in one_by_one.stories.values() if s.last < T0 + timedelta(days=30)]:
        for tip in list(story.tips):
            one_by_one.remove(tip)

    index.forget_before(T0 + timedelta(days=30))
    assert _state(index) == _state(one_by_one)
