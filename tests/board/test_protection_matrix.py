"""Protected readers, tried the ways the review lifted the old mask: every page × every role ×
(protected / not), follow-ups included; claiming, bulk claims, "other tips from this reader",
the body, search, the thread, guessed ids and "why this topic"."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from inbox.board.access import Readers, pseudonym
from inbox.models import AuditEntry, Note, Reader, ReaderGrant, SortDecision, Tip, User
from inbox.models.readers import protect_if_at_risk
from tests.board.factories import add_attachment, make_tip, make_user, raw_mail

NAME, ADDRESS, PHONE = "Maria Lopez", "maria.lopez@lopezfamily.net", "867-5309"
IDENTITY = ("Maria", "Lopez", "lopezfamily", ADDRESS, PHONE, "maria-lopez-id.pdf")
BODY = ("ICE agents waited at the courthouse doors on Tuesday. Please don't use my name.\n"
        "Call me at (555) 867-5309.\n"
        "Thanks,\nMaria Lopez\n(555) 867-5309\n"
        "\nOn Mon, Nov 30, 2026 at 9:00 AM Maria Lopez <maria.lopez@lopezfamily.net> wrote:\n> the first time")
SIGNATURE_AT = BODY.index("Thanks,")
QUOTE_AT = BODY.index("\nOn Mon")
ATTACHMENT = (b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
              b"see\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=maria-lopez-id.pdf\r\n"
              b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n")


@pytest.fixture
def world(db, users):
    """A protected reader's three tips (root, follow-up, an ordinary one), an off-beat thread whose
    follow-up is on the reporter's beat, a cluster mate from another reader, and a granted reporter."""
    with db() as s, s.begin():
        root = make_tip(s, subject="ICE at the courthouse, from Maria", body=BODY, sender=ADDRESS, sender_name=NAME,
                        topic="courts", sensitive="anonymity,phone", cluster_id=9, html_body="<p>Maria Lopez here</p>",
                        raw=raw_mail("ICE at the courthouse", "x", ADDRESS, ATTACHMENT))
        root.new_text_end, root.signature_start = QUOTE_AT, SIGNATURE_AT
        add_attachment(s, root, "2", "maria-lopez-id.pdf", "application/pdf", 9)
        follow = make_tip(s, subject="Re: ICE at the courthouse", body="They came back. Maria", sender=ADDRESS,
                          sender_name=NAME, topic="courts", thread_root_id=root.id)
        ordinary = make_tip(s, subject="Potholes on my street", body="The potholes are back.", sender=ADDRESS,
                            sender_name=NAME, topic="courts", age_hours=40)
        mate = make_tip(s, subject="Agents at the courthouse", body="I saw agents at the courthouse too.",
                        sender="other@example.org", sender_name="Otto Other", topic="courts", cluster_id=9)
        off = make_tip(s, subject="Bus depot fire", body="The depot burned.", sender="bus@example.org", topic="transit")
        off_follow = make_tip(s, subject="Re: Bus depot fire", body="More on the depot.", sender="bus@example.org",
                              topic="courts", thread_root_id=off.id)
        plain = make_tip(s, subject="Court clerk quits", body="The clerk quit.", sender="clerk@example.org",
                         sender_name="Carl Clerk", topic="courts")
        plain_follow = make_tip(s, subject="Re: Court clerk quits", body="She cleared her desk.", sender="clerk@example.org",
                                sender_name="Carl Clerk", topic="transit", thread_root_id=plain.id)
        s.add(Note(tip_id=root.id, user_id=users["editor"][0], body="Maria Lopez called back from 555-867-5309."))
        s.add(SortDecision(tip_id=root.id, kind="sort", value="courts", source="rules", confidence=0.9, explanation=json.dumps({"topic": {
            "topic": "courts", "rules": [{"topic": "courts", "kind": "sender_domain", "match": "lopezfamily.net"},
                                         {"topic": "courts", "kind": "keyword", "match": "courthouse"}]}})))
        protect_if_at_risk(s, ADDRESS, root.sensitive, root.received_at)
        granted = make_user(s, "reporter", "granted@newsroom.example", beats="courts")
        ids = dict(root=root.id, follow=follow.id, ordinary=ordinary.id, mate=mate.id, off=off.id,
                   off_follow=off_follow.id, plain=plain.id, plain_follow=plain_follow.id, granted=granted.id)
    return ids


