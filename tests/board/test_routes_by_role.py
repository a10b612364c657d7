"""Every route × every role: allowed, forbidden (403), not found (404: a tip one may not open), or
sent to the login page. Protected readers × roles: tests/board/test_protection_matrix.py."""
from __future__ import annotations

import pytest

from inbox.models import (ClusterSuggestion, Hold, Mailbox, NotifyChannel, Quarantined, Reader, ReaderGrant,
                          ReplyTemplate, User)
from tests.board.factories import add_attachment, make_tip, make_user, raw_mail

LOGIN = "login"
# route -> (method, path, form, {role: expected status}); None role = not logged in.
# Paths use {tip} (a tip on the reporter's beat), {att}, {q}, {user}, {sugg} (a suggestion: {tip} and {other}).
ROUTES = {
    "board": ("GET", "/", {}, {"admin": 200, "editor": 200, "reporter": 200}),
    "help": ("GET", "/help", {}, {"admin": 200, "editor": 200, "reporter": 200}),
    "tip page": ("GET", "/tips/{tip}", {}, {"admin": 200, "editor": 200, "reporter": 200}),
    "off-beat tip page": ("GET", "/tips/{other}", {}, {"admin": 200, "editor": 200, "reporter": 404}),
    "export original": ("GET", "/tips/{tip}/raw", {}, {"admin": 200, "editor": 200, "reporter": 403}),
    "download attachment": ("GET", "/tips/{tip}/attachments/{att}", {}, {"admin": 200, "editor": 200, "reporter": 200}),
    "off-beat attachment": ("GET", "/tips/{other}/attachments/{other_att}", {}, {"admin": 200, "editor": 200, "reporter": 404}),
    "set status": ("POST", "/tips/{tip}/status", {"status": "reviewing", "version": "1"}, {"admin": 302, "editor": 302, "reporter": 403}),
    "mark spam": ("POST", "/tips/{tip}/spam", {"version": "1"}, {"admin": 302, "editor": 302, "reporter": 403}),
    "assign": ("POST", "/tips/{tip}/assign", {"assignee_id": "{user}", "version": "1"}, {"admin": 302, "editor": 302, "reporter": 403}),
    "claim": ("POST", "/tips/{tip}/claim", {"version": "1"}, {"admin": 302, "editor": 302, "reporter": 302}),
    "claim off-beat": ("POST", "/tips/{other}/claim", {"version": "1"}, {"admin": 302, "editor": 302, "reporter": 404}),
    "correct topic": ("POST", "/tips/{tip}/topic", {"topic": "elections", "version": "1"}, {"admin": 302, "editor": 302, "reporter": 403}),
    "add note": ("POST", "/tips/{tip}/notes", {"body": "Called the clerk."}, {"admin": 302, "editor": 302, "reporter": 302}),
    "merge": ("POST", "/tips/{tip}/merge", {"into": "{other}", "version": "1"}, {"admin": 302, "editor": 302, "reporter": 403}),
    "split": ("POST", "/tips/{tip}/split", {"version": "1"}, {"admin": 400, "editor": 400, "reporter": 403}),
    "accept suggestion": ("POST", "/tips/{tip}/suggestions/{sugg}/accept", {}, {"admin": 302, "editor": 302, "reporter": 403}),
    "dismiss suggestion": ("POST", "/tips/{tip}/suggestions/{sugg}/dismiss", {}, {"admin": 302, "editor": 302, "reporter": 403}),
    "bulk": ("POST", "/tips/bulk", {"ids": "{tip}", "action": "status:declined"}, {"admin": 302, "editor": 302, "reporter": 403}),
    "bulk claim": ("POST", "/tips/bulk", {"ids": "{tip}", "action": "claim"}, {"admin": 302, "editor": 302, "reporter": 403}),
    "protect reader": ("POST", "/tips/{tip}/reader/protect", {"reason": "asked"}, {"admin": 302, "editor": 302, "reporter": 403}),
    "unprotect reader": ("POST", "/tips/{other}/reader/unprotect", {"reason": "cleared"}, {"admin": 302, "editor": 302, "reporter": 404}),
    "grant reader": ("POST", "/tips/{other}/reader/grants", {"user_id": "{user2}", "reason": "her story"},
                     {"admin": 302, "editor": 302, "reporter": 404}),
    "revoke grant": ("POST", "/tips/{other}/reader/grants/{grant}/revoke", {}, {"admin": 302, "editor": 302, "reporter": 404}),
    "export csv": ("GET", "/export.csv?status=new", {}, {"admin": 200, "editor": 200, "reporter": 403}),
    "save view": ("POST", "/views", {"name": "Courts", "query": "topic=courts"}, {"admin": 302, "editor": 302, "reporter": 302}),
    "users": ("GET", "/admin/users", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "add user": ("POST", "/admin/users", {"email": "new@newsroom.example", "role": "reporter", "password": "a long enough password"},
                 {"admin": 302, "editor": 403, "reporter": 403}),
    "update user": ("POST", "/admin/users/{user}", {"role": "editor", "beats": "", "active": "1"}, {"admin": 302, "editor": 403, "reporter": 403}),
    "end sessions": ("POST", "/admin/users/{user}/sessions/end", {}, {"admin": 302, "editor": 403, "reporter": 403}),
    "mailboxes": ("GET", "/admin/mailboxes", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "quarantine": ("GET", "/admin/quarantine", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "quarantined item": ("GET", "/admin/quarantine/{q}", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "discard quarantined": ("POST", "/admin/quarantine/{q}/discard", {}, {"admin": 302, "editor": 403, "reporter": 403}),
    "audit log": ("GET", "/admin/audit", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "holds": ("GET", "/admin/holds", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "put hold": ("POST", "/admin/holds", {"kind": "tip", "target": "{tip}", "reason": "subpoena"},
                 {"admin": 302, "editor": 403, "reporter": 403}),
    "lift hold": ("POST", "/admin/holds/{hold}/lift", {}, {"admin": 302, "editor": 403, "reporter": 403}),
    "confirm deleting a tip": ("GET", "/admin/tips/{tip}/delete", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "delete a tip": ("POST", "/admin/tips/{tip}/delete", {"count": "1"}, {"admin": 302, "editor": 403, "reporter": 403}),
    "confirm forgetting a reader": ("GET", "/admin/tips/{tip}/forget", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "forget a reader": ("POST", "/admin/tips/{tip}/forget", {"count": "2"}, {"admin": 302, "editor": 403, "reporter": 403}),
    "api tokens": ("GET", "/account/tokens", {}, {"admin": 200, "editor": 200, "reporter": 200}),
    "make api token": ("POST", "/account/tokens", {"scope": "read", "days": "30"}, {"admin": 201, "editor": 201, "reporter": 201}),
    "revoke api token": ("POST", "/account/tokens/{token}/revoke", {}, {"admin": 404, "editor": 404, "reporter": 302}),  # the reporter's
    "reply": ("POST", "/tips/{tip}/reply", {"body": "Thank you."}, {"admin": 302, "editor": 302, "reporter": 302}),
    "reply off-beat": ("POST", "/tips/{other}/reply", {"body": "Thank you."}, {"admin": 302, "editor": 302, "reporter": 404}),
    "link a published story": ("POST", "/tips/{tip}/story-ran", {"url": "https://news.example/x", "headline": "It ran"},
                               {"admin": 302, "editor": 302, "reporter": 403}),
    "canned replies": ("GET", "/admin/replies", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "add canned reply": ("POST", "/admin/replies", {"name": "new", "body": "Thanks"}, {"admin": 302, "editor": 403, "reporter": 403}),
    "change canned reply": ("POST", "/admin/replies/{tpl}", {"name": "thanks", "body": "Thanks!"},
                            {"admin": 302, "editor": 403, "reporter": 403}),
    "delete canned reply": ("POST", "/admin/replies/{tpl}/delete", {}, {"admin": 302, "editor": 403, "reporter": 403}),
    "notification channels": ("GET", "/admin/notify", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "add channel": ("POST", "/admin/notify", {"kind": "slack", "url": "https://hooks.example.com/hook", "events": "tip.urgent"},
                    {"admin": 302, "editor": 403, "reporter": 403}),
    "update channel": ("POST", "/admin/notify/{channel}", {"events": "tip.created", "active": "1"},
                       {"admin": 302, "editor": 403, "reporter": 403}),
    "resume channel": ("POST", "/admin/notify/{channel}/resume", {}, {"admin": 302, "editor": 403, "reporter": 403}),
    "delete channel": ("POST", "/admin/notify/{channel}/delete", {}, {"admin": 302, "editor": 403, "reporter": 403}),
    "my notifications": ("GET", "/account/notifications", {}, {"admin": 200, "editor": 200, "reporter": 200}),
    "save my notifications": ("POST", "/account/notifications", {"assigned": "1"}, {"admin": 302, "editor": 302, "reporter": 302}),
    "account": ("GET", "/account", {}, {"admin": 200, "editor": 200, "reporter": 200}),
    "change password (wrong current)": ("POST", "/account/password", {"current": "x", "new": "y" * 12, "again": "y" * 12},
                                        {"admin": 400, "editor": 400, "reporter": 400}),
    "start totp": ("GET", "/account/totp", {}, {"admin": 200, "editor": 200, "reporter": 200}),
    "confirm totp (unsigned)": ("POST", "/account/totp", {"code": "123456"}, {"admin": 400, "editor": 400, "reporter": 400}),
    "totp off (wrong password)": ("POST", "/account/totp/off", {"password": "x"}, {"admin": 400, "editor": 400, "reporter": 400}),
    "recovery codes (no totp)": ("POST", "/account/recovery", {"password": "x"}, {"admin": 400, "editor": 400, "reporter": 400}),
    "topics": ("GET", "/admin/topics", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "add topic": ("POST", "/admin/topics", {"name": "Agriculture"}, {"admin": 302, "editor": 403, "reporter": 403}),
    "retire topic": ("POST", "/admin/topics/retire", {"name": "Health"}, {"admin": 302, "editor": 403, "reporter": 403}),
    "reset link": ("POST", "/admin/users/{user}/reset", {}, {"admin": 200, "editor": 403, "reporter": 403}),
    "log out": ("POST", "/logout", {}, {"admin": 302, "editor": 302, "reporter": 302}),
}


@pytest.fixture
def objects(db, users):
    attachment = (b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
                  b"See the attached list.\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
                  b"filename=list.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n")
    with db() as s, s.begin():
        tip = make_tip(s, topic="courts", raw=raw_mail("Judge", "x", "a@example.org", attachment))
        other = make_tip(s, subject="Bus depot", topic="transit")
        att = add_attachment(s, tip, "2", "list.pdf", "application/pdf", 9)
        other_att = add_attachment(s, other, "1", "notes.txt", "text/plain", 30)
        box = Mailbox(name="tips")
        s.add(box)
        s.flush()
        q = Quarantined(sha256="0" * 64, data=b"Subject: broken\r\n\r\nbody", mailbox_id=box.id, folder="INBOX", uid=7,
                        stage="parse", error="ValueError: bad header")
        s.add(q)
        sugg = ClusterSuggestion(tip_id=tip.id, other_tip_id=other.id, similarity=0.4)
        s.add(sugg)
        reader = Reader(address=other.sender_address, protected=True, why="anonymity")
        s.add(reader)
        s.flush()
        second = make_user(s, "reporter", "second@newsroom.example", beats="transit")
        grant = ReaderGrant(reader_id=reader.id, user_id=users["reporter"][0], granted_by=users["editor"][0], reason="x")
        s.add(grant)
        hold = Hold(kind="cluster", cluster_id=1, reason="x", created_by="cli")
        s.add(hold)
        tpl = ReplyTemplate(name="thanks", body="Thank you, {reader_name}.")
        s.add(tpl)
        channel = NotifyChannel(kind="webhook", url="http://127.0.0.1:9/hook", secret="s", events="tip.created")
        s.add(channel)
        s.flush()
        from inbox.board.api.tokens import create as create_token

        _secret, token = create_token(s, s.get(User, users["reporter"][0]), "read", 30)
        return {"hold": hold.id, "token": token.id, "tip": tip.id, "other": other.id, "att": att.id, "other_att": other_att.id, "q": q.id,
                "user": users["reporter"][0], "sugg": sugg.id,
                "grant": grant.id, "user2": second.id, "tpl": tpl.id, "channel": channel.id}


def _fill(text: str, objects: dict) -> str:
    return text.format(**objects)


@pytest.mark.parametrize("role", [None, "reporter", "editor", "admin"])
@pytest.mark.parametrize("name", list(ROUTES))
def test_route_answers_each_role_as_the_rules_say(name, role, client_for, objects):
    method, path, form, expected = ROUTES[name]
    client = client_for(role)
    url = _fill(path, objects)
    data = {k: _fill(v, objects) for k, v in form.items()}
    if role is None:
        client.refresh_token("/login")  # a valid token: the login check, not CSRF, must answer
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    if role is None:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
        return
    assert response.status_code == expected[role], response.get_data(as_text=True)[:500]
    if expected[role] == 302:
        assert "/login" not in response.headers["Location"] or name == "log out"


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/board.css"])
def test_login_page_health_check_and_assets_need_no_login(path, client_for):
    response = client_for(None).get(path)
    assert response.status_code == 200


def test_every_registered_route_is_in_the_matrix(app):
    covered = {_rule_of(path) for _m, path, _f, _e in ROUTES.values()}
    public = {"/login", "/healthz", "/static/<path:filename>", "/cid/<sha>/<path:content_id>",
              "/reset/<token>",  # a one-time link is its own credential: tests/board/test_accounts.py
              "/metrics"}  # loopback or a token, no login: tests/board/test_metrics.py
    deliberately_elsewhere = {
        "/views/<int:view_id>/delete",  # test_board_page.py
        "/admin/quarantine/<int:qid>/retry",  # test_admin.py (runs the pipeline)
        # Story pages and the live poll, by role and with protected readers: test_stories.py and
        # test_protection_matrix.py (a story needs a cluster of tips on and off a reporter's beat).
        "/board/poll", "/stories/<int:story_id>", "/stories/<int:story_id>/status",
        "/stories/<int:story_id>/assign", "/stories/<int:story_id>/claim",
    }
    rules = {r.rule for r in app.url_map.iter_rules() if not r.rule.startswith("/api/")}  # the API: tests/api
    assert rules - covered - public - deliberately_elsewhere == set()


def _rule_of(path: str) -> str:
    path = path.partition("?")[0]
    replacements = {"{tip}": "<int:tip_id>", "{other}": "<int:tip_id>", "{att}": "<int:attachment_id>",
                    "{other_att}": "<int:attachment_id>", "{q}": "<int:qid>", "{user}": "<int:user_id>",
                    "{sugg}": "<int:suggestion_id>", "{grant}": "<int:grant_id>", "{hold}": "<int:hold_id>", "{token}": "<int:token_id>",
                    "{user2}": "<int:user_id>", "{tpl}": "<int:template_id>", "{channel}": "<int:channel_id>"}
    for key, value in replacements.items():
        path = path.replace(key, value)
    return path
