"""Where tips come from: connect to a reporter's mailbox, log in, read a folder in batches, IDLE.

Every call here has a socket timeout (IMAPClient(timeout=...)); the worker turns
the errors in NETWORK_ERRORS into a reconnect with backoff and AuthError into a
health alarm. Pitfalls this module works around are in ../shared/reference/imap.md.
"""
from __future__ import annotations

import imaplib
import ipaddress
import shlex
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from inbox.config import ConfigError, MailboxSettings

NETWORK_ERRORS = (imaplib.IMAP4.abort, imaplib.IMAP4.error, OSError, ssl.SSLError, socket.timeout, IMAPClientError)
TLS_MODES = ("tls", "starttls", "plain")
# Sizes are asked for this many UIDs at a time (a cheap FETCH of one number each).
SIZE_CHUNK = 2000


class AuthError(Exception):
    """The server refused our credentials (bad password, expired token): an alarm, not a blip."""


class DeadConnection(Exception):
    """IDLE saw a BYE, or an empty answer long before its timeout: the socket is gone."""


@dataclass(frozen=True)
class FolderInfo:
    uidvalidity: int
    uidnext: int
    exists: int


def check(box: MailboxSettings) -> None:
    """Refuse a mailbox config that would be unsafe or cannot work, before any connection."""
    where = f"mailbox {box.name!r}"
    if not box.name:
        raise ConfigError("mailbox: every [[mailbox]] needs a name")
    if box.tls not in TLS_MODES:
        raise ConfigError(f"{where}.tls: expected one of {', '.join(TLS_MODES)}")
    if box.tls == "plain" and not is_loopback(box.host):
        raise ConfigError(f"{where}.tls: plaintext is only allowed to a loopback host")
    if box.after_store != "none" and box.after_store != "flag-seen" and not (
        box.after_store.startswith("move:") and len(box.after_store) > 5
    ):
        raise ConfigError(f"{where}.after_store: expected none, flag-seen or move:Folder")
    if not box.folders:
        raise ConfigError(f"{where}.folders: at least one folder")
    if box.since:
        try:
            date.fromisoformat(box.since)
        except ValueError:
            raise ConfigError(f"{where}.since: expected a date like 2026-01-01") from None