def _grant(db, world, users):
    with db() as s, s.begin():
        reader = s.scalar(select(Reader).where(Reader.address == ADDRESS))
        s.add(ReaderGrant(reader_id=reader.id, user_id=world["granted"], granted_by=users["editor"][0], reason="her story"))


def _client(client_for, app, role, world):
    if role != "granted":
        return client_for(role)
    from tests.board.conftest import Client

    client = Client(app)
    assert client.login("granted@newsroom.example").status_code == 302
    return client


def _leaks(html: str) -> list[str]:
    return [term for term in IDENTITY if term.lower() in html.lower()]


# page -> path; every page a protected reader's tips reach (follow-ups, cluster mate, search, history).
PAGES = {
    "board": "/", "search by a word of the body": "/?q=courthouse", "tip": "/tips/{root}",
    "follow-up": "/tips/{follow}", "ordinary tip of the reader": "/tips/{ordinary}", "cluster mate": "/tips/{mate}",
    "story page": "/stories/9", "live poll": "/board/poll?state=0.0", "board sorted by readers": "/?sort=readers",
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role, sees", [("reporter", False), ("granted", True), ("editor", True), ("admin", True)])
def test_protected_reader_is_shown_only_to_editors_admins_and_grantees(page, role, sees, client_for, app, db, users,
                                                                      world):
    _grant(db, world, users)
    html = _client(client_for, app, role, world).get(PAGES[page].format(**world)).get_data(as_text=True)
    if sees:
        if page not in ("cluster mate", "live poll"):  # the poll names ids only, never a sender
            assert "Maria" in html
    else:
        assert _leaks(html) == [], html[:3000]


@pytest.mark.parametrize("path", ["/", "/tips/{plain}", "/tips/{plain_follow}", "/?q=clerk"])
@pytest.mark.parametrize("role", ["reporter", "granted", "editor", "admin"])
def test_a_reader_who_is_not_protected_is_shown_to_everyone_who_may_open_the_tip(path, role, client_for, app, world):
    html = _client(client_for, app, role, world).get(path.format(**world)).get_data(as_text=True)
    assert "Carl Clerk" in html and "Reader " not in html.split('id="tip-sender"')[-1][:40]


def test_reporter_sees_one_stable_pseudonym_on_every_page(client_for, db, world, settings):
    with db() as s:
        reader = s.scalar(select(Reader).where(Reader.address == ADDRESS))
        name = pseudonym(settings.board.secret_key, reader.pseudonym_seed, ADDRESS)
    assert re.fullmatch(r"Reader [0-9A-F]{6}", name)
    reporter = client_for("reporter")
    for path in ("/", "/tips/{root}", "/tips/{follow}", "/tips/{ordinary}", "/tips/{mate}"):
        assert name in reporter.get(path.format(**world)).get_data(as_text=True), path
    board = reporter.get("/").get_data(as_text=True)
    assert board.count(name) == 2  # the root and the ordinary tip: the desk sees they share a reader
    assert "Carl Clerk" in board  # an unprotected reader is shown as before


def test_masked_tip_page_redacts_body_and_withholds_html_attachments_and_links(client_for, world):
    from bs4 import BeautifulSoup

    html = client_for("reporter").get(f"/tips/{world['root']}").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert "ICE agents waited at the courthouse doors" in soup.select_one("#tip-text .new-text").get_text()
    assert "[phone withheld]" in html and "[signature withheld]" in html and "[attribution withheld]" in html
    assert soup.find("iframe") is None
    assert "1 attachment" in soup.select_one("#attachments-withheld").get_text()
    assert soup.select("#attachments a") == []
    assert soup.select("#same-sender a") == []
    assert "1 other tip from Reader" in soup.select_one("#same-sender-count").get_text()  # the follow-up is in the thread
    assert "sender_domain" not in html and "courthouse" in soup.select_one("#tip-topic-why").get_text()
    assert soup.select_one("#tip-sender")["data-masked"] == "1"


def test_editor_sees_the_reader_and_why_this_topic_in_full(client_for, world):
    html = client_for("editor").get(f"/tips/{world['root']}").get_data(as_text=True)
    assert NAME in html and ADDRESS in html and "the sender writes from lopezfamily.net" in html and "maria-lopez-id.pdf" in html
    assert 'id="reader-panel"' in html and 'id="grant-form"' in html


def test_claiming_or_being_assigned_never_unmasks(client_for, db, world, users):
    reporter = client_for("reporter")
    assert reporter.post(f"/tips/{world['root']}/claim", {"version": "1"}).status_code == 302
    with db() as s:
        assert s.get(Tip, world["root"]).assignee_id == users["reporter"][0]
    assert _leaks(reporter.get(f"/tips/{world['root']}").get_data(as_text=True)) == []
    assert _leaks(reporter.get("/").get_data(as_text=True)) == []


def test_reporters_cannot_bulk_claim(client_for, db, world):
    reporter = client_for("reporter")
    response = reporter.post("/tips/bulk", {"ids": [str(world["root"]), str(world["plain"])], "action": "claim"})
    assert response.status_code == 403
    with db() as s:
        assert s.get(Tip, world["root"]).assignee_id is None and s.get(Tip, world["plain"]).assignee_id is None


@pytest.mark.parametrize("words", ["Lopez", "maria", "lopezfamily", "867", "5309", "Thanks Maria", "wrote",
                                   "courthouse -lopez"])
def test_search_finds_nothing_on_a_protected_readers_identity_or_redacted_spans(words, client_for, world):
    board = client_for("reporter").get("/", query_string={"q": words}).get_data(as_text=True)
    assert f'data-tip-id="{world["root"]}"' not in board and f'data-tip-id="{world["ordinary"]}"' not in board


def test_search_still_finds_a_protected_readers_tip_by_its_story(client_for, world):
    board = client_for("reporter").get("/", query_string={"q": "courthouse doors"}).get_data(as_text=True)
    assert f'data-tip-id="{world["root"]}"' in board and _leaks(board) == []


@pytest.mark.parametrize("role", ["editor", "granted"])
def test_search_on_the_readers_name_works_for_those_who_may_see_them(role, client_for, app, db, users, world):
    _grant(db, world, users)
    board = _client(client_for, app, role, world).get("/", query_string={"q": "Lopez"}).get_data(as_text=True)
    assert f'data-tip-id="{world["root"]}"' in board


def test_notes_on_a_protected_readers_tip_are_redacted_and_not_searchable(client_for, world):
    reporter = client_for("reporter")
    html = reporter.get(f"/tips/{world['root']}").get_data(as_text=True)
    assert "called back from [phone withheld]" in html
    assert f'data-tip-id="{world["root"]}"' not in reporter.get("/?q=called+back+Lopez").get_data(as_text=True)
    assert f'data-tip-id="{world["root"]}"' in reporter.get("/?q=called+back").get_data(as_text=True)


def test_a_thread_is_one_access_decision_and_unknown_tips_are_not_found(client_for, world):
    reporter = client_for("reporter")
    # Off-beat root: its follow-up (on her beat by its own topic) is as closed as the root.
    assert reporter.get(f"/tips/{world['off']}").status_code == 404
    assert reporter.get(f"/tips/{world['off_follow']}").status_code == 404
    assert reporter.get("/tips/999999").status_code == 404
    assert reporter.post(f"/tips/{world['off_follow']}/notes", {"body": "x"}).status_code == 404
    # Her beat's thread: root and follow-up both open, both masked, and the thread links stay masked.
    follow = reporter.get(f"/tips/{world['follow']}")
    assert follow.status_code == 200 and _leaks(follow.get_data(as_text=True)) == []
    assert f'href="/tips/{world["root"]}"' in follow.get_data(as_text=True)
    editor = client_for("editor")
    assert editor.get(f"/tips/{world['off_follow']}").status_code == 200


def test_masked_reporter_cannot_download_the_readers_files_or_export(client_for, db, world):
    with db() as s:
        att = s.scalar(select(Tip).where(Tip.id == world["root"])).attachments[0].id
    assert client_for("reporter").get(f"/tips/{world['root']}/attachments/{att}").status_code == 403
    assert client_for("editor").get(f"/tips/{world['root']}/attachments/{att}").status_code == 200


def test_editor_grants_and_revokes_access_and_both_are_audited(client_for, app, db, world):
    editor = client_for("editor")
    page = editor.get(f"/tips/{world['root']}").get_data(as_text=True)
    assert "granted@newsroom.example" in page or "Reporter" in page
    response = editor.post(f"/tips/{world['root']}/reader/grants", {"user_id": str(world["granted"]), "reason": "her story"})
    assert response.status_code == 302
    granted = _client(client_for, app, "granted", world)
    html = granted.get(f"/tips/{world['ordinary']}").get_data(as_text=True)
    assert NAME in html and 'id="my-grant"' in html
    assert _leaks(client_for("reporter").get(f"/tips/{world['ordinary']}").get_data(as_text=True)) == []
    with db() as s:
        grant_id = s.scalar(select(ReaderGrant.id).where(ReaderGrant.user_id == world["granted"]))
    assert editor.post(f"/tips/{world['root']}/reader/grants/{grant_id}/revoke").status_code == 302
    assert _leaks(granted.get(f"/tips/{world['ordinary']}").get_data(as_text=True)) == []
    with db() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "reader").order_by(AuditEntry.id)))
        details = " ".join(s.scalars(select(AuditEntry.detail).where(AuditEntry.object_type == "reader")))
    assert actions == ["reader_grant", "reader_revoke"]
    assert not any(term.lower() in details.lower() for term in IDENTITY)


