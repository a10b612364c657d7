"""Fixtures for tests against a real Dovecot (tests/integration/dovecot.py).

`dovecot` is one instance per test process, shared: each test gets its own
user (`mail_user`), so tests never see each other's mail. Tests that restart or
kick the server take `own_dovecot`, an instance of their own.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from inbox.config import MailboxSettings, Settings
from tests.integration.dovecot import Dovecot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def dovecot():
    server = Dovecot()
    # XOAUTH2 logins: Dovecot checks the token against the passdb password.
    server.add_user("bot@example.org", "ya29.TEST-TOKEN")
    server.add_user("cmd@example.org", "ya29.FROM-COMMAND")
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def own_dovecot():
    server = Dovecot()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def mail_user(dovecot) -> str:
    """A fresh login on the shared server, with an empty INBOX."""
    return new_user(dovecot)


def new_user(server: Dovecot) -> str:
    return server.take_user()


def mailbox(server: Dovecot, user: str, tls: str = "plain", **overrides) -> MailboxSettings:
    """Settings for user's mailbox on server: plaintext, implicit TLS or STARTTLS, the certificate pinned."""
    port = server.tls_port if tls == "tls" else server.port
    fields = dict(
        name=user, host="127.0.0.1", port=port, tls=tls, ca_file=str(server.cert),
        username=user, password=f"pw-{user}", timeout_seconds=10,
    )
    fields.update(overrides)
    return MailboxSettings(**fields)


def write_config(path: Path, db_url: str, boxes: list[MailboxSettings], batch_size: int = 200, **worker) -> Path:
    """A config.toml for a worker subprocess: its mailboxes, the pipeline's batch size, [worker] settings."""
    lines = [f'data_dir = "{path.parent}"', "[database]", f'url = "{db_url}"',
             "[import]", "processes = 2", f"batch_size = {batch_size}", "[worker]"]
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in worker.items()]
    for box in boxes:
        lines.append("[[mailbox]]")
        for key, value in box.__dict__.items():
            if value == getattr(MailboxSettings, key, None) and key not in ("name",):
                continue
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int):
                lines.append(f"{key} = {value}")
            elif isinstance(value, tuple):
                lines.append(f"{key} = [{', '.join(repr(v).replace(chr(39), chr(34)) for v in value)}]")
            else:
                lines.append(f'{key} = "{value}"')
    path.write_text("\n".join(lines) + "\n")
    return path


def worker_command(config: Path, *args: str) -> list[str]:
    """`inbox --config X worker ...` with this venv's Python."""
    return [sys.executable, "-m", "inbox.cli", "--config", str(config), "worker", *args]


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env
