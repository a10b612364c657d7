"""`inbox serve` (the board under waitress) and `inbox user` (add, list, totp, password).

Passwords come from a prompt (getpass, asked twice) or, for scripts and tests,
one line on standard input with --password-stdin; never from the command line,
where other users could read them in the process list.
"""
from __future__ import annotations

import argparse
import contextlib
import difflib
import getpass
import logging
import os
import re
import signal
import socket
import sys

from sqlalchemy import select

from inbox.cli import UsageError
from inbox.config import Settings

log = logging.getLogger(__name__)
MIN_PASSWORD = 12


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `inbox serve`."""
    p.add_argument("--host", default=None, help="address to listen on (default board.host)")
    p.add_argument("--port", type=int, default=None, help="port to listen on (default board.port)")
    p.add_argument("--processes", type=int, default=None, help="waitress processes sharing the port (default board.processes)")


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the board with waitress (or under gunicorn: see wsgi_app below and docs/board.md)."""
    return serve_board(settings, args.host, args.port, args.processes)


def serve_board(settings: Settings, host: str | None = None, port: int | None = None, processes: int | None = None) -> int:
    """The board on host:port (default: the [board] settings) until stopped; `inbox demo` uses it too."""
    from inbox.board import create_app

    host = host or settings.board.host
    port = settings.board.port if port is None else port
    processes = settings.board.processes if processes is None else processes
    if processes < 1:
        raise UsageError("--processes must be at least 1")
    from inbox.commands.keys import unlocked

    vault = unlocked(settings)  # the desk key's passphrase is asked once, here, before any fork
    create_app(settings, vault=vault)  # a bad configuration fails here, once, before any process starts
    sock = socket.create_server((host, port), backlog=1024)
    print(f"Tip Inbox board on http://{host}:{port}/ ({processes} process(es) × {settings.board.threads} threads; "
          "Ctrl-C stops it)", flush=True)
    if processes == 1:
        _serve(settings, sock, vault)
        return 0
    return _serve_forked(settings, sock, processes, vault)


def _serve(settings: Settings, sock: socket.socket, vault=None) -> None:
    from waitress import serve

    from inbox.board import create_app

    serve(create_app(settings, vault=vault), sockets=[sock], threads=settings.board.threads, ident="tip-inbox")


def _serve_forked(settings: Settings, sock: socket.socket, processes: int, vault=None) -> int:
    # Python runs one thread at a time per process: on several cores, several waitress
    # processes accept from one listening socket. Each builds its own app and engine after
    # the fork, so no database connection is shared between processes.
    children = []
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                _serve(settings, sock, vault)
            finally:
                os._exit(0)
        children.append(pid)

    def stop(_signum, _frame):
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child, 0)
    return 0


def add_user_arguments(p: argparse.ArgumentParser) -> None:
    """Sub-commands of `inbox user`."""
    sub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add a user (asks for the password)")
    add.add_argument("email")
    add.add_argument("--role", choices=("admin", "editor", "reporter"), default="reporter")
    add.add_argument("--name", default="")
    add.add_argument("--beats", default="", help="comma-separated topics a reporter sees, from the desk's list "
                     "(case-insensitive; a word or the start of a name will do: \"courts,elections\")")
    add.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    sub.add_parser("list", help="list users, their roles and beats")
    pw = sub.add_parser("password", help="set a new password (logs the user out everywhere)")
    pw.add_argument("email")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    totp = sub.add_parser("totp", help="turn on a TOTP second factor and print its setup URI")
    totp.add_argument("email")
    totp.add_argument("--off", action="store_true", help="turn the second factor off instead")


def desk_topics(settings: Settings) -> tuple[str, ...]:
    """The desk's topic names: [sorting] topics, or the built-in desk."""
    from inbox.sort.topics import default_topics

    return tuple(t.name for t in settings.sorting.topics or default_topics())