def test_grant_needs_an_editor_and_a_reason(client_for, world):
    reporter = client_for("reporter")
    assert reporter.post(f"/tips/{world['root']}/reader/grants", {"user_id": str(world["granted"]), "reason": "me"}
                         ).status_code == 403
    assert client_for("editor").post(f"/tips/{world['root']}/reader/grants", {"user_id": str(world["granted"])}
                                     ).status_code == 400


def test_editor_protects_an_ordinary_reader_and_unprotects_again(client_for, db, world):
    editor, reporter = client_for("editor"), client_for("reporter")
    assert "Carl Clerk" in reporter.get(f"/tips/{world['plain']}").get_data(as_text=True)
    assert editor.post(f"/tips/{world['plain']}/reader/protect", {"reason": "fears his boss"}).status_code == 302
    page = reporter.get(f"/tips/{world['plain']}").get_data(as_text=True)
    assert "Carl" not in page and "clerk@example.org" not in page
    assert editor.post(f"/tips/{world['plain']}/reader/unprotect", {"reason": ""}).status_code == 400
    assert editor.post(f"/tips/{world['plain']}/reader/unprotect", {"reason": "he went public"}).status_code == 302
    assert "Carl Clerk" in reporter.get(f"/tips/{world['plain']}").get_data(as_text=True)
    with db() as s:
        kinds = list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "reader").order_by(AuditEntry.id)))
    assert kinds == ["reader_protect", "reader_unprotect"]


