"""`inbox token`: personal access tokens for the JSON API, from the command line.

    inbox token create EMAIL --scope read|write [--expires-days N] [--name NAME]
    inbox token list [EMAIL]
    inbox token revoke ID

create prints the token once, alone on standard output (for `TOKEN=$(inbox token create ...)`);
only its hash is stored. Making and revoking are audited, as from the board's token page.
"""
from __future__ import annotations

import argparse

from inbox.cli import UsageError
from inbox.config import Settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `inbox token`."""
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("target", nargs="?", default="", help="create: the user's email; list: an email (default all); "
                                                         "revoke: the token's id")
    p.add_argument("--scope", choices=["read", "write"], default=None, help="create: read, or write (also changes)")
    p.add_argument("--expires-days", type=int, default=None, help="create: days the token works (default 90, at most 366)")
    p.add_argument("--name", default="", help="create: what the token is for")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Make, list or revoke tokens."""
    from inbox.board.api import tokens
    from inbox.board.auth import find_user
    from inbox.commands.data import open_sessions

    sessions = open_sessions(settings)
    with sessions() as session:
        if args.action == "create":
            if not args.target or args.scope is None:
                raise UsageError("token create: give the user's email and --scope read or --scope write")
            found = find_user(session, args.target)
            if found is None:
                raise UsageError(f"token create: no user {args.target}")
            days = tokens.DEFAULT_DAYS if args.expires_days is None else args.expires_days
            try:
                token, row = tokens.create(session, found, args.scope, days, args.name, via="cli")
            except tokens.TokenError as exc:
                raise UsageError(f"token create: {exc}") from None
            session.commit()
            print(token)
            return 0
        if args.action == "revoke":
            if not (args.target.isascii() and args.target.isdigit() and len(args.target) <= 10):
                raise UsageError("token revoke: give the token's id (inbox token list shows them)")
            if not tokens.revoke(session, int(args.target), None, via="cli"):
                raise UsageError(f"token revoke: no live token #{args.target}")
            session.commit()
            print(f"token #{args.target} revoked")
            return 0
        owner = None
        if args.target:
            found = find_user(session, args.target)
            if found is None:
                raise UsageError(f"token list: no user {args.target}")
            owner = found.id
        for row in tokens.of_user(session, owner):
            used = row.last_used_at.strftime("%Y-%m-%d %H:%M") if row.last_used_at else "never"
            print(f"#{row.id}\t{row.user.email}\t{row.prefix}…\t{row.scope}\t{tokens.state(row)}\t"
                  f"expires {row.expires_at:%Y-%m-%d}\tlast used {used}\t{row.name}")
    return 0