def match_beats(given: str, topics: tuple[str, ...]) -> str:
    """The comma-separated beats as the desk spells its topics, or UsageError in one line.

    Each beat is a topic's name in any case, the start of one ("courts" for "Courts &
    lawsuits") or one of its words ("lawsuits"), when only one topic fits; a typo is
    refused with the nearest name (difflib), so it never becomes an empty board."""
    chosen: list[str] = []
    for beat in (b.strip() for b in given.split(",")):
        if beat:
            topic = _match_beat(beat, topics)
            if "," in topic:
                raise UsageError(f"the topic {topic!r} has a comma in its name, which beats cannot hold yet")
            if topic not in chosen:
                chosen.append(topic)
    return ",".join(chosen)


def _match_beat(beat: str, topics: tuple[str, ...]) -> str:
    wanted = beat.casefold()
    exact = [t for t in topics if t.casefold() == wanted]
    if exact:
        return exact[0]
    fits = [t for t in topics if t.casefold().startswith(wanted) or wanted in _words(t)]
    if len(fits) == 1:
        return fits[0]
    if fits:
        raise UsageError(f"the beat {beat!r} fits several topics ({'; '.join(fits)}): give more of the name")
    # The nearest by whole names and by single words ("courst" is near "courts").
    spellings = {t.casefold(): t for t in topics}
    spellings.update({w: t for t in topics for w in _words(t) if w not in spellings})
    near = difflib.get_close_matches(wanted, spellings, n=1, cutoff=0.6)
    hint = f"did you mean {spellings[near[0]]!r}?" if near else f"the desk's topics are: {'; '.join(topics)}"
    raise UsageError(f"no topic {beat!r} on the desk: {hint}")


def _words(topic: str) -> list[str]:
    return re.findall(r"\w+", topic.casefold())


def has_terminal() -> bool:
    """Whether getpass can ask someone: it reads the controlling terminal, not stdin."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not has_terminal():
            raise UsageError("no terminal to ask for the password: pipe it in with --password-stdin")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise UsageError("the passwords differ")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password must be at least {MIN_PASSWORD} characters")
    return password


def run_user(settings: Settings, args: argparse.Namespace) -> int:
    """Manage board accounts from the terminal (the first admin has no other way in)."""
    import pyotp

    from inbox.board.auth import find_user, hash_password, set_password
    from inbox.commands.data import open_sessions
    from inbox.db import transaction
    from inbox.models import User

    sessions = open_sessions(settings)
    if args.user_command == "list":
        with sessions() as session:
            for u in session.scalars(select(User).order_by(User.email)):
                state = "" if u.active else "  (disabled)"
                print(f"{u.id}\t{u.email}\t{u.role}\t{u.beats or '-'}\t{'totp' if u.totp_secret else '-'}{state}")
        return 0
    email = args.email.strip().lower()
    if args.user_command == "add":
        if "@" not in email:
            raise UsageError(f"{args.email!r} is not an email address")
        with sessions() as session:  # the desk's list as the board offers it (topics added in the browser too)
            from inbox.board.desk import topic_list

            beats = match_beats(args.beats, tuple(topic_list(session, settings)))
        password = _password(args.password_stdin)
        with transaction(sessions) as session:
            if find_user(session, email) is not None:
                raise UsageError(f"a user {email} already exists")
            user = User(email=email, name=args.name, role=args.role, beats=beats, password_hash=hash_password(password))
            session.add(user)
            session.flush()
            print(f"Added user {user.id} ({args.role}).")
        return 0
    with transaction(sessions) as session:
        user = find_user(session, email)
        if user is None:
            raise UsageError(f"no user {email}")
        if args.user_command == "password":
            ended = set_password(session, user, _password(args.password_stdin))
            print(f"Password changed; the user's sessions have ended ({ended} were open).")
        elif args.off:
            user.totp_secret = user.totp_last_step = None
            print("Second factor turned off.")
        else:
            user.totp_secret, user.totp_last_step = pyotp.random_base32(), None
            print("Add this to the user's authenticator app (shown once):")
            print(pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name="Tip Inbox"))
    return 0


def wsgi_app():
    """For WSGI servers: `gunicorn -w 4 "inbox.commands.board:wsgi_app()"`; reads the file named
    by INBOX_CONFIG (default ./config.toml) once, here at the edge, as the command line does."""
    from inbox import config
    from inbox.board import create_app

    return create_app(config.load(os.environ.get("INBOX_CONFIG", "config.toml")))
