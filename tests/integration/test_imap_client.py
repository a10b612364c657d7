"""inbox/mail/imap.py against a real Dovecot: transports, logins, batches, read-only, moves, IDLE."""
from __future__ import annotations

import ssl
import threading
import time

import pytest

from inbox.config import ConfigError, MailboxSettings
from inbox.mail import imap
from tests.integration.conftest import mailbox, new_user
from tests.integration.dovecot import message

pytestmark = pytest.mark.dovecot


@pytest.mark.parametrize("tls", ["tls", "starttls", "plain"])
def test_login_over_each_transport_with_pinned_certificate(dovecot, mail_user, tls):
    dovecot.append(mail_user, "INBOX", [message(1)])
    client = imap.connect(mailbox(dovecot, mail_user, tls=tls))
    try:
        info = imap.open_folder(client, "INBOX", readonly=True)
        assert info.exists == 1
        assert (tls != "plain") == client._imap.sock.__class__.__name__.startswith("SSL")
    finally:
        imap.close(client)


@pytest.mark.parametrize("tls", ["tls", "starttls"])
def test_self_signed_certificate_is_rejected_without_the_pin(dovecot, mail_user, tls):
    with pytest.raises(ssl.SSLCertVerificationError):
        imap.connect(mailbox(dovecot, mail_user, tls=tls, ca_file=""))


def test_plaintext_to_a_remote_host_is_refused_before_connecting():
    with pytest.raises(ConfigError, match="loopback"):
        imap.connect(MailboxSettings(name="tips", host="imap.example.org", port=143, tls="plain", username="u"))
    assert imap.is_loopback("127.0.0.1") and imap.is_loopback("::1") and imap.is_loopback("localhost")
    assert not imap.is_loopback("10.0.0.1")


def test_bad_password_raises_auth_error(dovecot, mail_user):
    with pytest.raises(imap.AuthError, match="AUTHENTICATIONFAILED|[Aa]uthentication failed"):
        imap.connect(mailbox(dovecot, mail_user, password="wrong"))


def test_xoauth2_login_accepts_the_right_token_and_refuses_a_wrong_one(dovecot):
    right = mailbox(dovecot, "bot@example.org", tls="tls", password="", oauth2_token="ya29.TEST-TOKEN")
    imap.close(imap.connect(right))
    wrong = mailbox(dovecot, "bot@example.org", tls="tls", password="", oauth2_token="ya29.EXPIRED")
    with pytest.raises(imap.AuthError):
        imap.connect(wrong)


def test_token_command_stdout_is_the_token(dovecot, tmp_path):
    script = tmp_path / "token.sh"
    script.write_text("#!/bin/sh\necho ya29.FROM-COMMAND\n")
    script.chmod(0o700)
    box = mailbox(dovecot, "cmd@example.org", password="", oauth2_token_command=str(script))
    imap.close(imap.connect(box))
    failing = mailbox(dovecot, "cmd@example.org", password="", oauth2_token_command="false")
    with pytest.raises(imap.AuthError, match="secret command failed"):
        imap.connect(failing)


def test_new_uids_ignores_the_highest_uid_returned_by_the_star_quirk(dovecot, mail_user):
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(3)])
    client = imap.connect(mailbox(dovecot, mail_user))
    try:
        imap.open_folder(client, "INBOX", readonly=True)
        assert imap.new_uids(client, 0) == [1, 2, 3]
        assert client.search(["UID", "4:*"]) == [3]  # the quirk itself, still there
        assert imap.new_uids(client, 3) == []
        assert imap.new_uids(client, 1) == [2, 3]
    finally:
        imap.close(client)


