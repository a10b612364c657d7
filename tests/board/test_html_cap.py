"""A tip page embeds at most board.max_html_bytes of mail HTML; past it, a note and (for
editors) the original message as a download, so that 8 readers of a 20 MB mail do not take
the board process to gigabytes."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from inbox.config import BoardSettings
from tests.board.factories import make_tip


@pytest.fixture
def settings(tmp_path):
    from inbox.config import Settings

    board = BoardSettings(secret_key="test-secret-key", secure_cookies=False, max_html_bytes=10_000)
    return Settings(data_dir=str(tmp_path), board=board)


def test_html_over_the_cap_is_left_out_with_a_note_and_the_original_offered(client_for, db):
    big = "<p>the council minutes</p>" * 1000  # 26,000 characters, over the cap of 10,000
    with db() as s, s.begin():
        tip_id = make_tip(s, html_body=big).id
    page = BeautifulSoup(client_for("editor").get(f"/tips/{tip_id}").get_data(as_text=True), "html.parser")
    assert page.find("iframe") is None
    note = page.find(id="html-left-out")
    assert "26.0 kB" in note.get_text() and "more than a tip page embeds" in note.get_text()
    assert note.find("a")["href"] == f"/tips/{tip_id}/raw"
    assert "the council minutes" not in str(page.find(class_="mail-html"))


def test_html_under_the_cap_is_embedded_as_before(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s, html_body="<p>the council minutes</p>").id
    page = BeautifulSoup(client_for("editor").get(f"/tips/{tip_id}").get_data(as_text=True), "html.parser")
    assert "the council minutes" in page.find("iframe", id="mail-html")["srcdoc"]
    assert page.find(id="html-left-out") is None


def test_a_reporter_gets_the_note_without_a_download_link(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s, html_body="<p>x</p>" * 5000, topic="courts").id
    response = client_for("reporter").get(f"/tips/{tip_id}")
    assert response.status_code == 200
    note = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id="html-left-out")
    assert note is not None and note.find("a") is None

