"""`inbox demo` (the README's first command) really serves the board: a real process, a real port."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_inbox_demo_serves_the_board_with_login_required(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "inbox.cli", "demo", "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status
                break
            except OSError:
                time.sleep(0.3)
        assert proc.poll() is None, proc.stdout.read()
        assert health == 200
        board = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        assert board.url.endswith("/login") or "/login" in board.url  # redirected: every page needs a login
        assert (tmp_path / "var" / "inbox.db").exists()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
