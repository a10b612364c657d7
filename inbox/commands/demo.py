"""`inbox demo`: the whole trip on one machine, in one command (the README's first).

It creates the embedded SQLite database under data_dir (./var), migrates it,
(re)creates an admin, an editor and a reporter with fresh printed passwords,
imports the bundled demo mailbox through the real pipeline (which sorts when a
sorter is installed), and serves the board on http://127.0.0.1:5000.

Running it again reuses the database, and says so: the import finds every
message already stored, and the three demo accounts get new passwords (old
sessions end). `--reset` starts over: it removes the demo's SQLite database, its
trained models and its secret key first, naming each.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import secrets
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox import migrate
from inbox.config import Settings
from inbox.db import make_engine, session_factory, sqlite_path

log = logging.getLogger(__name__)

# (email, name, role, beats): the people a newsroom would have on the board. Beats are
# topic names of the built-in desk (inbox/sort/desk.toml), comma-separated.
DEMO_USERS = (
    ("admin@station.example", "Demo Admin", "admin", ""),
    ("editor@station.example", "Assignment Editor", "editor", ""),
    ("reporter@station.example", "Maya Torres", "reporter", "Elections,Courts & lawsuits,State & local government"),
)


@dataclass(frozen=True)
class Demo:
    """A prepared demo: where it lives, who may log in, and what the import did."""

    settings: Settings
    sessions: sessionmaker[Session]
    passwords: dict[str, str]
    counts: Counter


def demo_settings(settings: Settings, host: str | None = None, port: int | None = None) -> Settings:
    """The demo's settings: a persisted secret key under data_dir, plain-HTTP cookies on loopback."""
    board = settings.board
    secret_key = board.secret_key or _stored_secret(Path(settings.data_dir) / "demo-secret-key")
    board = dataclasses.replace(
        board, secret_key=secret_key, secure_cookies=False,
        host=host or board.host, port=board.port if port is None else port,
    )
    return dataclasses.replace(settings, board=board, encryption=demo_encryption(settings))


# The demo's own desk key (inbox/vault.py): made on first run, kept with the demo's data.
DEMO_KEY = "demo-desk.key"


def demo_encryption(settings: Settings):
    """The configured [encryption], or the demo's own key under data_dir (0600) when none is:
    the demo stores its mail encrypted, as a desk should."""
    from inbox.vault import encode_public, generate, keyfile_text, read_keyfile, write_keyfile

    if settings.encryption.enabled:
        return settings.encryption
    path = Path(settings.data_dir) / DEMO_KEY
    if path.exists():
        key = read_keyfile(path.read_text(encoding="utf-8"))[0]
    else:
        key = generate()
        write_keyfile(path, keyfile_text([key]))
    return dataclasses.replace(settings.encryption, public_key=encode_public(key.public_key),
                               private_key=f"file:{path}", passphrase="")


def _stored_secret(path: Path) -> str:
    # Kept on disk so that restarting the demo does not log everyone out.
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key


def reset_accounts(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Create the demo accounts, or give them new random passwords; returns email -> password."""
    from inbox.board.auth import hash_password, set_password
    from inbox.models import User

    passwords = {}
    with sessions() as session, session.begin():
        for email, name, role, beats in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            user = session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=name, role=role, beats=beats, password_hash=hash_password(password))
                session.add(user)
            else:
                set_password(session, user, password)  # a new password ends old sessions
            user.active = True
            passwords[email] = password
    return passwords


def import_mailbox(settings: Settings, sessions: sessionmaker[Session], processes: int = 1) -> Counter:
    """Every bundled demo message through the pipeline; returns the count of each outcome."""
    from inbox import demo
    from inbox.pipeline import Pipeline

    counts: Counter = Counter()
    with Pipeline(settings, sessions, processes=processes) as pipeline:
        for outcome in pipeline.process_many(demo.messages()):
            counts[outcome.status] += 1
    return counts


def prepare(settings: Settings) -> Demo:
    """Database migrated, accounts reset, mailbox imported: everything but serving."""
    url = settings.database_url
    migrate.upgrade(url)
    sessions = session_factory(make_engine(url, settings.database.echo))
    passwords = reset_accounts(sessions)
    counts = import_mailbox(settings, sessions)
    return Demo(settings, sessions, passwords, counts)


def demo_files(settings: Settings) -> list[Path]:
    """What a demo run leaves under data_dir, as far as it exists: the SQLite database with
    its WAL files, the trained models, the secret key (a new one ends old sessions)."""
    database = sqlite_path(settings.database_url)
    data_dir = Path(settings.data_dir).resolve()
    candidates = [Path(f"{database}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]
    candidates += [data_dir / "models", data_dir / "demo-secret-key", data_dir / "jobs.sqlite", data_dir / DEMO_KEY]
    return [p for p in candidates if p.exists()]


def reset(settings: Settings) -> list[Path]:
    """Remove what a previous demo left (see demo_files); refuses any database but the
    embedded SQLite file, which is the only one the demo may throw away."""
    from inbox.cli import UsageError

    if sqlite_path(settings.database_url) is None:
        raise UsageError("--reset only removes an embedded SQLite database: database.url names another one")
    removed = demo_files(settings)
    for path in removed:
        print(f"Removing {path}")
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return removed


def serve(demo: Demo) -> None:
    """The board on the demo's host and port, through `inbox serve`'s own code, until Ctrl-C,
    with the job queue running in the same process (the demo starts no worker)."""
    from inbox.commands.board import serve_board
    from inbox.jobs import Queue

    consumer = Queue(demo.settings).start_background()
    try:
        serve_board(demo.settings)
    finally:
        consumer.stop(graceful=True)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default=None, help="address to serve on (default board.host, 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port to serve on (default board.port, 5000)")
    p.add_argument("--no-serve", action="store_true", help="prepare the database and accounts, then exit")
    p.add_argument("--reset", action="store_true",
                   help="start over: remove the demo's database, models and secret key under data_dir first")


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.reset:
        reset(settings)
    database = sqlite_path(settings.database_url)
    if database is not None and database.exists():
        print(f"Reusing {settings.data_dir}/: the demo database is kept "
              "(`inbox demo --reset` starts over).")
    demo = prepare(demo_settings(settings, args.host, args.port))
    counts = demo.counts
    print(
        f"Demo mailbox: {sum(counts.values())} messages: {counts['stored']} stored, {counts['threaded']} threaded "
        f"as follow-ups, {counts['duplicate']} already there, {counts['quarantined']} quarantined."
    )
    print(f"Database: {demo.settings.database_url}")
    if demo.settings.encryption.private_key == f"file:{Path(settings.data_dir) / DEMO_KEY}":
        print(f"Mail is encrypted at rest with a DEMO key, {settings.data_dir}/{DEMO_KEY} (0600), kept beside the "
              "database: for a real desk run `inbox keys init` and keep the key apart (docs/encryption.md).")
    print("Demo accounts (new passwords each run):")
    for email, name, role, _beats in DEMO_USERS:
        print(f"  {role:<9} {email:<26} {demo.passwords[email]}")
    if args.no_serve:
        return 0
    serve(demo)
    return 0
