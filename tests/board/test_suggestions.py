"""Sorting's "maybe the same story" suggestions: listed on the tip page, decided by editors,
audited by ids, refused cleanly when decided or forged, and flagged on the board's cards."""
from __future__ import annotations

import json

from bs4 import BeautifulSoup
from sqlalchemy import select

from inbox.board.access import STATUSES
from inbox.models import AuditEntry, Cluster, ClusterSuggestion, Tip, TipEvent
from inbox.models.sorting import SortDecision
from tests.board.conftest import board_queries
from inbox.models.readers import protect_if_at_risk
from tests.board.factories import make_tip


def _pair(db, similarity=0.42, signal=None, **other_fields):
    """A stored tip and a newer one that sorting suggested as maybe the same story."""
    with db() as s, s.begin():
        old = make_tip(s, subject="Water main burst on Elm St", sender="first@example.org", sender_name="First Reader",
                       topic="courts", age_hours=5, **other_fields)
        new = make_tip(s, subject="Flooding near Elm and 5th", sender="second@example.org", sender_name="Second Reader",
                       topic="courts")
        row = ClusterSuggestion(tip_id=new.id, other_tip_id=old.id, similarity=similarity)
        s.add(row)
        cluster = {"action": "suggested", "tip_id": old.id, "similarity": similarity, "same_reader": False}
        if signal:
            cluster.update(signal=signal, shared=3)
        s.add(SortDecision(tip_id=new.id, kind="sort", value="courts", source="rules",
                           explanation=json.dumps({"topic": {}, "cluster": cluster})))
        s.flush()
        return old.id, new.id, row.id


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_tip_page_lists_an_open_suggestion_on_either_side(client_for, db):
    old, new, sid = _pair(db, similarity=0.42)
    editor = client_for("editor")
    for here, there, subject in ((new, old, "Water main burst on Elm St"), (old, new, "Flooding near Elm and 5th")):
        items = _soup(editor.get(f"/tips/{here}")).select("#suggestions li.suggestion")
        assert len(items) == 1
        li = items[0]
        assert (li["data-suggestion-id"], li["data-other-tip-id"]) == (str(sid), str(there))
        assert li.a["href"] == f"/tips/{there}" and subject in li.a.get_text()
        assert li.select_one(".suggestion-similarity").get_text() == "42%"
        assert li.select_one(".suggestion-signal").get_text() == "similar wording"
        assert li.select_one("button.suggestion-accept").get_text() == "Same story"
        assert li.select_one("button.suggestion-dismiss").get_text() == "Different story"
    assert "Second Reader" in _soup(editor.get(f"/tips/{old}")).select_one(".suggestion-sender").get_text()


def test_signal_of_shared_names_and_numbers_is_named_never_its_keys(client_for, db):
    old, new, _ = _pair(db, similarity=0.5, signal="shared names and numbers")
    li = _soup(client_for("editor").get(f"/tips/{old}")).select_one("#suggestions li.suggestion")
    assert li.select_one(".suggestion-signal").get_text() == "shares names and numbers"
    assert li["data-signal"] == "keys"


def test_accept_joins_both_tips_in_one_cluster_and_is_audited(client_for, db, users):
    old, new, sid = _pair(db)
    editor = client_for("editor")
    response = editor.post(f"/tips/{new}/suggestions/{sid}/accept")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tips/{new}")
    with db() as s:
        a, b = s.get(Tip, old), s.get(Tip, new)
        assert a.cluster_id is not None and a.cluster_id == b.cluster_id
        cluster = s.get(Cluster, a.cluster_id)
        assert (cluster.size, cluster.readers) == (2, 2)
        assert s.get(ClusterSuggestion, sid).status == "accepted"
        entries = s.execute(select(AuditEntry).where(AuditEntry.action == "cluster")).scalars().all()
        assert [(e.user_id, e.object_type, e.object_id) for e in entries] == [(users["editor"][0], "tip", new)]
        assert "Elm" not in entries[0].detail and "@" not in entries[0].detail and str(sid) in entries[0].detail
        kinds = s.execute(select(TipEvent.tip_id, TipEvent.kind).where(TipEvent.kind == "cluster")).all()
        assert sorted(tuple(k) for k in kinds) == sorted([(old, "cluster"), (new, "cluster")])
    page = _soup(editor.get(f"/tips/{new}"))
    assert "accepted" in page.select_one(".flash").get_text()
    assert page.select("#suggestions li.suggestion") == []
    assert f"/tips/{old}" in [a["href"] for a in page.select("#cluster a")]


def test_dismiss_closes_it_and_it_leaves_the_page(client_for, db):
    old, new, sid = _pair(db)
    editor = client_for("editor")
    assert editor.post(f"/tips/{old}/suggestions/{sid}/dismiss").status_code == 302
    with db() as s:
        assert s.get(ClusterSuggestion, sid).status == "dismissed"
        assert s.get(Tip, old).cluster_id is None and s.get(Tip, new).cluster_id is None
        detail = s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "cluster"))
        assert detail.startswith(f"suggestion {sid} dismissed")
    for tip_id in (old, new):
        assert _soup(editor.get(f"/tips/{tip_id}")).select_one("#suggestions li").get_text() == "none"


