"""Learning from editors: corrections recorded with who, a retrain after N of them, versioned
model files, sorters picking up the new version, editors' labels winning a re-sort, the CLI."""
from __future__ import annotations

import json
from dataclasses import replace
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.commands import sort as sort_command
from inbox.config import ImportSettings, Settings
from inbox.models import ModelVersion, SortDecision, Tip, User
from inbox.pipeline import Pipeline, Source
from inbox.sort import Sorter, learn, spam_base
from inbox.sort.text import from_tip
from tests.mailfactory import make_mail

_uid = count(1)
# Tips no default rule recognises, so only a learned model can sort them.
ZOO = ["The zoo's elephant enclosure has been flooded with sewage for weeks",
       "Keepers at the zoo say the lions are underfed and the vet quit",
       "Zoo visitors saw a keeper hit a chimpanzee with a rake",
       "The aquarium's penguins are sick and the zoo hides it",
       "The zoo director sold two giraffes to a private collector"]
PARKS = ["The park district cut down the old oaks in Riverside Park without notice",
         "The playground in Elm Park has had broken swings since spring",
         "Park rangers are charging people cash to use the picnic shelters",
         "The dog park gate is broken and dogs run into the road",
         "Park district staff dumped mulch on the community garden"]


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=str(tmp_path), imports=ImportSettings(processes=1, batch_size=50))


@pytest.fixture
def editor(db):
    with db() as session, session.begin():
        user = User(email="editor@newsroom.example", role="editor", password_hash="x")
        session.add(user)
    return user.id


def store(db, settings, texts, sorter=None):
    with db() as session:
        sorter = sorter or Sorter.load(settings, session)
    raws = [make_mail(sender=f"r{i}@example.org", subject=t[:40], body=t + "\n") for i, t in enumerate(texts)]
    with Pipeline(settings, db, sorter=sorter, processes=1) as p:
        return [o.tip_id for o in p.process_many((raw, Source("import", "t", 0, next(_uid))) for raw in raws)]


def correct_all(db, ids, topic, user_id, retrain_after=100):
    due = []
    with db() as session, session.begin():
        for tid in ids:
            due.append(learn.record_correction(session, session.get(Tip, tid), topic, user_id, retrain_after))
    return due


def test_a_correction_is_recorded_with_the_editor_and_counts_towards_a_retrain(db, settings, editor):
    ids = store(db, settings, ZOO[:3])
    due = correct_all(db, ids, "Zoo", editor, retrain_after=3)
    assert due == [False, False, True]
    with db() as session:
        tip = session.get(Tip, ids[0])
        label = session.scalars(select(SortDecision).where(SortDecision.tip_id == ids[0], SortDecision.kind == "topic")).one()
    assert (tip.topic, tip.topic_source, tip.topic_confidence) == ("Zoo", "editor", 1.0)
    assert (label.user_id, label.source, label.value) == (editor, "editor", "Zoo")


def test_retrain_writes_a_versioned_model_that_new_tips_are_sorted_with(db, settings, editor):
    zoo, parks = store(db, settings, ZOO), store(db, settings, PARKS)
    correct_all(db, zoo, "Zoo", editor)
    correct_all(db, parks, "Parks", editor)
    sessions = db
    with db() as session:
        sorter = Sorter.load(settings, session)
        assert sorter.models["topics"] is None
    row = learn.retrain(settings, sessions, "topics")
    assert row.version == 1 and row.samples == 10 and json.loads(row.labels) == {"Parks": 5, "Zoo": 5}
    sidecar = json.loads((Path(settings.data_dir) / "models" / row.filename).with_suffix(".json").read_text())
    assert sidecar["version"] == 1 and sidecar["data_sha256"] == row.data_sha256
    # The running sorter notices the new version on its own.
    with db() as session:
        sorter.refresh(session, force=True)
    assert sorter.models["topics"][1].version == 1
    (new,) = store(db, settings, ["A keeper at the zoo says the elephants are sick"], sorter=sorter)
    with db() as session:
        tip = session.get(Tip, new)
        why = json.loads(session.scalars(select(SortDecision.explanation).where(SortDecision.tip_id == new)).one())
    assert tip.topic == "Zoo" and tip.topic_source == "model"
    assert why["topic"]["model"]["version"] == 1 and why["topic"]["model"]["top"][0][0] == "Zoo"
    # A second retrain is a new version beside the first.
    assert learn.retrain(settings, sessions, "topics").version == 2


