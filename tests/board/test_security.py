"""CSRF, headers, cookies, session expiry, login rate limits, TOTP, and error pages."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from inbox.board import create_app
from inbox.board.security import BOARD_CSP
from inbox.config import ConfigError
from inbox.models import LoginLimit, Tip, User, UserSession, utcnow
from tests.board.conftest import Client
from tests.board.factories import make_tip


def test_post_without_csrf_token_is_rejected_and_changes_nothing(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s).id
    editor = client_for("editor")
    response = editor.post(f"/tips/{tip_id}/status", {"status": "declined", "version": "1"}, csrf=False)
    assert response.status_code == 400
    assert "expired or did not come from the board" in response.get_data(as_text=True)
    with db() as s:
        assert s.get(Tip, tip_id).status == "new"


def test_post_with_another_sessions_csrf_token_is_rejected(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s).id
    editor, admin = client_for("editor"), client_for("admin")
    response = editor.post(f"/tips/{tip_id}/status", {"status": "declined", "version": "1", "csrf_token": admin.token})
    assert response.status_code == 400


def test_login_form_itself_needs_the_csrf_token(client_for, users):
    anon = client_for(None)
    response = anon.post("/login", {"email": users["editor"][1], "password": "x"}, csrf=False)
    assert response.status_code == 400


def test_board_pages_carry_the_strict_csp_and_other_headers(client_for):
    response = client_for("editor").get("/")
    assert response.headers["Content-Security-Policy"] == BOARD_CSP
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "form-action 'self'", "frame-ancestors 'none'"):
        assert directive in BOARD_CSP
    assert "unsafe-inline" not in BOARD_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client_for):
    html = client_for("editor").get("/").get_data(as_text=True)
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert 'src="/static/board.js"' in html


def test_session_cookie_is_httponly_lax_and_secure_when_configured(settings, db, users):
    app = create_app(dataclasses.replace(settings, board=dataclasses.replace(settings.board, secure_cookies=True)), db)
    client = Client(app)
    client.refresh_token()
    cookie = client.http.get_cookie("inbox_session")
    assert cookie.http_only and cookie.same_site == "Lax" and cookie.secure


def test_demo_setting_turns_the_secure_flag_off(client_for):
    client = client_for(None)
    client.refresh_token()
    assert not client.http.get_cookie("inbox_session").secure


def test_a_session_past_its_end_is_sent_to_login(client_for, db):
    editor = client_for("editor")
    assert editor.get("/").status_code == 200
    with db() as s, s.begin():
        s.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=5)))
    response = editor.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_idle_longer_than_session_idle_minutes_is_sent_to_login(client_for, db, settings):
    editor = client_for("editor")
    idle = timedelta(minutes=settings.board.session_idle_minutes)
    with db() as s, s.begin():
        s.execute(update(UserSession).values(last_seen_at=utcnow() - idle + timedelta(minutes=2)))
    assert editor.get("/").status_code == 200  # used again: the idle clock starts over
    with db() as s, s.begin():
        s.execute(update(UserSession).values(last_seen_at=utcnow() - idle - timedelta(seconds=5)))
    assert editor.get("/").status_code == 302


def test_deactivating_a_user_ends_their_sessions(client_for, db, users):
    reporter = client_for("reporter")
    with db() as s, s.begin():
        s.get(User, users["reporter"][0]).active = False
    assert reporter.get("/").status_code == 302


def test_logins_are_rate_limited_per_account(client_for, users, settings):
    email = users["editor"][1]
    limit = settings.board.login_attempts_per_minute
    for _ in range(limit):
        assert client_for(None).login(email, "wrong password").status_code == 401
    # The right password does not help within the window, from any client: the page says how long to wait.
    response = client_for(None).login(email)
    assert response.status_code == 429 and "Wait " in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_logins_are_rate_limited_per_ip_across_accounts(client_for, settings):
    limit = settings.board.login_attempts_per_minute
    for i in range(limit):
        client_for(None).login(f"nobody{i}@example.org", "guess")
    assert client_for(None).login("someone-else@example.org", "guess").status_code == 429


def test_wrong_password_and_unknown_user_get_the_same_message(client_for, users):
    wrong = client_for(None).login(users["editor"][1], "not it").get_data(as_text=True)
    unknown = client_for(None).login("ghost@example.org", "not it").get_data(as_text=True)
    assert "Wrong email, password or code." in wrong and "Wrong email, password or code." in unknown


def test_user_with_totp_needs_the_current_code(client_for, db, users):
    secret = pyotp.random_base32()
    with db() as s, s.begin():
        s.get(User, users["editor"][0]).totp_secret = secret
    assert client_for(None).login(users["editor"][1]).status_code == 401
    assert client_for(None).login(users["editor"][1], totp="000000" if pyotp.TOTP(secret).now() != "000000" else "111111").status_code == 401
    assert client_for(None).login(users["editor"][1], totp=pyotp.TOTP(secret).now()).status_code == 302


def test_admins_without_totp_are_refused_when_it_is_required(settings, db, users):
    strict = dataclasses.replace(settings, board=dataclasses.replace(settings.board, require_totp_for_admins=True))
    app = create_app(strict, db)
    response = Client(app).login(users["admin"][1])
    assert response.status_code == 401
    assert "second factor" in response.get_data(as_text=True)
    assert Client(app).login(users["editor"][1]).status_code == 302


def test_login_never_redirects_off_the_board(client_for, users):
    client = client_for(None)
    client.refresh_token()
    response = client.post("/login", {"email": users["editor"][1], "password": "correct horse battery staple",
                                      "next": "//evil.example/steal"})
    assert response.headers["Location"] == "/"


def test_login_returns_to_the_page_asked_for(client_for, users):
    client = client_for(None)
    first = client.get("/admin/audit?page=1")
    assert first.headers["Location"].startswith("/login?next=")
    client.refresh_token()
    response = client.post("/login", {"email": users["admin"][1], "password": "correct horse battery staple",
                                      "next": "/admin/audit?page=1"})
    assert response.headers["Location"] == "/admin/audit?page=1"


def test_unexpected_error_shows_a_plain_page_without_the_exception(app, client_for):
    def explode():
        raise RuntimeError("secret source name Jane Whistleblower")

    app.add_url_rule("/explode", "explode", explode)
    app.testing = False  # as in production: the error handler answers, not the test client
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client_for("editor").get("/explode")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "Jane Whistleblower" not in body and "Traceback" not in body and "RuntimeError" not in body


@pytest.mark.parametrize("path,code", [("/tips/999999", 404), ("/nowhere", 404)])
def test_bad_input_gets_a_clear_error_page(client_for, path, code):
    response = client_for("editor").get(path)
    assert response.status_code == code
    body = response.get_data(as_text=True)
    assert f"<h1>{code}" in body and "Traceback" not in body


@pytest.mark.parametrize("path,field", [("/?page=abc", "page"), ("/?status=nonsense", "status"), ("/?since=yesterday", "since")])
def test_a_bad_filter_is_the_board_with_the_message_for_that_field(client_for, path, field):
    response = client_for("editor").get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and f'id="filter-{field}-error"' in body and "Traceback" not in body


def test_app_refuses_to_start_without_a_secret_key(settings, db):
    with pytest.raises(ConfigError, match="secret_key"):
        create_app(dataclasses.replace(settings, board=dataclasses.replace(settings.board, secret_key="")), db)


def test_login_counters_keep_no_email_or_address_and_old_ones_are_forgotten(client_for, db, users):
    with db() as s, s.begin():
        s.add(LoginLimit(key="0" * 64, window_start=utcnow() - timedelta(hours=1), failures=3))
    client_for(None).login(users["editor"][1], "wrong")
    with db() as s:
        keys = s.scalars(select(LoginLimit.key)).all()
    assert len(keys) == 2 and "0" * 64 not in keys  # this attempt's account and address, hashed
    assert not any("@" in k or "127.0.0.1" in k for k in keys)
