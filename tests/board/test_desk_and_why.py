"""The desk's topic list (correcting a topic, beats, the admin's page) and "why this topic"
in words (Flask test client)."""
from __future__ import annotations

import json

from bs4 import BeautifulSoup
from sqlalchemy import select

from inbox.models import AuditEntry, Tip, User
from inbox.models.sorting import SortDecision
from tests.board.factories import make_tip


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_topic_is_corrected_from_a_select_of_the_desks_list(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s, topic="Other / needs triage").id
    page = _soup(client_for("editor").get(f"/tips/{tip_id}"))
    select_ = page.select_one("#topic-form select[name=topic]")
    options = [o.get_text() for o in select_.select("option")]
    assert "Courts & lawsuits" in options and "Elections" in options
    assert page.select_one("#topic-form input[name=topic]") is None  # no free text


def test_an_unknown_topic_is_refused_beside_the_field_and_changes_nothing(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s, topic="Elections").id
    response = client_for("editor").post(f"/tips/{tip_id}/topic", {"topic": "Electoins", "version": "1"})
    soup = _soup(response)
    assert response.status_code == 400 and soup.select_one("main#tip") is not None
    assert "“Electoins” is not on it" in soup.select_one("#topic-select-error").get_text()
    assert soup.select_one("#topic-select")["aria-invalid"] == "true"
    with db() as s:
        assert s.get(Tip, tip_id).topic == "Elections"


def test_an_admin_adds_and_retires_topics_in_the_browser_audited(client_for, db, users):
    admin = client_for("admin")
    assert admin.post("/admin/topics", {"name": "  Agriculture  "}).status_code == 302
    dup = admin.post("/admin/topics", {"name": "agriculture"})
    assert dup.status_code == 400 and "on the list already" in _soup(dup).select_one("#topic-name-error").get_text()
    bad = admin.post("/admin/topics", {"name": "Farms, fields"})
    assert bad.status_code == 400 and _soup(bad).select_one("#topic-name")["value"] == "Farms, fields"  # kept
    with db() as s, s.begin():
        tip_id = make_tip(s, topic="Elections").id
    editor = client_for("editor")
    assert editor.post(f"/tips/{tip_id}/topic", {"topic": "Agriculture", "version": "1"}).status_code == 302
    assert admin.post("/admin/topics/retire", {"name": "Agriculture"}).status_code == 302
    refused = editor.post(f"/tips/{tip_id}/topic", {"topic": "Agriculture", "version": "2"})
    assert refused.status_code == 400  # retired: nobody can pick it again
    with db() as s:
        assert s.get(Tip, tip_id).topic == "Agriculture"  # the tip keeps it
        logged = s.execute(select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.object_type == "topic").order_by(AuditEntry.id)).all()
    assert [tuple(r) for r in logged] == [("topic_add", "Agriculture"), ("topic_retire", "Agriculture")]
    assert client_for("editor").get("/admin/topics").status_code == 403


def test_beats_are_picked_from_the_list_and_a_typo_is_refused_with_the_nearest(client_for, db, users):
    admin = client_for("admin")
    uid = users["reporter"][0]
    page = _soup(admin.get("/admin/users"))
    beats = page.select_one(f"tr[data-user-id='{uid}'] select[name=beats]")
    assert beats.has_attr("multiple") and "Elections" in [o.get_text() for o in beats.select("option")]
    ok = admin.http.post(f"/admin/users/{uid}", data={"role": "reporter", "beats": ["Elections", "Courts & lawsuits"],
                                                      "active": "1", "csrf_token": admin.token})
    assert ok.status_code == 302
    typo = admin.post(f"/admin/users/{uid}", {"role": "reporter", "beats": "Electoins", "active": "1"})
    assert typo.status_code == 400
    assert "did you mean 'Elections'?" in _soup(typo).select_one(f"#user-{uid}-error").get_text()
    with db() as s:
        assert s.get(User, uid).beats == "Elections,Courts & lawsuits"


def _why(client_for, db, explanation, masked=False, **tip):
    with db() as s, s.begin():
        tip_id = make_tip(s, **tip).id
        s.add(SortDecision(tip_id=tip_id, kind="sort", value=tip.get("topic", ""), source="rules", confidence=0.5,
                           explanation=json.dumps(explanation)))
    return _soup(client_for("editor").get(f"/tips/{tip_id}")).select_one("#tip-topic-why"), tip_id


def test_why_is_a_sentence_and_a_table_never_json_or_regex_source(client_for, db):
    explanation = {"topic": {"topic": "State & local government", "rules": [
        {"topic": "State & local government", "kind": "regex", "match": "\\bno[- ]bid contracts?\\b", "weight": 1.5,
         "hard": False, "in_subject": True},
        {"topic": "State & local government", "kind": "keyword", "match": "mayor", "weight": 1.5, "hard": False}],
        "model": {"version": 3, "top": [["State & local government", 0.71], ["Elections", 0.2]]},
        "blend": [["State & local government", 0.83]], "why": "rules and model blended"},
        "cluster": {"action": "suggested", "tip_id": 999, "similarity": 0.7, "thresholds": {"join": 0.85, "suggest": 0.6,
                    "calibrated_on": 12}, "evidence": {"content": 0.41, "names": 2.0, "meaning": 0.77, "conflict": False,
                    "gap_days": 1.5}, "shared_names": 3, "shared_hashes": ["deadbeef"], "story_tips": 2}}
    why, _ = _why(client_for, db, explanation, subject="A no-bid contract for the mayor's friend",
                  body="The mayor signed it.", topic="State & local government", topic_source="blend", topic_confidence=0.83)
    text = why.get_text(" ", strip=True)
    assert why.select_one("#why-sentence").get_text() == (
        "The desk's rules and the learned model together chose “State & local government”, 83% sure (2 rules of the desk fired).")
    rows = [[td.get_text() for td in tr.select("td")] for tr in why.select("#why-rules tbody tr")]
    assert rows == [["a pattern of the desk's, matching “no-bid contract”", "in the subject", "State & local government", "+1.5"],
                    ["the word “mayor”", "in the text", "State & local government", "+1.5"]]
    assert "71%" in why.select_one("#why-model").get_text() and "version 3" in why.select_one("#why-model").get_text()
    assert "may tell the same story as another tip (score 70%" in why.select_one("#why-story").get_text()  # #999: not visible
    assert "Closeness in meaning 77%" in why.select_one("#why-story-evidence").get_text(" ", strip=True)
    for raw in ("\\b", "[- ]", "{", "\\u0026", "deadbeef", "regex", "keyword"):
        assert raw not in text, raw


def test_why_in_triage_says_what_was_missing(client_for, db):
    why, _ = _why(client_for, db, {"topic": {"rules": [], "blend": [["Elections", 0.3]], "why": "best guess"}},
                  topic="Other / needs triage", topic_source="triage", topic_confidence=0.3)
    assert why.select_one("#why-sentence").get_text() == (
        "The best guess, “Elections”, was only 30% sure, too little to decide, so the tip waits in “Other / needs triage” for a person.")
