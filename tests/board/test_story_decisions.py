"""An editor's word on two tips' story, given on the board (a suggestion accepted or dismissed,
a merge, a split), is recorded with the editor's id and recalibrates the story score as this
desk is configured, not as the defaults say."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.config import BoardSettings, Settings, SortingSettings, StorySettings
from inbox.models import ClusterSuggestion
from inbox.models.sorting import StoryCalibration, StoryDecision
from tests.board.factories import make_tip


@pytest.fixture
def settings(tmp_path):
    """A desk that recalibrates after every second decision (the default waits for ten)."""
    return Settings(data_dir=str(tmp_path), board=BoardSettings(secret_key="test-secret-key", secure_cookies=False),
                    sorting=SortingSettings(stories=StorySettings(recalibrate_after=2)))


def _suggested_pair(db) -> tuple[int, int, int]:
    with db() as s, s.begin():
        old = make_tip(s, subject="Water main burst on Elm St", sender="first@example.org", age_hours=5)
        new = make_tip(s, subject="Flooding near Elm and 5th", sender="second@example.org")
        row = ClusterSuggestion(tip_id=new.id, other_tip_id=old.id, similarity=0.4)
        s.add(row)
        s.flush()
        return old.id, new.id, row.id


def _decisions(db) -> list[tuple[str, int | None]]:
    with db() as s:
        return [(d.source, d.user_id) for d in s.scalars(select(StoryDecision).order_by(StoryDecision.id))]


def _calibrations(db) -> int:
    with db() as s:
        return len(s.scalars(select(StoryCalibration)).all())


def test_a_dismissal_then_a_merge_recalibrate_at_the_configured_count_with_the_editors_id(client_for, db, users):
    editor, editor_id = client_for("editor"), users["editor"][0]
    old, new, sid = _suggested_pair(db)
    assert editor.post(f"/tips/{new}/suggestions/{sid}/dismiss").status_code == 302
    assert _decisions(db) == [("dismissed", editor_id)]
    assert _calibrations(db) == 0  # one decision of the two this desk waits for
    assert editor.post(f"/tips/{new}/merge", {"into": str(old), "version": "1"}).status_code == 302
    assert _decisions(db) == [("dismissed", editor_id), ("merge", editor_id)]
    assert _calibrations(db) == 1


def test_an_accepted_suggestion_and_a_split_are_the_editors_too(client_for, db, users):
    editor, editor_id = client_for("editor"), users["editor"][0]
    old, new, sid = _suggested_pair(db)
    assert editor.post(f"/tips/{new}/suggestions/{sid}/accept").status_code == 302
    assert editor.post(f"/tips/{new}/merge", {"into": str(old), "version": "1"}).status_code == 302
    assert editor.post(f"/tips/{new}/split", {"version": "2"}).status_code == 302
    assert _decisions(db) == [("accepted", editor_id), ("merge", editor_id), ("split", editor_id)]
    assert _calibrations(db) == 1
