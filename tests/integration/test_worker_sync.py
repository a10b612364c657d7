"""The worker's sync against a real Dovecot, in-process, on SQLite and PostgreSQL (`db`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from inbox import worker
from inbox.config import ImportSettings, LimitsSettings, Settings, WorkerSettings
from inbox.models import FolderState, Mailbox, Quarantined, Sighting, Tip
from tests.integration.conftest import mailbox, new_user
from tests.integration.dovecot import message

pytestmark = pytest.mark.dovecot


def settings_for(*boxes, **limits) -> Settings:
    # One process: the pool's start-up would dominate these small syncs.
    return Settings(
        imports=ImportSettings(processes=1, batch_size=50),
        limits=LimitsSettings(**limits),
        worker=WorkerSettings(backoff_min_seconds=0.1),
        mailboxes=tuple(boxes),
    )


def count(db, model, *where) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def folder_state(db, name: str, folder: str = "INBOX") -> FolderState:
    with db() as s:
        return s.scalar(select(FolderState).join(Mailbox).where(Mailbox.name == name, FolderState.folder == folder))


def mailbox_row(db, name: str) -> Mailbox:
    with db() as s:
        return s.scalar(select(Mailbox).where(Mailbox.name == name))


@pytest.mark.parametrize("tls", ["tls", "plain"])
def test_once_stores_every_message_and_records_the_sync(db, dovecot, mail_user, tls):
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(120)])
    box = mailbox(dovecot, mail_user, tls=tls, batch_count=25)
    assert worker.run(settings_for(box), db, once=True) == 0
    assert count(db, Tip) == 120
    assert count(db, Sighting) == 120
    state = folder_state(db, mail_user)
    assert state.last_uid == 120
    assert state.uidvalidity == dovecot.status(mail_user, "INBOX")["UIDVALIDITY"]
    assert state.owner is None  # released on a clean exit
    health = mailbox_row(db, mail_user)
    assert health.last_success_at is not None
    assert (health.consecutive_failures, health.messages_waiting, health.last_error) == (0, 0, None)


def test_a_second_pass_fetches_only_new_mail(db, dovecot, mail_user):
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(5)])
    settings = settings_for(mailbox(dovecot, mail_user))
    worker.run(settings, db, once=True)
    worker.run(settings, db, once=True)
    assert count(db, Sighting) == 5
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(5, 8)])
    worker.run(settings, db, once=True)
    assert count(db, Tip) == 8
    assert count(db, Sighting) == 8
    assert folder_state(db, mail_user).last_uid == 8


def test_read_only_mode_leaves_every_flag_and_the_count(db, dovecot, mail_user):
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(10)])
    with dovecot.client(mail_user) as c:
        c.select_folder("INBOX")
        c.add_flags([3], [b"\\Seen"])
        c.add_flags([7], [b"\\Flagged", b"$Important"])
    before = dovecot.flags(mail_user, "INBOX")
    assert worker.run(settings_for(mailbox(dovecot, mail_user, after_store="none")), db, once=True) == 0
    assert count(db, Tip) == 10
    assert dovecot.flags(mail_user, "INBOX") == before
    assert dovecot.status(mail_user, "INBOX")["MESSAGES"] == 10


def test_move_mode_moves_exactly_the_stored_messages(db, dovecot, mail_user):
    # Message 3 is over the size limit: quarantined, so it stays in the INBOX.
    msgs = [message(i) for i in range(6)]
    msgs[3] = message(3, body="x" * 5000)
    dovecot.append(mail_user, "INBOX", msgs)
    dovecot.append(mail_user, "Stored", [])
    box = mailbox(dovecot, mail_user, after_store="move:Stored", batch_count=2)
    assert worker.run(settings_for(box, max_message_bytes=4000), db, once=True) == 0
    assert count(db, Tip) == 5
    assert count(db, Quarantined) == 1
    assert sorted(dovecot.flags(mail_user, "INBOX")) == [4]
    assert dovecot.status(mail_user, "Stored")["MESSAGES"] == 5


def test_flag_seen_mode_marks_the_stored_messages_seen(db, dovecot, mail_user):
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(4)])
    assert worker.run(settings_for(mailbox(dovecot, mail_user, after_store="flag-seen")), db, once=True) == 0
    flags = dovecot.flags(mail_user, "INBOX")
    assert len(flags) == 4 and all(b"\\Seen" in f for f in flags.values())


def test_folder_recreated_with_new_uidvalidity_gives_no_duplicate_tips(db, dovecot, mail_user):
    msgs = [message(i) for i in range(20)]
    dovecot.append(mail_user, "Tips", msgs)
    settings = settings_for(mailbox(dovecot, mail_user, folders=("Tips",)))
    worker.run(settings, db, once=True)
    old = folder_state(db, mail_user, "Tips").uidvalidity
    dovecot.recreate_folder(mail_user, "Tips")
    dovecot.append(mail_user, "Tips", msgs)
    assert worker.run(settings, db, once=True) == 0
    state = folder_state(db, mail_user, "Tips")
    assert state.uidvalidity != old
    assert state.last_uid == 20
    assert count(db, Tip) == 20
    # The same tips, seen again under the new UIDVALIDITY.
    assert count(db, Sighting, Sighting.uidvalidity == state.uidvalidity) == 20
    assert count(db, Sighting) == 40


def test_since_bounds_the_first_sync_but_not_later_ones(db, dovecot, mail_user):
    old = datetime(2025, 6, 1, tzinfo=timezone.utc)
    new = datetime.now(timezone.utc) - timedelta(days=1)
    dovecot.append(mail_user, "INBOX", [{"msg": message(i), "date": old} for i in range(3)])
    dovecot.append(mail_user, "INBOX", [{"msg": message(i), "date": new} for i in range(3, 5)])
    settings = settings_for(mailbox(dovecot, mail_user, since="2026-01-01", backfill_days=30))
    worker.run(settings, db, once=True)
    assert count(db, Tip) == 2
    dovecot.append(mail_user, "INBOX", [{"msg": message(9), "date": old}])
    worker.run(settings, db, once=True)
    assert count(db, Tip) == 3  # new UIDs are read whatever their date


def test_login_failures_are_recorded_as_mailbox_health(db, dovecot, mail_user):
    settings = settings_for(mailbox(dovecot, mail_user, password="wrong"))
    assert worker.run(settings, db, once=True) == 1
    assert worker.run(settings, db, once=True) == 1
    health = mailbox_row(db, mail_user)
    assert health.consecutive_failures == 2
    assert "login refused" in health.last_error and "AUTHENTICATIONFAILED" in health.last_error
    assert health.last_success_at is None
    dovecot.append(mail_user, "INBOX", [message(1)])
    assert worker.run(settings_for(mailbox(dovecot, mail_user)), db, once=True) == 0
    health = mailbox_row(db, mail_user)
    assert health.consecutive_failures == 0 and health.last_success_at is not None


def test_one_failing_mailbox_does_not_stop_the_others(db, dovecot, mail_user):
    other = new_user(dovecot)
    dovecot.append(other, "INBOX", [message(i, tag=other) for i in range(3)])
    broken = mailbox(dovecot, mail_user, password="wrong")
    unreachable = mailbox(dovecot, new_user(dovecot), name="gone", port=1, timeout_seconds=2)
    assert worker.run(settings_for(broken, unreachable, mailbox(dovecot, other)), db, once=True) == 1
    assert count(db, Tip) == 3
    assert mailbox_row(db, other).consecutive_failures == 0
    assert mailbox_row(db, mail_user).consecutive_failures == 1
    assert "ConnectionRefused" in mailbox_row(db, "gone").last_error


def test_a_folder_leased_by_a_live_worker_is_left_alone(db, dovecot, mail_user):
    from inbox import syncstate

    dovecot.append(mail_user, "INBOX", [message(1)])
    ref = syncstate.ensure_folder(db, mail_user, "", "INBOX")
    assert syncstate.acquire(db, ref, "elsewhere:1:abc", 60)
    assert worker.run(settings_for(mailbox(dovecot, mail_user)), db, once=True) == 0
    assert count(db, Tip) == 0
    assert folder_state(db, mail_user).owner == "elsewhere:1:abc"


def test_status_prints_each_mailbox_health(dovecot, mail_user, tmp_path, capsys):
    from inbox import cli
    from tests.integration.conftest import write_config
    from tests.integration.proc import migrated_sqlite

    url = migrated_sqlite(tmp_path)
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(3)])
    boxes = [mailbox(dovecot, mail_user), mailbox(dovecot, new_user(dovecot), name="desk", password="wrong")]
    config = str(write_config(tmp_path / "config.toml", url, boxes))
    assert cli.main(["--config", config, "worker", "--once"]) == 1  # one mailbox failed
    capsys.readouterr()
    assert cli.main(["--config", config, "status"]) == 0
    out = capsys.readouterr().out
    assert f"{mail_user}: ok; last sync " in out and "INBOX: uidvalidity" in out and "last uid 3" in out
    assert "desk: FAILING" in out and "failures in a row 1" in out and "AUTHENTICATIONFAILED" in out
    assert cli.main(["--config", config, "status", "--fail-stale-minutes", "60"]) == 1


def test_xoauth2_login_syncs_with_the_right_token_and_records_a_wrong_one(db, dovecot):
    from dataclasses import replace

    wrong = mailbox(dovecot, "bot@example.org", tls="tls", name="bot", password="", oauth2_token="ya29.EXPIRED")
    assert worker.run(settings_for(wrong), db, once=True) == 1
    health = mailbox_row(db, "bot")
    assert health.consecutive_failures == 1 and "login refused" in health.last_error
    assert worker.run(settings_for(replace(wrong, oauth2_token="ya29.TEST-TOKEN")), db, once=True) == 0
    health = mailbox_row(db, "bot")
    assert health.consecutive_failures == 0 and health.last_success_at is not None
    assert folder_state(db, "bot").uidvalidity is not None


def test_an_unexpected_error_is_recorded_without_its_text_and_the_folder_retried(db, dovecot, mail_user, monkeypatch):
    from inbox import pipeline as pipeline_mod

    real = pipeline_mod.Pipeline.process_many
    calls = []

    def breaks_once(self, items):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("pool broke while reading 'Secret source name'")
        return real(self, items)

    monkeypatch.setattr(pipeline_mod.Pipeline, "process_many", breaks_once)
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(3)])
    assert worker.run(settings_for(mailbox(dovecot, mail_user)), db, once=True) == 0
    assert count(db, Tip) == 3
    health = mailbox_row(db, mail_user)
    assert health.last_error == "unexpected RuntimeError"
    assert health.consecutive_failures == 0 and health.last_success_at is not None
