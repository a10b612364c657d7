"""Threads whatever the arrival order: a follow-up stored before its original joins it
when the original comes, the same-sender rule unchanged (SQLite + PostgreSQL)."""
from __future__ import annotations

from sqlalchemy import select

from inbox.config import ImportSettings, Settings
from inbox.models import Tip
from inbox.pipeline import Pipeline, Source
from tests.mailfactory import make_mail


ORIGINAL = make_mail(message_id="<o-1@example.org>", body="The landfill takes trucks after midnight.\n")
FOLLOW_UP = make_mail(message_id="<o-2@example.org>", in_reply_to="<o-1@example.org>", references="<o-1@example.org>",
                      subject="Re: landfill", body="Here are the plate numbers.\n")
# The reader's answer to the reporter's reply (which is not in the tip mailbox): it names the
# original only in References.
SECOND = make_mail(message_id="<o-3@example.org>", in_reply_to="<reporter-1@newsroom.example>",
                   references="<o-1@example.org> <reporter-1@newsroom.example>", subject="Re: Re: landfill",
                   body="And a photo of the gate log.\n")
STRANGER = make_mail(sender="Someone Else <else@example.net>", message_id="<x-1@example.net>",
                     in_reply_to="<o-1@example.org>", references="<o-1@example.org>", subject="Re: landfill",
                     body="Not true, I work there.\n")


def run(db, *raws, start_uid=1, batch_size=50):
    settings = Settings(imports=ImportSettings(processes=1, batch_size=batch_size))
    with Pipeline(settings, db, sorter=None, processes=1) as p:
        return list(p.process_many([(raw, Source("tips", "INBOX", 1, uid)) for uid, raw in enumerate(raws, start_uid)]))


def roots(db) -> dict[str, str | None]:
    with db() as s:
        tips = {t.id: t for t in s.scalars(select(Tip))}
        return {t.message_id: (tips[t.thread_root_id].message_id if t.thread_root_id else None) for t in tips.values()}


def test_follow_up_stored_before_its_original_joins_it_when_the_original_arrives(db):
    assert [o.status for o in run(db, FOLLOW_UP)] == ["stored"]
    assert [o.status for o in run(db, ORIGINAL, start_uid=2)] == ["stored"]
    assert roots(db) == {"o-1@example.org": None, "o-2@example.org": "o-1@example.org"}


def test_follow_up_earlier_in_the_same_batch_joins_its_original(db):
    run(db, SECOND, FOLLOW_UP, ORIGINAL)
    assert roots(db) == {"o-1@example.org": None, "o-2@example.org": "o-1@example.org",
                         "o-3@example.org": "o-1@example.org"}


def test_follow_ups_of_a_follow_up_move_with_it_under_the_original(db):
    third = make_mail(message_id="<o-4@example.org>", in_reply_to="<o-2@example.org>",
                      references="<o-2@example.org>", subject="Re: landfill", body="One more plate.\n")
    run(db, FOLLOW_UP, third)  # third joins FOLLOW_UP, which waits for its original
    assert roots(db) == {"o-2@example.org": None, "o-4@example.org": "o-2@example.org"}
    run(db, ORIGINAL, start_uid=3)
    assert roots(db) == {"o-1@example.org": None, "o-2@example.org": "o-1@example.org",
                         "o-4@example.org": "o-1@example.org"}


def test_strangers_reply_stored_first_never_joins_the_original(db):
    run(db, STRANGER)
    run(db, ORIGINAL, start_uid=2)
    assert roots(db) == {"o-1@example.org": None, "x-1@example.net": None}


def test_fetching_the_same_messages_again_after_a_crash_threads_once_and_stores_nothing_twice(db):
    run(db, FOLLOW_UP, SECOND)
    first = run(db, ORIGINAL, start_uid=3)
    again = run(db, FOLLOW_UP, SECOND, ORIGINAL)  # the same places: a re-fetch after a crash
    assert [o.status for o in again] == ["duplicate"] * 3
    assert again[2].tip_id == first[0].tip_id
    assert roots(db) == {"o-1@example.org": None, "o-2@example.org": "o-1@example.org",
                         "o-3@example.org": "o-1@example.org"}


def test_original_that_is_itself_a_follow_up_puts_its_earlier_follow_ups_under_its_own_root(db):
    reply_to_follow_up = make_mail(message_id="<o-5@example.org>", in_reply_to="<o-2@example.org>",
                                   references="<o-1@example.org> <o-2@example.org>", body="Last one.\n")
    run(db, ORIGINAL)
    run(db, reply_to_follow_up, start_uid=2)  # names o-1 in References: joins it at once
    run(db, FOLLOW_UP, start_uid=3)
    assert roots(db) == {"o-1@example.org": None, "o-2@example.org": "o-1@example.org",
                         "o-5@example.org": "o-1@example.org"}


def test_sort_all_threads_follow_ups_stored_unthreaded_by_the_code_before(db):
    from sqlalchemy import update

    from inbox.threads import rethread_stored

    run(db, ORIGINAL, FOLLOW_UP, SECOND, STRANGER)
    with db() as s, s.begin():  # as the code before stored a follow-up that came first
        s.execute(update(Tip).values(thread_root_id=None))
    with db() as s, s.begin():
        assert rethread_stored(s) == 2
    assert roots(db) == {"o-1@example.org": None, "o-2@example.org": "o-1@example.org",
                         "o-3@example.org": "o-1@example.org", "x-1@example.net": None}
    with db() as s, s.begin():
        assert rethread_stored(s) == 0  # nothing left to do: running it again changes nothing
