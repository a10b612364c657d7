"""Bad numbers in forms, query strings and URLs get a 400 (or, in a URL, 404) page that says
what was wrong, never a 500: "²" and "٣" pass str.isdigit(), 40 digits overflow the database."""
from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from tests.board.factories import make_tip

FORTY = "9" * 40
# (method, path, form or query, the words the page must show); {tip} is a tip's id.
BAD = [
    ("GET", "/", {"page": "²"}, "page must be a whole number"),
    ("GET", "/", {"page": FORTY}, "page must be a whole number"),
    ("GET", "/", {"page": "0"}, "page must be a whole number from 1"),
    ("GET", "/", {"per": "٣"}, "per must be a whole number"),
    ("GET", "/", {"per": "-1"}, "per must be a whole number"),
    ("GET", "/", {"mailbox": "²"}, "mailbox must be a whole number"),
    ("GET", "/", {"mailbox": FORTY}, "mailbox must be a whole number"),
    ("GET", "/", {"assignee": "²"}, "assignee must be me, none or a user id"),
    ("GET", "/", {"assignee": FORTY}, "assignee must be me, none or a user id"),
    ("GET", "/", {"assignee": "٣"}, "assignee must be me, none or a user id"),
    ("GET", "/", {"since": "２０２６-01-01"}, "since must be a date"),
    ("GET", "/", {"until": "9999-12-31"}, "until must be a date"),
    ("GET", "/", {"q": "trucks\x00"}, "NUL character"),
    ("GET", "/admin/audit", {"page": "²"}, "page must be a whole number"),
    ("GET", "/admin/audit", {"page": "1e3"}, "page must be a whole number"),
    ("GET", "/admin/audit", {"user": "²"}, "user must be a whole number"),
    ("GET", "/admin/audit", {"tip": FORTY}, "tip must be a whole number"),
    ("POST", "/tips/{tip}/status", {"status": "reviewing", "version": "²"}, "version must be a whole number"),
    ("POST", "/tips/{tip}/status", {"status": "reviewing", "version": FORTY}, "version must be a whole number"),
    ("POST", "/tips/{tip}/spam", {"version": "-1"}, "version must be a whole number"),
    ("POST", "/tips/{tip}/assign", {"version": "1", "assignee_id": "²"}, "assignee_id must be a whole number"),
    ("POST", "/tips/{tip}/assign", {"version": "1", "assignee_id": FORTY}, "assignee_id must be a whole number"),
    ("POST", "/tips/{tip}/claim", {"version": "٣"}, "version must be a whole number"),
    ("POST", "/tips/{tip}/topic", {"version": "1.5", "topic": "Courts & lawsuits"}, "version must be a whole number"),
    ("POST", "/tips/{tip}/merge", {"version": "1", "into": "²"}, "give the number of the tip to merge into"),
    ("POST", "/tips/{tip}/merge", {"version": "1", "into": FORTY}, "give the number of the tip to merge into"),
    ("POST", "/tips/{tip}/split", {"version": "+1"}, "version must be a whole number"),
    ("POST", "/tips/bulk", {"ids": "²", "action": "claim"}, "ids must be a whole number"),
    ("POST", "/tips/bulk", {"ids": FORTY, "action": "claim"}, "ids must be a whole number"),
    ("POST", "/views", {"name": "Mine", "query": "page=²"}, "page must be a whole number"),
    ("POST", "/tips/{tip}/notes", {"body": "a note with a \x00 in it"}, "NUL character"),
]
# In a URL a bad id is a page that does not exist.
BAD_PATHS = ["/tips/²", f"/tips/{FORTY}", "/tips/٣", "/tips/{tip}/attachments/" + FORTY, "/admin/quarantine/²",
             f"/admin/quarantine/{FORTY}", "/tips/2147483648", "/tips/-1"]
# Every number a board view reads from a form or query string, for the crawl below.
NUMERIC_FIELDS = ("version", "assignee_id", "into", "ids", "page", "per", "mailbox", "assignee", "user", "tip")
CRAWL_VALUES = ("²", FORTY)
NOT_CRAWLED = {"static", "auth.login", "auth.logout"}  # assets; the login form has no numbers; logout ends the crawl


@pytest.fixture
def tip_id(db):
    with db() as s, s.begin():
        return make_tip(s, topic="courts").id


def _message(response) -> str:
    # An error page's message, or a form's message beside its field (the form shown again).
    found = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(".error-message, .field-error")
    return found.get_text() if found else ""


def _send(client, method: str, path: str, values: dict):
    if method == "GET":
        return client.get(path, query_string=values)
    return client.post(path, values)


@pytest.mark.parametrize("method,path,values,words", BAD, ids=[f"{m} {p} {sorted(v)}" for m, p, v, _w in BAD])
def test_a_bad_number_gets_a_400_page_that_says_what_is_wrong(client_for, tip_id, method, path, values, words):
    filled = {k: v.replace("{tip}", str(tip_id)) for k, v in values.items()}
    response = _send(client_for("admin"), method, path.replace("{tip}", str(tip_id)), filled)
    assert response.status_code == 400
    assert words.lower() in _message(response).lower()  # a message beside its field starts with a capital
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("action", ["assign:²", f"assign:{FORTY}"])
def test_a_bad_bulk_action_returns_to_the_board_saying_so(client_for, tip_id, action):
    client = client_for("admin")
    response = client.post("/tips/bulk", {"ids": str(tip_id), "action": action})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Unknown bulk action" in page and "Nothing was changed." in page


def test_the_table_covers_at_least_two_dozen_inputs():
    assert len(BAD) >= 24


@pytest.mark.parametrize("path", BAD_PATHS)
def test_a_bad_id_in_a_url_is_a_404_page(client_for, tip_id, path):
    response = client_for("admin").get(path.replace("{tip}", str(tip_id)))
    assert response.status_code == 404 and _message(response)


def _crawl_path(rule, tip_id: int, bad_id: str | None = None) -> str:
    """The rule's path with its arguments filled in: ids by bad_id when given, else a real tip
    for tip_id and ids that do not exist for the rest."""
    def fill(m: re.Match) -> str:
        converter, arg = m.group(1), m.group(2)
        if converter == "int":
            return bad_id if bad_id is not None else str(tip_id) if arg == "tip_id" else "999999"
        return {"sha": "f" * 64, "content_id": "x", "filename": "board.css"}.get(arg, "x")

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule.rule)


def test_no_route_answers_a_bad_number_with_a_server_error(app, client_for, tip_id):
    """Crawl the url_map: every route, every numeric field the board reads, as query and as
    form, and every id in a URL replaced by a bad one."""
    admin = client_for("admin")
    crawled, failures = set(), []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_CRAWLED:
            continue
        crawled.add(rule.endpoint)
        for method in sorted(rule.methods & {"GET", "POST"}):
            path = _crawl_path(rule, tip_id)
            for field in NUMERIC_FIELDS:
                for value in CRAWL_VALUES:
                    response = _send(admin, method, path, {field: value})
                    if response.status_code >= 500 or (response.status_code == 400 and not _message(response)):
                        failures.append((method, path, field, value, response.status_code))
            if "<int:" in rule.rule:
                for value in ("²", FORTY):
                    response = _send(admin, method, _crawl_path(rule, tip_id, bad_id=value), {})
                    if response.status_code != 404:
                        failures.append((method, rule.rule, "path", value, response.status_code))
    assert admin.get("/").status_code == 200  # still logged in: the crawl ran as admin throughout
    assert failures == []
    assert {"board.index", "tips.status", "tips.bulk", "admin.audit_log", "attachments.download"} <= crawled
