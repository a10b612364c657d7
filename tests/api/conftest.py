"""API fixtures: the board's app, users and worlds, and clients that send a token for each role."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from inbox.board.api import tokens
from inbox.models import User
from tests.board.conftest import app, client_for, settings, users  # noqa: F401  (the board's own fixtures)

# Hypothesis (under schemathesis) keeps its caches under build/, not in the working tree's root.
set_hypothesis_home_dir(str(Path(__file__).resolve().parents[2] / "build" / "hypothesis"))


class Api:
    """A test client that sends one bearer token (no cookie) and speaks JSON."""

    def __init__(self, app, token: str | None):
        self.http = app.test_client(use_cookies=False)
        self.token = token

    def headers(self, extra=None) -> dict:
        headers = {"Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return {**headers, **(extra or {})}

    def get(self, path, **kw):
        return self.http.get(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def patch(self, path, body, **kw):
        return self.http.patch(path, json=body, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path, body, **kw):
        return self.http.post(path, json=body, headers=self.headers(kw.pop("headers", None)), **kw)

    def call(self, method, path, body=None):
        return {"GET": self.get, "PATCH": lambda p: self.patch(p, body), "POST": lambda p: self.post(p, body)}[method](path)


def make_token(db, user_id: int, scope: str = "write", days: int = 30) -> str:
    with db() as s, s.begin():
        token, _row = tokens.create(s, s.get(User, user_id), scope, days, "test", via="cli")
    return token


@pytest.fixture
def api_for(app, db, users):
    """api_for("editor") -> an Api with a write token of that role's user; api_for(None) -> no token;
    api_for("reporter", scope="read"); api_for(user_id=N) for another user."""

    def make(role=None, scope="write", user_id=None):
        uid = user_id if user_id is not None else (users[role][0] if role else None)
        return Api(app, make_token(db, uid, scope) if uid is not None else None)

    return make
