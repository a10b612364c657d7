"""A spam score from four witnesses: the learned model, content rules, evidence
beyond words (inbox/sort/evidence.py: links, the HTML's shape, headers, SPF/DKIM/DMARC),
and the mail server's own verdict where it left one (X-Spam-Flag / X-Spam-Status).

Each witness adds log-odds to a starting point (the model's probability, or a
low prior before any model exists), so a rule can only push towards spam by its
weight and one witness alone rarely decides. A real tip in the Spam column is the
costly mistake, so the rules here are the blatant ones and the threshold is high.
"""
from __future__ import annotations

import math
import re

from inbox.sort import evidence
from inbox.sort.text import Scan, SortInput

_I = re.IGNORECASE

# Before any model is trained: most mail to a tip line is not spam.
PRIOR = 0.1

# (rule name, log-odds weight, what it reads, pattern). "words" is the subject and the
# sender's own words; "subject" the subject alone.
# No weight is over 2.0: from the prior (log-odds -2.2) the threshold (0.8, +1.4) is 3.6 away,
# so without a model no single rule moves a message to Spam; two or three witnesses must agree.
SPAM_RULES: tuple[tuple[str, float, str, re.Pattern], ...] = (
    # Half weight: "click here" is in 17 % of SpamAssassin's hard ham (newsletters, notices).
    ("click-here", 0.5, "words", re.compile(r"\bclick (?:here|below|now|(?:on )?(?:the|this) (?:\w+ )?link)\b", _I)),
    ("act-now", 1.0, "words", re.compile(r"\b(?:act now|limited time|offer expires|expires (?:today|tonight|soon)|do(?:n'?t| not) miss out|order now|within 24 hours or)\b", _I)),
    ("guarantee", 1.0, "words", re.compile(r"\b(?:100% (?:free|guaranteed|satisfaction)|risk[- ]free|no obligation|money[- ]back guarantee|guaranteed (?:results|backlinks|ranking|traffic))\b", _I)),
    ("prize", 1.5, "words", re.compile(r"\b(?:you(?:'ve| have)? (?:won|been selected)|claim (?:your (?:prize|reward|gift)|now)|lottery winner|winning notification|gift card)\b", _I)),
    ("small-fee", 1.0, "words", re.compile(r"\b(?:small|processing|shipping|handling|release) fee\b", _I)),
    ("advance-fee", 2.0, "words", re.compile(r"\b(?:next of kin|beneficiary of|wire transfer of|sum of (?:us)?\$?\d|transfer (?:the )?funds|barrister)\b", _I)),
    ("account-phish", 1.5, "words", re.compile(r"\b(?:confirm|verify|update|release) your (?:wallet|account|funds|identity|billing|payment details)\b", _I)),
    ("pills", 2.0, "words", re.compile(r"\b(?:viagra|cialis|levitra|phentermine|weight loss pills?)\b", _I)),
    ("money-offer", 1.0, "words", re.compile(r"\b(?:make money|earn (?:extra )?(?:cash|\$\d)|work from home|double your (?:income|money)|extra income)\b", _I)),
    ("crypto-pitch", 1.5, "words", re.compile(r"\b(?:crypto(?:currency)? (?:investment|opportunity|profits?)|guaranteed returns?|(?:bitcoin|btc) (?:investment|opportunity|payout)|trading system|profit on your account)\b", _I)),
    ("valued-customer", 1.0, "words", re.compile(r"\bdear valued (?:customer|investor|member|user)\b", _I)),
    ("seo-pitch", 1.5, "words", re.compile(r"\b(?:(?:first|top) page of google|seo services?|backlinks?|organic traffic|increase your (?:traffic|ranking|sales))\b", _I)),
    ("opt-out", 0.5, "words", re.compile(r"\b(?:to be removed from (?:our|this) (?:mailing )?list|remove yourself from|this is not spam)\b", _I)),
    ("dear-friend", 0.5, "words", re.compile(r"^\s*dear (?:friend|sir/madam|beloved|winner|beneficiary)\b", _I | re.MULTILINE)),
    ("shouting-subject", 1.0, "subject", re.compile(r"^[^a-zA-Z]*(?:[A-Z][^a-zA-Z]*){10,}$")),  # ten capitals, no small letter
    ("exclamations", 0.5, "words", re.compile(r"!{3,}")),
    # --- the genres of today's phishing and scams, by what they ask for (no one message's wording).
    # A credentials notice: a password expiring, a full mailbox, a locked or limited account, held mail.
    ("credentials-notice", 2.0, "words", re.compile(
        r"\b(?:password (?:will )?expir\w*|(?:mailbox|storage|quota) (?:is )?(?:almost |nearly )?full|"
        r"unusual (?:sign[- ]?in|log[- ]?in|login) (?:activity|attempt)|account (?:has been |was |is |will be )?"
        r"(?:temporarily )?(?:limited|suspended|locked|deactivated|disabled|restricted|compromised)|"
        r"messages? (?:held|pending|quarantined|(?:were |was )?not delivered to your inbox)|release (?:the )?messages|"
        r"konto (?:wurde )?(?:vor[üu]bergehend )?gesperrt|cuenta (?:ha sido )?(?:suspendida|bloqueada))\b", _I)),
    # A document, file or voicemail "shared" with a link or an attachment to open.
    ("shared-document-lure", 1.5, "words", re.compile(
        r"\b(?:shared (?:a (?:file|document|folder)|\"[^\"\n]{1,80}\") with you|invited you to (?:view|edit|sign)|"
        r"sent you a document to (?:review|sign)|(?:review|open|view) (?:the )?document|new voice ?(?:mail|message)|"
        r"open the attached (?:file|document) to (?:listen|view)|complete with e-?sign)\b", _I)),
    # Money moved or owed: changed bank details, a past-due invoice, a charge to call about.
    ("payment-lure", 1.5, "words", re.compile(
        r"\b(?:(?:bank|banking|payment|remittance) (?:details|information|instructions) (?:have |has )?(?:changed|been updated)|"
        r"updated (?:bank|banking|remittance|payment) (?:details|information)|past due|final notice|"
        r"(?:if you did not|didn't) (?:authori[sz]e|make|recogni[sz]e) (?:this|the) (?:transaction|payment|charge)|"
        r"confirm (?:your )?direct deposit|payment advice|pague la tarifa|redelivery fee)\b", _I)),
    # A parcel held for an address or a fee.
    ("parcel-lure", 1.0, "words", re.compile(
        r"\b(?:(?:package|parcel|shipment|paquete)\b[^.\n]{0,60}\b(?:could not be delivered|on hold|held|retenido|"
        r"no pudo ser entregado)|delivery attempt (?:failed|unsuccessful)|update your (?:delivery )?address)\b", _I)),
    # Crypto, a trading bot, a stock about to soar.
    ("investment-lure", 1.0, "words", re.compile(
        r"\b(?:\d[\d.,]* btc|bitcoin|crypto(?:currency)?|trading bot|daily returns?|(?:short-term )?price target|"
        r"ticker\W|penny stocks?|\d{3,}% (?:gains?|returns?|runner))\b", _I)),
    # Selling links, articles, contact lists or rankings to a newsroom.
    ("link-selling", 2.0, "words", re.compile(
        r"\b(?:guest post(?:ing)?|sponsored (?:content|articles?|posts?)|do-?follow|link (?:insertion|placement)|"
        r"(?:add|insert|include|place) (?:our|a|my) link|(?:verified|targeted) (?:contacts|e-?mails?|leads|e-?mail list)|"
        r"contacts? database|(?:errors|issues) on your website|redesign (?:your|the) website|top[- ]10 (?:ranking|positions?)|"
        r"продвижение|发票)\b", _I)),
    # Fees that unlock a prize, an award, a press card or a membership.
    ("fee-to-unlock", 1.5, "words", re.compile(
        r"\b(?:(?:listing|membership|nomination|accreditation|registration|processing|release|clearance) fee|"
        r"upon payment|(?:premio|ganador[a]?|loter[íi]a|sorteo)\b|(?:you have been|you've been|has been) (?:nominated|selected|approved))", _I)),
    # Extortion and gift-card errands.
    ("extortion-or-errand", 1.5, "words", re.compile(
        r"\b(?:(?:access to|recordings? from|control of) your (?:devices?|camera|webcam|computer)|"
        r"(?:pick up|buy|purchase|get) (?:\d+ |some |a few |two |three |four |five |six |ten |several )?(?:\w+ ){0,2}"
        r"gift cards|scratch off the back)\b", _I)),
    # Miracle cures and "doctors stunned".
    ("miracle-cure", 1.5, "words", re.compile(
        r"\b(?:doctors? (?:are )?(?:stunned|baffled|shocked|hate)|melts? (?:belly )?fat|lost \d+ pounds|one (?:simple|weird) trick)\b", _I)),
    # Deadlines that pressure: "action required", "within 48 hours".
    ("pressure", 0.5, "words", re.compile(r"\b(?:action (?:required|needed)|within (?:24|48|72) (?:hours|horas|stunden)|before it(?:'s| is) too late|hurry)\b", _I)),
)

