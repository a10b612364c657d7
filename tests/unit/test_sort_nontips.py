"""Not tips: machine mail, newsletters and list mail leave New; a press release stays a tip and says so."""
from __future__ import annotations

from pathlib import Path

import pytest

from inbox.config import LimitsSettings, Settings
from inbox.mail.clean import clean
from inbox.mail.parse import parse
from inbox.models import Tip
from inbox.sort import Sorter, nontips
from inbox.sort.text import SortInput, from_mail
from tests.mailfactory import make_mail

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
SORTER = Sorter(Settings())


def read(raw: bytes) -> SortInput:
    return from_mail(clean(parse(raw, LimitsSettings())))


def lands(inp: SortInput) -> tuple[str, str]:
    """(status, mail_kind) a new tip of this message gets."""
    tip = Tip(status="new")
    SORTER.analyse(inp).apply(tip)
    return tip.status, tip.mail_kind


def text(subject: str, body: str, sender: str = "r@example.org", headers: tuple = ()) -> SortInput:
    return SortInput(subject=subject, new_text=body, full_text=body, sender=sender, sent_at=None, headers=headers)


@pytest.mark.parametrize("name, kind", [("auto_reply.eml", "auto_reply"), ("bounce.eml", "bounce"),
                                        ("list_mail.eml", "list")])
def test_machine_and_list_mail_fixtures_go_to_not_tips(name, kind):
    assert lands(read((FIXTURES / name).read_bytes())) == ("not_tip", kind)


def test_a_readers_tip_stays_new_with_no_kind():
    assert lands(read((FIXTURES / "plain_tip.eml").read_bytes())) == ("new", "")


def test_newsletter_by_its_bulk_headers_goes_to_not_tips():
    raw = make_mail(sender="Weekly Roundup <news@roundup.example>", subject="This week in the county",
                    body="Five stories we liked this week.\n\nUnsubscribe: https://roundup.example/u\n",
                    extra_headers={"Precedence": "bulk", "List-Unsubscribe": "<https://roundup.example/u>"})
    assert lands(read(raw)) == ("not_tip", "newsletter")


def test_a_groups_one_off_message_through_a_bulk_mailer_stays_new():
    raw = make_mail(sender="River Air Watch <info@riverair.example>", subject="Sensor data: H2S spike near the bridge",
                    body="Hello,\n\nOur monitors recorded hydrogen sulfide at 31 ppb on Sunday night near the bridge.\n"
                         "We have sent the readings to the health department.\n",
                    extra_headers={"Precedence": "bulk", "List-Unsubscribe": "<https://lists.example.net/u/1>",
                                   "X-Mailer": "Sendwell Campaigns 4.2"})
    assert lands(read(raw)) == ("new", "")


def test_a_notice_with_one_click_unsubscribe_and_bulk_precedence_goes_to_not_tips():
    one_click = {"Precedence": "bulk", "List-Unsubscribe": "<https://shop.example/u/9>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    raw = make_mail(sender="Orders <orders@shop.example>", subject="Your order has shipped",
                    body="Your order is on its way.\nTrack it at https://shop.example/track/1\n", extra_headers=one_click)
    assert lands(read(raw)) == ("not_tip", "newsletter")
    release = make_mail(sender="Press <press@agency.example>", subject="FOR IMMEDIATE RELEASE: new clinic hours",
                        body="FOR IMMEDIATE RELEASE\n\nThe agency opens two clinics on Monday.\n\n###\n",
                        extra_headers=one_click)
    assert lands(read(release))[0] == "new"  # a release through the same mailer stays a tip


def test_a_proton_mail_letter_with_its_feedback_id_stays_new():
    raw = make_mail(sender="quietwater@protonmail.com", extra_headers={"Feedback-ID": "LNdDJ3==:Ext:ProtonMail"})
    assert lands(read(raw)) == ("new", "")


