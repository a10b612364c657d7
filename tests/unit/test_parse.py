"""parse(): every kind of mail a tip desk receives, and no exception but LimitExceeded."""
from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import pytest

from inbox.config import LimitsSettings
from inbox.mail.parse import FORWARD_MARKER, LimitExceeded, extract_part, parse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
LIMITS = LimitsSettings()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def mail(headers: str, body: bytes | str = b"body\n") -> bytes:
    if isinstance(body, str):
        body = body.encode("utf-8")
    return headers.strip().replace("\n", "\r\n").encode("latin-1") + b"\r\n\r\n" + body


def test_plain_tip_header_fields_are_normalised():
    parsed = parse(fixture("plain_tip.eml"), LIMITS)
    assert parsed.message_id == "tip-0001@example.org"
    assert parsed.from_address == "reader.one@example.org"
    assert parsed.from_name == "Reader One"
    assert parsed.to == ("tips@newsroom.example", "second@newsroom.example")
    assert parsed.cc == ("cc@example.org",)
    assert parsed.date == datetime(2026, 11, 3, 8, 15)  # 09:15 +0100 as naive UTC
    assert parsed.date.tzinfo is None
    assert parsed.subject == "Council contract went to the mayor's cousin"
    assert parsed.content_type == "text/plain"
    assert parsed.header("Return-Path") == "<Reader.One@Example.ORG>"
    assert len(parsed.sha256) == 64
    assert "€2.4m" in parsed.text_parts[0] and "owned by" in parsed.text_parts[0]
    assert parsed.defects == ()


def test_rfc2047_subject_and_names_decode_in_several_charsets():
    parsed = parse(fixture("rfc2047_headers.eml"), LIMITS)
    assert parsed.from_name == "Депутат"
    assert parsed.subject.startswith("Café fermeture")
    assert parsed.subject.endswith("— scandale")
    names = dict((name, value) for name, value in parsed.headers)
    assert "日本語" in names["to"]
    assert parsed.to == ("jp@example.jp", "sj@example.jp")


def test_rfc2231_utf8_filename_is_decoded():
    parsed = parse(fixture("attachment_rfc2231.eml"), LIMITS)
    sheet = parsed.attachments[0]
    assert sheet.filename == "Haushalt Köln – 2026.xls"
    assert sheet.data == b"Hello spreadsheet"
    assert sheet.content_type == "application/vnd.ms-excel"
    assert sheet.inline is False
    assert parsed.text_parts == ("See attached.",)


def test_text_part_marked_attachment_is_an_attachment_not_body():
    parsed = parse(fixture("attachment_rfc2231.eml"), LIMITS)
    notes = parsed.attachments[1]
    assert notes.filename == "notes.txt"
    assert notes.data.startswith(b"attached notes")
    assert all("attached notes" not in text for text in parsed.text_parts)


def test_multipart_alternative_reads_the_plain_text_and_keeps_the_html():
    parsed = parse(fixture("alternative.eml"), LIMITS)
    assert parsed.text_parts == ("The plain version of the tip.",)
    assert "<b>HTML</b>" in parsed.html_parts[0]
    assert parsed.reading_order == (("text", 0),)


def test_html_only_mail_lists_its_html_in_reading_order_and_keeps_cid_image():
    parsed = parse(fixture("html_only_tracking.eml"), LIMITS)
    assert parsed.text_parts == ()
    assert parsed.reading_order == (("html", 0),)
    assert parsed.from_name == "José Source"
    (image,) = parsed.attachments
    assert image.content_id == "invoice-photo@example.org"
    assert image.inline is True
    assert image.data.startswith(b"\x89PNG")
    assert image.part_path == "2"


def test_forwarded_message_is_content_with_a_header_summary():
    parsed = parse(fixture("forwarded.eml"), LIMITS)
    own, summary, inner = parsed.text_parts
    assert own.startswith("Look at what my boss sent round.")
    assert summary.splitlines()[0] == FORWARD_MARKER
    assert "From: The Boss <boss@corp.example>" in summary
    assert "Subject: Confidential: cuts" in summary
    assert "Date: Fri, 6 Nov 2026 16:45:00 +0000" in summary
    assert "we close the clinic in March" in inner
    (pdf,) = parsed.attachments
    assert (pdf.filename, pdf.part_path) == ("plan.pdf", "2.2")
    assert parsed.message_id == "fwd-1@example.org"  # the outer message's, not the forwarded one's


@pytest.mark.parametrize(
    "name", ["plain_tip.eml", "html_only_tracking.eml", "attachment_rfc2231.eml", "forwarded.eml", "bounce.eml"]
)
def test_extract_part_gets_the_same_part_back_from_raw_bytes(name):
    raw = fixture(name)
    for part in parse(raw, LIMITS).attachments:
        assert extract_part(raw, part.part_path) == part


