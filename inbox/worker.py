"""The IMAP worker: run() -> one_pass() -> wait(), one thread per configured folder.

Each folder thread owns its own connection and Pipeline, so a mailbox that hangs
or refuses us never stops the others. Messages go to the database through the
pipeline, which commits each batch before yielding its outcomes; only then is
the mailbox touched (flag or move) and the folder's last UID moved on. A kill
at any point therefore costs at most a re-fetch that the store's unique keys absorb.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import random
import signal
import threading
from collections import Counter, deque
from typing import Iterator

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from inbox import syncstate
from inbox.config import ConfigError, MailboxSettings, Settings
from inbox.mail import imap
from inbox.pipeline import Pipeline, Source
from inbox.pool import SharedPool, freeze_long_lived

log = logging.getLogger(__name__)

# Errors that mean "this attempt failed; record it, back off and try again".
RETRYABLE = (*imap.NETWORK_ERRORS, imap.DeadConnection, imap.AuthError, SQLAlchemyError)
# IDLE is re-issued at least this often, whatever the config says (RFC 2177 allows 29 min).
MAX_IDLE_SECONDS = 600
# Attempts per folder in --once mode.
ONCE_ATTEMPTS = 3
# How often the housekeeper retries due quarantined messages and checks for a due retrain.
HOUSEKEEPING_SECONDS = 60.0


class LeaseLost(Exception):
    """Another worker owns the folder now (ours ran out): stop and stand by."""


class Backoff:
    """Exponential backoff with jitter between reconnects: min, 2*min, ... capped at max."""

    def __init__(self, low: float, high: float):
        self.low, self.high, self.failures = low, high, 0

    def next(self) -> float:
        """The next delay: doubled per failure, then drawn from its upper half so workers spread out."""
        delay = min(self.high, self.low * 2 ** self.failures)
        self.failures += 1
        return random.uniform(delay / 2, delay)

    def reset(self) -> None:
        self.failures = 0


def describe(exc: BaseException) -> str:
    """An error for logs and the health row: the server's or the OS's words, never SQL parameters or mail."""
    if isinstance(exc, SQLAlchemyError):
        return f"database error ({type(exc).__name__}: {type(getattr(exc, 'orig', None) or exc).__name__})"
    if isinstance(exc, (*imap.NETWORK_ERRORS, imap.AuthError, imap.DeadConnection, LeaseLost)):
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    return f"unexpected {type(exc).__name__}"  # its text could quote anything


class Backlog:
    """Messages still to fetch in each folder of one mailbox: its health row shows the sum."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def set(self, folder: str, waiting: int) -> int:
        """Record one folder's backlog; returns the mailbox's total."""
        with self._lock:
            self._counts[folder] = waiting
            return sum(self._counts.values())


