"""Sessions kept on the server: a copied cookie stops working when the session ends, TOTP
codes work once, cid image links need the live session and expire, `next` stays on the
board, and login limits are counted atomically and say how long to wait."""
from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import itsdangerous.timed
import pyotp
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from inbox.board import auth
from inbox.board.sessions import token_hash
from inbox.models import AuditEntry, LoginLimit, User, UserSession, utcnow
from tests.board.conftest import Client
from tests.board.factories import PASSWORD, add_attachment, make_tip
from tests.board.test_tip_page import PNG, _mime_with_image

COOKIE = "inbox_session"


def _copy_of(app, client: Client) -> Client:
    """Another browser holding a copy of client's session cookie (as a thief would)."""
    thief = Client(app)
    thief.http.set_cookie(COOKIE, client.http.get_cookie(COOKIE).value)
    return thief


def test_the_cookie_is_only_a_random_token_and_the_database_keeps_its_hash(client_for, db, users):
    editor = client_for("editor")
    token = editor.http.get_cookie(COOKIE).value
    assert re.fullmatch(r"[\w-]{43}", token)  # 32 random bytes: no user id, no signature, no data
    with db() as s:
        row = s.scalar(select(UserSession))
        assert row.user_id == users["editor"][0] and row.token_hash == token_hash(token) and token not in row.token_hash
        assert row.revoked_at is None and row.expires_at > utcnow()


def test_logging_in_gives_a_new_token(app, users):
    client = Client(app)
    client.refresh_token()
    before = client.http.get_cookie(COOKIE).value
    client.login(users["editor"][1])
    assert client.http.get_cookie(COOKIE).value != before  # no session fixation


def test_a_copied_cookie_stops_working_after_logout(app, client_for):
    editor = client_for("editor")
    thief = _copy_of(app, editor)
    assert thief.get("/").status_code == 200
    assert editor.post("/logout").status_code == 302
    assert editor.http.get_cookie(COOKIE) is None
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_copied_cookie_stops_working_after_a_password_change(app, client_for, db, users):
    reporter = client_for("reporter")
    thief = _copy_of(app, reporter)
    with db() as s, s.begin():
        assert auth.set_password(s, s.get(User, users["reporter"][0]), "a brand new long password") == 1
    assert thief.get("/").status_code == 302 and reporter.get("/").status_code == 302
    assert Client(app).login(users["reporter"][1], "a brand new long password").status_code == 302


def test_an_admin_ends_a_users_sessions_from_the_users_page(app, client_for, db, users):
    reporter, second_device = client_for("reporter"), client_for("reporter")
    thief = _copy_of(app, reporter)
    admin = client_for("admin")
    page = BeautifulSoup(admin.get("/admin/users").get_data(as_text=True), "html.parser")
    rows = page.select(f'#live-sessions tr.session-row[data-user-id="{users["reporter"][0]}"]')
    assert len(rows) == 2 and "127.0.0.1" not in str(page.select_one("#live-sessions"))
    response = admin.post(f"/admin/users/{users['reporter'][0]}/sessions/end")
    assert response.status_code == 302
    assert "Ended 2 sessions" in admin.get("/admin/users").get_data(as_text=True)
    for client in (reporter, second_device, thief):
        assert client.get("/").status_code == 302
    assert admin.get("/").status_code == 200  # only that user's sessions
    with db() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "sessions_end"))
        assert entry.user_id == users["admin"][0] and entry.object_id == users["reporter"][0]


def test_disabling_a_user_on_the_users_page_ends_their_sessions(app, client_for, users):
    reporter = client_for("reporter")
    admin = client_for("admin")
    response = admin.post(f"/admin/users/{users['reporter'][0]}", {"role": "reporter", "beats": "courts", "active": "0"})
    assert response.status_code == 302
    assert reporter.get("/").status_code == 302


def test_messages_after_an_action_survive_the_redirect(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s).id
    editor = client_for("editor")
    editor.post(f"/tips/{tip_id}/status", {"status": "reviewing", "version": "1"})
    assert "Moved to" in editor.get(f"/tips/{tip_id}").get_data(as_text=True)
    assert "Moved to" not in editor.get(f"/tips/{tip_id}").get_data(as_text=True)  # shown once


# --- TOTP -------------------------------------------------------------------------------

@pytest.fixture
def totp_editor(db, users):
    secret = pyotp.random_base32()
    with db() as s, s.begin():
        s.get(User, users["editor"][0]).totp_secret = secret
    return users["editor"][1], pyotp.TOTP(secret)


def test_a_totp_code_works_once(app, totp_editor):
    email, totp = totp_editor
    code = totp.now()
    assert Client(app).login(email, totp=code).status_code == 302
    replay = Client(app).login(email, totp=code)
    assert replay.status_code == 401 and "Wrong email, password or code." in replay.get_data(as_text=True)


def test_a_totp_code_older_than_the_last_one_used_is_refused(app, totp_editor):
    email, totp = totp_editor
    now = time.time()
    assert Client(app).login(email, totp=totp.at(now + 30)).status_code == 302  # the next step (clock skew)
    assert Client(app).login(email, totp=totp.at(now)).status_code == 401  # an earlier step, never used
    assert Client(app).login(email, totp=totp.at(now - 30)).status_code == 401


def test_two_logins_racing_with_one_code_let_only_one_in(app, totp_editor):
    email, totp = totp_editor
    code = totp.now()
    results = _in_parallel(4, lambda: Client(app).login(email, totp=code).status_code)
    assert sorted(results) == [302] + [401] * 3


# --- cid image links --------------------------------------------------------------------