# The server's verdict, in log-odds: its "yes" is strong, its "no" is weaker
# (filters miss new spam, but rarely flag a reader's letter).
SERVER_YES = 4.0
SERVER_NO = -1.5


def server_verdict(inp: SortInput) -> tuple[bool | None, str | None]:
    """What the mail server said, if anything: (is_spam, the header that said it)."""
    for name, value in inp.spam_headers:
        word = value.strip().split(",", 1)[0].strip().lower()
        # X-Spam-Flag: YES / X-Spam-Status: Yes, score=7.1 ... (No, ... when clean).
        if word in ("yes", "no"):
            return word == "yes", name
    return None, None


_SCANS = tuple((name, w, field, Scan(rx)) for name, w, field, rx in SPAM_RULES)


def fired_rules(inp: SortInput) -> list[tuple[str, float]]:
    """The content rules that match, with their weights."""
    subject = inp.subject.strip()
    fields = {"words": (inp.words, inp.words_lower), "subject": (subject, subject.lower())}
    return [(name, w) for name, w, field, scan in _SCANS if scan.search(*fields[field])]


def score(inp: SortInput, model_probability: float | None) -> tuple[float, dict]:
    """The spam score (0-1) and how it was reached."""
    start = PRIOR if model_probability is None else min(max(model_probability, 1e-4), 1 - 1e-4)
    logit = math.log(start / (1 - start))
    rules = fired_rules(inp) + evidence.fired(inp)
    logit += sum(w for _, w in rules)
    verdict, header = server_verdict(inp)
    if verdict is not None:
        logit += SERVER_YES if verdict else SERVER_NO
    value = 1.0 / (1.0 + math.exp(-logit))
    explanation = {
        "model": None if model_probability is None else round(model_probability, 4),
        "rules": [{"rule": n, "weight": w} for n, w in rules],
        "server": None if verdict is None else {"header": header, "spam": verdict},
        "score": round(value, 4),
    }
    return value, explanation
