"""Encryption at rest (inbox/vault.py, inbox/sealing.py): a marker in a protected reader's subject,
body, HTML and attachment goes through the real pipeline and is found nowhere in the stored bytes
(SQLite file, WAL, var/; every text and bytea column on PostgreSQL), yet the board shows it all."""
from __future__ import annotations

import dataclasses
import itertools
import secrets
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import LargeBinary, String, Text, JSON, func, select, text

from inbox.config import BoardSettings, EncryptionSettings, Settings
from inbox.models import Base, Quarantined, RawMessage, Reader, Tip
from inbox.pipeline import Pipeline, Source
from inbox.vault import encode_public, generate, keyfile_text, write_keyfile


def keyed_settings(tmp_path: Path) -> Settings:
    """Settings with a fresh desk key under var/ (the board's: public and private)."""
    var = tmp_path / "var"
    key = generate()
    write_keyfile(var / "desk.key", keyfile_text([key]))
    return Settings(data_dir=str(var), board=BoardSettings(secret_key="test-secret-key", secure_cookies=False),
                    encryption=EncryptionSettings(public_key=encode_public(key.public_key),
                                                  private_key=f"file:{var / 'desk.key'}"))


@pytest.fixture
def settings(tmp_path):
    return keyed_settings(tmp_path)


def worker_settings(settings: Settings) -> Settings:
    """What a worker is configured with: the public key alone."""
    return dataclasses.replace(settings, encryption=EncryptionSettings(public_key=settings.encryption.public_key))


def marked_mail(marker: str, sender: str = "Ana Ruiz <ana@example.org>") -> tuple[bytes, bytes]:
    """A message with the marker in its subject, text, HTML and a PDF attachment; and the attachment."""
    attachment = b"%PDF-1.4\n" + f"memo {marker} page 1\n".encode() + bytes(range(256)) * 8
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, "yourreporter@station.example"
    msg["Subject"] = f"Payroll records {marker} at the county"
    msg["Message-ID"] = f"<{secrets.token_hex(6)}@example.org>"
    msg["Date"] = "Fri, 20 Nov 2026 09:30:00 +0000"
    msg.set_content(f"Hello,\n\nThe county payroll shows {marker} in the overtime column.\n\nAna\n")
    msg.add_alternative(f"<p>The county payroll shows <b>{marker}</b> in the overtime column.</p>", subtype="html")
    msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="memo.pdf")
    return bytes(msg), attachment


def protect(db, address: str) -> None:
    with db() as s, s.begin():
        s.add(Reader(address=address, protected=True, why="editor: test"))


def store(settings: Settings, db, *raws: bytes) -> list:
    """Through the real pipeline (sorting included) as a worker stores: each message a UID of its own."""
    with Pipeline(worker_settings(settings), db, processes=1) as pipeline:
        return list(pipeline.process_many((raw, Source("import", "test", 0, next(_UIDS))) for raw in raws))


_UIDS = itertools.count(1)


def files_holding(root: Path, marker: str) -> list[str]:
    needle = marker.lower().encode()
    return [str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes().lower()]


def columns_holding(engine, marker: str) -> list[str]:
    """Every text, JSON and bytea column of every table that holds the marker (PostgreSQL)."""
    found = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, LargeBinary):
                    cond = f"position(convert_to(:m, 'UTF8') in \"{column.name}\") > 0"
                elif isinstance(column.type, (String, Text, JSON)):
                    cond = f"lower(\"{column.name}\"::text) LIKE '%' || :m || '%'"
                else:
                    continue
                n = conn.execute(text(f'SELECT count(*) FROM "{table.name}" WHERE {cond}'), {"m": marker.lower()}).scalar()
                if n:
                    found.append(f"{table.name}.{column.name}")
    return found


