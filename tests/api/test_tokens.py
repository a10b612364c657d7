"""Personal access tokens: made in the browser and by `inbox token`, shown once, stored hashed,
scoped, expiring, revoked, audited; no cookie counts; wrong tokens are limited like logins."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from inbox.models import ApiToken, AuditEntry, User, utcnow
from tests.api.conftest import Api, make_token
from tests.board.conftest import Client


def _columns(row: ApiToken) -> list[str]:
    return [str(getattr(row, c.key)) for c in ApiToken.__table__.columns]


def test_a_token_is_stored_only_as_its_hash_and_made_and_revoked_on_the_audit_log(db, app, users):
    token = make_token(db, users["editor"][0], "read")
    assert token.startswith("tipi_") and len(token) >= 45
    with db() as s:
        row = s.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert not any(token in value for value in _columns(row)) and row.prefix == token[:9]
    assert Api(app, token).get("/api/v1/me").get_json()["token"]["scope"] == "read"
    from inbox.board.api import tokens

    with db() as s, s.begin():
        assert tokens.revoke(s, row.id, None, via="cli")
    assert Api(app, token).get("/api/v1/me").status_code == 401
    with db() as s:
        audit = list(s.execute(select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.object_type == "token").order_by(AuditEntry.id)))
    assert [a for a, _ in audit] == ["token_create", "token_revoke"] and not any(token in d for _, d in audit)


@pytest.mark.parametrize("change", ["expired", "revoked", "user deactivated", "another token", "not bearer", "cookie only"])
def test_tokens_that_do_not_work(change, db, app, users, client_for):
    token = make_token(db, users["editor"][0])
    headers = {"Authorization": f"Bearer {token}"}
    with db() as s, s.begin():
        if change == "expired":
            s.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        elif change == "revoked":
            s.execute(update(ApiToken).values(revoked_at=utcnow()))
        elif change == "user deactivated":
            s.execute(update(User).where(User.id == users["editor"][0]).values(active=False))
    if change == "another token":
        headers["Authorization"] = f"Bearer tipi_{'A' * 43}"
    elif change == "not bearer":
        headers["Authorization"] = f"Basic {token}"
    if change == "cookie only":  # a logged-in browser: its session cookie is no API credential
        response = client_for("editor").get("/api/v1/tips", headers={"Accept": "application/json"})
    else:
        response = app.test_client(use_cookies=False).get("/api/v1/tips", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert set(response.get_json()) == {"error", "code", "message"}


def test_wrong_tokens_are_limited_per_address_and_logins_are_not(db, app, users, client_for, settings):
    good = make_token(db, users["editor"][0])
    limit = settings.board.login_attempts_per_minute
    wrong = Api(app, "tipi_" + "x" * 43)
    codes = [wrong.get("/api/v1/tips").status_code for _ in range(limit + 1)]
    assert codes == [401] * limit + [429]
    refused = Api(app, good).get("/api/v1/tips")  # as a right password is refused past the login limit
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["error"] == "rate_limited"
    assert client_for("editor").get("/").status_code == 200  # the board's own login limit is another counter
    with db() as s, s.begin():
        from inbox.models import LoginLimit

        s.execute(update(LoginLimit).values(window_start=utcnow() - timedelta(minutes=2)))
    assert Api(app, good).get("/api/v1/tips").status_code == 200  # the window is over


def test_a_request_without_any_token_is_not_counted(db, app, users, settings):
    nobody = Api(app, None)
    assert {nobody.get("/api/v1/tips").status_code for _ in range(settings.board.login_attempts_per_minute + 2)} == {401}


def test_the_token_page_makes_shows_once_and_revokes_a_token(client_for, app, db, users):
    browser = client_for("reporter")
    page = browser.get("/account/tokens").get_data(as_text=True)
    assert 'id="token-form"' in page and 'id="nav-tokens"' in page
    made = browser.post("/account/tokens", {"name": "planning sheet", "scope": "read", "days": "30"})
    assert made.status_code == 201
    from bs4 import BeautifulSoup

    token = BeautifulSoup(made.get_data(as_text=True), "html.parser").select_one("#new-token-value").get_text()
    assert Api(app, token).get("/api/v1/me").get_json()["email"] == "reporter@newsroom.example"
    again = browser.get("/account/tokens").get_data(as_text=True)
    assert token not in again and token[:9] in again  # shown once; then only its prefix
    with db() as s:
        token_id = s.scalar(select(ApiToken.id))
    assert client_for("editor").post(f"/account/tokens/{token_id}/revoke").status_code == 404  # not hers to revoke
    assert Api(app, token).get("/api/v1/me").status_code == 200
    assert browser.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert Api(app, token).get("/api/v1/me").status_code == 401
    assert 'data-state="revoked"' in browser.get("/account/tokens").get_data(as_text=True)


@pytest.mark.parametrize("form", [{"scope": "admin", "days": "30"}, {"scope": "read", "days": "0"},
                                  {"scope": "read", "days": "9999"}, {"scope": "read", "days": "x"},
                                  {"scope": "write", "days": "30", "name": "a\nb"}])
def test_the_token_page_refuses_bad_requests_with_a_page(form, client_for, db):
    response = client_for("editor").post("/account/tokens", form)
    assert response.status_code == 400 and 'id="token-error"' in response.get_data(as_text=True)
    with db() as s:
        assert s.scalar(select(ApiToken.id)) is None


def test_the_token_page_needs_a_login_and_the_form_its_csrf_token(app, client_for):
    anonymous = Client(app)
    assert "/login" in anonymous.get("/account/tokens").headers["Location"]
    assert client_for("editor").post("/account/tokens", {"scope": "read", "days": "30"}, csrf=False).status_code == 400


def test_inbox_token_create_list_revoke(db_url, db, users, capsys, tmp_path):
    from inbox.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{db_url}"\n')
    assert main(["--config", str(config), "token", "create", "editor@newsroom.example", "--scope", "write",
                 "--expires-days", "7", "--name", "cms"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("tipi_") and "\n" not in token
    with db() as s:
        row = s.scalar(select(ApiToken))
        assert row.scope == "write" and timedelta(days=6) < row.expires_at - utcnow() <= timedelta(days=7)
    assert main(["--config", str(config), "token", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"#{row.id}\teditor@newsroom.example\t{token[:9]}…\twrite\tlive" in listed and token not in listed
    assert main(["--config", str(config), "token", "revoke", str(row.id)]) == 0
    assert "revoked" in capsys.readouterr().out
    with db() as s:
        assert s.scalar(select(ApiToken.revoked_at)) is not None


@pytest.mark.parametrize("args, says", [
    (["create", "nobody@newsroom.example", "--scope", "read"], "no user nobody@newsroom.example"),
    (["create", "editor@newsroom.example"], "--scope read or --scope write"),
    (["create", "editor@newsroom.example", "--scope", "read", "--expires-days", "400"], "1 to 366 days"),
    (["revoke", "12345"], "no live token #12345"),
    (["revoke", "x"], "give the token's id"),
])
def test_inbox_token_bad_input_is_one_line_and_exit_2(args, says, db_url, db, users, capsys, tmp_path):
    from inbox.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{db_url}"\n')
    assert main(["--config", str(config), "token", *args]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
