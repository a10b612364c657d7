"""Every API route × every role (and no token, and a read token): the board's answers by the board's
rules (tests/board/test_routes_by_role.py), as JSON, each response valid against the OpenAPI document."""
from __future__ import annotations

import pytest

from inbox.models import Tip
from tests.api.schemas import check, template_of
from tests.board.test_routes_by_role import objects  # noqa: F401  (the board matrix's own objects)

ALL = {"admin": 200, "editor": 200, "reporter": 200}
EDITORS = {"admin": 200, "editor": 200, "reporter": 403}
OFF_BEAT = {"admin": 200, "editor": 200, "reporter": 404}
# route -> (method, path, body, {role: status}); {tip} is on the reporter's beat, {other} is not.
ROUTES = {
    "me": ("GET", "/api/v1/me", None, ALL),
    "list tips": ("GET", "/api/v1/tips", None, ALL),
    "search tips": ("GET", "/api/v1/tips?q=trucks&status=new&limit=5", None, ALL),
    "tip": ("GET", "/api/v1/tips/{tip}", None, ALL),
    "off-beat tip": ("GET", "/api/v1/tips/{other}", None, OFF_BEAT),
    "thread": ("GET", "/api/v1/tips/{tip}/thread", None, ALL),
    "off-beat thread": ("GET", "/api/v1/tips/{other}/thread", None, OFF_BEAT),
    "notes": ("GET", "/api/v1/tips/{tip}/notes", None, ALL),
    "off-beat notes": ("GET", "/api/v1/tips/{other}/notes", None, OFF_BEAT),
    "add note": ("POST", "/api/v1/tips/{tip}/notes", {"body": "Called the clerk."},
                 {"admin": 201, "editor": 201, "reporter": 201}),
    "add note off-beat": ("POST", "/api/v1/tips/{other}/notes", {"body": "x"}, {"admin": 201, "editor": 201, "reporter": 404}),
    "set status": ("PATCH", "/api/v1/tips/{tip}", {"version": 1, "status": "reviewing"}, EDITORS),
    "assign": ("PATCH", "/api/v1/tips/{tip}", {"version": 1, "assignee_id": "{user}"}, EDITORS),
    "correct topic": ("PATCH", "/api/v1/tips/{tip}", {"version": 1, "topic": "elections"}, EDITORS),
    "change off-beat": ("PATCH", "/api/v1/tips/{other}", {"version": 1, "status": "declined"}, OFF_BEAT),
    "stale version": ("PATCH", "/api/v1/tips/{tip}", {"version": 7, "status": "reviewing"},
                      {"admin": 409, "editor": 409, "reporter": 403}),
    "stories": ("GET", "/api/v1/stories", None, ALL),
    "story": ("GET", "/api/v1/stories/{story}", None, ALL),
    "off-beat story": ("GET", "/api/v1/stories/{other_story}", None, OFF_BEAT),
    "id past any id": ("PATCH", "/api/v1/tips/{huge}", {"version": 1, "status": "new"},
                       {"admin": 404, "editor": 404, "reporter": 404}),
    "openapi": ("GET", "/api/v1/openapi.json", None, {**ALL, None: 200}),
}
PUBLIC = {"openapi"}


@pytest.fixture
def api_objects(db, objects):  # noqa: F811
    with db() as s, s.begin():
        s.get(Tip, objects["tip"]).cluster_id = 41
        s.get(Tip, objects["other"]).cluster_id = 42
    return {**objects, "story": 41, "other_story": 42, "huge": 2**31}


def _fill(value, objects):
    if isinstance(value, str):
        return int(value.format(**objects)) if value.startswith("{") and value.endswith("}") else value.format(**objects)
    if isinstance(value, dict):
        return {k: _fill(v, objects) for k, v in value.items()}
    return value


def _rule(path: str) -> str:
    return template_of(path.partition("?")[0].replace("{tip}", "<id:tip_id>").replace("{other}", "<id:tip_id>").replace("{huge}", "<id:tip_id>")
                       .replace("{story}", "<id:story_id>").replace("{other_story}", "<id:story_id>"))


@pytest.mark.parametrize("role", [None, "reporter", "editor", "admin"])
@pytest.mark.parametrize("name", list(ROUTES))
def test_api_route_answers_each_role_as_the_board_rules_say(name, role, api_for, api_objects):
    method, path, body, expected = ROUTES[name]
    response = api_for(role).call(method, _fill(path, api_objects), _fill(body, api_objects))
    if role is None and name not in PUBLIC:
        assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    else:
        assert response.status_code == expected[role], response.get_data(as_text=True)[:500]
    assert "Set-Cookie" not in response.headers
    check(response, _rule(path), method)


@pytest.mark.parametrize("name", [n for n, r in ROUTES.items() if r[0] != "GET"])
def test_a_read_token_may_not_change_anything(name, api_for, api_objects, db):
    method, path, body, _expected = ROUTES[name]
    with db() as s:
        before = {t.id: (t.version, t.status, t.topic, t.assignee_id, len(t.attachments)) for t in s.query(Tip)}
    response = api_for("editor", scope="read").call(method, _fill(path, api_objects), _fill(body, api_objects))
    assert response.status_code == 403 and response.get_json()["error"] == "insufficient_scope"
    check(response, _rule(path), method)
    with db() as s:
        assert before == {t.id: (t.version, t.status, t.topic, t.assignee_id, len(t.attachments)) for t in s.query(Tip)}


def test_every_api_route_is_in_the_matrix(app):
    covered = {(ROUTES[n][0], _rule(ROUTES[n][1])) for n in ROUTES}
    registered = {(m, template_of(r.rule)) for r in app.url_map.iter_rules() if r.rule.startswith("/api/")
                  for m in r.methods - {"HEAD", "OPTIONS"}}
    assert registered == covered


def test_the_assigned_reporter_moves_her_tip_and_not_its_assignee(api_for, api_objects, db, users):
    with db() as s, s.begin():
        s.get(Tip, api_objects["tip"]).assignee_id = users["reporter"][0]
    reporter = api_for("reporter")
    path = f"/api/v1/tips/{api_objects['tip']}"
    moved = reporter.patch(path, {"version": 1, "status": "pursuing", "topic": "courts"})
    assert moved.status_code == 200 and moved.get_json()["version"] == 3 and moved.get_json()["status"] == "pursuing"
    refused = reporter.patch(path, {"version": 3, "assignee_id": None})
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    check(refused, "/api/v1/tips/{tip_id}", "PATCH")


def test_a_change_is_all_or_nothing(api_for, api_objects, db):
    # The status is allowed, the assignee (no such user) is not: neither is written.
    response = api_for("editor").patch(f"/api/v1/tips/{api_objects['tip']}",
                                       {"version": 1, "status": "declined", "assignee_id": 99999})
    assert response.status_code == 400
    with db() as s:
        tip = s.get(Tip, api_objects["tip"])
        assert (tip.version, tip.status) == (1, "new")
