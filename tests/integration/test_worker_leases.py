"""Folder leases, health rows, backoff and error descriptions: the worker's rules without a server."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from inbox import syncstate
from inbox.config import ConfigError, MailboxSettings
from inbox.mail import imap
from inbox.models import FolderState
from inbox.worker import Backoff, describe


def test_one_owner_at_a_time_and_the_owner_renews(db):
    ref = syncstate.ensure_folder(db, "tips", "tips@example.org", "INBOX")
    assert syncstate.ensure_folder(db, "tips", "tips@example.org", "INBOX") == ref
    assert syncstate.acquire(db, ref, "a:1:x", 30)
    assert not syncstate.acquire(db, ref, "b:2:y", 30)
    assert syncstate.acquire(db, ref, "a:1:x", 30)  # renewal
    assert syncstate.save(db, ref, "a:1:x", uidvalidity=7, last_uid=42, lease_seconds=30)
    assert not syncstate.save(db, ref, "b:2:y", uidvalidity=7, last_uid=99, lease_seconds=30)
    assert syncstate.load(db, ref) == syncstate.SyncState(7, 42)


def test_an_expired_lease_is_taken_over_and_the_old_owner_cannot_save(db):
    ref = syncstate.ensure_folder(db, "tips", "", "INBOX")
    assert syncstate.acquire(db, ref, "a:1:x", 30)
    with db.begin() as s:
        s.execute(update(FolderState).values(lease_until=FolderState.lease_until - timedelta(seconds=31)))
    assert syncstate.acquire(db, ref, "b:2:y", 30)
    assert not syncstate.save(db, ref, "a:1:x", 1, 5, 30)
    assert not syncstate.acquire(db, ref, "a:1:x", 30)


def test_a_lease_of_a_dead_process_with_our_name_is_taken_at_once(db):
    ref = syncstate.ensure_folder(db, "tips", "", "INBOX")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = syncstate.new_owner("host-a")
    assert syncstate.acquire(db, ref, f"host-a:{dead.pid}:0000", 300)
    assert not syncstate.acquire(db, ref, syncstate.new_owner("host-b"), 300)  # another machine must wait
    assert syncstate.acquire(db, ref, mine, 300)
    # A live process of ours keeps its lease.
    assert not syncstate.acquire(db, ref, f"host-a:{os.getppid()}:1111", 300)


def test_release_frees_the_folder_for_the_next_worker(db):
    ref = syncstate.ensure_folder(db, "tips", "", "INBOX")
    assert syncstate.acquire(db, ref, "a:1:x", 300)
    syncstate.release(db, ref, "b:2:y")  # not the owner: no effect
    assert not syncstate.acquire(db, ref, "b:2:y", 300)
    syncstate.release(db, ref, "a:1:x")
    assert syncstate.acquire(db, ref, "b:2:y", 300)


def test_health_counts_failures_in_a_row_until_a_success(db):
    ref = syncstate.ensure_folder(db, "tips", "", "INBOX")
    syncstate.record_failure(db, ref.mailbox_id, "AuthError: login refused")
    syncstate.record_failure(db, ref.mailbox_id, "AuthError: login refused")
    (h,) = syncstate.health(db)
    assert (h.name, h.consecutive_failures, h.last_error, h.last_success_at) == ("tips", 2, "AuthError: login refused", None)
    syncstate.record_success(db, ref.mailbox_id, waiting=3)
    (h,) = syncstate.health(db)
    assert h.consecutive_failures == 0 and h.messages_waiting == 3 and h.last_success_at is not None
    assert h.last_error == "AuthError: login refused"  # kept as history
    assert [f[0] for f in h.folders] == ["INBOX"]


def test_backoff_doubles_with_jitter_up_to_the_cap():
    b = Backoff(1.0, 300.0)
    delays = [b.next() for _ in range(12)]
    for n, d in enumerate(delays):
        cap = min(300.0, 2.0**n)
        assert cap / 2 <= d <= cap
    assert len({round(d, 6) for d in delays[-3:]}) == 3  # jittered, not in lockstep
    b.reset()
    assert b.next() <= 1.0


def test_describe_never_carries_sql_parameters():
    exc = IntegrityError("INSERT INTO tips (subject) VALUES (?)", ("Secret source name",), Exception("UNIQUE failed"))
    text = describe(exc)
    assert "Secret source name" not in text and "INSERT" not in text
    assert "IntegrityError" in text


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(tls="ssl"), "tls"),
        (dict(tls="plain", host="imap.example.org"), "loopback"),
        (dict(after_store="delete"), "after_store"),
        (dict(after_store="move:"), "after_store"),
        (dict(folders=()), "folders"),
        (dict(since="last year"), "since"),
        (dict(name=""), "name"),
    ],
)
def test_unsafe_or_unworkable_mailbox_settings_are_refused(fields, message):
    box = MailboxSettings(**{"name": "tips", "host": "127.0.0.1", **fields})
    with pytest.raises(ConfigError, match=message):
        imap.check(box)


def test_since_date_takes_the_later_bound():
    today = date(2026, 11, 28)
    box = MailboxSettings(name="t", since="2026-01-01", backfill_days=30)
    assert imap.since_date(box, today) == date(2026, 10, 29)
    assert imap.since_date(MailboxSettings(name="t", since="2026-11-01", backfill_days=365), today) == date(2026, 11, 1)
    assert imap.since_date(MailboxSettings(name="t"), today) is None


def test_ensure_folder_is_idempotent_for_two_folders(db):
    a = syncstate.ensure_folder(db, "tips", "", "INBOX")
    b = syncstate.ensure_folder(db, "tips", "", "Archive")
    assert a.mailbox_id == b.mailbox_id and a.folder_id != b.folder_id
    with db() as s:
        assert len(s.scalars(select(FolderState)).all()) == 2


def test_the_example_config_mailboxes_pass_the_checks():
    from pathlib import Path

    from inbox import config

    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    env = {"INBOX_SECRET_KEY": "k", "INBOX_DATABASE_URL": "sqlite://", "INBOX_TIPS_PASSWORD": "pw", "INBOX_TIPS_TOKEN": "t",
           "INBOX_SMTP_PASSWORD": "pw"}
    settings = config.load(example, environ=env)
    assert [b.name for b in settings.mailboxes] == ["reporter", "tips"]
    for box in settings.mailboxes:
        imap.check(box)
    assert settings.mailboxes[0].password == "pw" and settings.mailboxes[1].oauth2_token == "t"
