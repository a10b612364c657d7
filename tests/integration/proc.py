"""Running `inbox worker` as a real process in tests: start, signal, wait, count what it stored."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select, text

from inbox import migrate
from inbox.db import make_engine, session_factory
from inbox.models import FolderState, Quarantined, Sighting, Tip
from tests.integration.conftest import worker_command, worker_env

BATCH_LINE = re.compile(r"stored=(\d+) duplicate=(\d+) threaded=(\d+) quarantined=(\d+)")


def migrated_sqlite(directory: Path) -> str:
    url = f"sqlite:///{directory / 'inbox.db'}"
    migrate.upgrade(url)
    return url


class Worker:
    """One `inbox worker` subprocess with its log in a file."""

    def __init__(self, config: Path, *args: str, log: Path):
        self.log = log
        self._out = open(log, "ab")
        self.proc = subprocess.Popen(worker_command(config, *args), env=worker_env(),
                                     stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.proc.pid

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL the worker and every process it started (its pool), as a crash would."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)
        self._out.close()

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._out.close()

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker's main process so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def leftovers(self, grace: float = 3.0) -> list[int]:
        """Processes still alive in the worker's session (its pool, forkserver) after a grace period."""
        deadline = time.monotonic() + grace
        while True:
            alive = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[3]) == self.pid and fields[0] != "Z":
                    alive.append(int(stat.parent.name))
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.1)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def batch_counts(self) -> tuple[int, int]:
        """(stored + threaded, duplicates) summed over this worker's batch log lines."""
        stored = dup = 0
        for m in BATCH_LINE.finditer(self.text()):
            stored += int(m.group(1)) + int(m.group(3))
            dup += int(m.group(2))
        return stored, dup


class Db:
    """Counting queries on the database a worker writes to."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)

    def count(self, model, *where) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))

    def tips(self) -> int:
        return self.count(Tip)

    def distinct_sightings(self) -> int:
        with self.sessions() as s:
            return s.scalar(text("SELECT count(*) FROM (SELECT DISTINCT mailbox_id, folder, uidvalidity, uid FROM sightings) d"))

    def quarantined(self) -> int:
        return self.count(Quarantined)

    def sightings(self) -> int:
        return self.count(Sighting)

    def folders(self) -> list[FolderState]:
        with self.sessions() as s:
            return list(s.scalars(select(FolderState).order_by(FolderState.folder)))

    def close(self) -> None:
        self.engine.dispose()


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05, what: str = "condition") -> float:
    """Poll until predicate() holds; returns the seconds it took, fails the test after timeout."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - start
