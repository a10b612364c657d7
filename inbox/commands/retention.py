"""`inbox retention`, `inbox hold`, `inbox forget` and `inbox backup`: what is kept, and for how long."""
from __future__ import annotations

import argparse

from inbox.config import Settings
from inbox.db import transaction


def add_retention_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["plan", "run"])


def run_retention(settings: Settings, args: argparse.Namespace) -> int:
    from inbox import retention
    from inbox.board import audit
    from inbox.commands.data import open_sessions

    sessions = open_sessions(settings)
    if args.action == "plan":
        with sessions() as session:
            rows = retention.plan(session, settings)
        for row in rows:
            print(f"{row.due:>7} to purge  {row.held:>5} held   {row.rule}")
        print(f"{sum(r.due for r in rows)} tip(s) would be purged, {sum(r.held for r in rows)} kept by holds"
              if rows else "no retention rules: nothing is ever purged")
        return 0
    result = retention.run(sessions, settings, by="cli")
    if result.total:
        with transaction(sessions) as session:
            audit.record(session, None, "retention_run", "retention", None,
                         ", ".join(f"{rule}: {n}" for rule, n in result.purged.items() if n))
    for rule, n in result.purged.items():
        print(f"{n:>7} purged  {rule}")
    print(f"{result.total} tip(s) purged" + (", database vacuumed" if result.vacuumed else ""))
    return 0


def add_hold_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["add", "list", "lift"])
    p.add_argument("id", nargs="?", type=int, help="lift: the hold's id")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--tip", type=int, help="hold a tip (and its thread)")
    target.add_argument("--cluster", type=int, help="hold a story (cluster id)")
    target.add_argument("--reader", help="hold every tip of a sender address")
    p.add_argument("--reason", default="", help="why (a subpoena, a complaint): required for add")
    p.add_argument("--all", action="store_true", help="list: lifted holds too")


def run_hold(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.board import audit
    from inbox.cli import UsageError
    from inbox.commands.data import open_sessions
    from inbox.retention import holds

    sessions = open_sessions(settings)
    if args.action == "list":
        with sessions() as session:
            rows = holds.listed(session, lifted=args.all)
        for h in rows:
            state = f"lifted {h.lifted_at:%Y-%m-%d} by {h.lifted_by}" if h.lifted_at else "active"
            print(f"{h.id:>5}  {h.target:<40} {state:<30} {h.created_at:%Y-%m-%d} by {h.created_by}: {h.reason[:80]}")
        print(f"{len(rows)} hold(s)")
        return 0
    if args.action == "lift":
        if args.id is None:
            raise UsageError("hold lift needs the hold's id (see `inbox hold list`)")
        with transaction(sessions) as session:
            hold = holds.lift(session, args.id, "cli")
            if hold is None:
                raise UsageError(f"no active hold {args.id}")
            audit.record(session, None, "hold_lift", "hold", hold.id, hold.kind)
        print(f"lifted hold {args.id}")
        return 0
    kind, target = next(((k, v) for k, v in (("tip", args.tip), ("cluster", args.cluster), ("reader", args.reader))
                         if v is not None), (None, None))
    if kind is None:
        raise UsageError("hold add needs --tip ID, --cluster ID or --reader EMAIL")
    try:
        with transaction(sessions) as session:
            hold = holds.add(session, kind, target, args.reason, "cli")
            audit.record(session, None, "hold_add", "hold", hold.id, kind)
    except holds.BadHold as exc:
        raise UsageError(str(exc)) from None
    print(f"hold {hold.id} on {hold.target}")
    return 0


def add_forget_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("email", help="the sender address whose every tip is deleted")
    p.add_argument("--yes", action="store_true", help="delete them (without it: only count them)")


def run_forget(settings: Settings, args: argparse.Namespace) -> int:
    from inbox import retention
    from inbox.board import audit
    from inbox.cli import UsageError
    from inbox.commands.data import open_sessions

    sessions = open_sessions(settings)
    with sessions() as session:
        ids = retention.reader_tip_ids(session, args.email)
        held = retention.held_ids(session, ids) if ids else []
    if held:
        raise UsageError(f"{len(held)} of this reader's {len(ids)} tip(s) are under a legal hold: nothing deleted")
    if not args.yes:
        print(f"{len(ids)} tip(s) from this reader would be deleted, with their raw mail, attachments, search, "
              f"sorting and story rows; run again with --yes to delete them")
        return 0 if ids else 1
    try:
        with transaction(sessions) as session:
            done = retention.forget_reader(session, args.email, "cli")
            audit.record(session, None, "reader_forget", "tip", None, f"{done} tip(s)")
    except retention.Held as exc:
        raise UsageError(f"{exc}: nothing deleted") from None
    retention.finish(sessions, settings)
    print(f"forgot the reader: {done} tip(s) deleted, tombstones kept")
    return 0


def add_backup_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="a new file for the snapshot")


def run_backup(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.cli import UsageError
    from inbox.retention import backup

    try:
        size = backup.backup(settings.database_url, args.path)
    except backup.NotSQLite as exc:
        print(str(exc))
        return 2
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    print(f"backup written to {args.path} ({size / 1e6:,.1f} MB, mode 0600)")
    return 0
