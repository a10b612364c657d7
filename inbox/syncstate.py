"""The worker's rows: per-folder sync state, folder leases, and mailbox health.

A folder is synced by one worker at a time: its FolderState row carries an
owner and a lease_until, taken with one atomic UPDATE (no row locks held, so
it works the same on SQLite and PostgreSQL). The owner renews the lease while
it works; another worker takes the folder over once the lease has run out, or
at once when the owner was a process on this host that no longer exists.
Lease times come from each worker's own clock: machines sharing a database
must keep their clocks in sync (NTP), as a skew shortens or stretches a lease.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from inbox.db import transaction
from inbox.models import FolderState, Mailbox, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FolderRef:
    mailbox_id: int
    folder_id: int


@dataclass(frozen=True)
class SyncState:
    uidvalidity: int | None
    last_uid: int


def new_owner(name: str = "") -> str:
    """This worker's name in lease rows: host (or configured name), pid, and a nonce against pid reuse."""
    return f"{name or socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def ensure_folder(sessions: sessionmaker[Session], mailbox: str, address: str, folder: str) -> FolderRef:
    """The Mailbox and FolderState rows for a configured folder, created on first sight."""
    mailbox_id = _get_or_create(sessions, select(Mailbox.id).where(Mailbox.name == mailbox),
                                lambda: Mailbox(name=mailbox, address=address))
    folder_id = _get_or_create(
        sessions,
        select(FolderState.id).where(FolderState.mailbox_id == mailbox_id, FolderState.folder == folder),
        lambda: FolderState(mailbox_id=mailbox_id, folder=folder, last_uid=0),
    )
    return FolderRef(mailbox_id, folder_id)


def _get_or_create(sessions: sessionmaker[Session], query, make) -> int:
    # Read, then insert in a transaction of its own whose first statement is the
    # write: on SQLite a read-then-write transaction fails at once when another
    # thread wrote in between, while a write-first one waits for the lock.
    with sessions() as s:
        found = s.scalar(query)
    if found is not None:
        return found
    try:
        with transaction(sessions) as s:
            row = make()
            s.add(row)
            s.flush()
            return row.id
    except IntegrityError:  # another worker created it at the same moment
        with sessions() as s:
            return s.scalar(query)


def acquire(sessions: sessionmaker[Session], ref: FolderRef, owner: str, lease_seconds: float) -> bool:
    """Take or renew the folder's lease; True when this worker owns the folder now."""
    now = utcnow()
    until = now + timedelta(seconds=lease_seconds)
    free = or_(FolderState.owner.is_(None), FolderState.owner == owner, FolderState.lease_until.is_(None), FolderState.lease_until < now)
    with transaction(sessions) as s:
        got = s.execute(update(FolderState).where(FolderState.id == ref.folder_id, free).values(owner=owner, lease_until=until)).rowcount
        if got:
            return True
        holder = s.scalar(select(FolderState.owner).where(FolderState.id == ref.folder_id))
    if holder and _dead_here(holder, owner):
        with transaction(sessions) as s:
            taken = update(FolderState).where(and_(FolderState.id == ref.folder_id, FolderState.owner == holder))
            return bool(s.execute(taken.values(owner=owner, lease_until=until)).rowcount)
    return False