def test_batches_are_capped_by_count_and_by_total_size(dovecot, mail_user):
    big = "x" * 10_000
    dovecot.append(mail_user, "INBOX", [message(i, body=big if i % 2 else "") for i in range(10)])
    client = imap.connect(mailbox(dovecot, mail_user))
    try:
        imap.open_folder(client, "INBOX", readonly=True)
        uids = imap.new_uids(client, 0)
        assert [len(b) for b in imap.batches(client, uids, 4, 10**9)] == [4, 4, 2]
        by_size = list(imap.batches(client, uids, 100, 25_000))
        assert sum(by_size, []) == uids
        sizes = client.fetch(uids, ["RFC822.SIZE"])
        for batch in by_size:
            total = sum(sizes[u][b"RFC822.SIZE"] for u in batch)
            assert total <= 25_000 or len(batch) == 1
        assert len(by_size) >= 3
    finally:
        imap.close(client)


def test_read_only_fetch_leaves_flags_and_count_as_they_were(dovecot, mail_user):
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(5)])
    with dovecot.client(mail_user) as c:
        c.select_folder("INBOX")
        c.add_flags([2], [b"\\Flagged"])
    before = dovecot.flags(mail_user, "INBOX")
    client = imap.connect(mailbox(dovecot, mail_user))
    try:
        imap.open_folder(client, "INBOX", readonly=True)
        got = imap.fetch(client, imap.new_uids(client, 0))
        imap.after_store(client, [u for u, _ in got], "none")
    finally:
        imap.close(client)
    assert [u for u, _ in got] == [1, 2, 3, 4, 5]
    assert got[0][1].startswith(b"From: Reader 0")
    assert dovecot.flags(mail_user, "INBOX") == before
    assert all(b"\\Seen" not in f for f in before.values())


@pytest.mark.parametrize("how", ["move", "copy-delete-expunge"])
def test_move_moves_exactly_the_given_uids(dovecot, mail_user, how):
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(6)])
    dovecot.append(mail_user, "Stored", [])
    with dovecot.client(mail_user) as c:
        c.select_folder("INBOX")
        c.add_flags([6], [b"\\Deleted"])  # someone else's pending delete: must survive our expunge
    client = imap.connect(mailbox(dovecot, mail_user))
    try:
        imap.open_folder(client, "INBOX", readonly=False)
        if how == "move":
            imap.after_store(client, [2, 4], "move:Stored")
        else:
            imap.move_by_copy(client, [2, 4], "Stored")
    finally:
        imap.close(client)
    assert sorted(dovecot.flags(mail_user, "INBOX")) == [1, 3, 5, 6]
    assert dovecot.status(mail_user, "Stored")["MESSAGES"] == 2


def test_flag_seen_marks_only_the_given_uids(dovecot, mail_user):
    dovecot.append(mail_user, "INBOX", [message(i) for i in range(3)])
    client = imap.connect(mailbox(dovecot, mail_user))
    try:
        imap.open_folder(client, "INBOX", readonly=False)
        imap.after_store(client, [1, 3], "flag-seen")
    finally:
        imap.close(client)
    seen = {uid for uid, flags in dovecot.flags(mail_user, "INBOX").items() if b"\\Seen" in flags}
    assert seen == {1, 3}


def test_idle_wait_wakes_on_new_mail(dovecot, mail_user):
    client = imap.connect(mailbox(dovecot, mail_user))
    try:
        imap.open_folder(client, "INBOX", readonly=True)
        timer = threading.Timer(0.5, dovecot.append, (mail_user, "INBOX", [message(1)]))
        timer.start()
        started = time.monotonic()
        assert imap.idle_wait(client, 20, threading.Event()) is True
        assert time.monotonic() - started < 5
        timer.join()
        assert imap.idle_wait(client, 1.5, threading.Event()) is False
    finally:
        imap.close(client)


def test_idle_wait_raises_dead_connection_when_the_server_drops_us(own_dovecot):
    user = new_user(own_dovecot)
    client = imap.connect(mailbox(own_dovecot, user))
    imap.open_folder(client, "INBOX", readonly=True)
    threading.Timer(0.5, own_dovecot.kick, (user,)).start()
    started_cpu = time.process_time()
    with pytest.raises(imap.DeadConnection):
        imap.idle_wait(client, 30, threading.Event())
    assert time.process_time() - started_cpu < 1.0  # no busy loop on the dead socket
    imap.close(client)