def test_a_protected_readers_marker_is_nowhere_at_rest_yet_the_board_shows_it(settings, app, db, engine, db_url,
                                                                              tmp_path, client_for):
    marker = "zqmark" + secrets.token_hex(5)
    protect(db, "ana@example.org")
    raw, attachment = marked_mail(marker)
    [outcome] = store(settings, db, raw)
    assert outcome.status == "stored"
    with db() as s:
        tip = s.get(Tip, outcome.tip_id)
        assert tip.key_id and tip.sealed_html and tip.sealed_head and tip.subject == "" and tip.text_body == ""
        assert s.scalar(select(RawMessage.key_id)) == tip.key_id

    editor = client_for("editor")
    page = editor.get(f"/tips/{outcome.tip_id}").get_data(as_text=True)
    assert f"Payroll records {marker} at the county" in page  # the subject
    assert f"The county payroll shows {marker}" in page  # the text
    assert f"<b>{marker}</b>" in page.replace("&lt;", "<").replace("&gt;", ">")  # the HTML's srcdoc
    with db() as s:
        att_id = s.scalar(select(Tip).where(Tip.id == outcome.tip_id)).attachments[0].id
    download = editor.get(f"/tips/{outcome.tip_id}/attachments/{att_id}")
    assert download.status_code == 200 and download.data == attachment
    assert marker in editor.get("/").get_data(as_text=True)  # its card, subject opened
    search = editor.get(f"/?q={marker}").get_data(as_text=True)
    assert f"/tips/{outcome.tip_id}\"" not in search and 'id="search-encrypted"' in search

    if db_url.startswith("sqlite"):
        with engine.connect() as conn:  # the WAL holds the pages as they were written: read it as it is
            conn.execute(text("SELECT 1"))
            assert files_holding(tmp_path, marker) == []
    else:
        assert columns_holding(engine, marker) == []
        assert files_holding(tmp_path, marker) == []


def test_without_a_key_nothing_is_sealed(db, tmp_path):
    settings = Settings(data_dir=str(tmp_path / "var"))
    raw, _ = marked_mail("plainmark")
    [outcome] = store(settings, db, raw)
    with db() as s:
        tip = s.get(Tip, outcome.tip_id)
        assert tip.key_id is None and "plainmark" in tip.subject and "plainmark" in tip.html_body
        assert s.scalar(select(RawMessage.key_id)) is None


def test_a_tip_that_protects_its_reader_is_sealed_whole_and_so_are_the_readers_older_tips(settings, db):
    first = marked_mail("olderone", sender="Luis <luis@example.org>")[0]
    [older] = store(settings, db, first)
    with db() as s:
        assert "olderone" in s.get(Tip, older.tip_id).subject  # not protected (yet): HTML sealed only
    risky = marked_mail("newerone", sender="Luis <luis@example.org>")[0].replace(
        b"in the overtime column.", b"in the overtime column. My A-number is A123456789, please do not use my name.")
    [newer] = store(settings, db, risky)
    with db() as s:
        assert s.scalar(select(Reader.protected).where(Reader.address == "luis@example.org"))
        for tip_id in (older.tip_id, newer.tip_id):
            tip = s.get(Tip, tip_id)
            assert tip.sealed_head is not None and tip.subject == "" and tip.text_body == "", tip_id


def test_an_editor_protecting_a_reader_seals_their_tips_and_takes_them_out_of_search(settings, app, db, client_for):
    [outcome] = store(settings, db, marked_mail("laterprotected", sender="Kim <kim@example.org>")[0])
    editor = client_for("editor")
    assert f"/tips/{outcome.tip_id}\"" in editor.get("/?q=laterprotected").get_data(as_text=True)
    response = editor.post(f"/tips/{outcome.tip_id}/reader/protect", {"reason": "asked not to be named"})
    assert response.status_code == 302
    with db() as s:
        tip = s.get(Tip, outcome.tip_id)
        assert tip.sealed_head is not None and tip.subject == "" and tip.text_body == ""
    assert f"/tips/{outcome.tip_id}\"" not in editor.get("/?q=laterprotected").get_data(as_text=True)
    assert "Payroll records laterprotected" in editor.get(f"/tips/{outcome.tip_id}").get_data(as_text=True)


