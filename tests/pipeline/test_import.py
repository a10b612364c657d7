"""`inbox import`: .eml files, folders, Maildir and mbox; twice stores nothing new."""
from __future__ import annotations

import mailbox

from sqlalchemy import func, select

from inbox.cli import main
from inbox.db import make_engine, session_factory
from inbox.mail import files
from inbox.models import Tip
from tests.mailfactory import make_mail


def write_tree(root):
    (root / "eml").mkdir()
    for n in range(3):
        (root / "eml" / f"{n}.eml").write_bytes(make_mail(subject=f"file tip {n}"))
    (root / "eml" / "notes.json").write_text("{}")  # not mail: skipped
    md = mailbox.Maildir(root / "Maildir", create=True)
    for n in range(2):
        md.add(make_mail(subject=f"maildir tip {n}"))
    mb = mailbox.mbox(root / "archive.mbox")
    for n in range(4):
        mb.add(make_mail(subject=f"mbox tip {n}"))
    mb.flush()
    mb.close()


def test_finds_every_kind_of_mail_file(tmp_path):
    write_tree(tmp_path)
    found = list(files.read_all([tmp_path]))
    subjects = sorted(raw.split(b"Subject: ")[1].split(b"\n")[0].strip() for raw, _ in found)
    assert len(found) == 9 and len(files.plan([tmp_path])) == 6  # 3 .eml, 2 Maildir files, 1 mbox of 4
    assert subjects[0] == b"file tip 0" and b"mbox tip 3" in subjects and b"maildir tip 1" in subjects
    # Sources are stable: reading again gives the same places.
    assert [s for _, s in found] == [s for _, s in files.read_all([tmp_path])]


def test_maildir_message_keeps_its_place_when_its_flags_change(tmp_path):
    md = mailbox.Maildir(tmp_path / "md", create=True)
    key = md.add(make_mail())
    before = [s for _, s in files.read_all([tmp_path / "md"])]
    msg = md[key]
    msg.set_subdir("cur")
    msg.add_flag("S")
    md[key] = msg
    after = [s for _, s in files.read_all([tmp_path / "md"])]
    assert before == after


def test_import_twice_stores_nothing_new(tmp_path, db_url, capsys):
    (tmp_path / "mail").mkdir()
    write_tree(tmp_path / "mail")
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[database]\nurl = "{db_url}"\n[import]\nprocesses = 1\n')
    assert main(["--config", str(cfg), "import", str(tmp_path / "mail")]) == 0
    first = capsys.readouterr().out
    assert "9 messages" in first and "9 stored" in first
    assert main(["--config", str(cfg), "import", str(tmp_path / "mail")]) == 0
    second = capsys.readouterr().out
    assert "0 stored, 9 duplicates" in second
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Tip)) == 9
    engine.dispose()


def test_import_of_a_missing_path_is_one_clear_line(tmp_path, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/x.db"\n')
    assert main(["--config", str(cfg), "import", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file or folder" in err and "Traceback" not in err


def test_import_reads_each_mbox_once_and_shows_progress_in_bytes(tmp_path, db_url, monkeypatch):
    import io

    from inbox.commands import data

    write_tree(tmp_path)
    opened = []
    real_mbox = mailbox.mbox

    def counting_mbox(path, *a, **k):
        opened.append(str(path))
        return real_mbox(path, *a, **k)

    monkeypatch.setattr(files.mailbox, "mbox", counting_mbox)
    items = files.plan([tmp_path])
    assert files.size(items) == sum(p.stat().st_size for _, p in items)
    out = io.StringIO()
    progress = data.Progress(files.size(items), enabled=True, out=out)
    for raw, _ in files.read_planned(items):
        progress._last = 0  # draw every step
        progress.step(len(raw))
    assert opened == [str(tmp_path / "archive.mbox")]  # read once: never opened again to count
    assert progress.n == 9 and "9 messages" in out.getvalue() and "ETA" in out.getvalue()