def test_newsletter_without_bulk_headers_is_found_by_its_footer_and_browser_link():
    body = ("View this email in your browser\n\nCounty news, week 48.\n\n" + "Story text. " * 50 +
            "\n\nYou are receiving this email because you signed up on our site.\nUnsubscribe | Manage preferences\n")
    assert lands(text("County news, week 48", body)) == ("not_tip", "newsletter")


@pytest.mark.parametrize("subject, body", [
    ("Out of Office", "I am currently out of the office until Monday with limited access to email."),
    ("Re: your question", "Ich bin bis 4. Januar nicht im Büro. Ab dem 5. bin ich wieder erreichbar."),
    ("Re: your question", "Je suis absente jusqu'au 3 janvier. De retour le 4 janvier."),
    ("Re: your question", "Estoy fuera de la oficina. Para asuntos urgentes escriba a recepción. "
                          "Thank you for your message; I will reply when I return."),
])
def test_out_of_office_wording_in_several_languages_is_an_auto_reply(subject, body):
    assert lands(text(subject, body)) == ("not_tip", "auto_reply")


def test_one_out_of_office_phrase_in_a_readers_letter_does_not_hide_it():
    body = ("I am on medical leave from the plant, and while I was out they started dumping the solvent "
            "into the creek behind building 4. I have photos from last week.")
    assert lands(text("Solvent in the creek", body)) == ("new", "")


def test_bounce_without_dsn_headers_is_found_by_its_wording_and_status_code():
    body = "Your message could not be delivered to one or more recipients.\n\n550 5.1.1 User unknown\n"
    assert lands(text("Returned", body, sender="mail@relay.example")) == ("not_tip", "bounce")


def test_press_release_stays_in_new_marked_as_one_even_from_a_bulk_sender():
    body = ("FOR IMMEDIATE RELEASE\n\nHARRISBURG, Pa. (Dec. 1, 2026) -- The union today announced a strike vote.\n\n"
            "Media contact: Pat Lee, 717-555-0100\n\n###\n\nUnsubscribe from these releases\n")
    raw = make_mail(sender="Union Press <press@union.example>", subject="Strike vote", body=body,
                    extra_headers={"Precedence": "bulk", "List-Unsubscribe": "<https://union.example/u>"})
    assert lands(read(raw)) == ("new", "press_release")


def test_embargoed_release_is_a_press_release():
    body = "EMBARGOED UNTIL 12:01 a.m. Dec. 3\n\nThe county controller's audit finds $2 million unaccounted for."
    assert nontips.classify(text("Audit", body)).kind == "press_release"


def test_a_readers_forward_of_a_newsletter_stays_new():
    body = ("Look at what the school sent parents, they are hiding the bus cuts.\n\n"
            "---------- Forwarded message ---------\nFrom: District News <news@district.example>\n\n"
            "View this email in your browser\n\nRoutes change Monday.\n\nUnsubscribe | Manage preferences\n")
    assert lands(text("Fwd: District news", body)) == ("new", "newsletter")


def test_spam_with_an_unsubscribe_header_is_spam_not_a_newsletter():
    inp = text("YOU HAVE WON", "Dear friend, you have won! Click here to claim your prize. Act now, 100% free, "
               "pay a small fee!!!\n\nUnsubscribe", headers=(("list-unsubscribe", "<mailto:u@x.example>"), ("precedence", "bulk")))
    assert lands(inp) == ("spam", "newsletter")


def test_an_auto_reply_quoting_spam_goes_to_not_tips_not_spam():
    inp = text("Automatic reply: YOU HAVE WON", "I am out of the office.\n\n> Dear friend, you have won! Click here "
               "to claim your prize. Act now, 100% free, pay a small fee!!!", headers=(("auto-submitted", "auto-replied"),))
    assert lands(inp) == ("not_tip", "auto_reply")


def test_the_explanation_says_why_it_is_not_a_tip():
    sorting = SORTER.analyse(read((FIXTURES / "auto_reply.eml").read_bytes()))
    assert sorting.explanation["not_tip"]["kind"] == "auto_reply"
    assert any(r.startswith("header ") for r in sorting.explanation["not_tip"]["rules"])
    assert sorting.story is None  # machine mail is never clustered