def test_quarantined_mail_is_sealed_and_the_board_reads_its_headers(settings, app, db, client_for):
    settings_small = dataclasses.replace(settings, limits=dataclasses.replace(settings.limits, max_message_bytes=100))
    [outcome] = store(settings_small, db, marked_mail("quarantined")[0])
    assert outcome.status == "quarantined"
    with db() as s:
        row = s.get(Quarantined, outcome.quarantine_id)
        assert row.key_id is not None and b"quarantined" not in row.data
    page = client_for("admin").get(f"/admin/quarantine/{outcome.quarantine_id}").get_data(as_text=True)
    assert "Payroll records quarantined" in page


def test_a_board_without_the_private_key_shows_a_page_not_a_500(settings, db, users, tmp_path):
    from inbox.board import create_app
    from tests.board.conftest import Client

    [outcome] = store(settings, db, marked_mail("lockedmark")[0])
    app = create_app(worker_settings(settings), db)
    client = Client(app)
    client.login(users["editor"][1])
    page = client.get(f"/tips/{outcome.tip_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Payroll records lockedmark" in html  # an unprotected reader's subject
    assert "&lt;b&gt;lockedmark" not in html  # the sealed HTML is left out
    with db() as s:
        att_id = s.get(Tip, outcome.tip_id).attachments[0].id
    download = client.get(f"/tips/{outcome.tip_id}/attachments/{att_id}")
    assert download.status_code == 503 and "desk key is not unlocked" in download.get_data(as_text=True)


def test_rows_record_the_key_that_sealed_them(settings, db):
    store(settings, db, marked_mail("one")[0], marked_mail("two")[0])
    with db() as s:
        keys = set(s.scalars(select(RawMessage.key_id))) | set(s.scalars(select(Tip.key_id)))
        assert len(keys) == 1 and None not in keys
        assert s.scalar(select(func.count()).select_from(Tip)) == 2


def test_an_editor_reads_a_sealed_subject_in_the_export_the_story_the_suggestions_and_the_api(
        settings, app, db, client_for, users):
    from inbox.board.api import tokens
    from inbox.models import ClusterSuggestion, User
    from tests.board.factories import make_tip

    marker = "zqmark" + secrets.token_hex(5)
    protect(db, "ana@example.org")
    [outcome] = store(settings, db, marked_mail(marker)[0])
    subject = f"Payroll records {marker} at the county"
    with db() as s, s.begin():
        tip = s.get(Tip, outcome.tip_id)
        assert tip.sealed_head and tip.subject == ""
        tip.cluster_id = 41
        mate = make_tip(s, subject="County overtime", body="Overtime again.", sender="bo@example.org", cluster_id=41)
        s.add(ClusterSuggestion(tip_id=mate.id, other_tip_id=tip.id, similarity=0.4))
        token, _row = tokens.create(s, s.get(User, users["editor"][0]), "read", 30, "test", via="cli")
    editor = client_for("editor")
    assert subject in editor.get("/export.csv").get_data(as_text=True)
    assert subject in editor.get("/stories/41").get_data(as_text=True)
    assert subject in editor.get(f"/tips/{mate.id}").get_data(as_text=True)  # "maybe the same story"
    api = app.test_client(use_cookies=False)
    story = api.get("/api/v1/stories/41", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert subject in str(story)


def test_inbox_export_opens_a_sealed_subject_with_the_configured_desk_key(settings, db, db_url, tmp_path, capsys):
    from inbox.cli import main

    marker = "zqmark" + secrets.token_hex(5)
    protect(db, "ana@example.org")
    store(settings, db, marked_mail(marker)[0])
    path = tmp_path / "config.toml"
    path.write_text(f'data_dir = "{settings.data_dir}"\n[database]\nurl = "{db_url}"\n'
                    '[board]\nsecret_key = "test-secret-key"\nsecure_cookies = false\n'
                    f'[encryption]\npublic_key = "{settings.encryption.public_key}"\n'
                    f'private_key = "{settings.encryption.private_key}"\n')
    capsys.readouterr()
    assert main(["--config", str(path), "export"]) == 0
    assert f"Payroll records {marker} at the county" in capsys.readouterr().out
