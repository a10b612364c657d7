"""The spam score: content rules, the server's verdict, the model, and restraint."""
from __future__ import annotations

import pytest

from inbox.sort.spam import PRIOR, score, server_verdict
from inbox.sort.text import SortInput


def mail(subject: str = "", text: str = "", headers: tuple[tuple[str, str], ...] = ()) -> SortInput:
    return SortInput(subject=subject, new_text=text, full_text=text, sender="s@example.org", sent_at=None,
                     spam_headers=headers)


def rules_of(explanation: dict) -> list[str]:
    return [r["rule"] for r in explanation["rules"]]


def test_blatant_spam_scores_high_on_rules_alone():
    value, why = score(mail("YOU HAVE WON BIG NOW", "Dear friend, you have won! Click here to claim your prize. "
                            "Act now, 100% free, pay a small fee!!!"), None)
    assert value >= 0.8
    assert {"prize", "click-here", "act-now", "guarantee", "small-fee", "shouting-subject", "exclamations"} <= set(rules_of(why))


@pytest.mark.parametrize("subject, text", [
    ("Council vote", "The council voted 5-2 tonight to close the shelter; I think you should look at who funded it."),
    ("URGENT: eviction", "My landlord says we must leave today. Please call me, this is urgent!!"),
    ("Warehouse injuries", "They told us to work from the loading dock even after two injuries. Click the link in their memo."),
])
def test_a_readers_tip_stays_below_the_threshold_without_a_model(subject, text):
    value, _ = score(mail(subject, text), None)
    assert value < 0.8


def test_the_servers_yes_and_no_are_read_from_either_header():
    assert server_verdict(mail(headers=(("x-spam-flag", "YES"),))) == (True, "x-spam-flag")
    assert server_verdict(mail(headers=(("x-spam-status", "No, score=-1.2 required=5.0"),))) == (False, "x-spam-status")
    assert server_verdict(mail(headers=(("x-spam-status", "Yes, score=9.1"),))) == (True, "x-spam-status")
    assert server_verdict(mail()) == (None, None)


def test_the_server_verdict_moves_the_score_both_ways():
    plain, _ = score(mail("hello", "a note"), None)
    flagged, why = score(mail("hello", "a note", (("x-spam-flag", "YES"),)), None)
    cleared, _ = score(mail("hello", "a note", (("x-spam-status", "No, score=0.1"),)), None)
    assert plain == pytest.approx(PRIOR)
    assert cleared < plain < flagged
    assert why["server"] == {"header": "x-spam-flag", "spam": True}


def test_the_model_is_the_starting_point_and_rules_add_to_it():
    alone, _ = score(mail("hi", "a note"), 0.7)
    with_rule, why = score(mail("hi", "click here"), 0.7)
    assert alone == pytest.approx(0.7)
    assert with_rule > alone
    assert why["model"] == 0.7


def rich(subject: str = "", text: str = "", html: str = "", sender: str = "s@example.org",
         headers: tuple[tuple[str, str], ...] = (("message-id", "<1@example.org>"), ("date", "Tue, 1 Dec 2026"))) -> SortInput:
    return SortInput(subject=subject, new_text=text, full_text=text, sender=sender, sent_at=None, headers=headers, html=html)


def test_a_link_to_a_bare_ip_address_and_a_lookalike_domain_are_evidence():
    _, why = score(rich(html='<a href="http://203.0.113.7/login">Sign in</a>', sender="alerts@usps-deliverycenter.example"), None)
    assert {"link-to-ip-address", "lookalike-domain"} <= set(rules_of(why))


def test_a_link_whose_text_names_another_site_is_evidence():
    _, why = score(rich(html='<a href="https://evil.example/x">www.mybank.com</a>'), None)
    assert "link-names-another-site" in rules_of(why)


def test_image_only_html_is_evidence_but_a_picture_with_a_letter_is_not():
    assert "image-only-html" in rules_of(score(rich(html='<img src="https://x.example/offer.png">'), None)[1])
    letter = "The picture shows the broken levee behind the school, taken this morning at seven. " * 3
    assert "image-only-html" not in rules_of(score(rich(text=letter, html=f'<p>{letter}</p><img src="cid:1">'), None)[1])


def test_the_receiving_servers_dmarc_and_spf_failures_count_and_a_pass_counts_for_ham():
    failed = (("authentication-results", "mx.example; spf=softfail smtp.mailfrom=x.example; dkim=none; dmarc=fail"),)
    passed = (("authentication-results", "mx.example; spf=pass; dkim=pass header.d=example.org; dmarc=pass"),
              ("message-id", "<1@example.org>"), ("date", "Tue, 1 Dec 2026"))
    assert {"dmarc-fail", "spf-or-dkim-fail"} <= set(rules_of(score(rich(headers=failed), None)[1]))
    assert "dkim-and-dmarc-pass" in rules_of(score(rich(headers=passed), None)[1])
    assert score(rich(headers=passed), None)[0] < PRIOR


def test_no_single_piece_of_evidence_moves_a_message_to_spam_without_a_model():
    failed = (("authentication-results", "mx.example; spf=fail; dkim=fail; dmarc=fail"),)
    value, _ = score(rich("Council vote", "The council voted tonight; look at who funded it.", headers=failed), None)
    assert value < 0.8


def test_a_newsletter_saying_click_here_stays_ham():
    value, _ = score(rich("This week", "Click here to read the full story on our site. Unsubscribe.",
                          html='<p>Click here to read</p><a href="https://click.esp.example/t">www.paper.example</a>'), None)
    assert value < 0.8


def test_a_real_sites_name_worn_at_the_start_of_another_host_is_evidence():
    inp = rich(html='<a href="https://login.microsoftonline.com.auth-session.example/x">Keep password</a>')
    assert "well-known-domain-inside-a-host" in rules_of(score(inp, None)[1])
    assert "well-known-domain-inside-a-host" not in rules_of(score(rich(html='<a href="https://www.example.com/a">a</a>'), None)[1])


def test_a_domain_dressed_as_the_recipients_organisation_is_evidence_its_own_pages_elsewhere_are_not():
    to = (("to", "jo@newsroom.example"), ("message-id", "<1@x>"), ("date", "Tue, 1 Dec 2026"))
    assert "cousin-of-the-recipients-domain" in rules_of(score(rich(sender="payroll@newsroom-hr.example", headers=to), None)[1])
    own_page = rich(html='<a href="https://newsroom.substack.com/p/1">our page</a>', sender="a@substack.com", headers=to)
    assert "cousin-of-the-recipients-domain" not in rules_of(score(own_page, None)[1])
