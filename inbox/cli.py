"""The `inbox` command. Each sub-command is a row in COMMANDS: (name, help, add_arguments, run).

Configuration is read once here and passed down; a bad config or bad input is one
clear line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Callable

from inbox import config as config_mod
from inbox.config import ConfigError, Settings

Command = tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[Settings, argparse.Namespace], int]]


class UsageError(Exception):
    """Bad input from the person at the terminal: shown as one line, exit status 2."""


def _load_settings(path: str | None) -> Settings:
    from pathlib import Path

    if path is None:
        default = Path("config.toml")
        return config_mod.load(default) if default.exists() else Settings()
    return config_mod.load(path)


def _commands() -> list[Command]:
    # Imported here so that `import inbox.cli` has no side effects and each
    # command pulls in only what it needs (the worker never imports Flask).
    from inbox.commands import COMMANDS

    return COMMANDS


# Everything the commands create (var/, the database and its WAL/SHM, models, the demo's
# secret) is for this user alone: tips name their sources.
UMASK = 0o077


def main(argv: list[str] | None = None) -> int:
    os.umask(UMASK)
    parser = argparse.ArgumentParser(prog="inbox", description="Tip Inbox: reader tips from mailbox to board.")
    parser.add_argument("--config", metavar="PATH", help="configuration file (default ./config.toml if present)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level (may include message details)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    runners = {}
    for name, help_text, add_arguments, run in _commands():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(p)
        runners[name] = run
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        settings = _load_settings(args.config)
        return runners[args.command](settings, args) or 0
    except ConfigError as exc:
        print(f"inbox: configuration error: {exc}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"inbox: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a path or a socket the person named: say which, no traceback
        print(f"inbox: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except Exception as exc:
        from sqlalchemy.exc import OperationalError

        if not isinstance(exc, OperationalError):
            raise
        print(f"inbox: cannot use the database: {str(exc.orig).strip().splitlines()[0]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    # `python -m inbox.cli` runs this file as __main__, a second copy of the module: the
    # commands raise inbox.cli's UsageError, so that copy's main must be the one that runs.
    from inbox.cli import main as package_main

    sys.exit(package_main())
