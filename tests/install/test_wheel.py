"""`pip install .` (a wheel, not editable) then `inbox demo` from a folder far from the
checkout: templates, static files, migrations and the demo mailbox travel in the wheel.

The wheel is built from a copy of the files git would clone (so nothing left over in
build/ can stand in for a missing file) and installed with --no-deps into a new venv
that borrows this venv's dependencies through a .pth line (no reinstall of numpy and
scikit-learn). A .pth line adds a folder but runs none of its .pth files, so this
checkout's editable install does not come along.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*argv, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=300, **kw)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv with the project's wheel in it and the test venv's dependencies beside it."""
    if not (ROOT / ".git").exists():
        pytest.skip(f"{ROOT} is not a git checkout: cannot tell which files a clone has")
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    listed = run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", work / "dist", source)
    (wheel,) = (work / "dist").glob("tip_inbox-*.whl")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    site = Path(run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps", wheel)
    return venv


def test_the_wheel_is_what_runs(installed, tmp_path):
    done = run(installed / "bin" / "python", "-c", "import inbox; print(inbox.__file__)", cwd=tmp_path)
    assert Path(done.stdout.strip()).is_relative_to(installed)


def test_inbox_demo_from_the_wheel_serves_the_board_outside_the_checkout(installed, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([installed / "bin" / "inbox", "demo", "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    try:
        deadline, health = time.monotonic() + 120, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status
                break
            except OSError:
                time.sleep(0.3)
        assert proc.poll() is None, proc.stdout.read()
        assert health == 200
        login = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)  # a template, rendered
        assert "/login" in login.url and 'id="login-form"' in login.read().decode()
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/board.css", timeout=5)
        assert css.status == 200 and css.read()
        assert (tmp_path / "var" / "inbox.db").is_file()  # made by the wheel's migrations
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