def test_unprotected_reader_is_protected_again_only_by_a_newer_risky_tip(db, users, world):
    from datetime import timedelta

    from inbox.models import utcnow

    with db() as s, s.begin():
        reader = s.scalar(select(Reader).where(Reader.address == ADDRESS))
        reader.protected, reader.changed_by, reader.changed_at = False, users["editor"][0], utcnow()
    with db() as s, s.begin():
        protect_if_at_risk(s, ADDRESS, "anonymity", utcnow() - timedelta(days=1))  # re-sorting an old tip
    with db() as s:
        assert s.scalar(select(Reader.protected).where(Reader.address == ADDRESS)) is False
    with db() as s, s.begin():
        protect_if_at_risk(s, ADDRESS, "phone,immigration_status", utcnow() + timedelta(seconds=1))
    with db() as s:
        assert s.scalar(select(Reader.protected).where(Reader.address == ADDRESS)) is True


def test_readers_lookup_is_one_query_for_a_page(db, engine, world, users):
    from sqlalchemy import event

    statements = []
    with db() as s:
        me = s.get(User, users["reporter"][0])
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        readers = Readers(s, me, "k").load([ADDRESS, "other@example.org", "clerk@example.org"])
        assert readers.masked(ADDRESS) and not readers.masked("other@example.org") and not readers.masked("clerk@example.org")
    assert len(statements) == 1


