"""What the commands create is for their user alone: var/ and models/ 0700; the database,
its WAL and SHM, the models and their sidecars, the demo's secret 0600; whatever the umask
of the shell that ran them (tested with 022, the usual one, which gave 0644 before)."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from inbox.db import create_sqlite_folder, make_engine

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "inbox.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, preexec_fn=lambda: os.umask(0o022), env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_db_upgrade_makes_var_and_the_database_private(tmp_path):
    result = run("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "var") == 0o700
    assert mode(tmp_path / "var" / "inbox.db") == 0o600


def test_the_demo_leaves_nothing_another_user_can_read(tmp_path):
    result = run("demo", "--no-serve", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    var = tmp_path / "var"
    made = [var, *var.rglob("*")]
    assert (var / "inbox.db") in made and (var / "demo-secret-key") in made
    wrong = {str(p.relative_to(tmp_path)): oct(mode(p)) for p in made
             if mode(p) != (0o700 if p.is_dir() else 0o600)}
    assert wrong == {}


def test_the_wal_and_shm_files_take_the_databases_mode_even_under_umask_022(tmp_path, umask_022):
    url = f"sqlite:///{tmp_path / 'state' / 'inbox.db'}"
    create_sqlite_folder(url)  # as `db upgrade` and `demo` do: no other command makes the folder
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (x)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.commit()
        files = {p.name: mode(p) for p in (tmp_path / "state").iterdir()}
    engine.dispose()
    assert files == {"inbox.db": 0o600, "inbox.db-wal": 0o600, "inbox.db-shm": 0o600}
    assert mode(tmp_path / "state") == 0o700


def test_model_files_and_sidecars_are_private_under_umask_022(tmp_path, umask_022):
    from inbox.sort.model import train_and_save

    texts = [f"the council voted on the budget {i}" for i in range(6)] + [f"the bus route was cut {i}" for i in range(6)]
    _, saved = train_and_save(tmp_path / "models", "spam", 1, texts, ["ham"] * 6 + ["spam"] * 6)
    made = {p.name: mode(p) for p in (tmp_path / "models").iterdir()}
    assert made == {saved.filename: 0o600, saved.filename.replace(".joblib", ".json"): 0o600}
    assert mode(tmp_path / "models") == 0o700
