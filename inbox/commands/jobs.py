"""`inbox jobs`: run the desk's job queue (outgoing mail, notifications, webhooks, retrains)
on this machine, or say how it stands."""
from __future__ import annotations

import argparse

from inbox.config import Settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="run | status")
    run = sub.add_parser("run", help="run jobs until SIGTERM/SIGINT (the worker also runs them unless [jobs] in_worker = false)")
    run.add_argument("--workers", type=int, default=None, help="threads running jobs (default [jobs] workers)")
    sub.add_parser("status", help="jobs waiting now and scheduled for later (retries)")


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.cli import UsageError
    from inbox.jobs import Queue

    if settings.jobs.backend == "immediate":
        raise UsageError('[jobs] backend = "immediate" runs each job where it is queued: there is nothing to run or count')
    if args.action == "status":
        depth = Queue(settings).depth()
        print(f"jobs ({settings.jobs.backend}): {depth['pending']} waiting, {depth['scheduled']} scheduled for later")
        return 0
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers: give 1 or more")
    from inbox.commands.data import open_sessions

    queue = Queue(settings, open_sessions(settings))
    print(f"running jobs ({settings.jobs.backend}) on {args.workers or settings.jobs.workers} threads; Ctrl-C stops")
    queue.consumer(args.workers).run()
    return 0
