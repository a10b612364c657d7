"""Admin pages (users, mailbox health, quarantine retry and discard) and tips that came in
through the real pipeline: stored, searchable, shown safely."""
from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from inbox.models import AuditEntry, Mailbox, Quarantined, Tip, User
from inbox.pipeline import Pipeline, Source
from tests.board.factories import PASSWORD, make_tip

HTML_MAIL = (
    b"From: Rosa Rider <rosa@example.org>\r\nTo: tips@newsroom.example\r\nSubject: Route 9 buses skipped\r\n"
    b"Message-ID: <route9@example.org>\r\nDate: Fri, 27 Nov 2026 18:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/alternative; boundary=alt\r\n\r\n"
    b"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe route 9 buses skipped Elm Street all week.\r\n"
    b"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>The <b>route 9</b> buses skipped Elm Street all week."
    b"<script>alert(1)</script><img src=\"https://tracker.example/p.gif\"></p>\r\n--alt--\r\n"
)


def _pipeline_tip(settings, db, raw: bytes) -> int:
    with Pipeline(settings, db, sorter=None, processes=1) as pipeline:
        outcome = pipeline.process(raw, Source("import", "test"))
    assert outcome.status == "stored", outcome
    return outcome.tip_id


def test_a_tip_from_the_pipeline_is_searchable_and_its_html_stays_in_the_sandbox(settings, db, client_for):
    tip_id = _pipeline_tip(settings, db, HTML_MAIL)
    editor = client_for("editor")
    board = BeautifulSoup(editor.get("/?q=Elm+Street").get_data(as_text=True), "html.parser")
    assert [int(c["data-tip-id"]) for c in board.select("article.card")] == [tip_id]
    page = BeautifulSoup(editor.get(f"/tips/{tip_id}").get_data(as_text=True), "html.parser")
    srcdoc = page.select_one("iframe#mail-html[sandbox]")["srcdoc"]
    assert "route 9" in srcdoc and "<script" not in srcdoc and "tracker.example" not in srcdoc
    assert "Elm Street" in page.select_one("#tip-text .new-text").get_text()
    assert page.select_one("#tip-sender").get_text().startswith("Rosa Rider")


def test_admin_retries_a_quarantined_message_into_a_tip(settings, db, client_for):
    with db() as s, s.begin():
        box = Mailbox(name="import")
        s.add(box)
        s.flush()
        q = Quarantined(sha256="a" * 64, data=HTML_MAIL, mailbox_id=box.id, folder="test", uid=0, stage="store",
                        error="OperationalError: database was briefly locked")
        s.add(q)
        s.flush()
        qid = q.id
    admin = client_for("admin")
    listing = admin.get("/admin/quarantine").get_data(as_text=True)
    assert "database was briefly locked" in listing
    item = BeautifulSoup(admin.get(f"/admin/quarantine/{qid}").get_data(as_text=True), "html.parser")
    headers = {th.get_text(): td.get_text() for th, td in (row.find_all(["th", "td"]) for row in item.select("table.headers tr"))}
    assert headers["Subject"] == "Route 9 buses skipped"
    assert admin.post(f"/admin/quarantine/{qid}/retry").status_code == 302
    with db() as s:
        assert s.scalar(select(Tip.subject)) == "Route 9 buses skipped"
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "quarantine").order_by(AuditEntry.id)).all() == [
            "quarantine_view", "quarantine_retry"]


def test_admin_discards_a_quarantined_message_its_bytes_go_and_the_row_stays_as_history(db, client_for, users):
    with db() as s, s.begin():
        box = Mailbox(name="tips")
        s.add(box)
        s.flush()
        q = Quarantined(sha256="b" * 64, data=b"garbage", mailbox_id=box.id, folder="INBOX", uid=3, stage="parse", error="x")
        s.add(q)
        s.flush()
        qid = q.id
    assert client_for("admin").post(f"/admin/quarantine/{qid}/discard").status_code == 302
    with db() as s:
        row = s.get(Quarantined, qid)
        assert row.resolution == "discarded" and row.data == b"" and row.size == len(b"garbage")
        assert row.discarded_by == f"user {users['admin'][0]}"


def test_admin_adds_a_user_who_can_then_log_in(client_for, db):
    admin = client_for("admin")
    form = {"email": "New.Reporter@Newsroom.example", "name": "New", "role": "reporter", "beats": "courts, Education",
            "password": "a long enough password"}
    assert admin.post("/admin/users", form).status_code == 302
    with db() as s:
        user = s.scalar(select(User).where(User.email == "new.reporter@newsroom.example"))
        assert (user.role, user.beats) == ("reporter", "Courts & lawsuits,Education")
    assert client_for(None).login("new.reporter@newsroom.example", "a long enough password").status_code == 302
    again = admin.post("/admin/users", form)  # the form again, the reason beside the email, what was typed kept
    assert again.status_code == 400 and "A user with that email already exists." in again.get_data(as_text=True)
    assert 'value="New.Reporter@Newsroom.example"' in again.get_data(as_text=True)
    assert admin.post("/admin/users", {**form, "email": "x@y.example", "password": "short"}).status_code == 400
    assert admin.post("/admin/users", {**form, "email": "x@y.example", "role": "owner"}).status_code == 400


def test_admin_changes_a_role_and_disabling_ends_the_session(client_for, db, users):
    reporter = client_for("reporter")
    admin = client_for("admin")
    uid = users["reporter"][0]
    assert admin.post(f"/admin/users/{uid}", {"role": "editor", "beats": "", "active": "1"}).status_code == 302
    assert reporter.get("/admin/users").status_code == 403
    assert reporter.post(f"/tips/999/assign", {"version": "1"}).status_code == 404  # an editor now: passes the role check
    assert admin.post(f"/admin/users/{uid}", {"role": "editor", "beats": "", "active": "0"}).status_code == 302
    assert reporter.get("/").status_code == 302
    assert client_for(None).login(users["reporter"][1], PASSWORD).status_code == 401


def test_admin_cannot_lock_themselves_out(client_for, users):
    uid = users["admin"][0]
    assert client_for("admin").post(f"/admin/users/{uid}", {"role": "editor", "beats": "", "active": "1"}).status_code == 400


def test_mailbox_health_page_lists_failures(client_for, db):
    with db() as s, s.begin():
        s.add(Mailbox(name="city-desk", consecutive_failures=4, last_error="LOGIN failed"))
        make_tip(s)
    page = BeautifulSoup(client_for("admin").get("/admin/mailboxes").get_data(as_text=True), "html.parser")
    row = page.select_one("tr.mailbox-row.problem").get_text(" ", strip=True)
    assert "city-desk" in row and "failing" in row and "LOGIN failed" in row
