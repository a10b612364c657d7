"""One message in, one outcome out: STAGES = (parse, clean, sort, store).

parse and clean are pure and CPU-bound, so they run in worker processes (both
cores); sort and store need the database and run here, a batch per transaction.
An exception in any stage for one message quarantines its raw bytes with the
stage and the error; the run goes on. Each batch is committed before its
outcomes are yielded, so a caller may touch the mailbox only after that. A
message whose exact bytes are stored already skips the stages (Copy): it is one
more sighting of its tip.
"""
from __future__ import annotations

import concurrent.futures as cf
import hashlib
import logging
import os
import time
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterable, Iterator, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inbox.config import LimitsSettings, Settings
from inbox.mail.clean import CleanMail, clean
from inbox.mail.parse import LimitExceeded, ParsedMail, parse
from inbox.models import RawMessage, Sighting
from inbox.pool import OverBudget, SharedPool, time_budget
from inbox.sort.text import SORT_HEADERS, from_mail

log = logging.getLogger(__name__)

STAGES = ("parse", "clean", "sort", "store")
# Batches handed to the pool before the oldest is stored: with two, the pool always
# has the next one queued while this process stores and fetches.
AHEAD = 2
# A batch this small is prepared in the storing process (no pool round trip) if every
# message in it is at most this big; a bigger one goes to the pool, under its time budget.
LOCAL_MOST_BYTES = 256 * 1024


@dataclass(frozen=True)
class Source:
    """Where one copy came from: a mailbox folder and UID, or a file (mailbox "import")."""

    mailbox: str
    folder: str
    uidvalidity: int = 0
    uid: int = 0
    # When the mail reached us (IMAP INTERNALDATE, naive UTC); None: the message's
    # own Date if it is in the past (a backfill), else now.
    received_at: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    status: str  # "stored" | "duplicate" | "threaded" | "quarantined"
    tip_id: int | None
    quarantine_id: int | None = None
    stage: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class AttachmentFacts:
    """What the store keeps about an attachment; the bytes stay in the raw message."""

    part_path: str
    filename: str
    content_type: str
    size: int
    sha256: str
    content_id: str | None
    inline: bool


@dataclass(frozen=True)
class Prepared:
    """parse + clean's result, light enough to send between processes: mail.parsed keeps its
    fields but not the raw bytes, the parts, the attachments' data, or headers beyond SORT_HEADERS."""

    mail: CleanMail
    fingerprint: str
    attachments: tuple[AttachmentFacts, ...]
    # The sort stage's pure part (topic, spam, flags, signature), when made here.
    sorting: object | None = None


@dataclass(frozen=True)
class Copy:
    """A message whose exact bytes are stored already: the same mail in a second folder
    (Gmail shows one in every label), or fetched again after a UIDVALIDITY change. It
    is one more sighting of its tip, with nothing to parse or sort (Pipeline._copies)."""

    raw_id: int
    tip_id: int


@dataclass(frozen=True)
class Failed:
    stage: str
    error: str


class Sorter(Protocol):
    def sort(self, session: Session, mail: CleanMail, analysed=None): ...

    def remember(self, session: Session, tip, sorting) -> None: ...


def fingerprint(parsed: ParsedMail) -> str:
    """A tip's identity: Message-ID + sender + body hash; without a Message-ID, the raw hash.

    Delivered copies differ only in their trace headers, so they share this; a
    forged Message-ID with another sender or body does not.
    """
    if not parsed.message_id:
        return parsed.sha256
    raw = parsed.raw
    cut = raw.find(b"\r\n\r\n")
    cut = raw.find(b"\n\n") if cut < 0 else cut
    body = raw[cut:] if cut >= 0 else b""
    h = hashlib.sha256()
    for piece in (parsed.message_id.encode("utf-8", "replace"), parsed.from_address.encode("utf-8", "replace")):
        h.update(piece + b"\0")
    h.update(hashlib.sha256(body.strip()).digest())
    return h.hexdigest()


def prepare(raw: bytes, limits: LimitsSettings, analyser=None, budget: float = 0) -> Prepared | Failed:
    """The parse and clean stages for one message, and sort's pure part; never raises.
    Past `budget` seconds (in a pool process's main thread) it gives up: Failed, "time budget"."""
    stage = ["parse"]  # the stage running now, for the error
    try:
        with time_budget(budget):
            return _prepare(raw, limits, analyser, stage)
    except OverBudget:
        return Failed(stage[0], f"time budget: over {budget:g} s")
    except LimitExceeded as exc:
        return Failed(stage[0], f"over a limit: {exc}")
    except Exception as exc:  # noqa: BLE001 - any failure quarantines this one message
        return Failed(stage[0], describe(exc))