def test_reporter_sees_the_list_read_only_and_is_refused_on_post(client_for, db):
    old, new, sid = _pair(db)
    reporter = client_for("reporter")
    page = _soup(reporter.get(f"/tips/{new}"))
    assert len(page.select("#suggestions li.suggestion")) == 1
    assert page.select("#suggestions form") == [] and page.select("#suggestions button") == []
    for verb in ("accept", "dismiss"):
        assert reporter.post(f"/tips/{new}/suggestions/{sid}/{verb}").status_code == 403
    with db() as s:
        assert s.get(ClusterSuggestion, sid).status == "open"


def test_reporter_never_sees_an_off_beat_other_tip_and_protected_readers_stay_withheld(client_for, db):
    with db() as s, s.begin():
        mine = make_tip(s, topic="courts", subject="Judge asleep")
        off_beat = make_tip(s, topic="transit", subject="Bus depot secrets")
        sensitive = make_tip(s, topic="courts", sensitive="anonymity", sender_name="Jane Source", sender="jane@example.org",
                             subject="Jane Source on the judge")
        protect_if_at_risk(s, sensitive.sender_address, sensitive.sensitive)
        s.add_all([ClusterSuggestion(tip_id=mine.id, other_tip_id=off_beat.id, similarity=0.4),
                   ClusterSuggestion(tip_id=mine.id, other_tip_id=sensitive.id, similarity=0.5)])
    page = client_for("reporter").get(f"/tips/{mine.id}").get_data(as_text=True)
    items = BeautifulSoup(page, "html.parser").select("#suggestions li.suggestion")
    assert [li["data-other-tip-id"] for li in items] == [str(sensitive.id)]
    assert "Bus depot" not in page and "Jane Source" not in page and "jane@example.org" not in page
    assert items[0].select_one(".suggestion-sender").get_text().startswith("Reader ")  # the protected reader's pseudonym


def test_decided_unknown_or_foreign_suggestion_gets_a_clean_message(client_for, db):
    old, new, sid = _pair(db)
    with db() as s, s.begin():
        stranger = make_tip(s, subject="Unrelated").id
    editor = client_for("editor")
    assert editor.post(f"/tips/{new}/suggestions/{sid}/dismiss").status_code == 302
    again = editor.post(f"/tips/{new}/suggestions/{sid}/accept")
    assert again.status_code == 409
    assert "already decided" in _soup(again).select_one("#conflict").get_text()
    for path in (f"/tips/{new}/suggestions/999999/accept", f"/tips/{stranger}/suggestions/{sid}/dismiss",
                 f"/tips/999999/suggestions/{sid}/accept"):
        response = editor.post(path)
        assert response.status_code == 404, path
        assert _soup(response).select_one("main#error .error-message").get_text()
        assert "Traceback" not in response.get_data(as_text=True)
    with db() as s:
        assert s.get(ClusterSuggestion, sid).status == "dismissed"
        assert s.get(Tip, new).cluster_id is None


def test_post_without_csrf_is_refused(client_for, db):
    old, new, sid = _pair(db)
    editor = client_for("editor")
    for verb in ("accept", "dismiss"):
        response = editor.post(f"/tips/{new}/suggestions/{sid}/{verb}", csrf=False)
        assert response.status_code == 400 and "did not come from the board" in response.get_data(as_text=True)
    with db() as s:
        assert s.get(ClusterSuggestion, sid).status == "open"


def test_board_cards_show_a_badge_for_open_suggestions_without_more_queries(client_for, db, engine):
    old, new, sid = _pair(db)
    with db() as s, s.begin():
        for status in STATUSES:
            for i in range(13):
                tip = make_tip(s, subject=f"{status} {i}", status=status)
                if i % 3 == 0:
                    s.add(ClusterSuggestion(tip_id=tip.id, other_tip_id=old, similarity=0.4))
    editor = client_for("editor")
    page = _soup(editor.get("/?per=20"))
    flagged = {c["data-tip-id"] for c in page.select("article.card") if c.select_one(".card-suggested")}
    assert str(old) in flagged and str(new) in flagged
    assert page.select_one(f"article.card[data-tip-id='{new}'] .card-suggested").get_text() == "maybe same story"
    editor.post(f"/tips/{new}/suggestions/{sid}/dismiss")
    page = _soup(editor.get("/?per=20"))
    assert page.select_one(f"article.card[data-tip-id='{new}'] .card-suggested") is None
    assert page.select_one(f"article.card[data-tip-id='{old}'] .card-suggested") is not None  # others still open
    counts = {per: len(board_queries(engine, editor, per)[0]) for per in (3, 12)}
    assert counts[3] == counts[12], counts
