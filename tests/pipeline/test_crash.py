"""A crash in the middle of an import loses nothing and stores nothing twice.

`inbox import` runs as a real process and is killed with SIGKILL at random
points; the next run finishes the job. SQLite only: the property under test is
the store's unique keys and per-batch transactions, which the PostgreSQL runs
of test_store.py cover for that backend.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from inbox import migrate
from inbox.db import make_engine, session_factory
from inbox.models import Sighting, Tip
from tests.mailfactory import make_mail

N = 1500


def test_import_killed_at_random_points_ends_with_every_tip_once(tmp_path):
    mail = tmp_path / "mail"
    mail.mkdir()
    for n in range(N):
        (mail / f"{n:05}.eml").write_bytes(make_mail(subject=f"tip {n}", body=f"Story {n}: " + "words " * 200))
    db = tmp_path / "inbox.db"
    url = f"sqlite:///{db}"
    migrate.upgrade(url)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n[import]\nbatch_size = 50\n')
    cmd = [sys.executable, "-m", "inbox.cli", "--config", str(cfg), "import", "--no-progress", str(mail)]
    engine = make_engine(url)
    sessions = session_factory(engine)
    rng = random.Random(7)
    stored_at_kill = []
    for _ in range(5):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # Kill at a random point once this run has stored something new.
        before = tips(sessions)
        deadline = time.monotonic() + 120
        while proc.poll() is None and tips(sessions) <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.4))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            stored_at_kill.append(tips(sessions))
        proc.wait()
    final = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    assert len(stored_at_kill) >= 3, "the import finished before it could be killed: make it bigger"
    assert 0 < stored_at_kill[0] < N
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Tip)) == N
        assert s.scalar(select(func.count()).select_from(Sighting)) == N
        assert s.scalar(select(func.count(func.distinct(Tip.subject)))) == N
    engine.dispose()


def tips(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Tip))
