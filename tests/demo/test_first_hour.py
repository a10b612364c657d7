"""A newcomer's mistakes, each answered with one line on stderr and exit status 2.

The headline cases run `inbox` as a separate process, as a person would, so that
"one line" covers everything the process writes (no traceback, no warning).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.cli import main
from inbox.commands import COMMANDS
from inbox.db import make_engine, session_factory
from inbox.models import Mailbox

SUPPORTED = "use sqlite:///PATH or postgresql://USER@HOST/DB (psycopg 3)"
# Arguments that make each command run past its argument parsing.
ARGUMENTS = {
    "db": ["current"],
    "import": ["nothing-here.eml"],
    "quarantine": ["list"],
    "sort": ["--all"],
    "worker": ["--once"],
    "status": [],
    "demo": ["--no-serve"],
    "serve": ["--port", "0"],
    "user": ["list"],
    "export": ["--status", "new"],
    "retention": ["plan"],
    "hold": ["list"],
    "forget": ["nobody@example.org"],
    "backup": ["backup.db"],
    "jobs": ["status"],
    "token": ["list"],
    "keys": ["status"],
}


def inbox(cwd: Path, *argv: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    """`inbox ARGV` in cwd as its own session (no controlling terminal), output captured."""
    return subprocess.run([sys.executable, "-m", "inbox.cli", *argv], cwd=cwd, stdin=stdin, capture_output=True,
                          text=True, timeout=120, start_new_session=True)


def write_config(folder: Path, text: str) -> str:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_every_command_is_covered_here():
    assert {name for name, *_ in COMMANDS} == set(ARGUMENTS)


def test_postgresql_url_without_a_driver_is_taken_as_psycopg_3(tmp_path, pg_url):
    bare = pg_url.replace("postgresql+psycopg://", "postgresql://")
    config = write_config(tmp_path, f'[database]\nurl = "{bare}"\n')
    done = inbox(tmp_path, "--config", config, "db", "current")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("0")  # a revision, read through psycopg 3


@pytest.mark.parametrize("url, line", [
    ("mysql://tips:secret@db.example/tips", f"database.url: mysql is not supported: {SUPPORTED}"),
    ("postgresql+psycopg2://tips:secret@db.example/tips",
     f"database.url: the driver psycopg2 is not supported: {SUPPORTED}"),
    ("sqlite+aiosqlite:///var/inbox.db", f"database.url: the driver aiosqlite is not supported: {SUPPORTED}"),
    ("var/inbox.db", f"database.url: not a database URL: expected {SUPPORTED.removeprefix('use ')}"),
])
def test_unsupported_database_urls_are_named_in_one_line(tmp_path, url, line):
    config = write_config(tmp_path, f'[database]\nurl = "{url}"\n')
    done = inbox(tmp_path, "--config", config, "db", "upgrade")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"inbox: configuration error: {line}\n"
    assert "secret" not in done.stderr  # the URL's password is never echoed


@pytest.mark.parametrize("command", sorted(ARGUMENTS))
@pytest.mark.parametrize("table, line", [
    ('[[mailbox]]\nname = "desk"\ntls = "ssl"\n',
     "mailbox[0].tls: expected one of tls, starttls, plain, got 'ssl'"),
    ('[[mailbox]]\nname = "desk"\nafter_store = "move:"\n',
     "mailbox[0].after_store: expected one of none, flag-seen, move:Folder, got 'move:'"),
    ('[[sorting.topics]]\nname = "Courts"\nrules = [{ kind = "word", match = "judge" }]\n',
     "sorting.topics[0].rules[0].kind: expected one of keyword, phrase, regex, sender_domain, got 'word'"),
    ('[database]\nurl = "mysql://db.example/tips"\n', f"database.url: mysql is not supported: {SUPPORTED}"),
])
def test_every_command_refuses_a_bad_value_when_the_config_loads(tmp_path, capsys, command, table, line):
    config = write_config(tmp_path, f'data_dir = "{tmp_path / "var"}"\n{table}')
    assert main(["--config", config, command, *ARGUMENTS[command]]) == 2
    assert capsys.readouterr().err == f"inbox: configuration error: {line}\n"
    assert not (tmp_path / "var").exists()


def test_bad_tls_is_one_line_from_a_real_process(tmp_path):
    config = write_config(tmp_path, '[[mailbox]]\nname = "desk"\ntls = "ssl"\n')
    done = inbox(tmp_path, "--config", config, "status")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "inbox: configuration error: mailbox[0].tls: expected one of tls, starttls, plain, got 'ssl'\n"


def test_user_add_without_a_terminal_says_to_use_password_stdin(tmp_path, db_url):
    config = write_config(tmp_path, f'[database]\nurl = "{db_url}"\n')
    done = inbox(tmp_path, "--config", config, "user", "add", "ed@newsroom.example", "--role", "editor")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "inbox: no terminal to ask for the password: pipe it in with --password-stdin\n"
    piped = subprocess.run([sys.executable, "-m", "inbox.cli", "--config", config, "user", "add",
                            "ed@newsroom.example", "--password-stdin"], cwd=tmp_path, input="a long enough password\n",
                           capture_output=True, text=True, timeout=120, start_new_session=True)
    assert (piped.returncode, piped.stderr) == (0, "")


def test_status_lists_configured_mailboxes_before_their_first_sync(tmp_path, db_url, db, capsys):
    with db() as s, s.begin():
        s.add(Mailbox(name="demo"))  # what `inbox demo` or `inbox import` leave: no IMAP folders
    config = write_config(tmp_path, f'[database]\nurl = "{db_url}"\n'
                                    '[[mailbox]]\nname = "tips"\n[[mailbox]]\nname = "yourreporter"\n')
    assert main(["--config", config, "status"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "tips: never synced (configured; `inbox worker` syncs it)",
        "yourreporter: never synced (configured; `inbox worker` syncs it)",
        "demo: not synced over IMAP (messages imported from files)",
    ]
    assert main(["--config", config, "status", "--fail-stale-minutes", "15"]) == 1


@pytest.mark.parametrize("argv", [["status"], ["user", "list"], ["quarantine", "list"], ["sort", "--all"],
                                  ["db", "current"]])
def test_commands_that_read_make_no_folders_for_a_mistyped_path(tmp_path, capsys, argv):
    data_dir = tmp_path / "no" / "such" / "place"
    config = write_config(tmp_path, f'data_dir = "{data_dir}"\n')
    code = main(["--config", config, *argv])
    err = capsys.readouterr().err
    if argv != ["db", "current"]:
        assert code == 2
        assert err == ("inbox: the database has no tables yet: run `inbox db upgrade` first "
                       f"(sqlite:///{data_dir / 'inbox.db'})\n")
    assert not (tmp_path / "no").exists()


def test_db_upgrade_makes_the_folder_it_was_asked_for(tmp_path):
    data_dir = tmp_path / "new" / "var"
    config = write_config(tmp_path, f'data_dir = "{data_dir}"\n')
    done = inbox(tmp_path, "--config", config, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert (data_dir / "inbox.db").is_file()


def test_demo_rerun_says_it_reuses_var_and_reset_starts_over(tmp_path):
    first = inbox(tmp_path, "demo", "--no-serve")
    assert first.returncode == 0, first.stderr
    assert "Reusing" not in first.stdout
    (tmp_path / "var" / "models").mkdir(exist_ok=True)  # as a retrain leaves it
    again = inbox(tmp_path, "demo", "--no-serve")
    assert again.stdout.splitlines()[0] == "Reusing var/: the demo database is kept (`inbox demo --reset` starts over)."
    assert " 0 stored," in again.stdout
    reset = inbox(tmp_path, "demo", "--no-serve", "--reset")
    assert reset.returncode == 0, reset.stderr
    removed = [line for line in reset.stdout.splitlines() if line.startswith("Removing ")]
    var = tmp_path.resolve() / "var"
    assert removed[0] == f"Removing {var / 'inbox.db'}"
    assert {f"Removing {var / 'models'}", f"Removing {var / 'demo-secret-key'}"} <= set(removed)
    assert "Reusing" not in reset.stdout and " 0 stored," not in reset.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'inbox.db'}")
    with session_factory(engine)() as s:
        assert s.scalar(select(Mailbox.name)) == "demo"
    engine.dispose()


def test_demo_reset_refuses_a_database_it_did_not_make(tmp_path, capsys):
    config = write_config(tmp_path, '[database]\nurl = "postgresql://newsroom.example/tips"\n')
    assert main(["--config", config, "demo", "--reset", "--no-serve"]) == 2
    assert capsys.readouterr().err == ("inbox: --reset only removes an embedded SQLite database: "
                                       "database.url names another one\n")