def test_extract_part_of_a_missing_path_raises_key_error():
    with pytest.raises(KeyError):
        extract_part(fixture("forwarded.eml"), "9.9")
    with pytest.raises(KeyError):
        extract_part(fixture("forwarded.eml"), "x")


@pytest.mark.parametrize("charset", ["DEFAULT_CHARSET", "unknown-8bit", "chinesebig5", "x-unknown", "default", ""])
def test_bogus_charset_decodes_with_fallback(charset):
    declared = f'; charset="{charset}"' if charset else ""
    text = "Le maire a reçu 20 000 € — voilà" if charset != "chinesebig5" else "市長收到了錢"
    encoding = "big5" if charset == "chinesebig5" else "utf-8"
    raw = mail(
        f"From: a@example.org\nSubject: =?{charset or 'bogus'}?q?caf=E9?=\nContent-Type: text/plain{declared}\n"
        "Content-Transfer-Encoding: 8bit",
        text.encode(encoding),
    )
    parsed = parse(raw, LIMITS)
    assert parsed.text_parts == (text,)
    assert parsed.subject.startswith("caf")  # decoded somehow, never raised


def test_mislabelled_charset_falls_back_without_replacement_characters():
    raw = mail("From: a@example.org\nContent-Type: text/plain; charset=utf-8", "Frösche über Grüße".encode("latin-1"))
    assert parse(raw, LIMITS).text_parts == ("Frösche über Grüße",)


def test_gb2312_label_reads_gbk_text():
    raw = mail("From: a@example.org\nContent-Type: text/html; charset=GB2312", "<p>電子郵件</p>".encode("gbk"))
    assert parse(raw, LIMITS).html_parts == ("<p>電子郵件</p>",)


def test_empty_message_id_is_a_defect_not_an_error():
    parsed = parse(fixture("empty_message_id.eml"), LIMITS)
    assert parsed.message_id is None
    assert "message-id: empty" in parsed.defects
    assert parsed.text_parts == ("A message whose Message-Id is empty.\n",)


def test_bad_date_and_bad_address_become_defects():
    parsed = parse(mail("From: <<<@@>>>\nDate: the day after tomorrow\nSubject: x"), LIMITS)
    assert parsed.date is None
    assert parsed.from_address == ""
    assert any(d.startswith("date:") for d in parsed.defects)
    assert "from: no address" in parsed.defects


def test_broken_boundary_keeps_the_text():
    parsed = parse(fixture("broken_boundary.eml"), LIMITS)
    assert any("survives a broken boundary" in text for text in parsed.text_parts)
    assert parsed.defects  # the parser's complaint is recorded


def test_delivery_status_report_is_kept_as_text():
    parsed = parse(fixture("bounce.eml"), LIMITS)
    assert parsed.content_type == "multipart/report"
    assert any("Status: 5.1.1" in text for text in parsed.text_parts)
    assert any("Original text." in text for text in parsed.text_parts)


def nested(depth: int) -> bytes:
    """A message whose text sits `depth` multiparts down."""
    opening = "".join(f'\r\n--b{i}\r\nContent-Type: multipart/mixed; boundary="b{i + 1}"\r\n' for i in range(depth - 1))
    closing = "".join(f"\r\n--b{i}--" for i in reversed(range(depth)))
    body = opening + f"\r\n--b{depth - 1}\r\nContent-Type: text/plain\r\n\r\nhello" + closing
    return mail('From: a@example.org\nSubject: deep\nContent-Type: multipart/mixed; boundary="b0"', body)


def test_nesting_within_the_limit_parses():
    assert parse(nested(5), LimitsSettings(max_depth=5)).text_parts[0].strip() == "hello"


def test_nesting_over_the_limit_raises_limit_exceeded():
    with pytest.raises(LimitExceeded, match=r"nested too deep: 6 > 5"):
        parse(nested(6), LimitsSettings(max_depth=5))


def test_nesting_deeper_than_the_parser_can_follow_raises_limit_exceeded():
    with pytest.raises(LimitExceeded, match="nested too deep"):
        parse(nested(3000), LIMITS)


