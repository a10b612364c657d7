"""Actions on tips: edit conflicts, history, merges and splits, bulk, and the audit log."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from inbox.board import actions
from inbox.models import AuditEntry, Note, Tip, TipEvent, User
from tests.board.factories import make_tip, make_user


def _audit(db, action=None):
    with db() as s:
        query = select(AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.user_id).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return [tuple(r) for r in s.execute(query)]


def test_stale_version_gets_a_clear_conflict_message_not_an_overwrite(client_for, db, users):
    with db() as s, s.begin():
        tip_id = make_tip(s).id
    first, second = client_for("editor"), client_for("admin")
    assert first.post(f"/tips/{tip_id}/status", {"status": "pursuing", "version": "1"}).status_code == 302
    response = second.post(f"/tips/{tip_id}/status", {"status": "declined", "version": "1"})
    assert response.status_code == 409
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    message = soup.select_one("#conflict").get_text()
    assert message.startswith("Editor") and "changed this tip while you were looking at it" in message
    assert "new → pursuing" in message and "not saved" in message
    assert soup.select_one("#tip-status")["data-status"] == "pursuing"  # the page shows the tip as it is now
    with db() as s:
        tip = s.get(Tip, tip_id)
        assert (tip.status, tip.version) == ("pursuing", 2)


def test_conflict_on_assign_and_topic_too(db, users):
    with db() as s, s.begin():
        tip_id = make_tip(s).id
        editor = s.get(User, users["editor"][0])
        actions.assign(s, editor, tip_id, 1, users["reporter"][0])
    with db() as s, s.begin():
        editor = s.get(User, users["editor"][0])
        with pytest.raises(actions.Conflict, match="changed this tip"):
            actions.correct_topic(s, editor, tip_id, 1, "courts")
        with pytest.raises(actions.Conflict):
            actions.assign(s, editor, tip_id, 1, None)


def test_assign_moves_a_new_tip_to_assigned_and_records_history(client_for, db, users):
    with db() as s, s.begin():
        tip_id = make_tip(s).id
    client_for("editor").post(f"/tips/{tip_id}/assign", {"assignee_id": str(users["reporter"][0]), "version": "1"})
    with db() as s:
        tip = s.get(Tip, tip_id)
        assert (tip.assignee_id, tip.status) == (users["reporter"][0], "assigned")
        events = s.execute(select(TipEvent.kind, TipEvent.user_id).where(TipEvent.tip_id == tip_id)).all()
        assert [tuple(e) for e in events] == [("assign", users["editor"][0])]


def test_reporter_claims_then_moves_their_own_tip(client_for, db, users):
    with db() as s, s.begin():
        tip_id = make_tip(s, topic="courts").id
    reporter = client_for("reporter")
    assert reporter.post(f"/tips/{tip_id}/status", {"status": "pursuing", "version": "1"}).status_code == 403
    assert reporter.post(f"/tips/{tip_id}/claim", {"version": "1"}).status_code == 302
    assert reporter.post(f"/tips/{tip_id}/status", {"status": "pursuing", "version": "2"}).status_code == 302
    with db() as s:
        tip = s.get(Tip, tip_id)
        assert (tip.assignee_id, tip.status) == (users["reporter"][0], "pursuing")


def test_reporter_cannot_claim_a_tip_someone_else_has(client_for, db, users):
    with db() as s, s.begin():
        tip_id = make_tip(s, topic="courts", assignee_id=users["editor"][0], status="assigned").id
    response = client_for("reporter").post(f"/tips/{tip_id}/claim", {"version": "1"})
    assert response.status_code == 409
    assert "already has this tip" in response.get_data(as_text=True)


def test_topic_correction_is_recorded_as_the_editors(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s, topic="transit", topic_source="rules", topic_confidence=0.4).id
    client_for("editor").post(f"/tips/{tip_id}/topic", {"topic": "courts & LAWSUITS ", "version": "1"})  # as the desk spells it
    with db() as s:
        tip = s.get(Tip, tip_id)
        assert (tip.topic, tip.topic_source) == ("Courts & lawsuits", "editor")
        assert s.scalar(select(TipEvent.detail).where(TipEvent.tip_id == tip_id)) == "transit → Courts & lawsuits"


def test_notes_are_kept_and_do_not_bump_the_version(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s, topic="courts").id
    client_for("reporter").post(f"/tips/{tip_id}/notes", {"body": "Clerk confirms the docket."})
    with db() as s:
        assert s.scalars(select(Note.body)).all() == ["Clerk confirms the docket."]
        assert s.get(Tip, tip_id).version == 1
    assert client_for("editor").post(f"/tips/{tip_id}/notes", {"body": "   "}).status_code == 400


def test_merge_folds_a_tip_and_its_follow_ups_into_a_thread_and_split_restores_them(client_for, db):
    with db() as s, s.begin():
        keep = make_tip(s, subject="Flooded subway station")
        dup = make_tip(s, subject="Water in the station")
        dup_follow = make_tip(s, subject="Re: Water in the station", thread_root_id=dup.id)
        ids = keep.id, dup.id, dup_follow.id
    editor = client_for("editor")
    assert editor.post(f"/tips/{ids[1]}/merge", {"into": f"#{ids[0]}", "version": "1"}).status_code == 302
    with db() as s:
        assert [s.get(Tip, i).thread_root_id for i in ids] == [None, ids[0], ids[0]]
    board = editor.get("/").get_data(as_text=True)
    assert "Water in the station" not in board and "Flooded subway station" in board
    assert editor.post(f"/tips/{ids[1]}/split", {"version": "2"}).status_code == 302
    with db() as s:
        assert [s.get(Tip, i).thread_root_id for i in ids] == [None, None, ids[1]]
    assert editor.post(f"/tips/{ids[1]}/split", {"version": "3"}).status_code == 400


def test_merge_into_its_own_thread_is_refused(client_for, db):
    with db() as s, s.begin():
        root = make_tip(s)
        follow = make_tip(s, thread_root_id=root.id)
    assert client_for("editor").post(f"/tips/{follow.id}/merge", {"into": str(root.id), "version": "1"}).status_code == 400


def test_bulk_action_changes_every_selected_card(client_for, db):
    with db() as s, s.begin():
        ids = [make_tip(s, subject=f"spam {i}").id for i in range(3)]
        keep = make_tip(s).id
    editor = client_for("editor")
    response = editor.http.post("/tips/bulk", data={"ids": [str(i) for i in ids], "action": "spam", "csrf_token": editor.token})
    assert response.status_code == 302
    with db() as s:
        assert {s.get(Tip, i).status for i in ids} == {"spam"} and all(s.get(Tip, i).is_spam for i in ids)
        assert s.get(Tip, keep).status == "new"
    nothing = editor.post("/tips/bulk", {"action": "spam", "query": "q=depot"})  # back to the same view, the reason on top
    assert nothing.status_code == 303 and nothing.headers["Location"].endswith("/?q=depot")
    assert editor.post("/tips/bulk", {"ids": "999999", "action": "spam"}).status_code == 404


def test_views_changes_downloads_and_exports_are_audited(client_for, db, users):
    with db() as s, s.begin():
        tip_id = make_tip(s).id
    editor = client_for("editor")
    editor.get(f"/tips/{tip_id}")
    editor.post(f"/tips/{tip_id}/status", {"status": "reviewing", "version": "1"})
    editor.get(f"/tips/{tip_id}/raw")
    uid = users["editor"][0]
    entries = _audit(db)
    assert ("login", "user", uid, uid) in entries
    assert entries[-3:] == [("view", "tip", tip_id, uid), ("change", "tip", tip_id, uid), ("export", "tip", tip_id, uid)]
    page = client_for("admin").get("/admin/audit").get_data(as_text=True)
    assert "editor@newsroom.example" in page and f"tip #{tip_id}" in page


def test_audit_log_refuses_updates_and_deletes_in_the_database(db, users):
    with db() as s, s.begin():
        s.add(AuditEntry(user_id=users["admin"][0], action="view", object_type="tip", object_id=1))
    for statement in ("UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log"):
        with db() as s:
            with pytest.raises(DBAPIError, match="append-only"):
                s.execute(text(statement))
            s.rollback()
    assert _audit(db) == [("view", "tip", 1, users["admin"][0])]


def test_unknown_audit_action_is_a_programming_error(db):
    from inbox.board import audit

    with db() as s, pytest.raises(ValueError):
        audit.record(s, None, "looked")


def test_deactivated_user_cannot_be_assigned(db, users):
    with db() as s, s.begin():
        tip_id = make_tip(s).id
        gone = make_user(s, "reporter", active=False)
        editor = s.get(User, users["editor"][0])
        with pytest.raises(actions.ActionError, match="no such active user"):
            actions.assign(s, editor, tip_id, 1, gone.id)


def test_topic_correction_and_spam_verdicts_become_labels_for_sorting(client_for, db, users):
    from inbox.models.sorting import SortDecision

    with db() as s, s.begin():
        tip_id = make_tip(s, topic="transit").id
    editor = client_for("editor")
    editor.post(f"/tips/{tip_id}/topic", {"topic": "Courts & lawsuits", "version": "1"})
    editor.post(f"/tips/{tip_id}/spam", {"version": "2"})
    editor.post(f"/tips/{tip_id}/status", {"status": "reviewing", "version": "3"})
    with db() as s:
        labels = s.execute(select(SortDecision.kind, SortDecision.value, SortDecision.user_id)
                           .where(SortDecision.tip_id == tip_id).order_by(SortDecision.id)).all()
        assert [tuple(r) for r in labels] == [("topic", "Courts & lawsuits", users["editor"][0]), ("spam", "spam", users["editor"][0]),
                                              ("spam", "ham", users["editor"][0])]
        tip = s.get(Tip, tip_id)
        assert (tip.status, tip.is_spam) == ("reviewing", False)


def test_tip_page_says_why_sorting_chose_the_topic(client_for, db):
    import json

    from inbox.models.sorting import SortDecision

    with db() as s, s.begin():
        tip_id = make_tip(s, topic="courts", topic_source="rules", topic_confidence=0.8).id
        s.add(SortDecision(tip_id=tip_id, kind="sort", value="courts", source="rules", confidence=0.8,
                           explanation=json.dumps({"topic": {"topic": "courts", "rules": ["keyword:judge"]}})))
    soup = BeautifulSoup(client_for("editor").get(f"/tips/{tip_id}").get_data(as_text=True), "html.parser")
    why = soup.select_one("#tip-topic-why").get_text(" ", strip=True)
    assert "The desk's rules chose “courts”, 80% sure" in why and "the word “judge”" in why
    assert "keyword:judge" not in why and "{" not in why
    assert soup.select_one("#tip-topic-source").get_text() == "(rules, confidence 80%)"


def test_audit_log_answers_who_looked_at_a_tip(client_for, db, users):
    with db() as s, s.begin():
        watched, other = make_tip(s).id, make_tip(s).id
    client_for("editor").get(f"/tips/{watched}")
    client_for("reporter")  # logs in, sees nothing
    client_for("editor").get(f"/tips/{other}")
    admin = client_for("admin")
    soup = BeautifulSoup(admin.get(f"/admin/audit?tip={watched}").get_data(as_text=True), "html.parser")
    rows = [(r["data-action"], r.get_text(" ", strip=True)) for r in soup.select("tr.audit-row")]
    assert len(rows) == 1 and rows[0][0] == "view" and "editor@newsroom.example" in rows[0][1]
    logins = BeautifulSoup(admin.get(f"/admin/audit?action=login&user={users['reporter'][0]}").get_data(as_text=True),
                           "html.parser").select("tr.audit-row")
    assert len(logins) == 1
    assert admin.get("/admin/audit?action=stole").status_code == 400
