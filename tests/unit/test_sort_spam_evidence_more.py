"""The evidence rows for link shorteners, display-name spoofs and money under pressure."""
from __future__ import annotations

from inbox.sort.spam import score
from inbox.sort.text import SortInput

BASE = (("message-id", "<1@example.org>"), ("date", "Tue, 1 Dec 2026"))


def mail(subject: str = "", text: str = "", html: str = "", sender: str = "s@example.org",
         headers: tuple[tuple[str, str], ...] = (), listed: bool = False) -> SortInput:
    return SortInput(subject=subject, new_text=text, full_text=text, sender=sender, sent_at=None,
                     headers=BASE + headers, html=html, listed=listed)


def rules(inp: SortInput) -> set[str]:
    return {r["rule"] for r in score(inp, None)[1]["rules"]}


def test_a_link_through_a_shortener_is_evidence_a_link_to_a_site_is_not():
    assert "link-shortener" in rules(mail(html='<a href="https://bit.ly/3xYz">open</a>'))
    assert "link-shortener" in rules(mail(text="See https://tinyurl.com/abcd now"))
    assert "link-shortener" not in rules(mail(html='<a href="https://www.bitly-fan.example/">open</a>'))


def test_a_display_name_showing_another_address_is_a_spoof_its_own_address_is_not():
    spoof = (("from", '"editor@newsroom.example" <mailer@far-away.example>'),)
    own = (("from", '"s@example.org" <s@example.org>'),)
    plain = (("from", "Jo Reader <s@example.org>"),)
    assert "display-name-wears-another-address" in rules(mail(sender="mailer@far-away.example", headers=spoof))
    assert "display-name-wears-another-address" not in rules(mail(headers=own))
    assert "display-name-wears-another-address" not in rules(mail(headers=plain))


def test_money_and_a_hurry_together_count_either_alone_does_not():
    assert "money-under-pressure" in rules(mail("Your reward", "Collect $250 today only, the code expires at midnight."))
    assert "money-under-pressure" not in rules(mail("Budget", "The school board cut $2 million from the bus budget."))
    assert "money-under-pressure" not in rules(mail("Hurry", "The flooding is getting worse, come immediately."))


def test_a_readers_tip_about_money_and_a_deadline_stays_below_the_threshold():
    tip = mail("Rent hike", "Our landlord wants $400 more a month and says we must sign within 3 days or leave.",
               sender="reader@gmail.com", headers=(("from", "A Reader <reader@gmail.com>"),))
    assert score(tip, None)[0] < 0.8


def test_money_under_pressures_look_ahead_keeps_every_spelling_of_a_sum_and_a_hurry():
    from inbox.sort import evidence

    for text in ("Send 500 USD, URGENT", "€50 before it's too late", "1,000.00 dollars within two days",
                 "0.5 BTC: Final Notice", "£3 - EXPIRES", "٣ euros, last chance"):
        assert "money-under-pressure" in rules(mail("Pay", text)), text
    for text in ("USD 500 urgently", "five dollars, urgent", "$ 5 immediately", "x1 euros expired"):
        plain = r"(?:[$€£]\s?\d|\b\d[\d.,]*\s?(?:usd|eur|dollars|btc|euros?)\b)"
        assert bool(evidence._MONEY.search(text)) == bool(evidence.re.search(plain, text, evidence.re.I)), text
