"""Legal holds and deletion on the board: an admin holds a tip from its page, the tip page says
when a tip is purged or that it is held, and deleting names the count first and is refused
while held; every step is audited without content."""
from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from inbox.models import AuditEntry, Hold, RawMessage, Tip, Tombstone
from tests.board.factories import make_tip


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _tips(db, sender="ana@example.org", n=1, **fields) -> list[int]:
    with db() as s, s.begin():
        return [make_tip(s, subject=f"Depot {k}", sender=sender, **fields).id for k in range(n)]


def _count(db, model, *where) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_the_tip_page_says_when_the_rules_purge_a_tip_or_that_it_is_kept(client_for, db):
    declined, pursued = _tips(db, status="declined")[0], _tips(db, sender="b@example.org", status="pursuing")[0]
    with db() as s:
        due = (s.get(Tip, declined).received_at + timedelta(days=30)).strftime("%Y-%m-%d")  # Declined: 30 days
    admin = client_for("admin")
    assert f"purged on {due}" in _page(admin.get(f"/tips/{declined}")).select_one("#tip-retention").get_text()
    assert "no retention rule" in _page(admin.get(f"/tips/{pursued}")).select_one("#tip-retention").get_text()


def test_an_admin_holds_a_tip_from_its_page_and_it_shows_as_held_and_listed(client_for, db):
    tip = _tips(db, status="spam")[0]
    admin, editor = client_for("admin"), client_for("editor")
    assert _page(editor.get(f"/tips/{tip}")).select_one("#hold-tip-form") is None  # admins only
    form = _page(admin.get(f"/tips/{tip}")).select_one("#hold-tip-form")
    assert form is not None

    response = admin.post("/admin/holds", {"kind": "tip", "target": str(tip), "reason": "subpoena 113", "back": "tip"})

    assert response.status_code == 302 and f"/tips/{tip}" in response.headers["Location"]
    assert "held" in _page(admin.get(f"/tips/{tip}")).select_one("#tip-retention").get_text()
    listed = _page(admin.get("/admin/holds")).select(".hold-row")
    assert len(listed) == 1 and "subpoena 113" in listed[0].get_text() and "active" in listed[0].get_text()
    with db() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "hold_add"))
        assert entry.object_type == "hold" and "ana@" not in entry.detail


def test_deleting_a_tip_names_the_count_is_refused_while_held_and_leaves_a_tombstone(client_for, db):
    tip = _tips(db)[0]
    admin = client_for("admin")
    with db() as s, s.begin():
        s.add(Hold(kind="reader", reader_address="ana@example.org", reason="lawyer", created_by="cli"))
    page = _page(admin.get(f"/admin/tips/{tip}/delete"))
    assert "1" in page.select_one("#confirm-count strong").get_text() and page.select_one("#confirm-held")
    assert admin.post(f"/admin/tips/{tip}/delete", {"count": "1"}).status_code == 409
    assert _count(db, Tip) == 1
    hold_id = _page(admin.get("/admin/holds")).select_one(".hold-row")["data-hold-id"]
    assert admin.post(f"/admin/holds/{hold_id}/lift").status_code == 302

    assert admin.post(f"/admin/tips/{tip}/delete", {"count": "7"}).status_code == 400  # not the count shown
    assert admin.post(f"/admin/tips/{tip}/delete", {"count": "1"}).status_code == 302

    assert _count(db, Tip) == 0 and _count(db, RawMessage) == 0
    assert _count(db, Tombstone, Tombstone.tip_id == tip, Tombstone.reason == "deleted") == 1
    assert _count(db, AuditEntry, AuditEntry.action == "tip_delete", AuditEntry.object_id == tip) == 1
    assert _count(db, AuditEntry, AuditEntry.action == "hold_lift") == 1


def test_forgetting_a_reader_from_the_board_deletes_every_tip_of_that_sender(client_for, db):
    ana = _tips(db, n=3)
    other = _tips(db, sender="ben@example.org")[0]
    admin = client_for("admin")
    assert "3" in _page(admin.get(f"/admin/tips/{ana[1]}/forget")).select_one("#confirm-count strong").get_text()

    assert admin.post(f"/admin/tips/{ana[1]}/forget", {"count": "3"}).status_code == 302

    with db() as s:
        assert list(s.scalars(select(Tip.id))) == [other]
    assert _count(db, Tombstone, Tombstone.reason == "forgotten") == 3
    entry_detail = _count(db, AuditEntry, AuditEntry.action == "reader_forget", AuditEntry.detail == "3 tip(s)")
    assert entry_detail == 1
