"""`inbox user add --beats`: beats are picked from the desk's topics, never made up by a typo."""
from __future__ import annotations

import io
import sys

import pytest
from sqlalchemy import select

from inbox.cli import UsageError, main
from inbox.commands.board import desk_topics, match_beats
from inbox.config import load
from inbox.models import User

DESK = ("State & local government", "Elections", "Courts & lawsuits", "Crime & public safety", "Health",
        "Environment & energy", "Business, economy & labor")


@pytest.fixture
def config_file(tmp_path, db_url):
    path = tmp_path / "config.toml"
    path.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{db_url}"\n'
                    '[board]\nsecret_key = "beats-test"\nsecure_cookies = false\n')
    return str(path)


def _add(config_file, monkeypatch, *argv):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
    return main(["--config", config_file, "user", "add", "maya@newsroom.example", "--password-stdin", *argv])


def test_the_readmes_courts_and_elections_become_the_desks_topic_names():
    assert match_beats("courts,elections", DESK) == "Courts & lawsuits,Elections"


def test_names_match_in_any_case_by_start_or_by_one_word():
    assert match_beats(" ELECTIONS , health ", DESK) == "Elections,Health"
    assert match_beats("courts & LAWSUITS", DESK) == "Courts & lawsuits"
    assert match_beats("lawsuits, energy, local", DESK) == "Courts & lawsuits,Environment & energy,State & local government"
    assert match_beats("courts,Courts & lawsuits", DESK) == "Courts & lawsuits"  # once each
    assert match_beats("", DESK) == ""


def test_a_typo_is_refused_with_the_nearest_topic():
    with pytest.raises(UsageError, match=r"no topic 'courst' on the desk: did you mean 'Courts & lawsuits'\?"):
        match_beats("courst,elections", DESK)
    with pytest.raises(UsageError, match=r"did you mean 'Elections'"):
        match_beats("Electons", DESK)


def test_a_word_nothing_like_a_topic_lists_the_desk():
    with pytest.raises(UsageError, match=r"the desk's topics are: State & local government; Elections"):
        match_beats("zzzz", DESK)


def test_a_beat_that_fits_several_topics_asks_for_more_of_the_name():
    with pytest.raises(UsageError, match=r"fits several topics \(Courts & lawsuits; Crime & public safety\)"):
        match_beats("c", DESK)


def test_a_topic_with_a_comma_cannot_be_stored_as_a_beat():
    with pytest.raises(UsageError, match="comma"):
        match_beats("business", DESK)


def test_without_configured_topics_the_built_in_desk_is_the_list(config_file):
    topics = desk_topics(load(config_file))
    assert "Courts & lawsuits" in topics and "Elections" in topics


def test_user_add_stores_the_desks_spelling_and_refuses_a_typo_with_exit_2(config_file, monkeypatch, capsys, db):
    assert _add(config_file, monkeypatch, "--beats", "courts,elections") == 0
    with db() as s:
        assert s.scalar(select(User.beats)) == "Courts & lawsuits,Elections"
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
    assert main(["--config", config_file, "user", "add", "other@newsroom.example", "--password-stdin",
                 "--beats", "electoins"]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "did you mean 'Elections'?" in err
    with db() as s:
        assert s.scalar(select(User).where(User.email == "other@newsroom.example")) is None