class FolderWorker(threading.Thread):
    """Keeps one folder of one mailbox synced: own it, connect, pass, wait, repeat."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], box: MailboxSettings, folder: str,
                 owner: str, stop: threading.Event, once: bool, backlog: Backlog | None = None,
                 pool: SharedPool | None = None):
        super().__init__(name=f"folder-{box.name}-{folder}", daemon=True)
        self.settings, self.sessions, self.box, self.folder = settings, sessions, box, folder
        self.owner, self.stop, self.once = owner, stop, once
        self.backlog = backlog or Backlog()
        self.pool = pool  # the worker's parse/clean processes, shared by its folders
        self.lease = settings.worker.lease_seconds
        self.backoff = Backoff(settings.worker.backoff_min_seconds, settings.worker.backoff_max_seconds)
        self.ok = False
        self.auth_failed = False
        self.attempts = 0
        self.ref: syncstate.FolderRef | None = None

    def run(self) -> None:
        """Until stopped (or once): own the folder, sync it, wait for news; back off after failures."""
        self.pipeline = Pipeline(self.settings, self.sessions, pool=self.pool)
        try:
            while not self.stop.is_set():
                delay = self._attempt(self.pipeline)
                self.attempts += 1
                # --once retries a failed pass a few times (a kicked connection, a busy
                # database) but not a refused login, which will not fix itself.
                if self.once and (self.ok or self.auth_failed or self.attempts >= ONCE_ATTEMPTS):
                    break
                self.stop.wait(delay)
        finally:
            self.pipeline.close()
            if self.ref is not None:
                try:
                    syncstate.release(self.sessions, self.ref, self.owner)
                except SQLAlchemyError:
                    log.warning("mailbox=%d folder=%s: could not release the lease", self.ref.mailbox_id, self.folder)

    def _attempt(self, pipeline: Pipeline) -> float:
        """One connection's life; returns how long to wait before the next."""
        client = None
        try:
            if self.ref is None:
                self.ref = syncstate.ensure_folder(self.sessions, self.box.name, self.box.address, self.folder)
            _ = pipeline.sorter  # load the models before taking the folder, not on the first tip
            if not syncstate.acquire(self.sessions, self.ref, self.owner, self.lease):
                log.debug("mailbox=%d folder=%s owned by another worker", self.ref.mailbox_id, self.folder)
                self.ok = True  # not ours to sync: not a failure
                return self.lease / 4
            client = imap.connect(self.box)
            self.one_pass(client, pipeline)
            self.ok = True
            self.backoff.reset()
            while not self.once and not self.stop.is_set():
                self.wait(client)
                self.one_pass(client, pipeline)
            return 0
        except LeaseLost:
            log.info("mailbox=%d folder=%s: lease lost, standing by", self.ref.mailbox_id, self.folder)
            return self.lease / 4
        except Exception as exc:  # noqa: BLE001 - a folder thread must never die
            self.ok = False
            self.auth_failed = isinstance(exc, imap.AuthError)
            if not isinstance(exc, RETRYABLE):
                # e.g. a broken process pool: start the pipeline afresh.
                log.error("mailbox=%s folder=%s: unexpected %s", self.ref and self.ref.mailbox_id, self.folder,
                          type(exc).__name__)
                self.pipeline.close()
                self.pipeline = Pipeline(self.settings, self.sessions, pool=self.pool)
            delay = self.backoff.next()
            mailbox = self.ref.mailbox_id if self.ref else 0
            last = self.once and (self.auth_failed or self.attempts + 1 >= ONCE_ATTEMPTS)
            log.warning("mailbox=%d folder=%s failed: %s; %s", mailbox, self.folder, describe(exc),
                        "giving up until the next run" if last else f"retry in {delay:.1f}s")
            log.debug("failure detail", exc_info=True)
            if self.ref is not None:
                try:
                    syncstate.record_failure(self.sessions, self.ref.mailbox_id, describe(exc))
                except SQLAlchemyError:
                    pass
            return delay
        finally:
            if client is not None:
                imap.close(client)

    def one_pass(self, client, pipeline: Pipeline) -> None:
        """Fetch every new UID in batches through the pipeline; state and mailbox change after each commit."""
        ref = self.ref
        info = imap.open_folder(client, self.folder, readonly=self.box.after_store == "none")
        state = syncstate.load(self.sessions, ref)
        last_uid = state.last_uid
        if state.uidvalidity != info.uidvalidity:
            if state.uidvalidity is not None:
                log.info("mailbox=%d folder=%s: UIDVALIDITY changed %d -> %d, resyncing",
                         ref.mailbox_id, self.folder, state.uidvalidity, info.uidvalidity)
            last_uid = 0
            self._save(info.uidvalidity, 0)
        uids = imap.new_uids(client, last_uid, imap.since_date(self.box) if last_uid == 0 else None)
        waiting = len(uids)
        if uids:
            syncstate.record_waiting(self.sessions, ref.mailbox_id, self.backlog.set(self.folder, waiting))
        # Fetched batches (the UIDs the server returned, the highest UID asked for)
        # whose outcomes are still to come, and the UIDs in the order they were fed.
        pending: deque[tuple[list[int], int]] = deque()
        order: deque[int] = deque()

        def feed() -> Iterator[tuple[bytes, Source]]:
            for batch in imap.batches(client, uids, self.box.batch_count, self.box.batch_bytes):
                if self.stop.is_set():
                    return  # the first SIGTERM: finish what is in hand, fetch nothing more
                fetched = imap.fetch(client, batch)
                if not fetched:
                    continue  # all expunged meanwhile
                pending.append(([uid for uid, _ in fetched], batch[-1]))
                for uid, raw in fetched:
                    order.append(uid)
                    yield raw, Source(self.box.name, self.folder, info.uidvalidity, uid)

        done: list = []
        for outcome in pipeline.process_many(feed()):
            done.append((order.popleft(), outcome))
            if len(done) == len(pending[0][0]):
                fetched, high = pending.popleft()
                waiting -= len(fetched)
                self._finish_batch(client, info.uidvalidity, high, done, waiting)
                done = []
        syncstate.record_success(self.sessions, ref.mailbox_id, self.backlog.set(self.folder, max(waiting, 0)))

    def _finish_batch(self, client, uidvalidity: int, high: int, done: list, waiting: int) -> None:
        """The batch is committed: touch the mailbox, then move the folder's last UID on, then log.

        In that order a crash in between leaves no stored message unmoved: the
        re-fetch finds moved mail gone, and the unique keys absorb the rest.
        """
        counts = Counter(o.status for _, o in done)
        safe = [uid for uid, o in done if o.status != "quarantined"]
        imap.after_store(client, safe, self.box.after_store)
        self._save(uidvalidity, high)
        self._acknowledge([o.tip_id for _, o in done if o.status == "stored" and o.tip_id])
        syncstate.record_waiting(self.sessions, self.ref.mailbox_id, self.backlog.set(self.folder, max(waiting, 0)))
        log.info(
            "mailbox=%d folder=%s uidvalidity=%d uids=%d-%d fetched=%d stored=%d duplicate=%d threaded=%d "
            "quarantined=%d waiting=%d tips=%s quarantine=%s",
            self.ref.mailbox_id, self.folder, uidvalidity, done[0][0], high, len(done), counts["stored"],
            counts["duplicate"], counts["threaded"], counts["quarantined"], max(waiting, 0),
            _ids(o.tip_id for _, o in done), _ids(o.quarantine_id for _, o in done),
        )
        self._notice([o.tip_id for _, o in done if o.status in ("stored", "threaded") and o.tip_id])

    def _notice(self, tip_ids: list[int]) -> None:
        """Queue the new tips' ids for notifications (the job decides who hears; nothing is sent here).
        A lost enqueue is found again by the notify sweep."""
        if not tip_ids:
            return
        try:
            from inbox.jobs import shared

            shared(self.settings).enqueue("notify.new_tips", tip_ids=tip_ids)
        except Exception as exc:  # noqa: BLE001 - the tips are stored; notifying them is the sweep's then
            log.warning("mailbox=%d folder=%s: could not queue notifications (%s)", self.ref.mailbox_id, self.folder,
                        type(exc).__name__)

    def _acknowledge(self, tip_ids: list[int]) -> None:
        """New readers' acknowledgements (replies.acknowledge, off by default), after the store."""
        if not self.settings.replies.acknowledge or not tip_ids:
            return
        from inbox.outgoing.ack import acknowledge_stored

        try:
            acknowledge_stored(self.settings, self.sessions, tip_ids)
        except Exception as exc:  # noqa: BLE001 - an acknowledgement never stalls the mailbox
            log.warning("mailbox=%d acknowledgements not queued: %s", self.ref.mailbox_id, type(exc).__name__)

    def _save(self, uidvalidity: int, last_uid: int) -> None:
        if not syncstate.save(self.sessions, self.ref, self.owner, uidvalidity, last_uid, self.lease):
            raise LeaseLost(f"folder {self.ref.folder_id} taken over")

    def wait(self, client) -> None:
        """IDLE where offered (else sleep) until news or poll_seconds, renewing the lease as it goes."""
        use_idle = self.box.idle and client.has_capability("IDLE")
        total = min(self.box.idle_seconds, MAX_IDLE_SECONDS) if use_idle else self.box.poll_seconds
        step = max(1.0, self.lease / 3)
        remaining = float(total)
        while remaining > 0 and not self.stop.is_set():
            chunk = min(step, remaining)
            if use_idle:
                if imap.idle_wait(client, chunk, self.stop):
                    return
            else:
                self.stop.wait(chunk)
            remaining -= chunk
            if not syncstate.acquire(self.sessions, self.ref, self.owner, self.lease):
                raise LeaseLost(f"folder {self.ref.folder_id} taken over")


