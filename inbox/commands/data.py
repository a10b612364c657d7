"""`inbox db`, `inbox import` and `inbox quarantine`: the pipeline's commands."""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, deque
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import select

from inbox import migrate
from inbox.config import Settings
from inbox.db import make_engine, session_factory
from inbox.models import Mailbox, Quarantined


def open_sessions(settings: Settings):
    """A sessionmaker on the configured database, which must be migrated to head."""
    from inbox.cli import UsageError

    url = settings.database_url
    if migrate.current(url) is None:
        raise UsageError(f"the database has no tables yet: run `inbox db upgrade` first ({_safe_url(url)})")
    return session_factory(make_engine(url, settings.database.echo))


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- inbox db -----------------------------------------------------------------


def add_db_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["upgrade", "downgrade", "current"])
    p.add_argument("revision", nargs="?", default=None, help="target revision (default head; downgrade needs one)")


def run_db(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.cli import UsageError

    url = settings.database_url
    if args.action == "upgrade":
        migrate.upgrade(url, args.revision or "head")
        print(f"database at revision {migrate.current(url)} ({_safe_url(url)})")
    elif args.action == "downgrade":
        if not args.revision:
            raise UsageError("db downgrade needs a revision (e.g. base)")
        migrate.downgrade(url, args.revision)
        print(f"database at revision {migrate.current(url) or 'base'}")
    else:
        print(f"{migrate.current(url) or 'empty'} (head: {migrate.head()})")
    return 0


# --- inbox import ---------------------------------------------------------------


def add_import_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help=".eml file, folder, Maildir or mbox")
    p.add_argument("--processes", type=int, default=None, help="parse/clean processes (default: one per core)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.cli import UsageError
    from inbox.mail import files
    from inbox.pipeline import Pipeline

    try:
        items = files.plan(args.paths)  # walked once; each file is then read once
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    sessions = open_sessions(settings)
    progress = Progress(files.size(items), enabled=sys.stderr.isatty() and not args.no_progress)
    counts: Counter[str] = Counter()
    sizes: deque[int] = deque()  # of the messages read and not yet stored: outcomes come in their order

    def messages():
        for raw, source in files.read_planned(items):
            sizes.append(len(raw))
            yield raw, source

    with Pipeline(settings, sessions, processes=args.processes) as pipeline:
        for outcome in pipeline.process_many(messages()):
            counts[outcome.status] += 1
            progress.step(sizes.popleft() if sizes else 0)
    progress.done()
    print(summary(counts, progress.elapsed()))
    return 0


def summary(counts: Counter[str], seconds: float) -> str:
    n = sum(counts.values())
    return (
        f"{n} messages in {seconds:.1f} s: {counts['stored']} stored, {counts['duplicate']} duplicates, "
        f"{counts['threaded']} threaded, {counts['quarantined']} quarantined"
    )


class Progress:
    """A one-line progress bar on a terminal, measured in bytes (so counting an mbox's
    messages never costs a second read): messages, rate, ETA. Silent otherwise."""

    def __init__(self, total_bytes: int, enabled: bool, out=sys.stderr):
        self.total, self.enabled, self.out = total_bytes, enabled, out
        self.n = self.done_bytes = 0
        self.start = time.monotonic()
        self._last = 0.0

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def step(self, nbytes: int = 0) -> None:
        self.n += 1
        self.done_bytes += nbytes
        now = time.monotonic()
        if self.enabled and now - self._last > 0.2:
            self._last = now
            elapsed = max(self.elapsed(), 1e-9)
            share = min(self.done_bytes / self.total, 1.0) if self.total else 1.0
            eta = elapsed * (1 - share) / share if share else 0
            width = 30
            bar = "#" * int(width * share) + "." * (width - int(width * share))
            self.out.write(f"\r[{bar}] {self.n} messages, {self.done_bytes / 1e6:,.1f} of {self.total / 1e6:,.1f} MB"
                           f"  {self.n / elapsed:,.0f} msg/s  ETA {int(eta // 60)}:{int(eta % 60):02d} ")
            self.out.flush()

    def done(self) -> None:
        if self.enabled:
            self.out.write("\n")


# --- inbox quarantine -------------------------------------------------------------


def add_quarantine_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "show", "retry", "discard"])
    p.add_argument("id", nargs="?", type=int, help="quarantine id (retry without one retries all)")
    p.add_argument("--all", action="store_true", help="list: include resolved ones too")


def run_quarantine(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.cli import UsageError
    from inbox.pipeline import Pipeline
    from inbox.store import discard_quarantined, retry_quarantined

    sessions = open_sessions(settings)
    if args.action == "list":
        with sessions() as s:
            query = select(Quarantined, Mailbox.name).join(Mailbox, Mailbox.id == Quarantined.mailbox_id)
            if not args.all:
                query = query.where(Quarantined.resolved_at.is_(None))
            rows = s.execute(query.order_by(Quarantined.id)).all()
        for q, box in rows:
            state = q.resolution or "waiting"
            print(f"{q.id:>6}  {state:<9} {q.stage:<6} attempts={q.attempts}  {box}  {q.last_failed_at:%Y-%m-%d %H:%M}  {q.error[:80]}")
        print(f"{len(rows)} quarantined message(s)")
        return 0
    if args.action in ("show", "discard") and args.id is None:
        raise UsageError(f"quarantine {args.action} needs an id")
    if args.action == "show":
        with sessions() as s:
            q = s.get(Quarantined, args.id)
            if q is None:
                raise UsageError(f"no quarantined message {args.id}")
            print(f"id: {q.id}\nstage: {q.stage}\nerror: {q.error}\nattempts: {q.attempts}")
            size = q.size if q.size is not None else len(q.data)
            print(f"folder: {q.folder}\nuid: {q.uid} (uidvalidity {q.uidvalidity})\nsize: {size} bytes, sha256 {q.sha256}")
            print(f"resolution: {q.resolution or 'waiting'}" + (f" by {q.discarded_by}" if q.discarded_by else ""))
            if q.data and q.key_id is not None and not settings.encryption.private_key:
                print("(encrypted to the desk key: set [encryption] private_key to see its headers)")
            elif q.data:
                from inbox.commands.keys import unlocked
                from inbox.sealing import open_raw

                print("\n--- headers ---")
                print(raw_headers(open_raw(unlocked(settings), q.data, q.key_id)))
            else:
                print("(the raw bytes were deleted when it was discarded)")
        return 0
    if args.action == "discard":
        if not discard_quarantined(sessions, args.id):
            raise UsageError(f"no quarantined message {args.id}")
        print(f"discarded {args.id}: its raw bytes are deleted, the row's facts kept")
        return 0
    from inbox.commands.keys import unlocked
    from inbox.vault import public_vault

    vault = unlocked(settings) if settings.encryption.private_key else public_vault(settings.encryption)
    with Pipeline(settings, sessions, vault=vault) as pipeline:
        outcomes = retry_quarantined(pipeline, args.id)
    counts = Counter(o.status for o in outcomes)
    print(f"retried {len(outcomes)}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) if outcomes else "nothing to retry")
    return 0 if counts["quarantined"] == 0 else 1


def raw_headers(data: bytes) -> str:
    """The header block of raw mail, as text, for an admin looking at why it failed."""
    try:
        msg = BytesHeaderParser(policy=compat32).parsebytes(data)
        return "\n".join(f"{k}: {v}" for k, v in msg.items())
    except Exception:  # noqa: BLE001 - a broken message is why it is here
        head = data.split(b"\n\n", 1)[0]
        return head.decode("utf-8", "replace")
