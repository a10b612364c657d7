"""`inbox export`: a board view or search as CSV on standard output, for scripts.

The rows, columns, masking and audit row are the board's own (inbox.board.export): with
--as EMAIL the export is what that user may see, protected readers masked as the board
masks them; without it, the command line is an admin and sees everything.
"""
from __future__ import annotations

import argparse
import sys

from inbox.cli import UsageError
from inbox.config import Settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `inbox export` (the board's filters, by the same names)."""
    p.add_argument("--status", default="", help="one board column (new, reviewing, assigned, ...)")
    p.add_argument("--topic", default="", help="one topic, or 'none' for tips without one")
    p.add_argument("--query", default="", help="search words, as in the board's search box")
    p.add_argument("--mailbox", default="", help="a mailbox id")
    p.add_argument("--flag", default="", help="urgent, sensitive, attachments, automatic or spam")
    p.add_argument("--since", default="", help="received on or after this day (2026-11-28)")
    p.add_argument("--until", default="", help="received on or before this day")
    p.add_argument("--as", dest="as_user", default="", metavar="EMAIL",
                   help="export what this user may see, masked as the board masks it (default: an admin, all)")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Write the CSV to standard output, piece by piece."""
    from inbox.board.auth import find_user
    from inbox.board.export import stream
    from inbox.board.queries import Filters
    from inbox.commands.data import open_sessions

    values = {"status": args.status, "topic": args.topic, "q": args.query, "mailbox": args.mailbox,
              "flag": args.flag, "since": args.since, "until": args.until}
    try:
        filters = Filters.from_args({k: v for k, v in values.items() if v}, settings.board.cards_per_column)
    except ValueError as exc:
        raise UsageError(f"export: {str(exc).rstrip('.')}") from None
    sessions = open_sessions(settings)
    viewer_id = None
    if args.as_user:
        if not settings.board.secret_key:
            raise UsageError("export --as: board.secret_key is needed to name protected readers as the board does")
        with sessions() as session:
            found = find_user(session, args.as_user)
            if found is None or not found.active:
                raise UsageError(f"export --as: no active user {args.as_user}")
            viewer_id = found.id
    vault = None
    if settings.encryption.private_key:  # sealed subjects are opened with the desk key (its passphrase asked here)
        from inbox.commands.keys import unlocked

        vault = unlocked(settings)
    out = sys.stdout
    for piece in stream(sessions, viewer_id, filters, settings.board.secret_key, via="cli", vault=vault):
        out.write(piece)
    out.flush()
    return 0
