"""kill -9 of the job consumer (`inbox jobs run`, a real process) in the middle of SMTP
transactions, several times: every reply reaches the SMTP server exactly once, counted there by
Message-ID. The consumer is killed while the server holds its answer to RCPT TO (the
transaction is under way, DATA not begun); the sweep (a periodic job of the consumer) finds the
rows left "sending" once their lease ends, and the last consumer sends them."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

from sqlalchemy import select

from inbox.config import load
from inbox.db import make_engine, session_factory
from inbox.jobs import Queue
from inbox.models import Outgoing
from inbox.outgoing import queue_message, send_later
from tests.integration.conftest import worker_env
from tests.integration.proc import migrated_sqlite
from tests.outgoing.conftest import smtp_server  # noqa: F401  (a fixture)

REPLIES = 6
KILLS = 4


def _consumer(config, log):
    return subprocess.Popen([sys.executable, "-m", "inbox.cli", "--config", str(config), "jobs", "run", "--workers", "1"],
                            env=worker_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _tries(sessions) -> int:
    with sessions() as s:
        return sum(s.scalars(select(Outgoing.attempts)).all())


def _states(sessions) -> Counter:
    with sessions() as s:
        return Counter(s.scalars(select(Outgoing.state)).all())


def _wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def test_kill_9_mid_send_delivers_every_reply_exactly_once(tmp_path, smtp_server):
    url = migrated_sqlite(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(
        f'data_dir = "{tmp_path}"\n[database]\nurl = "{url}"\n[jobs]\nbackend = "sqlite"\nworkers = 1\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "plain"\n'
        f'from_address = "Desk <tips@desk.example>"\ntimeout_seconds = 10\nlease_seconds = 3\n'
        'backoff_seconds = 0.5\nmax_backoff_seconds = 2.0\n')
    settings = load(config)
    sessions = session_factory(make_engine(url))
    queue = Queue(settings, sessions=sessions)
    with sessions() as s:
        ids = [queue_message(s, kind="reply", to=f"reader{n}@example.org", subject=f"Re: tip {n}",
                             body="Thank you.\n").id for n in range(REPLIES)]
        s.commit()
    for row_id in ids:
        send_later(queue, row_id)
    smtp_server.rcpt_delay = 0.6  # each transaction waits here, between MAIL FROM and DATA
    log = open(tmp_path / "jobs.log", "ab")
    kills = 0
    try:
        while kills < KILLS:
            before = _tries(sessions)
            proc = _consumer(config, log)
            _wait(lambda: _tries(sessions) > before or proc.poll() is not None, 90, "a send to begin")
            time.sleep(random.uniform(0.05, 0.4))
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
        assert len(smtp_server.messages) < REPLIES, "the kills came too late to interrupt anything"
        proc = _consumer(config, log)
        _wait(lambda: _states(sessions)["sent"] == REPLIES, 240, "every reply to be sent (the sweep runs each minute)")
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    with sessions() as s:
        rows = s.scalars(select(Outgoing)).all()
        wanted = sorted(r.message_id for r in rows)
        assert max(r.attempts for r in rows) >= 2  # some row was interrupted and tried again
    at_server = Counter(m.strip("<>") for m in smtp_server.message_ids())  # rows keep them bare
    assert sorted(at_server) == wanted
    assert set(at_server.values()) == {1}, at_server