def test_sorting_protects_the_reader_when_a_stored_tip_carries_an_identity_risk(db):
    from inbox.config import ImportSettings, Settings
    from inbox.pipeline import Pipeline, Source
    from tests.mailfactory import make_mail

    risky = make_mail(sender="Ana Ruiz <ana@example.net>", subject="My cousin was detained",
                      body="My cousin is undocumented and was detained by ICE outside the clinic.\n")
    calm = make_mail(sender="Bo Bell <bo@example.net>", subject="Road works", body="The road works started today.\n")
    with Pipeline(Settings(imports=ImportSettings(processes=1, batch_size=10)), db, processes=1) as pipeline:
        outcomes = list(pipeline.process_many([(risky, Source("tips", "INBOX", 1, 1)), (calm, Source("tips", "INBOX", 1, 2))]))
    assert [o.status for o in outcomes] == ["stored", "stored"]
    with db() as s:
        rows = {r.address: (r.protected, r.why) for r in s.scalars(select(Reader))}
    assert rows == {"ana@example.net": (True, "immigration_status")}


def test_re_sorting_a_stored_tip_protects_its_reader(db):
    from inbox.config import Settings
    from inbox.sort import Sorter

    with db() as s, s.begin():
        tip = make_tip(s, subject="My status", body="I am undocumented and my landlord threatens to call ICE.",
                       sender="tenant@example.org", sender_name="Tess Tenant")
        sorter = Sorter.load(Settings(), s)
        sorter.resort(s, tip)
    with db() as s:
        assert s.scalar(select(Reader.protected).where(Reader.address == "tenant@example.org")) is True


def test_story_page_masks_the_protected_reader_and_lists_only_threads_the_viewer_may_open(client_for, world):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(client_for("reporter").get("/stories/9").get_data(as_text=True), "html.parser")
    rows = {int(li["data-tip-id"]): li for li in soup.select("#story-tips li")}
    assert set(rows) == {world["root"], world["mate"]}
    assert rows[world["root"]]["data-masked"] == "1" and "Reader " in rows[world["root"]].select_one(".story-sender").get_text()
    assert "Otto Other" in rows[world["mate"]].get_text()
    assert soup.select_one("#story-readers").get_text() == "2 readers sent this"


def test_the_live_poll_names_only_tips_the_viewer_may_open(client_for, world):
    body = client_for("reporter").get("/board/poll?state=0.0").get_json()
    assert world["off"] not in body["new"] and world["off_follow"] not in body["new"] + body["changed"]
    assert world["root"] in body["new"] and world["follow"] not in body["new"]  # a follow-up is not a card
    assert set(body) == {"state", "poll_seconds", "new", "changed", "stories"}
