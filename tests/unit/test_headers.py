"""The auto-reply / bounce / list rule table."""
from __future__ import annotations

from pathlib import Path

import pytest

from inbox.config import LimitsSettings
from inbox.mail.headers import mail_kind
from inbox.mail.parse import parse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def kind_of(**headers: str):
    return mail_kind(tuple((name.replace("_", "-").lower(), value) for name, value in headers.items()))


def kind_of_fixture(name: str):
    return mail_kind(parse((FIXTURES / name).read_bytes(), LimitsSettings()).headers)


def test_plain_tip_is_neither_auto_reply_nor_bounce_nor_list():
    kind = kind_of_fixture("plain_tip.eml")
    assert (kind.is_auto_reply, kind.is_bounce, kind.is_list, kind.reasons) == (False, False, False, ())


def test_auto_reply_fixture_is_recognised_with_reasons():
    kind = kind_of_fixture("auto_reply.eml")
    assert kind.is_auto_reply and not kind.is_bounce and not kind.is_list
    assert "auto-submitted: auto-replied" in kind.reasons
    assert "x-auto-response-suppress: all" in kind.reasons
    assert "subject: auto-reply wording" in kind.reasons


def test_bounce_fixture_is_recognised_from_report_sender_and_subject():
    kind = kind_of_fixture("bounce.eml")
    assert kind.is_bounce
    assert "content-type: delivery-status report" in kind.reasons
    assert "from: mailer-daemon/postmaster" in kind.reasons
    assert "subject: bounce wording" in kind.reasons


def test_list_fixture_is_list_mail():
    kind = kind_of_fixture("list_mail.eml")
    assert kind.is_list and not kind.is_auto_reply
    assert "list-id: city hall watchers <cityhall.lists.example.org>" in kind.reasons
    assert "precedence: list" in kind.reasons


@pytest.mark.parametrize("value", ["auto-replied", "auto-generated", "auto-notified"])
def test_auto_submitted_other_than_no_is_auto_reply(value):
    assert kind_of(auto_submitted=value).is_auto_reply


def test_auto_submitted_no_is_a_human():
    assert not kind_of(auto_submitted="no").is_auto_reply


@pytest.mark.parametrize(
    "headers",
    [
        {"x_autoreply": "yes"},
        {"x_autorespond": "Vacation"},
        {"x_auto_response_suppress": "OOF, AutoReply"},
        {"precedence": "auto_reply"},
        {"return_path": "<>"},
        {"content_type": 'multipart/report; report-type="disposition-notification"; boundary=x'},
    ],
)
def test_auto_reply_headers(headers):
    assert kind_of(**headers).is_auto_reply


def test_return_path_with_an_address_is_not_auto_reply():
    assert not kind_of(return_path="<reader@example.org>").is_auto_reply


@pytest.mark.parametrize("value", ["bulk", "list", "junk", " Bulk "])
def test_precedence_bulk_list_junk_is_list(value):
    assert kind_of(precedence=value).is_list


@pytest.mark.parametrize("name", ["list_id", "list_unsubscribe", "list_post"])
def test_list_headers_make_list_mail(name):
    assert kind_of(**{name: "<x@lists.example.org>"}).is_list


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.org", "Postmaster <postmaster@example.org>"])
def test_mail_system_senders_are_bounces(sender):
    assert kind_of(**{"from": sender}).is_bounce


def test_multipart_report_of_another_kind_is_not_a_bounce():
    assert not kind_of(content_type="multipart/report; report-type=disposition-notification").is_bounce
    assert not kind_of(content_type="multipart/mixed; boundary=x").is_bounce


@pytest.mark.parametrize(
    "subject",
    ["Auto: Re: tip", "Automatic reply: your mail", "Out of Office: back Monday", "AutoReply",
     "Abwesenheitsnotiz: Urlaub", "Réponse automatique : absent", "Respuesta automática: fuera"],
)
def test_auto_reply_subjects(subject):
    assert kind_of(subject=subject).is_auto_reply


@pytest.mark.parametrize(
    "subject", ["Undeliverable: tip", "Delivery Status Notification (Failure)", "Returned mail: see transcript"]
)
def test_bounce_subjects(subject):
    assert kind_of(subject=subject).is_bounce


@pytest.mark.parametrize(
    "subject", ["Out of office hours, the mayor met a lobbyist", "Automation at the port", "Auto dealer fraud"]
)
def test_ordinary_subjects_that_start_alike_are_not_flagged(subject):
    kind = kind_of(subject=subject)
    assert not (kind.is_auto_reply or kind.is_bounce)


def test_subject_reasons_never_carry_the_subject():
    kind = kind_of(subject="Out of Office: meeting the informant at Café Nord")
    assert kind.reasons == ("subject: auto-reply wording",)


def test_bulk_sender_headers_mark_list_mail():
    from inbox.mail.headers import mail_kind

    for header in (("list-unsubscribe-post", "List-Unsubscribe=One-Click"),
                   ("x-campaign", "abc"), ("x-mailer", "MailChimp Mailer - **CID1**")):
        assert mail_kind((header,)).is_list, header
    assert not mail_kind((("x-mailer", "Microsoft Outlook 16.0"),)).is_list
    # Proton Mail sets Feedback-ID on a person's own mail.
    assert not mail_kind((("feedback-id", "fmBRMsz7ay==:Ext:ProtonMail"),)).is_list


def test_out_of_office_subjects_in_more_languages_are_auto_replies():
    from inbox.mail.headers import mail_kind

    for subject in ("Automatisch antwoord: vergadering", "Automatisk svar: møde", "Out of Office Reply: sinkholes",
                    "Odpowiedź automatyczna: pytanie", "Resposta automática: reunião"):
        assert mail_kind((("subject", subject),)).is_auto_reply, subject
    assert not mail_kind((("subject", "Out of office hours the clinic turns people away"),)).is_auto_reply