def is_loopback(host: str) -> bool:
    """Only a loopback address may carry a password in the clear."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_secret(value: str, command: str, timeout: float) -> str:
    """The secret itself, or the stdout of its command (run at each login, so tokens can refresh)."""
    if not command:
        return value
    try:
        out = subprocess.run(shlex.split(command), capture_output=True, timeout=timeout, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        # Never include the command's output: it may be half a secret.
        raise AuthError(f"secret command failed ({type(exc).__name__})") from None
    return out.stdout.decode("utf-8", "replace").strip()


def connect(box: MailboxSettings) -> IMAPClient:
    """A logged-in client over the configured transport; AuthError if the login is refused."""
    check(box)
    # With a ca_file, only that certificate is trusted: the server's is pinned.
    context = ssl.create_default_context(cafile=box.ca_file or None)
    if box.tls == "tls":
        client = IMAPClient(box.host, box.port, ssl=True, ssl_context=context, timeout=box.timeout_seconds)
    else:
        client = IMAPClient(box.host, box.port, ssl=False, timeout=box.timeout_seconds)
    try:
        if box.tls == "starttls":
            client.starttls(context)
        if box.oauth2_token or box.oauth2_token_command:
            token = read_secret(box.oauth2_token, box.oauth2_token_command, box.timeout_seconds)
            client.oauth2_login(box.username, token)
        else:
            password = read_secret(box.password, box.password_command, box.timeout_seconds)
            client.login(box.username, password)
    except LoginError as exc:
        close(client)
        raise AuthError(f"login refused: {_server_text(exc)}") from None
    except BaseException:
        close(client)  # a failed STARTTLS or secret command must not leak the socket
        raise
    return client


def _server_text(exc: BaseException) -> str:
    # The server's words only (e.g. "[AUTHENTICATIONFAILED] Authentication failed."), never ours.
    return str(exc).replace("b'", "").replace("'", "")[:200]


def close(client: IMAPClient) -> None:
    """Log out politely if the connection still works; never raise."""
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection may already be dead
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass


def open_folder(client: IMAPClient, folder: str, readonly: bool) -> FolderInfo:
    """SELECT the folder, or EXAMINE it in read-only mode so no server can set \\Seen."""
    info = client.select_folder(folder, readonly=readonly)
    return FolderInfo(
        uidvalidity=int(info[b"UIDVALIDITY"]),
        uidnext=int(info.get(b"UIDNEXT", 0)),
        exists=int(info.get(b"EXISTS", 0)),
    )


def since_date(box: MailboxSettings, today: date | None = None) -> date | None:
    """The first-sync bound: the later of `since` and today minus `backfill_days`."""
    today = today or datetime.now(timezone.utc).date()
    bounds = []
    if box.since:
        bounds.append(date.fromisoformat(box.since))
    if box.backfill_days:
        bounds.append(today - timedelta(days=box.backfill_days))
    return max(bounds) if bounds else None


def new_uids(client: IMAPClient, last_uid: int, since: date | None = None) -> list[int]:
    """UIDs above last_uid, ascending; on a first sync (last_uid 0) bounded by since."""
    if last_uid == 0 and since is not None:
        found = client.search(["SINCE", since])
    else:
        found = client.search(["UID", f"{last_uid + 1}:*"])
    # `UID n:*` returns the highest UID even when it is below n (RFC 3501): filter.
    return sorted(uid for uid in found if uid > last_uid)


def batches(client: IMAPClient, uids: list[int], max_count: int, max_bytes: int) -> Iterator[list[int]]:
    """Groups of UIDs capped by count and by total RFC822.SIZE (imaplib holds a whole response)."""
    batch: list[int] = []
    total = 0
    for start in range(0, len(uids), SIZE_CHUNK):
        chunk = uids[start : start + SIZE_CHUNK]
        sizes = client.fetch(chunk, ["RFC822.SIZE"])
        for uid in chunk:
            if uid not in sizes:
                continue  # expunged since the search
            size = int(sizes[uid].get(b"RFC822.SIZE", 0))
            if batch and (len(batch) >= max_count or total + size > max_bytes):
                yield batch
                batch, total = [], 0
            batch.append(uid)
            total += size
    if batch:
        yield batch


def fetch(client: IMAPClient, uids: list[int]) -> list[tuple[int, bytes]]:
    """(uid, raw bytes) in UID order, read with BODY.PEEK[] so \\Seen is left alone."""
    data = client.fetch(uids, ["BODY.PEEK[]"])
    return [(uid, data[uid][b"BODY[]"]) for uid in uids if uid in data and b"BODY[]" in data[uid]]


def after_store(client: IMAPClient, uids: list[int], action: str) -> None:
    """What the config asks for once messages are safe in the database: nothing, \\Seen, or a move."""
    if not uids or action == "none":
        return
    if action == "flag-seen":
        client.add_flags(uids, [b"\\Seen"], silent=True)
        return
    destination = action.split(":", 1)[1]
    if client.has_capability("MOVE"):
        client.move(uids, destination)
    else:
        move_by_copy(client, uids, destination)


def move_by_copy(client: IMAPClient, uids: list[int], destination: str) -> None:
    """MOVE for servers without it: COPY, \\Deleted, then UID EXPUNGE of exactly these UIDs."""
    client.copy(uids, destination)
    client.add_flags(uids, [b"\\Deleted"], silent=True)
    # A plain EXPUNGE would also remove mail someone else marked \Deleted.
    client.uid_expunge(uids)


def idle_wait(client: IMAPClient, seconds: float, stop, slice_seconds: float = 1.0) -> bool:
    """IDLE up to `seconds`; True when the folder changed, False on timeout or stop.

    Checks in short slices so a stop request is seen within a second. A BYE, or
    an empty answer that came back long before its slice ended, means the
    server has gone: raise DeadConnection rather than spin the CPU.
    """
    client.idle()
    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        started = time.monotonic()
        responses = client.idle_check(timeout=slice_seconds)
        if any(r and r[0] == b"BYE" for r in responses):
            raise DeadConnection("server said BYE during IDLE")
        if not responses and time.monotonic() - started < slice_seconds / 2:
            raise DeadConnection("IDLE answered empty at once: connection closed")
        if any(len(r) > 1 and r[1] in (b"EXISTS", b"EXPUNGE") for r in responses):
            client.idle_done()
            return True
    client.idle_done()
    return False