@pytest.fixture
def image_tip(db):
    with db() as s, s.begin():
        tip = make_tip(s, raw=_mime_with_image("logo@reader.example"), topic="courts")
        tip.html_body = f'<p>look</p><img src="/cid/{tip.raw.sha256}/logo%40reader.example" alt="logo">'
        add_attachment(s, tip, "2", "", "image/png", len(PNG), content_id="logo@reader.example", inline=True)
        return tip.id


def _image_link(client: Client, tip_id: int) -> str:
    soup = BeautifulSoup(client.get(f"/tips/{tip_id}").get_data(as_text=True), "html.parser")
    return BeautifulSoup(soup.select_one("#mail-html")["srcdoc"], "html.parser").img["src"]


def test_an_image_link_needs_the_live_session_that_made_it(app, client_for, image_tip):
    editor = client_for("editor")
    link = _image_link(editor, image_tip)
    frame = app.test_client()  # the sandboxed iframe sends no cookie
    assert frame.get(link).status_code == 200 and frame.get(link).data == PNG
    assert frame.get(link.split("?")[0]).status_code == 404  # no token, no session
    editor.post("/logout")
    assert frame.get(link).status_code == 404  # the session ended: so did its links


def test_an_image_link_expires_after_image_link_minutes(app, client_for, image_tip, settings, monkeypatch):
    editor = client_for("editor")
    fresh = _image_link(editor, image_tip)
    past = time.time() - settings.board.image_link_minutes * 60 - 5

    class Clock:  # itsdangerous reads the time when it signs: sign this page's links in the past
        @staticmethod
        def time():
            return past

    monkeypatch.setattr(itsdangerous.timed, "time", Clock)
    stale = _image_link(editor, image_tip)
    monkeypatch.undo()
    frame = app.test_client()
    assert frame.get(fresh).status_code == 200
    assert frame.get(stale).status_code == 404


def test_an_image_link_is_refused_once_the_viewer_may_no_longer_see_the_tip(app, client_for, db, users, image_tip):
    admin = client_for("admin")
    link = _image_link(admin, image_tip)
    with db() as s, s.begin():  # the admin becomes a reporter on other beats
        s.get(User, users["admin"][0]).role = "reporter"
    assert app.test_client().get(link).status_code == 404


# --- where login sends you --------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.example/", "/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example", "/\\evil.example",
    "\\\\evil.example", "/\\/evil.example", "https://evil.example/", "http:/evil.example", "javascript:alert(1)",
    "evil.example", " /tips/1", "/ /evil.example", "\uff0f\uff0fevil.example", "/\uff0fevil.example",
    "/\u3000/evil.example", "/\u00a0/evil.example", "/\x01/evil.example", "/\x7f/evil.example", "//",
    "/\u2028/evil.example", "/\r\nSet-Cookie: stolen=1", "", "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", HOSTILE_NEXT, ids=range(len(HOSTILE_NEXT)))
def test_login_sends_hostile_next_values_to_the_board(app, users, target):
    client = Client(app)
    client.refresh_token()
    response = client.post("/login", {"email": users["editor"][1], "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/"
    assert not urlsplit(location).netloc


@pytest.mark.parametrize("target", ["/tips/7", "/?q=tr%C3%BCcke&page=2", "/admin/audit?page=1", "/%2F%2Fevil"])
def test_login_keeps_a_local_next(app, users, target):
    client = Client(app)
    client.refresh_token()
    response = client.post("/login", {"email": users["editor"][1], "password": PASSWORD, "next": target})
    assert response.headers["Location"] == target


# --- login limits -----------------------------------------------------------------------

def _in_parallel(n: int, fn) -> list:
    """fn run by n threads released together; their results."""
    barrier, results, lock = threading.Barrier(n), [], threading.Lock()

    def run():
        barrier.wait()
        result = fn()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_thirty_parallel_bad_logins_check_at_most_the_limits_passwords(app, users, settings, monkeypatch, db):
    checked, lock = [], threading.Lock()
    real = auth.check_password

    def counting(user, password):
        with lock:
            checked.append(password)
        return real(user, password)

    monkeypatch.setattr(auth, "check_password", counting)
    email, limit = users["editor"][1], settings.board.login_attempts_per_minute
    clients = [Client(app) for _ in range(30)]
    for c in clients:
        c.refresh_token()
    codes = _in_parallel(30, lambda: clients.pop().post("/login", {"email": email, "password": "a wrong guess"}).status_code)
    assert len(checked) <= limit
    assert codes.count(401) == len(checked) and codes.count(429) == 30 - len(checked)
    with db() as s:
        assert max(s.scalars(select(LoginLimit.failures))) == 30  # every attempt was counted


def test_a_limited_login_says_how_long_to_wait_and_then_works(app, users, settings, db):
    email, limit = users["editor"][1], settings.board.login_attempts_per_minute
    for _ in range(limit):
        Client(app).login(email, "a wrong guess")
    refused = Client(app).login(email)
    wait = int(refused.headers["Retry-After"])
    assert refused.status_code == 429 and 1 <= wait <= 60
    assert re.search(rf"Wait {wait} seconds?, then log in again", refused.get_data(as_text=True))
    with db() as s, s.begin():  # the wait goes by
        s.execute(update(LoginLimit).values(window_start=LoginLimit.window_start - timedelta(seconds=wait)))
    assert Client(app).login(email).status_code == 302


def test_a_successful_login_does_not_count_as_a_failure(app, users, settings):
    email, limit = users["editor"][1], settings.board.login_attempts_per_minute
    for _ in range(limit - 1):
        Client(app).login(email, "a wrong guess")
    for _ in range(3):
        assert Client(app).login(email).status_code == 302
    assert Client(app).login(email, "a wrong guess").status_code == 401  # the limit-th failure is still allowed
    assert Client(app).login(email).status_code == 429
