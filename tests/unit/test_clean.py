"""clean(): the sanitiser, the text body, quotes and signatures marked, the preview."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from inbox.config import LimitsSettings
from inbox.mail.clean import clean, normalise, sanitise
from inbox.mail.parse import parse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
BENCH = Path(__file__).resolve().parents[2] / "bench" / "sanitise.py"
SHA = "ab" * 32


def cleaned(name: str):
    return clean(parse((FIXTURES / name).read_bytes(), LimitsSettings()))


def text_mail(body: str, subject: str = "tip", headers: str = "") -> bytes:
    head = f"From: reader@example.org\r\nSubject: {subject}\r\n{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n"
    return (head + body).encode("utf-8")


def clean_text(body: str, subject: str = "tip"):
    return clean(parse(text_mail(body, subject), LimitsSettings()))


# --- the sanitiser -------------------------------------------------------------------------


def test_remote_image_is_removed():
    mail = cleaned("html_only_tracking.eml")
    assert "tracker.example" not in mail.html
    assert "evil.example" not in mail.html


def test_cid_image_is_rewritten_to_the_board_url():
    mail = cleaned("html_only_tracking.eml")
    url = f"/cid/{mail.parsed.sha256}/invoice-photo%40example.org"
    assert f'<img src="{url}" alt="invoice">' in mail.html


def test_script_style_and_title_are_dropped_with_their_content():
    mail = cleaned("html_only_tracking.eml")
    for gone in ("<script", "alert(1)", "<style", "background:url", "hidden title"):
        assert gone not in mail.html


def test_links_keep_http_and_mailto_and_get_rel_noopener():
    html = sanitise('<a href="https://example.org/x">a</a><a href="mailto:a@example.org">m</a>', SHA)
    assert html.count('rel="noopener noreferrer nofollow"') == 2
    assert 'href="https://example.org/x"' in html and 'href="mailto:a@example.org"' in html


@pytest.mark.parametrize(
    "dangerous",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<a href="/relative/path">x</a>',
        '<a href="//evil.example/x">x</a>',
        '<img src="data:image/png;base64,AAAA">',
        '<img src="/cid/0000/forged">',
    ],
)
def test_script_data_and_relative_urls_are_removed(dangerous):
    html = sanitise(dangerous, SHA)
    assert "href=" not in html and "src=" not in html


def test_event_handlers_class_and_id_are_removed():
    html = sanitise('<p id="main" class="x" onclick="alert(1)" onmouseover="x()" title="t">hi</p>', SHA)
    assert html == '<p title="t">hi</p>'


@pytest.mark.parametrize(
    "style",
    [
        "background: url(http://tracker.example/p.gif)",
        "width: expression(alert(1))",
        "width: expr/**/ession(alert(1))",
        "color: re\\64",
        "@import 'http://evil.example/x.css'",
    ],
)
def test_style_that_loads_or_runs_something_is_dropped(style):
    assert "style" not in sanitise(f'<p style="{style}">x</p>', SHA)


def test_harmless_style_is_kept_and_unknown_properties_are_filtered():
    html = sanitise('<p style="color: red; position: fixed; font-weight: bold">x</p>', SHA)
    assert html == '<p style="color:red;font-weight:bold">x</p>'


def test_comments_and_forbidden_elements_are_stripped():
    html = sanitise("<!-- secret --><p>a</p><iframe src=x></iframe><svg><script>x</script></svg><form>f</form>", SHA)
    assert "secret" not in html and "iframe" not in html and "svg" not in html and "<form" not in html


def test_mail_without_html_has_no_html():
    assert cleaned("plain_tip.eml").html is None


def test_dompurify_payloads_leave_nothing_executable(shared_dir):
    spec = importlib.util.spec_from_file_location("bench_sanitise", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    items = json.loads((shared_dir / "corpora" / "xss" / "dompurify-payloads.json").read_text(encoding="utf-8"))
    assert len(items) >= 200
    leftovers = {}
    for item in items:
        found = bench.executable_leftovers(sanitise(item["payload"], bench.SHA))
        if found:
            leftovers[item["title"]] = dict(found)
    assert leftovers == {}


def test_the_leftover_checker_catches_what_it_should():
    spec = importlib.util.spec_from_file_location("bench_sanitise", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    raw = '<script>x</script><a href="javascript:x" onclick="y">a</a><svg></svg><img src="http://t/p.gif">'
    assert sum(bench.executable_leftovers(raw).values()) == 5


# --- the text body -------------------------------------------------------------------------


def test_html_only_mail_gets_a_plain_text_version():
    mail = cleaned("html_only_tracking.eml")
    assert "Here is the invoice & the stamp:" in mail.text
    assert "the report (https://example.org/report)" in mail.text
    assert "alert" not in mail.text and "hidden title" not in mail.text


def test_multipart_alternative_text_is_the_plain_part():
    mail = cleaned("alternative.eml")
    assert mail.text == "The plain version of the tip."
    assert "<b>HTML</b>" in mail.html


def test_whitespace_is_normalised():
    raw = "line one   \r\nline\u00a0two\u200b\r\n\r\n\r\n\r\n\r\n\r\nafter\x00 gap\ufeff\r\n\r\n"
    assert normalise(raw) == "line one\nline two\n\n\nafter gap"


def test_forwarded_message_is_content_in_the_text():
    mail = cleaned("forwarded.eml")
    assert "---------- Forwarded message ----------" in mail.text
    assert "we close the clinic in March" in mail.text[: mail.new_text_end]
    assert mail.new_text_end == len(mail.text)


# --- quotes, signatures, preview ------------------------------------------------------------


def test_quoted_reply_is_marked_not_deleted():
    mail = cleaned("reply_with_signature.eml")
    assert "> Thank you. Could you send the minutes?" in mail.text
    assert mail.text[mail.new_text_end :].lstrip().startswith("On Tue, 10 Nov 2026 at 17:02, Tips Desk")
    assert mail.text[: mail.new_text_end].rstrip().endswith("Sent from my iPhone")


def test_sign_off_before_the_mobile_line_starts_the_signature():
    mail = cleaned("reply_with_signature.eml")
    assert mail.text[mail.signature_start :].startswith("Thanks,\nReader One")


def test_preview_is_the_new_text_only():
    mail = cleaned("reply_with_signature.eml")
    assert mail.preview == "Here are the minutes you asked for: the vote was 5 to 4."


@pytest.mark.parametrize(
    "separator",
    [
        "On Mon, 9 Nov 2026 at 10:00, Desk <tips@newsroom.example> wrote:\n> old",
        "-----Original Message-----\nFrom: Desk\nSent: Monday\nTo: me\nSubject: old\n\nold",
        "________________________________\nFrom: Desk <tips@newsroom.example>\nSent: Monday, 9 November 2026\nTo: me",
        "Am 09.11.2026 um 10:00 schrieb Desk <tips@newsroom.example>:\n> alt",
        "Le 9 nov. 2026 à 10:00, Desk <tips@newsroom.example> a écrit :\n> ancien",
        "El 9 nov 2026, a las 10:00, Desk <tips@newsroom.example> escribió:\n> viejo",
        "Von: Desk <tips@newsroom.example>\nGesendet: Montag, 9. November 2026\nAn: mich\nBetreff: alt",
    ],
)
def test_quote_separators_in_several_languages_are_found(separator):
    mail = clean_text(f"My new words.\n\n{separator}\n")
    assert mail.text[: mail.new_text_end].strip() == "My new words."


def test_interleaved_reply_keeps_answers_between_quotes_as_new_text():
    mail = clean_text("On Mon, 9 Nov 2026, Desk wrote:\n> question one?\n\nAnswer one.\n\n> question two?\n\nAnswer two.\n")
    assert mail.new_text_end == len(mail.text)
    assert "Answer one. Answer two." in mail.preview


def test_forwarded_outlook_block_is_not_a_quote():
    body = "See below.\n\n---------- Forwarded message ----------\nFrom: Boss <b@corp.example>\nDate: Mon\nSubject: x\n\nsecret plan"
    mail = clean_text(body, subject="Fwd: x")
    assert mail.new_text_end == len(mail.text)


def test_a_letter_quoted_in_a_tip_is_not_taken_for_a_reply():
    mail = clean_text("My boss wrote:\n\nWe must hide the numbers until after the vote.\n")
    assert mail.new_text_end == len(mail.text)


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        ("The facts.\n\n-- \nJane Reader\n+44 20 0000 0000", "--\nJane Reader\n+44 20 0000 0000"),
        ("The facts.\n\nSent from my iPhone", "Sent from my iPhone"),
        ("The facts.\n\nBest regards,\nJane", "Best regards,\nJane"),
        ("The facts.\n\nVon meinem iPhone gesendet", "Von meinem iPhone gesendet"),
    ],
)
def test_signatures_are_marked(body, signature):
    mail = clean_text(body)
    assert mail.text[mail.signature_start :] == signature


@pytest.mark.parametrize(
    "body",
    [
        "Thanks, I will send the rest tomorrow because the office is closed today and I need time.",
        "The facts -- all of them -- are here.\nMore facts.",
        "Facts.\n\nSent from my desk, which is easier than my mobile phone.",
    ],
)
def test_no_signature_where_there_is_none(body):
    assert clean_text(body).signature_start is None


def test_preview_is_cut_at_a_word_under_300_characters():
    body = " ".join(f"word{i}" for i in range(200))
    preview = clean_text(body).preview
    assert len(preview) <= 300 and preview.endswith("…")
    assert preview[:-1].split()[-1].startswith("word") and body.startswith(preview[:-1])


def test_flags_are_recorded_on_the_clean_mail():
    mail = cleaned("bounce.eml")
    assert mail.is_bounce and not mail.is_list
    assert "content-type: delivery-status report" in mail.mail_kind_reasons
    assert cleaned("list_mail.eml").is_list
    assert cleaned("auto_reply.eml").is_auto_reply


def test_preview_of_a_bottom_posted_reply_skips_the_quote_and_its_attribution():
    mail = clean_text("On Mon, 9 Nov 2026 at 10:00, Desk <tips@newsroom.example> wrote:\n> Any news?\n\nYes: the vote is Friday.")
    assert mail.preview == "Yes: the vote is Friday."
    assert mail.new_text_end == len(mail.text)


def hostile(name: str):
    """A message from bench/hostile_mail.py's collection, parsed and cleaned."""
    spec = importlib.util.spec_from_file_location("hostile_mail", BENCH.with_name("hostile_mail.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return clean(parse(module.HOSTILE[name](), LimitsSettings()))


def test_html_nested_absurdly_deep_is_read_as_text_with_a_note():
    hostile_html = "<div>" * 6000 + "<b>the tip</b><script>alert(1)</script>"
    html = sanitise(hostile_html, SHA)
    assert "not shown: HTML nested over 1,000 deep" in html
    assert "<script" not in html and "<b>" not in html
    mail = clean(parse(f"Content-Type: text/html\r\n\r\n{hostile_html}".encode(), LimitsSettings()))
    assert "the tip" in mail.text and mail.html == html


@pytest.mark.parametrize("name, reason", [
    ("attribute bomb 1.1 MB", "an element with 100,000 attributes, over the 100"),
    ("attribute bomb 2.3 MB", "an element with 200,000 attributes"),
    ("200,000 elements", "400,000 tags, over the 30,000"),
    ("300,000 entities", "300,000 character references, over the 30,000"),
    ("deep <div> 200,000", "tags, over the 30,000"),
    ("5 MB attribute values", "characters of HTML, over the 2,000,000"),
])
def test_hostile_html_is_read_as_plain_text_with_a_note_saying_why(name, reason):
    mail = hostile(name)
    assert mail.html.startswith('<p class="not-shown">') and reason in mail.html, mail.html
    assert len(mail.html) < 1000


def test_html_past_a_cap_keeps_the_words_in_the_text():
    words = hostile("attribute bomb 1.1 MB").text
    assert words == "the tip"
    assert hostile("300,000 entities").text.startswith("&amp;&#x41;")  # too many to decode: kept as written


def test_a_big_newsletter_keeps_its_text_part_and_shows_the_note_for_its_html():
    mail = hostile("20 MB HTML newsletter")
    assert mail.text.startswith("The newsletter, as text.")
    assert "characters of HTML, over the 2,000,000" in mail.html


def test_the_html_caps_come_from_the_configuration():
    html = "<table>" + "<tr><td><p>item</p></td></tr>" * 10 + "</table>"
    raw = f"Content-Type: text/html\r\n\r\n{html}".encode()
    assert "<table>" in clean(parse(raw, LimitsSettings())).html
    tight = LimitsSettings(html_max_tags=40)
    mail = clean(parse(raw, tight), tight)
    assert "62 tags, over the 40 the board reads" in mail.html
    assert mail.text.split() == ["item"] * 10


def test_ordinary_mail_is_under_every_html_cap():
    for path in sorted(FIXTURES.glob("*.eml")):
        mail = cleaned(path.name)
        assert mail.html is None or "not-shown" not in mail.html, path.name


def test_ordinary_big_html_is_not_mistaken_for_hostile_nesting():
    newsletter = "<table>" + "<tr><td><div><p>item <a href='https://example.org/'>link</a></p></div></td></tr>" * 2500
    assert sanitise(newsletter + "</table>", SHA).startswith("<table>")


def test_many_links_read_as_text_with_their_urls():
    html = "".join(f'<a href="https://example.org/{i}">n{i}</a> ' for i in range(3000))
    mail = clean(parse(f"Content-Type: text/html\r\n\r\n{html}".encode(), LimitsSettings()))
    assert "n0 (https://example.org/0) n1 (https://example.org/1)" in mail.text
    assert mail.text.count("https://example.org/") == 3000


def test_long_runs_of_spaces_inside_a_line_are_kept_and_trailing_ones_dropped():
    # 200,000 spaces: a "[ \t]+$" regex needs minutes here; the line-wise strip is linear.
    assert normalise(" " * 200_000 + "x  \nnext ") == " " * 200_000 + "x\nnext"


def test_a_quoted_line_rewrapped_by_the_mail_client_stays_in_the_quote():
    body = (
        "My answer is yes.\n\nOn Mon, 9 Nov 2026 at 10:00, Desk <tips@newsroom.example> wrote:\n"
        "> Can you confirm that the council knew about the contract before the\nvote\n> on Friday?\n"
    )
    mail = clean_text(body)
    assert mail.text[: mail.new_text_end].strip() == "My answer is yes."


def test_a_short_answer_between_quotes_is_not_taken_for_a_wrapped_line():
    body = "> Did the council know?\nYes.\n> And the mayor?\n"
    assert clean_text(body).new_text_end == len("> Did the council know?\nYes.\n")


def test_a_text_past_text_max_chars_is_cut_with_a_note_of_how_much_more_there_is():
    limits = LimitsSettings(text_max_chars=1000)
    mail = clean(parse(text_mail("The tip. " + "word " * 1000), limits), limits)  # 5,008 characters, normalised
    assert mail.text.startswith("The tip. word")
    assert mail.text.endswith("[... 4,008 more characters are in the original message]")
    assert mail.preview.startswith("The tip.")
    assert clean_text("The tip. " + "word " * 1000).text.endswith("word")  # the default cap is far above
