"""Configuration: parsed once into frozen dataclasses; a bad file is one clear line naming the key."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from inbox import config
from inbox.cli import main
from inbox.config import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_no_file_gives_embedded_sqlite_defaults(tmp_path):
    s = config.load(None)
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("var/inbox.db")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.data_dir = "elsewhere"  # type: ignore[misc]


def test_example_config_loads_with_its_environment(tmp_path):
    env = {"INBOX_SECRET_KEY": "k", "INBOX_DATABASE_URL": "sqlite://", "INBOX_TIPS_PASSWORD": "pw", "INBOX_TIPS_TOKEN": "t",
           "INBOX_SMTP_PASSWORD": "pw"}
    s = config.load(EXAMPLE, environ=env)
    assert isinstance(s, config.Settings)


@pytest.mark.parametrize(
    "text, message",
    [
        ("colour = 1\n", "colour: unknown key"),
        ("[database]\nurll = 'x'\n", "database.urll: unknown key"),
        ("[limits]\nmax_parts = 'many'\n", "limits.max_parts: expected a whole number, got str"),
        ("[limits]\nmax_parts = -1\n", "limits.max_parts: must not be negative"),
        ("[board]\nsecret_key = 'env:NOPE_NOT_SET'\n", "board.secret_key: environment variable NOPE_NOT_SET is not set"),
        ("[database\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path, text, message):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        config.load(p, environ={})


def test_secret_comes_from_the_environment(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[database]\nurl = 'env:MY_DB'\n")
    assert config.load(p, environ={"MY_DB": "sqlite:///x.db"}).database.url == "sqlite:///x.db"


def test_cli_reports_a_bad_config_in_one_line_without_traceback(tmp_path, capsys):
    p = tmp_path / "c.toml"
    p.write_text("[limits]\nmax_depth = true\n")
    assert main(["--config", str(p), "db", "current"]) == 2
    err = capsys.readouterr().err
    assert err == "inbox: configuration error: limits.max_depth: expected a whole number, got bool\n"


def test_unreachable_database_is_one_clear_line(tmp_path, capsys):
    p = tmp_path / "c.toml"
    p.write_text('[database]\nurl = "postgresql+psycopg://nobody@127.0.0.1:1/none"\n')
    assert main(["--config", str(p), "db", "current"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("inbox: cannot use the database: ") and err.count("\n") == 1
