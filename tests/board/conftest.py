"""Board fixtures: an app on the per-test database, and clients logged in as each role."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from inbox.board import create_app
from inbox.config import BoardSettings, Settings
from tests.board.factories import PASSWORD, make_user

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=str(tmp_path), board=BoardSettings(secret_key="test-secret-key", secure_cookies=False))


@pytest.fixture
def app(settings, db):
    app = create_app(settings, db)
    app.config["TESTING"] = True
    return app


class Client:
    """A test client that knows its CSRF token and posts forms with it."""

    def __init__(self, app, user=None):
        self.http = app.test_client()
        self.user = user
        self.token = ""

    def refresh_token(self, path="/login"):
        page = self.http.get(path)
        found = CSRF.search(page.get_data(as_text=True))
        self.token = found.group(1) if found else ""
        return self.token

    def login(self, email, password=PASSWORD, totp=""):
        self.refresh_token("/login")
        response = self.http.post("/login", data={"email": email, "password": password, "totp": totp, "csrf_token": self.token})
        self.refresh_token("/help")
        return response

    def get(self, path, **kw):
        return self.http.get(path, **kw)

    def post(self, path, data=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token)
        return self.http.post(path, data=data, **kw)


@pytest.fixture
def users(db):
    with db() as s, s.begin():
        made = {
            "admin": make_user(s, "admin", "admin@newsroom.example"),
            "editor": make_user(s, "editor", "editor@newsroom.example"),
            "reporter": make_user(s, "reporter", "reporter@newsroom.example", beats="courts"),
        }
        return {role: (u.id, u.email) for role, u in made.items()}


@pytest.fixture
def client_for(app, users):
    """client_for("editor") -> a Client logged in as that role; client_for(None) -> anonymous."""

    def make(role):
        client = Client(app)
        if role is not None:
            uid, email = users[role]
            response = client.login(email)
            assert response.status_code == 302, response.get_data(as_text=True)
            client.user = uid
        return client

    return make


def board_queries(engine, client, per: int):
    """The SQL statements one board page (per cards a column) costs, and the response."""
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(f"/?per={per}")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return statements, response
