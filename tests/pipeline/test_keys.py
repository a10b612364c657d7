"""`inbox keys init | status | rotate | export-public`, and a rotation killed halfway (SIGKILL) then resumed."""
from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inbox import config as config_mod
from inbox.cli import main
from inbox.db import make_engine, session_factory
from inbox.models import Quarantined, RawMessage, Reader, Tip
from inbox.pipeline import Pipeline, Source
from inbox.sealing import open_raw
from inbox.vault import decode_public, key_id, read_keyfile, unlock
from tests.conftest import create_schema

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, public: str = "", private: str = "", passphrase: str = "") -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "var"}"\n[database]\nurl = "sqlite:///{tmp_path / "inbox.db"}"\n'
                   f'[encryption]\npublic_key = "{public}"\nprivate_key = "{private}"\npassphrase = "{passphrase}"\n')
    return cfg


def init_desk(tmp_path: Path, capsys) -> tuple[Path, str]:
    """A migrated SQLite database and a desk key made by `inbox keys init`; the config naming both."""
    engine = make_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    create_schema(engine)
    engine.dispose()
    cfg = write_config(tmp_path)
    assert main(["--config", str(cfg), "keys", "init"]) == 0
    out = capsys.readouterr().out
    public = next(line.split('"')[1] for line in out.splitlines() if line.startswith("public_key"))
    return write_config(tmp_path, public, f"file:{tmp_path / 'var' / 'desk.key'}"), public


def mail(i: int, protected: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"reader{i}@example.org" if not protected else "kept@example.org"
    msg["To"], msg["Subject"], msg["Message-ID"] = "desk@station.example", f"Tip number {i}", f"<m{i}@example.org>"
    msg.set_content(f"Body of tip {i}.\n")
    msg.add_alternative(f"<p>Body of tip <b>{i}</b>.</p>", subtype="html")
    return bytes(msg)


def fill(cfg: Path, n: int) -> None:
    settings = config_mod.load(cfg)
    db = session_factory(make_engine(settings.database_url))
    with db() as s, s.begin():
        s.add(Reader(address="kept@example.org", protected=True, why="test"))
    with Pipeline(settings, db, processes=1) as pipeline:
        outcomes = list(pipeline.process_many((mail(i, protected=i % 3 == 0), Source("import", "f", 0, i + 1))
                                              for i in range(n)))
    assert {o.status for o in outcomes} == {"stored"}


def key_counts(tmp_path: Path) -> dict:
    db = session_factory(make_engine(f"sqlite:///{tmp_path / 'inbox.db'}"))
    with db() as s:
        return {m.__tablename__: dict(s.execute(select(m.key_id, func.count()).group_by(m.key_id)).all())
                for m in (RawMessage, Tip)}


def test_init_writes_a_0600_key_file_and_refuses_to_overwrite_it(tmp_path, capsys):
    cfg, public = init_desk(tmp_path, capsys)
    key_file = tmp_path / "var" / "desk.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_id(read_keyfile(key_file.read_text())[0].public_key) == key_id(decode_public(public))
    assert main(["--config", str(cfg), "keys", "init"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists already" in err


def test_export_public_prints_the_public_key_and_status_counts_rows_by_key(tmp_path, capsys):
    cfg, public = init_desk(tmp_path, capsys)
    fill(cfg, 3)
    assert main(["--config", str(cfg), "keys", "export-public"]) == 0
    assert capsys.readouterr().out.strip() == public
    assert main(["--config", str(cfg), "keys", "status"]) == 0
    out = capsys.readouterr().out
    kid = key_id(decode_public(public))
    assert f"the worker seals to key {kid}" in out and f"raw_messages: 3 under {kid}" in out


@pytest.mark.parametrize("args, message", [
    (["keys", "rotate"], "rotate needs [encryption] private_key"),
    (["keys", "export-public"], "no desk key configured"),
    (["keys", "rotate", "--batch-size", "0"], "--batch-size must be at least 1"),
])
def test_keys_mistakes_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    cfg = write_config(tmp_path)
    assert main(["--config", str(cfg), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_a_missing_or_foreign_key_file_and_a_wrong_passphrase_are_one_line(tmp_path, capsys, monkeypatch):
    cfg = write_config(tmp_path, private=f"file:{tmp_path / 'nope.key'}")
    assert main(["--config", str(cfg), "keys", "export-public"]) == 2
    assert "no such key file" in capsys.readouterr().err
    (tmp_path / "other.key").write_text("not a key\n")
    cfg = write_config(tmp_path, private=f"file:{tmp_path / 'other.key'}")
    assert main(["--config", str(cfg), "keys", "export-public"]) == 2
    assert "not a desk key file" in capsys.readouterr().err
    monkeypatch.setenv("DESK_PASS", "correct horse battery")
    cfg = write_config(tmp_path, private=f"file:{tmp_path / 'p.key'}", passphrase="env:DESK_PASS")
    assert main(["--config", str(cfg), "keys", "init", "--path", str(tmp_path / "p.key")]) == 0
    capsys.readouterr()
    monkeypatch.setenv("DESK_PASS", "wrong horse battery")
    assert main(["--config", str(cfg), "keys", "export-public"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "wrong passphrase" in err


def test_a_bad_public_key_in_the_config_stops_the_board_with_one_line(tmp_path, capsys):
    from inbox.board import create_app
    from inbox.config import ConfigError

    settings = dataclasses.replace(config_mod.load(write_config(tmp_path, public="desk1:short")),
                                   board=config_mod.BoardSettings(secret_key="k"))
    with pytest.raises(ConfigError, match="desk public key is damaged"):
        create_app(settings)


def test_rotation_killed_halfway_then_resumed_leaves_every_tip_readable(tmp_path, capsys):
    cfg, public = init_desk(tmp_path, capsys)
    fill(cfg, 24)
    old = key_id(decode_public(public))
    command = [sys.executable, "-m", "inbox.cli", "--config", str(cfg), "keys", "rotate", "--batch-size", "1", "--no-progress"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = []
    while len([line for line in lines if line.startswith("re-sealed")]) < 5:
        line = child.stdout.readline()
        assert line, child.stderr.read()
        lines.append(line)
    blocker = sqlite3.connect(tmp_path / "inbox.db", timeout=60)
    blocker.execute("BEGIN IMMEDIATE")  # the next batch waits on the write lock: the kill lands mid-rotation
    child.send_signal(signal.SIGKILL)
    child.wait()
    blocker.rollback()
    blocker.close()
    halfway = key_counts(tmp_path)
    assert halfway["raw_messages"].get(old, 0) > 0 and len(halfway["raw_messages"]) == 2  # some moved, some not

    assert main(["--config", str(cfg), "keys", "rotate", "--batch-size", "4", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Resuming the rotation" in out and "Now set [encryption] public_key" in out
    done = key_counts(tmp_path)
    [new] = done["raw_messages"]
    assert new != old and set(done["tips"]) == {new}

    settings = config_mod.load(cfg)
    vault = unlock(settings.encryption)
    db = session_factory(make_engine(settings.database_url))
    with db() as s:
        for tip in s.scalars(select(Tip)):
            raw = open_raw(vault, tip.raw.data, tip.raw.key_id)
            assert b"Tip number" in raw
            assert vault.open_text(tip.sealed_html).startswith("<p>Body of tip")
            if tip.sealed_head is not None:
                assert "Body of tip" in vault.open_text(tip.sealed_body)
        assert s.scalar(select(func.count()).select_from(Quarantined)) == 0
    assert len(read_keyfile((tmp_path / "var" / "desk.key").read_text())) == 2  # the older key stays