def _prepare(raw: bytes, limits: LimitsSettings, analyser, stage: list[str]) -> Prepared:
    parsed = parse(raw, limits)
    stage[0] = "clean"
    mail = clean(parsed, limits)
    facts = tuple(
        AttachmentFacts(
            part_path=p.part_path,
            filename=p.filename,
            content_type=p.content_type,
            size=len(p.data),
            sha256=hashlib.sha256(p.data).hexdigest(),
            content_id=p.content_id,
            inline=p.inline,
        )
        for p in parsed.attachments
    )
    fp = fingerprint(parsed)
    stage[0] = "sort"
    sorting = analyser.analyse(from_mail(mail)) if analyser is not None else None
    # Drop what the storing process never reads: the bytes it already holds (raw), attachment
    # data, the parts (clean's text and html replace them) and every header but the mail
    # server's spam verdict (a re-sort without the pool's analysis reads it). Half the bytes
    # a message costs to send back, and to unpickle on the storing side.
    light = replace(parsed, raw=b"", text_parts=(), html_parts=(),
                    headers=tuple(h for h in parsed.headers if h[0] in SORT_HEADERS),
                    attachments=tuple(replace(p, data=b"") for p in parsed.attachments))
    return Prepared(replace(mail, parsed=light), fp, facts, sorting)


_ANALYSER: tuple[object, object] | None = None  # (model files, Sorter) in a pool process


def _prepare_chunk(args: tuple[list[bytes], Settings, tuple | None]) -> list[Prepared | Failed]:
    """In a pool process: prepare a chunk, with an analyser kept while its model files stay the same."""
    global _ANALYSER
    raws, settings, model_files = args
    analyser = None
    if model_files is not None:
        if _ANALYSER is None or _ANALYSER[0] != model_files:
            from inbox.sort import Sorter as DefaultSorter

            _ANALYSER = (model_files, DefaultSorter.analyser(settings, model_files))
        analyser = _ANALYSER[1]
    budget = settings.imports.time_budget_seconds
    return [prepare(raw, settings.limits, analyser, budget) for raw in raws]


def describe(exc: BaseException) -> str:
    """The error as stored with a quarantined message (the database, not the logs)."""
    return f"{type(exc).__name__}: {exc}"[:2000]