def test_too_many_parts_raises_limit_exceeded_with_the_count():
    parts = "".join(f"--p\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(811))
    raw = mail('From: a@example.org\nContent-Type: multipart/mixed; boundary="p"', parts + "--p--\r\n")
    with pytest.raises(LimitExceeded, match=r"^too many parts: 812 > 500$"):
        parse(raw, LimitsSettings(max_parts=500))


def test_too_big_raises_limit_exceeded():
    raw = mail("From: a@example.org", b"x" * 2000)
    with pytest.raises(LimitExceeded, match=r"message too big: \d+ > 1000 bytes"):
        parse(raw, LimitsSettings(max_message_bytes=1000))


def test_random_garbage_and_truncated_messages_never_raise():
    rng = random.Random(20261128)
    samples = [fixture(p.name) for p in sorted(FIXTURES.glob("*.eml"))]
    cases = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000))) for _ in range(150)]
    for raw in samples:
        cases += [raw[:cut] for cut in range(0, len(raw), max(1, len(raw) // 40))]
        for _ in range(25):
            damaged = bytearray(raw)
            for _ in range(rng.randrange(1, 20)):
                damaged[rng.randrange(len(damaged))] = rng.choice(b"\x00\xff<>=?;\"\r\n-:")
            cases.append(bytes(damaged))
    cases += [b"", b"\r\n", b"Message-Id: <>\r\n", b"From: =?utf-8?b?!!!?=\r\nSubject: =?x?q?=ZZ?=\r\n\r\n"]
    for raw in cases:
        try:
            parsed = parse(raw, LIMITS)
        except LimitExceeded:
            continue
        assert parsed.raw == raw


def test_control_characters_and_8bit_bytes_in_headers_are_cleaned():
    raw = b"From: A\x00B <a\x00b@example.org>\r\nSubject: x\x00y\tz \xc3\xa9\r\nIn-Reply-To: <a\xffb@x>\r\n\r\nbody"
    parsed = parse(raw, LIMITS)
    assert (parsed.subject, parsed.from_name, parsed.from_address) == ("xy z é", "AB", "ab@example.org")
    assert parsed.in_reply_to == "aÿb@x"
    assert all("\x00" not in value for _, value in parsed.headers)


def test_a_message_that_is_only_an_attachment_has_part_path_1():
    raw = mail("From: a@example.org\nContent-Type: application/pdf; name=leak.pdf\nContent-Transfer-Encoding: base64",
               "JVBERi0xLjQK")
    (pdf,) = parse(raw, LIMITS).attachments
    assert (pdf.part_path, pdf.filename, pdf.data) == ("1", "leak.pdf", b"%PDF-1.4\n")
    assert extract_part(raw, "1") == pdf


def test_references_and_in_reply_to_are_bare_ids():
    parsed = parse(fixture("reply_with_signature.eml"), LIMITS)
    assert parsed.in_reply_to == "tip-0001@example.org"
    assert parsed.references == ("tip-0000@example.org", "tip-0001@example.org")


def test_encoded_words_split_inside_a_character_are_joined():
    raw = mail("From: =?UTF-8?B?8J+Y?=\n =?UTF-8?B?gA==?= <a@example.org>\nSubject: =?utf-8?q?a?= =?utf-8?q?b?= c")
    parsed = parse(raw, LIMITS)
    assert (parsed.from_name, parsed.subject) == ("😀", "ab c")


def test_a_subject_of_100000_encoded_words_decodes():
    words = " ".join("=?utf-8?q?=C3=A9?=" for _ in range(100_000))
    assert parse(mail(f"From: a@example.org\nSubject: {words}"), LIMITS).subject == "é" * 100_000


def test_single_part_with_semicolon_missing_before_charset_is_the_body_not_an_attachment():
    parsed = parse(fixture("content_type_no_semicolon.eml"), LIMITS)
    assert parsed.attachments == ()
    assert len(parsed.text_parts) == 1 and len(parsed.text_parts[0]) > 8000
    assert parsed.text_parts[0].startswith("I drive a school bus")
    assert parsed.content_type == "text/plain"
    assert parsed.raw == fixture("content_type_no_semicolon.eml")  # stored as sent, only read repaired


def test_single_part_with_type_missing_its_subtype_is_the_body():
    parsed = parse(fixture("content_type_no_subtype.eml"), LIMITS)
    assert parsed.attachments == ()
    assert parsed.text_parts[0].startswith("The water main on Elm Street")


@pytest.mark.parametrize("ctype", ["text", "TEXT/PLAIN charset=US-ASCII", "text/plain;charset", "text/", "plain",
                                   "text/plain; charset=\"unknown-8bit\"", "Text/Plain ; format=flowed"])
def test_single_part_body_is_text_whatever_its_broken_type(ctype):
    parsed = parse(mail(f"From: a@example.org\nSubject: s\nContent-Type: {ctype}", "The mayor's car is parked in the fire lane.\n"), LIMITS)
    assert parsed.attachments == ()
    assert "fire lane" in parsed.text_parts[0]


def test_single_part_attachment_with_a_readable_type_stays_an_attachment():
    parsed = parse(mail("From: a@example.org\nSubject: s\nContent-Type: application/pdf\n"
                        "Content-Disposition: attachment; filename=\"budget.pdf\"", b"%PDF-1.4"), LIMITS)
    assert [a.filename for a in parsed.attachments] == ["budget.pdf"]
    assert parsed.text_parts == ()


def test_multipart_with_semicolon_missing_before_boundary_reads_its_parts():
    raw = fixture("multipart_no_semicolon.eml")
    parsed = parse(raw, LIMITS)
    assert parsed.text_parts == ("Trucks dump behind the old mill every night. Photo attached.",)
    assert [a.filename for a in parsed.attachments] == ["dump.png"]
    assert extract_part(raw, parsed.attachments[0].part_path).data == b"hello world\n"
