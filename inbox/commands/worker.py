"""`inbox worker` and `inbox status`: keep the reporters' mailboxes synced, and say how they are."""
from __future__ import annotations

import argparse
from datetime import datetime

from inbox import syncstate
from inbox.config import Settings
from inbox.models import utcnow


def add_worker_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--once", action="store_true", help="sync every mailbox once and exit (cron, tests)")


def run_worker(settings: Settings, args: argparse.Namespace) -> int:
    """Run until SIGTERM/SIGINT (or one pass with --once); exit 1 if a --once pass had a failure."""
    from inbox import worker
    from inbox.commands.data import open_sessions
    from inbox.pool import SharedPool

    # Forked from this process once it has imported the stages, before any thread or
    # database connection: the pool's processes import nothing (0.55 s of CPU a start).
    pool = SharedPool(settings.imports.processes).start(fork=True)
    try:
        return worker.run(settings, open_sessions(settings), once=args.once, pool=pool)
    finally:
        pool.close()


def add_status_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fail-stale-minutes", type=int, default=0, metavar="N",
                   help="exit 1 if a configured mailbox has not synced for N minutes or is failing (monitoring)")


def run_status(settings: Settings, args: argparse.Namespace) -> int:
    """Print each mailbox's health: last sync, last error, failures in a row, messages waiting."""
    from inbox.commands.data import open_sessions

    rows = {h.name: h for h in syncstate.health(open_sessions(settings))}
    configured = [box.name for box in settings.mailboxes]
    # The configured mailboxes first, synced or not, then every other one the database
    # knows (as the admin page lists them): an old configuration's, the demo's, imports'.
    names = configured + sorted(n for n in rows if n not in configured)
    now = utcnow()
    unhealthy = False
    for name in names:
        h = rows.get(name)
        if h is None:
            print(f"{name}: never synced (configured; `inbox worker` syncs it)")
            unhealthy = True
            continue
        if name not in configured and not h.folders:
            print(f"{name}: not synced over IMAP (messages imported from files)")
            continue
        state = "ok" if h.consecutive_failures == 0 and h.last_success_at else "FAILING" if h.consecutive_failures else "never synced"
        print(f"{name}: {state}; last sync {_ago(h.last_success_at, now)}; waiting {h.messages_waiting}; "
              f"failures in a row {h.consecutive_failures}")
        if h.last_error:
            print(f"  last error {_ago(h.last_error_at, now)}: {h.last_error}")
        for folder, uidvalidity, last_uid, owner, lease_until in h.folders:
            held = f"owner {owner} until {lease_until:%H:%M:%S}" if owner and lease_until and lease_until > now else "not held"
            print(f"  {folder}: uidvalidity {uidvalidity or '-'}, last uid {last_uid}, {held}")
        stale = args.fail_stale_minutes and (
            h.last_success_at is None or (now - h.last_success_at).total_seconds() > 60 * args.fail_stale_minutes
        )
        unhealthy = unhealthy or bool(stale) or h.consecutive_failures > 0
    if not names:
        print("no mailboxes configured, and none in the database")
    return 1 if args.fail_stale_minutes and unhealthy else 0


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = int((now - when).total_seconds())
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago ({when:%Y-%m-%d %H:%M} UTC)"
