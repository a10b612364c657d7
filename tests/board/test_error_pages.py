"""Every error is a page in the board's layout that says what happened and what to do next;
a script that asks for JSON only gets JSON. Never a bare page, never the exception's text."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import abort

from tests.board.factories import make_tip


def _page(response):
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _assert_layout_error(response, code: int, words: str):
    assert response.status_code == code
    soup = _page(response)
    assert soup.select_one("link[rel=stylesheet]")["href"].endswith("board.css")
    assert soup.select_one("header#top nav#nav"), "the error page lost the board's header"
    error = soup.select_one(f"main#error[data-code='{code}']")
    assert words in error.select_one(".error-message").get_text()
    assert error.select_one(".error-advice").get_text().strip(), "no word on what to do next"
    assert error.select_one("a.error-board")["href"] == "/"
    return soup


@pytest.fixture
def boom_app(app):
    """Routes that fail the way a view can: an abort with a code, and an unexpected exception."""
    app.add_url_rule("/test-only/abort/<int:code>", "test_abort", lambda code: abort(code))

    def crash():
        raise RuntimeError("Ada Reader's secret address is ada@example.org")

    app.add_url_rule("/test-only/crash", "test_crash", crash)
    return app


def test_bulk_apply_with_nothing_selected_goes_back_to_the_board_saying_so(client_for):
    editor = client_for("editor")
    response = editor.post("/tips/bulk", {"action": "status:reviewing"})
    assert response.status_code == 303
    board = BeautifulSoup(editor.get(response.headers["Location"]).get_data(as_text=True), "html.parser")
    assert "Select some cards first. Nothing was changed." in board.select_one(".flash.error[role=alert]").get_text()


def test_a_bad_date_filter_shows_the_board_with_the_message_beside_the_field(client_for):
    response = client_for("editor").get("/?since=2026-13-45&q=depot")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert response.status_code == 400 and soup.select_one("main#board") is not None
    field = soup.select_one("input[name=since]")
    assert field["aria-invalid"] == "true" and field["value"] == "2026-13-45"  # what was typed is kept
    assert soup.select_one("#filter-since-error").get_text() == "Since must be a date like 2026-11-28."
    assert soup.select_one("#search")["value"] == "depot"  # the good filters still apply


def test_a_reporter_on_an_admin_page_gets_a_403_page(client_for):
    _assert_layout_error(client_for("reporter").get("/admin/users"), 403, "Your role may not do this.")


def test_an_unknown_address_and_a_missing_tip_are_404_pages(client_for):
    editor = client_for("editor")
    _assert_layout_error(editor.get("/no/such/page"), 404, "not found")
    _assert_layout_error(editor.get("/tips/999999"), 404, "")


def test_the_wrong_method_is_a_405_page(client_for):
    _assert_layout_error(client_for("editor").get("/tips/bulk"), 405, "not allowed")


def test_a_duplicate_user_is_the_form_again_with_the_reason_beside_the_email(client_for, users):
    admin = client_for("admin")
    response = admin.post("/admin/users", {"email": users["editor"][1], "role": "editor", "password": "long enough password"})
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert response.status_code == 400
    assert soup.select_one("#new-email-error").get_text() == "A user with that email already exists."
    assert soup.select_one("#new-email")["value"] == users["editor"][1]


def test_too_many_requests_is_a_429_page_that_says_to_wait(boom_app, client_for):
    soup = _assert_layout_error(client_for("editor").get("/test-only/abort/429"), 429, "")
    assert "Wait" in soup.select_one(".error-advice").get_text()


def test_an_unexpected_error_is_a_500_page_that_never_quotes_the_exception(boom_app, client_for):
    response = client_for("editor").get("/test-only/crash")
    _assert_layout_error(response, 500, "went wrong")
    assert "ada@example.org" not in response.get_data(as_text=True)


def test_a_failed_action_on_a_tip_links_back_to_that_tip(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s).id
    reporter = client_for("reporter")
    response = reporter.post(f"/tips/{tip_id}/spam", {"version": "1"})
    soup = _page(response)
    assert response.status_code in (403, 404)
    assert soup.select_one("a.error-back")["href"] == f"/tips/{tip_id}"


def test_an_error_before_login_is_a_page_without_the_header(client_for):
    response = client_for(None).post("/login", {"email": "a@b.example", "password": "x"}, csrf=False)
    assert response.status_code == 400
    soup = _page(response)
    assert soup.select_one("main#error .error-message").get_text().startswith("This form has expired")
    assert soup.select_one("header#top") is None  # nobody is logged in: no names, no links


@pytest.mark.parametrize("path,code", [("/no/such/page", 404), ("/tips/bulk", 405), ("/test-only/crash", 500)])
def test_a_client_that_accepts_only_json_gets_json(boom_app, client_for, path, code):
    response = client_for("editor").get(path, headers={"Accept": "application/json"})
    assert response.status_code == code and response.is_json
    body = response.get_json()
    assert body["code"] == code and body["message"] and body["next"]


def test_a_browser_that_accepts_anything_gets_the_page(client_for):
    response = client_for("editor").get("/no/such/page", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_when_the_layout_itself_cannot_read_the_database_the_error_is_still_a_page(client_for, monkeypatch):
    editor = client_for("editor")

    def broken(*_args):
        raise RuntimeError("database gone")

    monkeypatch.setattr("inbox.board.admin.mailbox_problems", broken)
    response = editor.get("/no/such/page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    soup = _page(response)
    assert soup.select_one("main#error .error-message").get_text() and soup.select_one("link[rel=stylesheet]")