def _dead_here(holder: str, owner: str) -> bool:
    """A lease held by a process with our name (so on this host) that is gone: no need to wait it out."""
    theirs, mine = holder.rsplit(":", 2), owner.rsplit(":", 2)
    if len(theirs) != 3 or theirs[0] != mine[0] or not theirs[1].isdigit():
        return False
    pid = int(theirs[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def renew_all(sessions: sessionmaker[Session], owner: str, lease_seconds: float) -> int:
    """Extend every lease this worker holds; returns how many it still holds."""
    with transaction(sessions) as s:
        return s.execute(
            update(FolderState)
            .where(FolderState.owner == owner)
            .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
        ).rowcount


class Heartbeat(threading.Thread):
    """Renews this worker's leases every third of a lease while the process lives.

    A batch (or loading the sorter's models) can take longer than a lease; without
    this, a live but busy owner would lose its folder and two workers would store
    the same messages at once.
    """

    def __init__(self, sessions: sessionmaker[Session], owner: str, lease_seconds: float):
        super().__init__(name="lease-heartbeat", daemon=True)
        self.sessions, self.owner, self.lease = sessions, owner, lease_seconds
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.lease / 3):
            try:
                renew_all(self.sessions, self.owner, self.lease)
            except SQLAlchemyError as exc:
                log.warning("lease renewal failed: %s", type(exc).__name__)

    def stop(self) -> None:
        self._done.set()
        self.join(10)


def release(sessions: sessionmaker[Session], ref: FolderRef, owner: str) -> None:
    """Give the folder up on a clean exit, so the next worker need not wait for the lease."""
    with transaction(sessions) as s:
        s.execute(
            update(FolderState)
            .where(FolderState.id == ref.folder_id, FolderState.owner == owner)
            .values(owner=None, lease_until=None)
        )


def load(sessions: sessionmaker[Session], ref: FolderRef) -> SyncState:
    with sessions() as s:
        row = s.get(FolderState, ref.folder_id)
        return SyncState(row.uidvalidity, row.last_uid)


def save(sessions: sessionmaker[Session], ref: FolderRef, owner: str, uidvalidity: int, last_uid: int, lease_seconds: float) -> bool:
    """Record progress (after the pipeline committed it) and renew the lease; False if the lease was lost."""
    now = utcnow()
    with transaction(sessions) as s:
        return bool(
            s.execute(
                update(FolderState)
                .where(FolderState.id == ref.folder_id, FolderState.owner == owner)
                .values(uidvalidity=uidvalidity, last_uid=last_uid, last_sync_at=now,
                        lease_until=now + timedelta(seconds=lease_seconds))
            ).rowcount
        )


def record_success(sessions: sessionmaker[Session], mailbox_id: int, waiting: int) -> None:
    """A folder synced: the mailbox is healthy again, with this many messages still to fetch."""
    with transaction(sessions) as s:
        s.execute(
            update(Mailbox)
            .where(Mailbox.id == mailbox_id)
            .values(last_success_at=utcnow(), consecutive_failures=0, messages_waiting=waiting)
        )


def record_waiting(sessions: sessionmaker[Session], mailbox_id: int, waiting: int) -> None:
    """Progress during a long sync, so the board shows the backlog shrinking."""
    with transaction(sessions) as s:
        s.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(messages_waiting=waiting))


def record_failure(sessions: sessionmaker[Session], mailbox_id: int, error: str) -> None:
    """A login or sync failed: count it, so a mailbox dead for days raises an alarm."""
    with transaction(sessions) as s:
        s.execute(
            update(Mailbox)
            .where(Mailbox.id == mailbox_id)
            .values(last_error_at=utcnow(), last_error=error[:2000],
                    consecutive_failures=Mailbox.consecutive_failures + 1)
        )


@dataclass(frozen=True)
class Health:
    name: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    messages_waiting: int
    folders: tuple[tuple[str, int | None, int, str | None, datetime | None], ...]


def health(sessions: sessionmaker[Session]) -> list[Health]:
    """Every mailbox's health with its folders (name, uidvalidity, last uid, owner, lease end)."""
    with sessions() as s:
        out = []
        for box in s.scalars(select(Mailbox).order_by(Mailbox.name)):
            folders = s.execute(
                select(FolderState.folder, FolderState.uidvalidity, FolderState.last_uid, FolderState.owner, FolderState.lease_until)
                .where(FolderState.mailbox_id == box.id)
                .order_by(FolderState.folder)
            ).all()
            out.append(Health(box.name, box.last_success_at, box.last_error_at, box.last_error,
                              box.consecutive_failures or 0, box.messages_waiting or 0, tuple(tuple(f) for f in folders)))
        return out
