"""The reader's own words, the quote and the signature, per mail client and language (inbox.mail.quotes).

Fixtures in tests/fixtures/mail/quotes/ are written for these tests: one per
client format and language, plus interleaved, bottom-posted, banner, forwards.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from inbox.config import ImportSettings, LimitsSettings, Settings
from inbox.mail.clean import clean
from inbox.mail.parse import parse
from inbox.mail.quotes import split_reply
from inbox.models import Tip
from inbox.pipeline import Pipeline, Source
from tests.mailfactory import make_mail

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "quotes"


def read(name: str):
    mail = clean(parse((FIXTURES / f"{name}.eml").read_bytes(), LimitsSettings()))
    return mail, split_reply(mail.text, mail.parsed.subject, mail.parsed.from_name)


def signature_of(mail, reply) -> str | None:
    return mail.text[reply.signature[0] : reply.signature[1]] if reply.signature else None


# (fixture, the reader's new words, the signature)
TOP_POSTED = [
    ("gmail_en_wrapped", "They heard in August, at the closed session.", "Thanks,\nAnna"),
    ("gmail_de_name_first", "Im August, in der nichtöffentlichen Sitzung.", "Viele Grüße\nJonas"),
    ("apple_fr", "Ils l'ont appris en août.", "Cordialement,\nClaire Dubois\n\nEnvoyé de mon iPhone"),
    ("ios_es", "Lo supieron en agosto.", "Enviado desde mi iPhone"),
    ("gmail_pt", "Souberam em agosto.", "Cumprimentos,\nRui"),
    ("gmail_it", "Lo hanno saputo ad agosto.", "Cordiali saluti\nMarco"),
    ("outlook_nl", "Ze wisten het in augustus.", "Met vriendelijke groet,\n\nSanne de Vries\nWoordvoerder"),
    ("outlook_da_original", "De vidste det i august.", "Mvh\nMads"),
    ("outlook_sv", "De visste i augusti.", "Vänliga hälsningar\nKarin Berg"),
    ("gmail_no", "De visste det i august.", "Med vennlig hilsen\nOla"),
    ("outlook_pl", "Wiedzieli w sierpniu.", "Pozdrawiam\nPiotr Nowak"),
    ("outlook_es_original", "Lo supieron en agosto.", "Saludos,\nLucía"),
    ("webde_gesendet_first", "Im August.", "Gruß\nJonas"),
    ("yahoo_indented", "I go four days a week.", "Bev"),
]


@pytest.mark.parametrize(("name", "new_text", "signature"), TOP_POSTED, ids=[row[0] for row in TOP_POSTED])
def test_clients_quote_and_signature_are_found_in_each_language(name, new_text, signature):
    mail, reply = read(name)
    assert reply.new_text(mail.text) == new_text
    assert signature_of(mail, reply) == signature
    assert mail.text[reply.new_text_end :].strip()  # the quote is below new_text_end, kept in the text


def test_interleaved_answers_are_the_pieces_between_the_quotes():
    mail, reply = read("thunderbird_pl_interleaved")
    assert reply.new_text(mail.text) == "W sierpniu.\n\nCała rada i burmistrz."
    assert signature_of(mail, reply) == "--\nPiotr Nowak"
    assert "Kiedy rada" not in reply.new_text(mail.text)


def test_bottom_posted_reply_is_the_answer_under_the_quote():
    mail, reply = read("bottom_posted_en")
    assert reply.new_text(mail.text) == "They heard in August, at the closed session. I was there."
    assert signature_of(mail, reply) == "Best regards,\nTom"
    assert reply.new_text_end == len(mail.text)  # old readers of new_text_end still see the answer


def test_gateway_banners_at_the_top_are_not_the_readers_words():
    mail, reply = read("outlook_fr_caution_banner")
    assert reply.new_text(mail.text) == "Ils l'ont appris en août."
    assert signature_of(mail, reply) == "Get Outlook for iOS<https://aka.ms/o0ukef>"
    mail, reply = read("banner_first_contact")
    assert reply.new_text(mail.text) == "They heard in August."
    assert signature_of(mail, reply) == "Tom Reed\nReed Hauling"


@pytest.mark.parametrize("name", ["forward_gmail", "forward_outlook_fw", "forward_apple_de"])
def test_forwarded_content_is_never_cut(name):
    mail, reply = read(name)
    new = reply.new_text(mail.text)
    forwarded = {"forward_gmail": "All tenants must leave by December 20.\n\nRegards,\nBuilding Office",
                 "forward_outlook_fw": "Members of the Board, my client will sue.\n\nPhil Brant",
                 "forward_apple_de": "> Alle Mieter müssen bis zum 20. Dezember ausziehen."}[name]
    assert new.endswith(forwarded)
    assert reply.new_text_end == len(mail.text)
    assert signature_of(mail, reply) in ("Anna", "Gina Marsh\nSupervisor", "Jonas")  # the forwarder's own


def test_a_list_footer_under_the_quote_is_neither_new_text_nor_signature():
    mail, reply = read("group_footer")
    assert reply.new_text(mail.text) == "I took both samples myself."
    assert signature_of(mail, reply) == "Carol"


def test_a_pasted_memo_with_header_lines_stays_in_the_new_text():
    mail, reply = read("pasted_memo")
    new = reply.new_text(mail.text)
    assert new.startswith("Here it is, pasted:") and "Re: Closure of 4 West" in new
    assert new.endswith("4 West closes on December 21.")


def test_a_line_mbox_turned_into_from_is_new_text_not_a_quote():
    mail, reply = read("mbox_from_line")
    assert reply.new_text(mail.text) == "Sure.\n\n>From what I can tell, the trunk dropped at 03:12."


def test_spans_and_preview_reach_the_clean_mail():
    mail, reply = read("thunderbird_pl_interleaved")
    assert mail.new_text_spans == reply.spans
    assert mail.preview == "W sierpniu. Cała rada i burmistrz."


@pytest.mark.parametrize(
    "body",
    [
        "On Sunday, one of our members, Dolores, wrote:\n\"Nobody asked us.\"\nShe will talk to you.",
        "In 2019 the mayor wrote:\nWe will never close the library.\nNow it is closed.",
        "Here is what the district texted:\n\n> ALERT: all buildings open 2 hrs late.\nRoutes 14 and 22 are cancelled.\n\n"
        "Then they cancelled school.",
    ],
)
def test_words_that_look_like_a_quote_inside_the_new_text_are_kept(body):
    reply = split_reply(body)
    assert reply.new_text(body) == body and reply.new_text_end == len(body)


def test_sent_from_my_desk_is_not_a_phone_tag():
    body = "The facts.\n\nSent from my desk, which is easier than my mobile phone."
    assert split_reply(body).signature is None


def test_the_senders_bare_name_opens_the_signature():
    body = "The vote was 5 to 4.\n\nWalt Hendricks, P.E. (ret.)\nformer county engineer"
    reply = split_reply(body, sender="Walt Hendricks")
    assert body[reply.signature[0] :].startswith("Walt Hendricks")
    assert reply.new_text(body) == "The vote was 5 to 4."


def test_a_legal_notice_ends_the_signature_however_long_its_lines():
    notice = "This message is confidential and intended only for the addressee; " * 3
    body = f"Yes, we confirm it.\n\nKind regards,\nOliver\n\n{notice.strip()}\n\n" \
           "From: Desk <tips@news.example>\nSent: Monday\nTo: Oliver\nSubject: x\n\nold"
    reply = split_reply(body)
    assert reply.new_text(body) == "Yes, we confirm it."
    assert body[reply.signature[0] : reply.signature[1]].endswith(notice.strip())


def test_answers_written_into_an_outlook_quote_behind_initials_are_new_text():
    body = ("My answers are below, marked RH.\n\nBob Hayes\n\nFrom: Desk <tips@news.example>\nSent: Monday\n"
            "To: Hayes, Robert\nSubject: questions\n\n1. How many customers?\nRH: About 3,400.\n\n"
            "2. What caused it?\nRH: A main broke.\n\nThanks,\nDesk\n")
    reply = split_reply(body, sender="Bob Hayes")
    assert reply.new_text(body) == "My answers are below, marked RH.\n\nRH: About 3,400.\n\nRH: A main broke."


def test_older_clients_quote_markers_keep_the_answers_below_them():
    body = ("On 22/07/02 10:39 -0400, Scott wrote:\n) Can anyone explain the error?\n) It just started.\n\n"
            "The backup server had a bug. It is fixed now.\n")
    assert split_reply(body).new_text(body) == "The backup server had a bug. It is fixed now."


def test_raw_headers_pasted_into_the_text_are_not_a_reply_block():
    body = ("Here is the message that fails:\n\nX-Mailer: exmh 2.5\nTo: kevin@example.com\nSubject: gpg test\n"
            "Date: Wed, 11 Sep 2002 13:18:58 -0700\nFrom: Kevin <kevin@example.com>\nMessage-Id: <1@example.com>\n\n"
            "blah\n")
    reply = split_reply(body)
    assert reply.new_text(body) == body.strip() and reply.new_text_end == len(body)


def test_a_forward_attached_under_a_quote_is_content():
    body = ("See the old mail below.\n\nOn Mon, 9 Nov 2026 at 10:00, Desk <tips@news.example> wrote:\n> Any news?\n\n"
            "---------- Forwarded message ----------\nFrom: Boss <boss@corp.example>\nDate: Mon\nSubject: x\n\n"
            "The secret plan.\n")
    new = split_reply(body).new_text(body)
    assert new.startswith("See the old mail below.") and new.endswith("The secret plan.")
    assert "Any news?" not in new


def test_a_thank_you_that_opens_the_message_is_not_its_signature():
    body = "Thanks Paul,\nThat is how I do it now, but I want a keyboard command.\n\n--\nUlises\n\n> old question"
    reply = split_reply(body)
    assert reply.new_text(body).startswith("Thanks Paul,")
    assert body[reply.signature[0] :].startswith("--\nUlises")


def test_a_mailing_list_footer_ends_the_signature_and_the_new_text():
    body = ("Try fdisk /mbr.\n\nregards,\nCW\n\n--\nIrish Linux Users' Group: ilug@linux.example\n"
            "http://www.linux.example/mailman/listinfo/ilug for (un)subscription information.\n")
    reply = split_reply(body)
    assert reply.new_text(body) == "Try fdisk /mbr."
    assert body[reply.signature[0] : reply.signature[1]] == "regards,\nCW"


def test_a_stored_tip_keeps_the_spans_of_the_readers_words(db):
    body = "On Mon, 9 Nov 2026 at 10:00, Desk <tips@news.example> wrote:\n> Any news?\n\nYes: the vote is Friday.\n"
    with Pipeline(Settings(imports=ImportSettings(processes=1, batch_size=10)), db, processes=1) as pipeline:
        (out,) = pipeline.process_many([(make_mail(body=body), Source("tips", "INBOX", 1, 1))])
    with db() as session:
        tip = session.get(Tip, out.tip_id)
        assert [tip.text_body[a:b] for a, b in tip.new_text_spans] == ["Yes: the vote is Friday."]
        assert tip.new_text_end == len(tip.text_body)


def test_an_outlook_block_whose_recipients_wrap_is_still_the_quote():
    body = ("We knew in August.\n\nFrom: Hayes, Robert\nSent: Tuesday, December 15, 2026 7:20 AM\n"
            "To: Park, Jane; Lee, Sam; Ortiz, Ana; Brown, Kim; White, Pat;\nGreen, Lou\nSubject: advisory\n\nold")
    reply = split_reply(body)
    assert reply.new_text(body) == "We knew in August." and body[reply.new_text_end :].lstrip().startswith("From:")


def test_a_dash_before_the_name_signs_the_message():
    body = "The pumps failed twice last week.\n\n- Jim Walsh\nPump station 4"
    assert body[split_reply(body).signature[0] :] == "- Jim Walsh\nPump station 4"


@pytest.mark.parametrize("body", ["External affairs matter.\n\nThe pumps failed.", "CAUTION: the pumps failed."])
def test_a_first_paragraph_that_only_looks_like_a_banner_is_kept(body):
    assert split_reply(body).new_text(body) == body


def test_a_thank_you_sentence_before_more_words_is_not_a_sign_off():
    body = "The pumps failed.\n\nThanks for asking.\nI can talk tomorrow at 5.\n\nAnna"
    reply = split_reply(body, sender="Anna Berg")
    assert reply.new_text(body).endswith("I can talk tomorrow at 5.")
    assert body[reply.signature[0] :] == "Anna"
