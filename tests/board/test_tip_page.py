"""The tip page: mail HTML only in a sandboxed srcdoc iframe, masked senders, text parts,
the thread, and attachments that only ever download (except our own cid images)."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup

from inbox.board.security import mail_csp
from inbox.models.readers import protect_if_at_risk
from tests.board.factories import add_attachment, make_tip, raw_mail

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a2d2a0f30000000049454e44ae426082")
HOSTILE = '<p>Hello</p><img src="x" onerror="alert(1)"><script>alert(2)</script>'


def _mime_with_image(cid: str, image_type: str = "image/png") -> bytes:
    import base64

    return raw_mail("Photo", "", "photo@example.org", (
        "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=r\r\n\r\n--r\r\n"
        "Content-Type: text/html\r\n\r\n<p>look</p>\r\n--r\r\n"
        f"Content-Type: {image_type}\r\nContent-ID: <{cid}>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.b64encode(PNG).decode()}\r\n--r--\r\n").encode())


def test_mail_html_is_only_inside_a_sandboxed_srcdoc_iframe_with_its_own_csp(client_for, db):
    with db() as s, s.begin():
        tip_id = make_tip(s, html_body=HOSTILE).id
    html = client_for("editor").get(f"/tips/{tip_id}").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    frames = soup.find_all("iframe")
    assert len(frames) == 1
    frame = frames[0]
    assert frame.get("id") == "mail-html"
    assert frame.has_attr("sandbox") and frame["sandbox"] in ("", [])
    assert "allow-scripts" not in str(frame) and "allow-same-origin" not in str(frame)
    assert not frame.has_attr("src")
    inner = BeautifulSoup(frame["srcdoc"], "html.parser")
    csp = inner.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert csp["content"] == mail_csp("http://localhost")
    assert csp["content"].startswith("default-src 'none'; img-src http://localhost;")
    # Outside the iframe, the page holds no trace of the mail's markup: only our own script.
    frame.decompose()
    assert [s.get("src") for s in soup.find_all("script")] == ["/static/board.js", "/static/forms.js"]
    assert not soup.find_all(attrs={"onerror": True})


def test_protected_reader_is_masked_for_reporters_even_when_assigned(client_for, db, users):
    with db() as s, s.begin():
        masked = make_tip(s, topic="courts", sensitive="anonymity", sender_name="Jane Source", sender="jane@example.org",
                          assignee_id=users["reporter"][0]).id
        protect_if_at_risk(s, "jane@example.org", "anonymity")
        health = make_tip(s, topic="courts", sensitive="health", sender_name="Jim Source", sender="jim@example.org").id
    reporter = client_for("reporter")
    page = reporter.get(f"/tips/{masked}").get_data(as_text=True)
    assert "Jane Source" not in page and "jane@example.org" not in page
    assert re.search(r'id="tip-sender" data-masked="1">Reader [0-9A-F]{6}<', page)
    # A sensitive kind that is no identity risk (health) does not protect its reader.
    assert "Jim Source" in reporter.get(f"/tips/{health}").get_data(as_text=True)
    board = reporter.get("/").get_data(as_text=True)
    assert "Jane Source" not in board and 'data-masked="1"' in board and "Jim Source" in board
    editor = client_for("editor")
    assert "Jane Source" in editor.get(f"/tips/{masked}").get_data(as_text=True)
    assert "Jane Source" in editor.get("/").get_data(as_text=True)


def test_quoted_text_and_signature_are_kept_but_collapsed(client_for, db):
    body = "The bus never came.\n-- \nA rider\n\nOn Friday you wrote:\n> Tell us more"
    new_end = body.index("\n\nOn Friday")
    with db() as s, s.begin():
        tip = make_tip(s, body=body)
        tip.new_text_end, tip.signature_start = new_end, body.index("-- ")
    soup = BeautifulSoup(client_for("editor").get(f"/tips/{tip.id}").get_data(as_text=True), "html.parser")
    assert soup.select_one("#tip-text .new-text").get_text() == "The bus never came.\n"
    assert "A rider" in soup.select_one("details.signature").get_text()
    assert "Tell us more" in soup.select_one("details.quoted").get_text()
    assert not soup.select_one("details.quoted").has_attr("open")


def test_answers_under_and_between_quotes_show_where_they_stand(client_for, db):
    """A bottom-posted, interleaved reply: the reader's words are the stored spans, the quotes
    around them collapse, and the answer under the quote is not hidden inside "Quoted text"."""
    from inbox.mail.quotes import split_reply

    body = ("On Mon, Jan 5, 2026 at 9:00 AM Desk <desk@station.example> wrote:\n> Which school?\n\n"
            "Lincoln Elementary, the one on Fifth.\n\n> And when?\n\nEvery morning this week.\n")
    reply = split_reply(body)
    assert len(reply.spans) == 2  # the quote tables found both answers
    with db() as s, s.begin():
        tip = make_tip(s, body=body)
        tip.new_text_spans = [list(span) for span in reply.spans]
        tip.new_text_end, tip.signature_start = reply.new_text_end, None
    soup = BeautifulSoup(client_for("editor").get(f"/tips/{tip.id}").get_data(as_text=True), "html.parser")
    pieces = [(el.name, el.get_text()) for el in soup.select("#tip-text > *")]
    assert [name for name, _ in pieces] == ["details", "pre", "details", "pre"]
    assert "Lincoln Elementary" in pieces[1][1] and "Every morning" in pieces[3][1]
    assert "Which school?" in pieces[0][1] and "And when?" in pieces[2][1]


def test_tip_page_shows_the_thread_other_tips_from_the_sender_and_the_cluster(client_for, db):
    with db() as s, s.begin():
        root = make_tip(s, subject="Ballots in a dumpster", sender="voter@example.org", cluster_id=5, age_hours=5)
        follow = make_tip(s, subject="Re: Ballots in a dumpster", sender="voter@example.org", thread_root_id=root.id)
        older = make_tip(s, subject="Polling place moved", sender="voter@example.org", age_hours=50)
        same_story = make_tip(s, subject="Saw ballots thrown out", sender="other@example.org", cluster_id=5)
    soup = BeautifulSoup(client_for("editor").get(f"/tips/{follow.id}").get_data(as_text=True), "html.parser")
    assert [li.a["href"] for li in soup.select("#thread li.thread-item")] == [f"/tips/{root.id}", f"/tips/{follow.id}"]
    assert [a["href"] for a in soup.select("#same-sender a")] == [f"/tips/{older.id}"]
    page = BeautifulSoup(client_for("editor").get(f"/tips/{root.id}").get_data(as_text=True), "html.parser")
    assert f"/tips/{same_story.id}" in [a["href"] for a in page.select("#cluster a")]


def test_follow_up_is_visible_to_reporters_through_its_thread(client_for, db):
    with db() as s, s.begin():
        root = make_tip(s, topic="courts")
        follow = make_tip(s, subject="Re: more", thread_root_id=root.id)  # no topic of its own
    assert client_for("reporter").get(f"/tips/{follow.id}").status_code == 200


def test_attachment_downloads_as_attachment_with_nosniff(client_for, db):
    raw = raw_mail("Files", "", "a@example.org", (
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n"
        b"--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"evil\r\n page.html\"\r\n\r\n"
        b"<script>alert(1)</script>\r\n--b--\r\n"))
    with db() as s, s.begin():
        tip = make_tip(s, raw=raw)
        att = add_attachment(s, tip, "2", 'evil"; page.html', "text/html", 25)
    response = client_for("editor").get(f"/tips/{tip.id}/attachments/{att.id}")
    assert response.status_code == 200
    assert response.data.strip() == b"<script>alert(1)</script>"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and '"; page' not in disposition
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_attachment_of_another_tip_is_not_found(client_for, db):
    with db() as s, s.begin():
        one, two = make_tip(s), make_tip(s, subject="other")
        att = add_attachment(s, two, "1", "a.txt", "text/plain", 3)
    assert client_for("editor").get(f"/tips/{one.id}/attachments/{att.id}").status_code == 404


def test_cid_image_is_served_to_the_iframe_only_with_a_signed_token(client_for, db, app):
    raw = _mime_with_image("logo@reader.example")
    with db() as s, s.begin():
        tip = make_tip(s, raw=raw, topic="courts")
        sha = tip.raw.sha256
        tip.html_body = f'<p>look</p><img src="/cid/{sha}/logo%40reader.example" alt="logo">'
        add_attachment(s, tip, "2", "", "image/png", len(PNG), content_id="logo@reader.example", inline=True)
    editor = client_for("editor")
    soup = BeautifulSoup(editor.get(f"/tips/{tip.id}").get_data(as_text=True), "html.parser")
    inner = BeautifulSoup(soup.select_one("#mail-html")["srcdoc"], "html.parser")
    src = inner.img["src"]
    assert re.match(rf"^/cid/{sha}/logo%40reader.example\?t=[\w.-]+$", src)
    anonymous = app.test_client()  # the sandboxed frame sends no session cookie
    image = anonymous.get(src)
    assert image.status_code == 200 and image.data == PNG
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert anonymous.get(src.split("?")[0]).status_code == 404  # no token and no session: nothing
    assert anonymous.get(src.split("?")[0] + "?t=forged").status_code == 404
    other_sha = "f" * 64
    assert anonymous.get(f"/cid/{other_sha}/logo%40reader.example?" + src.split("?")[1]).status_code == 404


def test_cid_route_never_serves_svg_or_other_types_inline(client_for, db):
    raw = _mime_with_image("pic@x", image_type="image/svg+xml")
    with db() as s, s.begin():
        tip = make_tip(s, raw=raw)
        add_attachment(s, tip, "2", "", "image/svg+xml", 10, content_id="pic@x", inline=True)
        sha = tip.raw.sha256
    assert client_for("editor").get(f"/cid/{sha}/pic%40x").status_code == 404


def test_cid_image_is_refused_to_reporters_who_may_not_see_the_tip(client_for, db):
    raw = _mime_with_image("logo@x")
    with db() as s, s.begin():
        tip = make_tip(s, raw=raw, topic="transit")
        add_attachment(s, tip, "2", "", "image/png", len(PNG), content_id="logo@x", inline=True)
        sha = tip.raw.sha256
    assert client_for("reporter").get(f"/cid/{sha}/logo%40x").status_code == 404
    assert client_for("editor").get(f"/cid/{sha}/logo%40x").status_code == 200


def test_export_gives_the_original_bytes_as_a_download(client_for, db):
    with db() as s, s.begin():
        tip = make_tip(s)
        raw = tip.raw.data
    response = client_for("editor").get(f"/tips/{tip.id}/raw")
    assert response.data == raw
    assert response.headers["Content-Disposition"] == f'attachment; filename="tip-{tip.id}.eml"'


def test_topic_flags_and_cluster_show_empty_when_sorting_has_not_run(client_for, db):
    with db() as s, s.begin():
        tip = make_tip(s)
    soup = BeautifulSoup(client_for("editor").get(f"/tips/{tip.id}").get_data(as_text=True), "html.parser")
    assert soup.select_one("#tip-topic").get_text() == ""
    assert soup.select_one("#tip-topic-source").get_text() == ""
    assert soup.select_one("#cluster li").get_text() == "none"