class Housekeeper(threading.Thread):
    """Between syncs: retry quarantined messages whose back-off has passed, and retrain
    the sorting models once editors' corrections have piled up (off the folders' hot path)."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], stop: threading.Event,
                 interval: float = HOUSEKEEPING_SECONDS):
        super().__init__(name="housekeeper", daemon=True)
        self.settings, self.sessions, self.stop, self.interval = settings, sessions, stop, interval
        # One pipeline for the thread's life: its sorter loads the duplicate index once
        # and then only reads what is new, rather than loading it all every round.
        self.pipeline = Pipeline(settings, sessions, processes=1)

    def run(self) -> None:
        try:
            while not self.stop.wait(self.interval):
                self.once()
        finally:
            self.pipeline.close()

    def once(self) -> None:
        """One round; a failure is logged (its type only) and tried again next round."""
        from inbox import retention
        from inbox.sort import learn
        from inbox.store import retry_quarantined

        try:
            outcomes = retry_quarantined(self.pipeline, due_only=True)
            if outcomes:
                counts = Counter(o.status for o in outcomes)
                log.info("quarantine retried=%d still_quarantined=%d tips=%s", len(outcomes), counts["quarantined"],
                         _ids(o.tip_id for o in outcomes))
            for row in learn.retrain_if_due(self.settings, self.sessions):
                log.info("retrained %s model: version %d on %d labels", row.kind, row.version, row.samples)
            purged = retention.run_if_due(self.sessions, self.settings)  # daily; the last run's time is stored
            if purged is not None:
                log.info("retention purged=%d %s", purged.total, dict(purged.purged))
        except Exception as exc:  # noqa: BLE001 - housekeeping must never stop the worker
            log.warning("housekeeping failed: %s", describe(exc))


def _ids(ids) -> str:
    return ",".join(str(i) for i in ids if i is not None) or "-"


def folder_workers(settings: Settings, sessions: sessionmaker[Session], stop: threading.Event, once: bool,
                   pool: SharedPool | None = None) -> list[FolderWorker]:
    """A thread for every folder of every configured mailbox, sharing one owner name (and one pool)."""
    owner = syncstate.new_owner(settings.worker.name)
    for box in settings.mailboxes:
        imap.check(box)
    names = [box.name for box in settings.mailboxes]
    if len(set(names)) != len(names):
        raise ConfigError("mailbox: two [[mailbox]] tables have the same name")
    backlogs = {box.name: Backlog() for box in settings.mailboxes}
    return [FolderWorker(settings, sessions, box, folder, owner, stop, once, backlogs[box.name], pool)
            for box in settings.mailboxes for folder in box.folders]


def run(settings: Settings, sessions: sessionmaker[Session], once: bool = False, pool: SharedPool | None = None) -> int:
    """The worker process: start the folder threads, handle signals, exit 0 after a clean stop.
    The folders share pool (started here if not given), which is stopped on the way out."""
    stop = threading.Event()

    def on_signal(signum, _frame):
        if stop.is_set():
            log.warning("second signal %d: exiting now", signum)
            for child in multiprocessing.active_children():
                child.kill()  # the pipeline's pool would outlive os._exit
            os._exit(128 + signum)
        log.info("signal %d: finishing the batch in hand, then exiting", signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    pool = pool or SharedPool(settings.imports.processes).start()
    consumer = None
    try:
        workers = folder_workers(settings, sessions, stop, once, pool)
        if not workers:
            log.warning("no mailboxes configured")
            return 0
        heartbeat = syncstate.Heartbeat(sessions, workers[0].owner, settings.worker.lease_seconds)
        heartbeat.start()
        housekeeper = Housekeeper(settings, sessions, stop)
        if not once:
            housekeeper.start()
        if not once and settings.jobs.in_worker and settings.jobs.backend != "immediate":
            from inbox.jobs import Queue

            consumer = Queue(settings).start_background()
        freeze_long_lived()
        for w in workers:
            w.start()
        for w in workers:
            while w.is_alive():
                w.join(0.5)
        heartbeat.stop()
        if once and not stop.is_set():
            housekeeper.once()
        if once and not all(w.ok for w in workers):
            return 1
        return 0
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
        pool.close()
        # Once a signal has asked for the stop, the handler stays: a second signal during the
        # rest of the shutdown still exits at once with 128 + its number, rather than killing
        # the process (SIGTERM's default) or raising KeyboardInterrupt in its last moments.
        if not stop.is_set():
            for sig, handler in previous.items():
                signal.signal(sig, handler)