class Pipeline:
    """Runs messages through the stages; holds the process pool and the sorter."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        sorter: Sorter | None | str = "default",
        processes: int | None = None,
        pool: SharedPool | None = None,
        vault=None,
    ):
        from inbox.vault import public_vault

        self.settings = settings
        # The desk key the store seals to: the public key alone unless a caller that unlocked
        # the private key (the board, `inbox quarantine retry`) passes its vault, to retry sealed mail.
        self.vault = vault if vault is not None else public_vault(settings.encryption)
        self.sessions = sessions
        self._sorter = sorter
        if processes is None:
            processes = pool.processes if pool is not None else settings.imports.processes or (os.cpu_count() or 1)
        self.processes = processes
        # A worker's folders share its pool; anyone else gets a pool of their own, stopped by close().
        self._owns_pool = pool is None
        self.pool = pool if pool is not None else SharedPool(processes)

    @property
    def sorter(self) -> Sorter | None:
        if self._sorter == "default":
            self._sorter = _load_default_sorter(self.settings, self.sessions)
        return self._sorter  # type: ignore[return-value]

    def process(self, raw: bytes, source: Source) -> Outcome:
        """One message, committed before this returns."""
        return next(self.process_many([(raw, source)]))

    def process_many(self, items: Iterable[tuple[bytes, Source]]) -> Iterator[Outcome]:
        """Every message, a batch per transaction; parse/clean of the next batch overlaps storing this one."""
        from inbox.store import store_batch

        batch_size = max(1, self.settings.imports.batch_size)
        pending: deque[tuple[list[tuple[bytes, Source]], object]] = deque()
        for batch in _batches(items, batch_size):
            pending.append((batch, self._submit([raw for raw, _ in batch])))
            if len(pending) > AHEAD:
                batch, work = pending.popleft()
                yield from store_batch(self, batch, self._collect(work))
        while pending:
            batch, work = pending.popleft()
            yield from store_batch(self, batch, self._collect(work))

    def _submit(self, raws: list[bytes]):
        """Start the pure stages for a batch: in the pool, or here for a few small messages
        (or one process). Copies of stored messages skip them. A big message always goes to
        the pool, where its time budget holds."""
        copies = self._copies(raws)
        todo = [raw for i, raw in enumerate(raws) if i not in copies]
        sorter = self.sorter
        analyser = sorter if hasattr(sorter, "analyse") else None
        budget = self.settings.imports.time_budget_seconds
        small = all(len(raw) <= LOCAL_MOST_BYTES for raw in todo)
        if small and (self.processes <= 1 or len(todo) < 8):
            return len(raws), copies, [prepare(raw, self.settings.limits, analyser, budget) for raw in todo]
        model_files = sorter.model_files() if analyser is not None else None
        size = max(1, len(todo) // (self.processes * 4))
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        return len(raws), copies, [(chunk, self._start(chunk, model_files)) for chunk in chunks]

    def _start(self, chunk: list[bytes], model_files) -> tuple[cf.Future, cf.ProcessPoolExecutor, tuple]:
        pool = self.pool.get()
        return pool.submit(_prepare_chunk, (chunk, self.settings, model_files)), pool, model_files

    def _collect(self, submitted) -> list[Prepared | Copy | Failed]:
        """A submitted batch's results, in the batch's order."""
        count, copies, work = submitted
        if work and isinstance(work[0], tuple):
            work = [result for chunk, started in work for result in self._results(chunk, started)]
        done = iter(work)
        return [copies[i] if i in copies else next(done) for i in range(count)]

    def _results(self, chunk: list[bytes], started: tuple) -> list[Prepared | Failed]:
        """A chunk's results from the pool, within the chunk's time budget.

        A pool process past it is stuck where the budget's timer cannot reach (Rust, C):
        the pool is killed and replaced, and the chunk's messages go again one at a time,
        so the one that overruns is quarantined ("time budget") and the rest are stored.
        A pool process that died (killed, out of memory, a crash) is handled the same way.
        """
        future, pool, model_files = started
        budget = self.settings.imports.time_budget_seconds
        try:
            return future.result(timeout=_deadline(future, len(chunk), budget))
        except cf.TimeoutError:
            log.warning("a pool process overran its time budget on a chunk of %d messages; replacing the pool", len(chunk))
            self.pool.kill(pool)
        except (cf.process.BrokenProcessPool, cf.CancelledError):
            log.warning("the pool broke under a chunk of %d messages; trying them one at a time", len(chunk))
        return [self._alone(raw, model_files) for raw in chunk]

    def _alone(self, raw: bytes, model_files) -> Prepared | Failed:
        """One message in the pool by itself, its budget enforced from outside too."""
        budget = self.settings.imports.time_budget_seconds
        future, pool, _ = self._start([raw], model_files)
        try:
            return future.result(timeout=_deadline(future, 1, budget))[0]
        except cf.TimeoutError:
            self.pool.kill(pool)
            return Failed("prepare", f"time budget: over {budget:g} s (its pool process was stopped)")
        except (cf.process.BrokenProcessPool, cf.CancelledError):
            return Failed("prepare", "its pool process died on this message")

    def _copies(self, raws: list[bytes]) -> dict[int, Copy]:
        """The batch's messages whose bytes are stored already, by position: one query by hash.

        Only committed rows count; a copy within the batch, or of the batch before it
        (still being stored), goes through the stages and the store finds its tip by
        fingerprint, as before.
        """
        positions: dict[str, list[int]] = {}
        for i, raw in enumerate(raws):
            positions.setdefault(hashlib.sha256(raw).hexdigest(), []).append(i)
        query = (select(RawMessage.sha256, RawMessage.id, func.min(Sighting.tip_id))
                 .join(Sighting, Sighting.raw_message_id == RawMessage.id)
                 .where(RawMessage.sha256.in_(positions))
                 .group_by(RawMessage.sha256, RawMessage.id))
        with self.sessions() as session:
            found = session.execute(query).all()
        return {i: Copy(raw_id, tip_id) for sha, raw_id, tip_id in found for i in positions[sha]}

    def close(self) -> None:
        """Stop this pipeline's own pool (a shared one is its owner's to stop)."""
        if self._owns_pool:
            self.pool.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _deadline(future: cf.Future, messages: int, budget: float) -> float | None:
    """How long to wait for a pool future, counted from when it is handed to a process:
    its messages' (CPU) budgets twice over, as it may wait behind one chunk in the
    executor's queue, and a budget more; all doubled, as a busy machine stretches CPU
    seconds into more wall seconds. None: no budget."""
    if budget <= 0:
        return None
    while not future.running() and not future.done():  # still queued behind other batches
        time.sleep(0.01)
    return 2 * budget * (2 * messages + 1)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _load_default_sorter(settings: Settings, sessions: sessionmaker[Session]) -> Sorter:
    from inbox.sort import Sorter as DefaultSorter

    with sessions() as session:
        return DefaultSorter.load(settings, session)
