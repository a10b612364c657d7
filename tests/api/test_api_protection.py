"""Protected readers through the API: the board's protection matrix (tests/board/test_protection_matrix.py,
its world and identity terms) for every API resource × role, follow-ups, search, notes and stories."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from inbox.models import AuditEntry
from tests.api.schemas import check
from tests.board.test_protection_matrix import IDENTITY, NAME, _grant, _leaks, world  # noqa: F401

RESOURCES = {
    "tips": ("/api/v1/tips", "/api/v1/tips"), "search by a word of the body": ("/api/v1/tips?q=courthouse", "/api/v1/tips"),
    "tip": ("/api/v1/tips/{root}", "/api/v1/tips/{tip_id}"), "follow-up": ("/api/v1/tips/{follow}", "/api/v1/tips/{tip_id}"),
    "ordinary tip of the reader": ("/api/v1/tips/{ordinary}", "/api/v1/tips/{tip_id}"),
    "cluster mate": ("/api/v1/tips/{mate}", "/api/v1/tips/{tip_id}"),
    "thread": ("/api/v1/tips/{follow}/thread", "/api/v1/tips/{tip_id}/thread"),
    "notes": ("/api/v1/tips/{root}/notes", "/api/v1/tips/{tip_id}/notes"),
    "stories": ("/api/v1/stories", "/api/v1/stories"), "story": ("/api/v1/stories/9", "/api/v1/stories/{story_id}"),
}
NAMES_NO_ONE = ("cluster mate", "stories")  # these never carry the reader's name, whoever asks


def _api(api_for, role, world):  # noqa: F811
    return api_for(user_id=world["granted"]) if role == "granted" else api_for(role)


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("role, sees", [("reporter", False), ("granted", True), ("editor", True), ("admin", True)])
def test_protected_reader_is_shown_through_the_api_only_to_editors_admins_and_grantees(
        resource, role, sees, api_for, db, users, world):  # noqa: F811
    _grant(db, world, users)
    path, template = RESOURCES[resource]
    response = _api(api_for, role, world).get(path.format(**world))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    check(response, template, "GET")
    text = response.get_data(as_text=True)
    if sees:
        if resource not in NAMES_NO_ONE:
            assert "Maria" in text
    else:
        assert _leaks(text) == [] and _leaks(json.dumps(response.get_json(), ensure_ascii=False)) == [], text[:2000]


def test_a_masked_tip_carries_the_pseudonym_redacted_text_and_no_attachments(api_for, world):  # noqa: F811
    tip = api_for("reporter").get(f"/api/v1/tips/{world['root']}").get_json()
    assert tip["masked"] and tip["protected"] and tip["sender"]["address"] is None
    assert tip["sender"]["name"].startswith("Reader ")
    assert "ICE agents waited at the courthouse doors" in tip["text"]["new"]
    assert "[phone withheld]" in tip["text"]["new"] and tip["text"]["signature"] == "[signature withheld]"
    assert tip["attachments"] == [] and tip["attachment_count"] == 1
    assert "sender_domain" not in json.dumps(tip["topic_reasons"]) and tip["allowed"]["export"] is False
    listed = {t["id"]: t for t in api_for("reporter").get("/api/v1/tips").get_json()["items"]}
    assert listed[world["root"]]["preview"] == "" and listed[world["root"]]["sender"]["name"] == tip["sender"]["name"]


def test_an_editor_gets_the_reader_in_full(api_for, world):  # noqa: F811
    tip = api_for("editor").get(f"/api/v1/tips/{world['root']}").get_json()
    assert not tip["masked"] and tip["protected"] and tip["sender"] == {"name": NAME, "address": "maria.lopez@lopezfamily.net"}
    assert [a["filename"] for a in tip["attachments"]] == ["maria-lopez-id.pdf"]


@pytest.mark.parametrize("words", ["Lopez", "maria", "lopezfamily", "867", "5309", "Thanks Maria", "wrote",
                                   "courthouse -lopez"])
def test_api_search_finds_nothing_on_a_protected_readers_identity(words, api_for, world):  # noqa: F811
    items = api_for("reporter").get("/api/v1/tips", query_string={"q": words}).get_json()["items"]
    assert {world["root"], world["ordinary"]} & {t["id"] for t in items} == set()


def test_api_search_still_finds_a_protected_readers_tip_by_its_story(api_for, world):  # noqa: F811
    items = api_for("reporter").get("/api/v1/tips", query_string={"q": "courthouse doors"}).get_json()["items"]
    assert world["root"] in {t["id"] for t in items}
    editor = api_for("editor").get("/api/v1/tips", query_string={"q": "Lopez"}).get_json()["items"]
    assert world["root"] in {t["id"] for t in editor}


def test_claiming_by_the_api_never_unmasks_and_notes_come_back_redacted(api_for, world):  # noqa: F811
    reporter = api_for("reporter")
    note = reporter.post(f"/api/v1/tips/{world['root']}/notes", {"body": "Maria Lopez says 555-867-5309 works."})
    assert note.status_code == 201 and _leaks(note.get_data(as_text=True)) == []
    check(note, "/api/v1/tips/{tip_id}/notes", "POST")
    assert _leaks(reporter.get(f"/api/v1/tips/{world['root']}/notes").get_data(as_text=True)) == []


def test_off_beat_threads_are_not_found_through_the_api(api_for, world):  # noqa: F811
    reporter = api_for("reporter")
    for tip in ("off", "off_follow"):
        for suffix in ("", "/thread", "/notes"):
            response = reporter.get(f"/api/v1/tips/{world[tip]}{suffix}")
            assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    ids = {t["id"] for t in reporter.get("/api/v1/tips?limit=100").get_json()["items"]}
    assert world["off"] not in ids and world["root"] in ids


def test_reading_a_tip_or_its_notes_through_the_api_is_audited_with_the_token(api_for, db, world):  # noqa: F811
    api = api_for("editor")
    api.get(f"/api/v1/tips/{world['root']}")
    api.get(f"/api/v1/tips/{world['root']}/notes")
    with db() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "view", AuditEntry.object_id == world["root"]).order_by(AuditEntry.id)))
    assert [r.detail.split(" via")[0] for r in rows] == ["tip", "notes"]
    assert all("via API token #" in r.detail for r in rows)
    assert not any(term.lower() in " ".join(r.detail for r in rows).lower() for term in IDENTITY)
