"""Accounts in the browser (Flask test client): password change, TOTP enrolment with
recovery codes, one-time reset links, deactivation; every change audited."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from bs4 import BeautifulSoup
from sqlalchemy import select

from inbox.models import AuditEntry, RecoveryCode, ResetLink, User, UserSession
from tests.board.conftest import Client
from tests.board.factories import PASSWORD

NEW = "a brand new long password"


def _actions(db, user_id):
    with db() as s:
        return [a for a, in s.execute(select(AuditEntry.action).where(AuditEntry.object_id == user_id,
                                                                      AuditEntry.object_type == "user")
                                                  .order_by(AuditEntry.id))]


def _error(response, field_id):
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    found = soup.select_one(f"#{field_id}-error")
    return found.get_text(strip=True) if found else None


def test_password_change_needs_the_current_one_and_ends_the_other_sessions(app, client_for, users, db):
    other = client_for("editor")  # a second browser of the same person
    me = client_for("editor")
    wrong = me.post("/account/password", {"current": "not it", "new": NEW, "again": NEW})
    assert wrong.status_code == 400 and _error(wrong, "password-current") == "That is not your current password."
    short = me.post("/account/password", {"current": PASSWORD, "new": "short", "again": "short"})
    assert short.status_code == 400 and "at least 12" in _error(short, "password-new")
    differ = me.post("/account/password", {"current": PASSWORD, "new": NEW, "again": NEW + "x"})
    assert _error(differ, "password-new") == "The two new passwords differ."
    done = me.post("/account/password", {"current": PASSWORD, "new": NEW, "again": NEW})
    assert done.status_code == 302
    assert me.get("/").status_code == 200  # this session goes on (under a new token)
    assert other.get("/").status_code == 302  # the other one is over
    assert Client(app).login(users["editor"][1], PASSWORD).status_code == 401
    assert Client(app).login(users["editor"][1], NEW).status_code == 302
    assert "password_change" in _actions(db, users["editor"][0])
    with db() as s:  # what the board stores is argon2id at its full work (test users are made cheaper)
        assert s.get(User, users["editor"][0]).password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def _enrol(client):
    page = client.get("/account/totp").get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one("#totp-qr svg") is not None and "<img" not in str(soup.select_one("#totp-qr"))
    secret = soup.select_one("#totp-secret").get_text().replace(" ", "")
    signed = soup.select_one("#totp-form input[name=signed]")["value"]
    return secret, signed


def test_totp_enrolment_shows_a_qr_code_then_stores_the_secret_only_when_a_code_proves_it(client_for, users, db):
    me = client_for("reporter")
    secret, signed = _enrol(me)
    with db() as s:
        assert s.get(User, users["reporter"][0]).totp_secret is None  # nothing stored yet
    bad = me.post("/account/totp", {"signed": signed, "code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert bad.status_code == 400 and "does not match" in _error(bad, "totp-code")
    forged = me.post("/account/totp", {"signed": signed[:-2] + "xx", "code": pyotp.TOTP(secret).now()})
    assert forged.status_code == 400 and "Start again" in forged.get_data(as_text=True)
    done = me.post("/account/totp", {"signed": signed, "code": pyotp.TOTP(secret).now()})
    codes = [c.get_text() for c in BeautifulSoup(done.get_data(as_text=True), "html.parser").select("#recovery-codes code")]
    assert done.status_code == 200 and len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", c) for c in codes)
    with db() as s:
        assert s.get(User, users["reporter"][0]).totp_secret == secret
        stored = s.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == users["reporter"][0])).all()
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)  # hashes only
    assert "totp_enrol" in _actions(db, users["reporter"][0])


def test_a_recovery_code_logs_in_once_instead_of_the_app(app, client_for, users, db):
    me = client_for("reporter")
    secret, signed = _enrol(me)
    done = me.post("/account/totp", {"signed": signed, "code": pyotp.TOTP(secret).now()})
    code = BeautifulSoup(done.get_data(as_text=True), "html.parser").select_one("#recovery-codes code").get_text()
    email = users["reporter"][1]
    assert Client(app).login(email).status_code == 401  # no code at all
    assert Client(app).login(email, totp=code.upper().replace("-", " ")).status_code == 302  # any case, any spacing
    assert Client(app).login(email, totp=code).status_code == 401  # used
    assert "recovery_code_used" in _actions(db, users["reporter"][0])
    fresh = me.post("/account/recovery", {"password": PASSWORD})  # a new set: the old ones stop working
    assert fresh.status_code == 200
    with db() as s:
        assert s.scalar(select(RecoveryCode.used_at).where(RecoveryCode.user_id == users["reporter"][0])
                        .order_by(RecoveryCode.id).limit(1)) is None


def test_turning_totp_off_needs_the_password(client_for, users, db):
    me = client_for("reporter")
    secret, signed = _enrol(me)
    me.post("/account/totp", {"signed": signed, "code": pyotp.TOTP(secret).now()})
    wrong = me.post("/account/totp/off", {"password": "nope"})
    assert wrong.status_code == 400 and _error(wrong, "totp-off-password") == "That is not your current password."
    assert me.post("/account/totp/off", {"password": PASSWORD}).status_code == 302
    with db() as s:
        assert s.get(User, users["reporter"][0]).totp_secret is None
        assert s.scalars(select(RecoveryCode).where(RecoveryCode.user_id == users["reporter"][0])).all() == []
    assert "totp_off" in _actions(db, users["reporter"][0])


def _reset_link(admin, user_id):
    page = admin.post(f"/admin/users/{user_id}/reset")
    assert page.status_code == 200
    link = BeautifulSoup(page.get_data(as_text=True), "html.parser").select_one("#reset-link")["value"]
    return "/" + link.split("/", 3)[3]


def test_a_reset_link_sets_a_password_once_and_ends_the_users_sessions(app, client_for, users, db):
    victim = client_for("reporter")
    admin = client_for("admin")
    path = _reset_link(admin, users["reporter"][0])
    with db() as s:
        assert path.rsplit("/", 1)[1] not in {h for h, in s.execute(select(ResetLink.token_hash))}  # the hash only
    stranger = Client(app)  # not logged in: the link is its credential
    stranger.refresh_token(path)
    form = stranger.get(path)
    assert form.status_code == 200 and users["reporter"][1] in form.get_data(as_text=True)
    short = stranger.post(path, {"new": "short", "again": "short"})
    assert short.status_code == 400 and "at least 12" in _error(short, "reset-new")
    assert stranger.post(path, {"new": NEW, "again": NEW}).status_code == 200
    assert victim.get("/").status_code == 302  # their sessions ended
    assert Client(app).login(users["reporter"][1], NEW).status_code == 302
    again = stranger.post(path, {"new": NEW + "2", "again": NEW + "2"})
    assert again.status_code == 404 and "expired, was used" in again.get_data(as_text=True)  # once
    assert {"reset_link", "password_reset"} <= set(_actions(db, users["reporter"][0]))


def test_a_reset_link_expires_and_a_newer_one_replaces_it(app, client_for, users, db):
    admin = client_for("admin")
    first = _reset_link(admin, users["reporter"][0])
    second = _reset_link(admin, users["reporter"][0])
    assert Client(app).get(first).status_code == 404
    with db() as s, s.begin():
        for link in s.scalars(select(ResetLink)):
            link.expires_at = link.created_at - timedelta(seconds=1)
    assert Client(app).get(second).status_code == 404
    assert Client(app).get("/reset/not-a-token").status_code == 404


def test_only_admins_make_reset_links(client_for, users):
    assert client_for("editor").post(f"/admin/users/{users['reporter'][0]}/reset").status_code == 403


def test_deactivating_a_user_ends_their_sessions_and_is_audited(client_for, users, db):
    victim = client_for("reporter")
    admin = client_for("admin")
    uid = users["reporter"][0]
    response = admin.post(f"/admin/users/{uid}", {"role": "reporter", "beats": "Courts & lawsuits", "active": "0"})
    assert response.status_code == 302 and victim.get("/").status_code == 302
    with db() as s:
        assert not s.get(User, uid).active
        assert s.scalars(select(UserSession).where(UserSession.user_id == uid, UserSession.revoked_at.is_(None))).all() == []
        detail = s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "user_update", AuditEntry.object_id == uid))
    assert "active False" in detail and "1 session(s) ended" in detail


def test_the_account_page_is_for_everyone_logged_in(client_for):
    for role in ("admin", "editor", "reporter"):
        assert client_for(role).get("/account").status_code == 200
    assert client_for(None).get("/account").status_code == 302
