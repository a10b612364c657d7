"""A tip older than the story index keeps (twice the window behind the newest it holds) is not
brought in by reading its signature row later, as it would be dropped again at the next
forgetting: the stories formed must not depend on when a process last read the table."""
from __future__ import annotations

from datetime import timedelta

from inbox.config import StorySettings
from inbox.models import TipSignature, utcnow
from inbox.sort.stories_store import StoryDesk
from tests.board.factories import make_tip
from tests.unit.test_sort_stories import FIRST, SECOND, feats


def _signed(session, subject: str, body: str, at) -> int:
    tip = make_tip(session, subject=subject, body=body)
    found = feats(subject, body)
    session.add(TipSignature(tip_id=tip.id, terms=found.terms_bytes(), meaning=found.meaning_bytes(), at=at))
    return tip.id


def test_a_row_read_after_its_tip_was_forgotten_does_not_bring_it_back(db):
    now = utcnow()
    desk = StoryDesk(StorySettings(window_days=14))
    with db() as s, s.begin():
        recent = _signed(s, "Depot fire", FIRST, now)
    with db() as s:
        desk.read_new(s)
    with db() as s, s.begin():  # stored late (a slow worker's batch), 40 days older than the newest
        old = _signed(s, "Old depot fire", SECOND, now - timedelta(days=40))
        fresh = _signed(s, "Depot fire again", SECOND, now - timedelta(days=1))
    with db() as s:
        desk.read_new(s)
    assert recent in desk.index.story_of and fresh in desk.index.story_of
    assert old not in desk.index.story_of