def test_retrain_if_due_waits_for_enough_new_corrections(db, settings, editor):
    few = replace(settings, sorting=replace(settings.sorting, retrain_after=8))
    zoo, parks = store(db, settings, ZOO), store(db, settings, PARKS)
    correct_all(db, zoo, "Zoo", editor)
    assert [r.kind for r in learn.retrain_if_due(few, db)] == []
    correct_all(db, parks, "Parks", editor)
    assert [r.kind for r in learn.retrain_if_due(few, db)] == ["topics"]
    assert learn.retrain_if_due(few, db) == []  # nothing new since


SPAM = ["Cheap watches for sale, best replica prices online",
        "Buy followers for your newsroom account, ten thousand for nine dollars",
        "Lowest mortgage refinance quotes, reply for details",
        "Exclusive casino bonus for journalists, sign up today"]


def _store_and_mark_spam(db, settings, editor) -> tuple[list[int], list[int]]:
    """ZOO and PARKS stored as ham, SPAM stored and marked spam by the editor."""
    ham, spam = store(db, settings, ZOO + PARKS), store(db, settings, SPAM)
    with db() as session, session.begin():
        for tid in spam:
            learn.record_spam_verdict(session, session.get(Tip, tid), True, editor)
    return ham, spam


def test_spam_verdicts_train_the_spam_model_and_move_the_tip(db, settings, editor):
    ham, spam = _store_and_mark_spam(db, settings, editor)
    with db() as session, session.begin():
        learn.record_spam_verdict(session, session.get(Tip, ham[0]), False, editor)
        assert session.get(Tip, spam[0]).status == "spam"
    correct_all(db, ham[1:], "Animals", editor)
    row = learn.retrain(settings, db, "spam")
    assert json.loads(row.labels) == {"ham": 10, "spam": 4}


def test_the_desks_spam_model_is_mixed_with_the_shipped_one_by_its_labels(db, settings, editor):
    ham, _spam = _store_and_mark_spam(db, settings, editor)
    correct_all(db, ham, "Animals", editor)
    learn.retrain(settings, db, "spam")
    with db() as session:
        sorter = Sorter.load(settings, session)
    why = sorter.analyse(_input(db, ham[0])).explanation["spam"]
    # Four spam verdicts: the desk's model speaks, with a small share beside the shipped model's.
    assert why["base_model"] is not None and why["desk_model"] is not None
    assert why["desk_share"] == pytest.approx(4 / (4 + spam_base.DESK_HALF_WEIGHT), abs=1e-3)
    assert why["model"] == pytest.approx(spam_base.blend(why["base_model"], why["desk_model"], why["desk_share"]), abs=1e-3)
    # A worker's parse/clean processes get the same mix (the label counts travel with the model files).
    other = Sorter.analyser(settings, sorter.model_files())
    assert other.analyse(_input(db, ham[0])).explanation["spam"]["desk_share"] == why["desk_share"]


def _input(db, tip_id):
    with db() as session:
        return from_tip(session.get(Tip, tip_id))


def test_editor_labels_win_when_everything_is_sorted_again(db, settings, editor, capsys):
    ids = store(db, settings, ["Our landlord filed eviction papers against 30 tenants", ZOO[0]])
    correct_all(db, ids[:1], "Zoo", editor)
    with db() as session, session.begin():
        learn.record_spam_verdict(session, session.get(Tip, ids[1]), True, editor)
    assert sort_command.sort_all(settings, db) == 0
    with db() as session:
        a, b = session.get(Tip, ids[0]), session.get(Tip, ids[1])
        assert (a.topic, a.topic_source) == ("Zoo", "editor")
        assert (b.is_spam, b.status) == (True, "spam")
        assert session.scalar(select(ModelVersion)) is None
    assert "sorted 2 tips" in capsys.readouterr().out


def test_explain_names_the_rules_the_model_and_the_editor(db, settings, editor, capsys):
    (tid,) = store(db, settings, ["Our landlord filed eviction papers against 30 tenants"])
    correct_all(db, [tid], "Housing & homelessness", editor)
    assert sort_command.explain(db, tid) == 0
    out = capsys.readouterr().out
    assert "landlord" in out and "eviction" in out and "rules decided" in out
    assert "(shipped 0." in out  # the spam score names the model it started from
    assert "editor editor@newsroom.example set topic to 'Housing & homelessness'" in out


def test_what_a_person_did_on_the_board_survives_a_resort_even_without_a_label(db, settings):
    ids = store(db, settings, ["Our landlord filed eviction papers against 30 tenants", ZOO[1]])
    with db() as session, session.begin():
        moved, renamed = session.get(Tip, ids[0]), session.get(Tip, ids[1])
        moved.status, moved.is_spam = "spam", True  # as the board's Spam button does
        renamed.topic, renamed.topic_source = "Zoo", "editor"
    sort_command.sort_all(settings, db)
    with db() as session:
        moved, renamed = session.get(Tip, ids[0]), session.get(Tip, ids[1])
        assert (moved.status, moved.is_spam) == ("spam", True)
        assert (renamed.topic, renamed.topic_source) == ("Zoo", "editor")


def test_a_tip_the_sorter_put_in_spam_comes_out_when_the_sorter_changes_its_mind(db, settings):
    (tid,) = store(db, settings, ["Dear friend, you have won! Click here to claim your prize. Act now, 100% free!!!"])
    with db() as session, session.begin():
        tip = session.get(Tip, tid)
        assert tip.status == "spam"
        tip.text_body = tip.subject = "A council member's brother got the paving contract."
        tip.new_text_end = len(tip.text_body)
    sort_command.sort_all(settings, db)
    with db() as session:
        tip = session.get(Tip, tid)
        assert (tip.status, tip.is_spam) == ("new", False)


def test_the_inbox_sort_command_end_to_end(db, db_url, settings, editor, tmp_path, capsys):
    from inbox.cli import main

    ids = store(db, settings, ZOO + PARKS)
    correct_all(db, ids[:5], "Zoo", editor)
    correct_all(db, ids[5:], "Parks", editor)
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{db_url}"\n', encoding="utf-8")
    assert main(["--config", str(config), "sort", "--retrain"]) == 0
    assert "topics: version 1, 10 labels" in capsys.readouterr().out
    assert main(["--config", str(config), "sort", "--all"]) == 0
    captured = capsys.readouterr()
    assert "sorted 10 tips" in captured.out and "10/10 tips" in captured.err
    assert main(["--config", str(config), "sort", "--explain", str(ids[0])]) == 0
    assert "editor editor@newsroom.example set topic to 'Zoo'" in capsys.readouterr().out
    assert main(["--config", str(config), "sort", "--explain", "999999"]) == 2


def _board_writing(db, user_id: int, stop):
    """What the board does all day: a short write transaction (an audit row) every few ms."""
    import time

    from inbox.db import take_write_lock
    from inbox.models import AuditEntry

    writes = 0
    while not stop.is_set():
        with db() as session, session.begin():
            take_write_lock(session)
            session.add(AuditEntry(user_id=user_id, action="view", object_type="tip", object_id=writes))
        writes += 1
        time.sleep(0.003)
    return writes


def _model_files(settings) -> set[str]:
    folder = Path(settings.data_dir) / "models"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_the_boards_retrain_succeeds_while_the_board_writes(db, db_url, settings, editor):
    """The board queues "sort.retrain"; the jobs consumer runs it on an engine of its own."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from inbox.jobs import Queue

    few = replace(settings, sorting=replace(settings.sorting, retrain_after=10),
                  database=replace(settings.database, url=db_url))
    zoo, parks = store(db, settings, ZOO), store(db, settings, PARKS)
    correct_all(db, zoo, "Zoo", editor)
    correct_all(db, parks, "Parks", editor)
    stop = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        board = pool.submit(_board_writing, db, editor, stop)
        queue = Queue(few)
        queue.enqueue("sort.retrain")
        consumer = queue.start_background(workers=1)
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not _versions(db):
                time.sleep(0.2)
        finally:
            consumer.stop(graceful=True)
        stop.set()
        assert board.result() > 0  # the board wrote meanwhile
    with db() as session:
        rows = list(session.scalars(select(ModelVersion)))
    assert [(r.kind, r.version) for r in rows] == [("topics", 1)]
    assert _model_files(settings) == {rows[0].filename, rows[0].filename.replace(".joblib", ".json")}


def _versions(db) -> list:
    with db() as session:
        return list(session.scalars(select(ModelVersion)))


def test_a_retrain_that_cannot_register_its_model_leaves_no_file(db, settings, editor, monkeypatch):
    from inbox.sort import model as model_mod

    zoo, parks = store(db, settings, ZOO), store(db, settings, PARKS)
    correct_all(db, zoo, "Zoo", editor)
    correct_all(db, parks, "Parks", editor)
    real = model_mod.train_and_save

    def another_process_wins(folder, kind, version, texts, labels):
        # While this one trained, another process registered the same version.
        trained = real(folder, kind, version, texts, labels)
        with db() as session, session.begin():
            session.add(ModelVersion(kind=kind, version=version, filename="theirs.joblib", file_sha256="0" * 64,
                                     data_sha256="0" * 64, samples=1, labels="{}", last_decision_id=0, seconds=0))
        return trained

    monkeypatch.setattr(model_mod, "train_and_save", another_process_wins)
    assert learn.retrain(settings, db, "topics") is None
    assert _model_files(settings) == set()
