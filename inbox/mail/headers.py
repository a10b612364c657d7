"""Rule tables: which headers say a message is an auto-reply, a bounce or list mail.

Mailman-style: RULES is data, read top to bottom, one row per signal with a
comment saying where it comes from. A row is (kind, header, test, reason);
`test` gets the decoded header value (every occurrence is tried) and the
reason is recorded on the tip, with "{value}" replaced by the (shortened,
lower-cased) value. Subject rows never record the subject itself: the reason
is stored and may be shown in places a subject should not be.

Not used, on purpose: X-MS-Exchange-Generated-Message-Source. Exchange sets it
on mail made by transport agents (journaling, inbox rules that forward a
reader's mail on), which can carry a real tip; we found no documentation that
ties it to auto-replies; nor X-MS-Exchange-Inbox-Rules-Loop, for the same reason;
nor Feedback-ID, which Gmail asks bulk senders for but Proton Mail sets on a
person's own mail too.
What the body says (out-of-office wording, unsubscribe footers, press releases) is
read by inbox/sort/nontips.py, with these rows as its strongest evidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

AUTO_REPLY, BOUNCE, LIST = "auto_reply", "bounce", "list"

_AUTO_SUBJECT = re.compile(
    r"^\s*(auto|automatic reply|auto[- ]?reply|auto[- ]?response|out of (the )?office( (auto)?reply)?|"
    r"abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|absence du bureau|"
    r"respuesta autom[áa]tica|fuera de la oficina|risposta automatica|fuori ufficio|"
    r"resposta autom[áa]tica|ausente do escrit[óo]rio|automatisch antwoord|afwezig|"
    r"automatisk svar|autosvar|fr[åa]nvarande|frav[æa]rende|"
    r"odpowied[źz] automatyczna|poza biurem)\s*(:|$)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable:|undelivered mail|delivery status notification|"
    r"mail delivery (failed|failure|subsystem)|returned mail:|delivery failure|"
    r"failure notice|unzustellbar:|non remis|no se puede entregar:|onbestelbaar:|ikke leveret:|"
    r"message not delivered|delivery (status notification \(failure\)|incomplete)|"
    r"mail delivery failed|returned to sender|undeliverable mail)",
    re.IGNORECASE,
)
_REPORT = re.compile(r"multipart/report.*report-type\s*=\s*\"?([a-z-]+)", re.IGNORECASE | re.DOTALL)
# Bulk senders' own X-Mailer values (ESPs and list servers): what sends a campaign, not a person.
_BULK_MAILER = re.compile(
    r"\b(mailchimp|mailchimp mailer|sendgrid|constant ?contact|campaign ?monitor|hubspot|marketo|"
    r"mailjet|sendinblue|brevo|klaviyo|mailgun|sparkpost|amazon ses|phplist|listserv|mailman|"
    r"sympa|ezmlm|lyris|govdelivery|granicus|emma|icontact|aweber|getresponse|convertkit|"
    r"substack|cision|meltwater|pr ?newswire|business ?wire|mass ?mail|bulk ?mail|newsletter|"
    r"list ?mailer)\b",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"(^|[\s<\"])(mailer-daemon|postmaster)@", re.IGNORECASE)


def _present(value: str) -> bool:
    return bool(value.strip())


def _not_no(value: str) -> bool:
    return value.strip().lower() not in ("", "no")


def _precedence(*words: str) -> Callable[[str], bool]:
    return lambda value: value.strip().lower() in words


def _suppress_oof(value: str) -> bool:
    tokens = {t.strip().lower() for t in value.split(",")}
    return bool(tokens & {"all", "oof"})


def _report(kind: str) -> Callable[[str], bool]:
    def test(value: str) -> bool:
        match = _REPORT.search(value)
        return bool(match) and match.group(1).lower() == kind

    return test


RULES: tuple[tuple[str, str, Callable[[str], bool], str], ...] = (
    # RFC 3834: Auto-Submitted is "no" on human mail; anything else is a machine.
    (AUTO_REPLY, "auto-submitted", _not_no, "auto-submitted: {value}"),
    # Old vacation programs and many ISPs' responders.
    (AUTO_REPLY, "x-autoreply", _present, "x-autoreply: {value}"),
    (AUTO_REPLY, "x-autorespond", _present, "x-autorespond: {value}"),
    # Exchange stamps its own generated mail (OOF replies, reports) "All" or "OOF".
    (AUTO_REPLY, "x-auto-response-suppress", _suppress_oof, "x-auto-response-suppress: {value}"),
    # The de-facto vacation header (Precedence is not standard, but sendmail's vacation sets it).
    (AUTO_REPLY, "precedence", _precedence("auto_reply"), "precedence: {value}"),
    # RFC 3834 asks responders to send from the null path; DSNs do too (caught below).
    (AUTO_REPLY, "return-path", lambda v: v.strip() in ("<>", "< >"), "return-path: empty"),
    # RFC 8098 read receipts are machine-written.
    (AUTO_REPLY, "content-type", _report("disposition-notification"), "content-type: read receipt"),
    # Outlook, Gmail, Exchange and German/French/Spanish/Italian responders' subjects.
    (AUTO_REPLY, "subject", _AUTO_SUBJECT.search, "subject: auto-reply wording"),
    # RFC 3464 delivery status notifications: the standard bounce.
    (BOUNCE, "content-type", _report("delivery-status"), "content-type: delivery-status report"),
    # RFC 5321 section 4.5.1: bounces come from the mail system's own addresses.
    (BOUNCE, "from", _DAEMON.search, "from: mailer-daemon/postmaster"),
    # Exim lists the addresses it could not deliver to in its bounces.
    (BOUNCE, "x-failed-recipients", _present, "x-failed-recipients"),
    # Non-standard bounces (qmail, old Exchange) still say so in the subject.
    (BOUNCE, "subject", _BOUNCE_SUBJECT.search, "subject: bounce wording"),
    # RFC 2919 / RFC 2369: mailing-list software adds these.
    (LIST, "list-id", _present, "list-id: {value}"),
    (LIST, "list-unsubscribe", _present, "list-unsubscribe"),
    (LIST, "list-post", _present, "list-post"),
    # Bulk senders and list servers (Mailman) set Precedence: bulk/list/junk.
    (LIST, "precedence", _precedence("bulk", "list", "junk"), "precedence: {value}"),
    # RFC 8058 one-click unsubscribe: only bulk mail offers it.
    (LIST, "list-unsubscribe-post", _present, "list-unsubscribe-post"),
    # Campaign ids of ESPs (Mailchimp's X-Campaign / X-CampaignID, Mailgun's, Sendinblue's ...).
    (LIST, "x-campaign", _present, "x-campaign"),
    (LIST, "x-campaignid", _present, "x-campaignid"),
    (LIST, "x-mailgun-campaign-id", _present, "x-mailgun-campaign-id"),
    # The software that sent it names itself a bulk sender or a list server.
    (LIST, "x-mailer", _BULK_MAILER.search, "x-mailer: bulk sender"),
)

_WANTED = frozenset(header for _, header, _, _ in RULES)
WANTED = _WANTED  # the headers the rules read, for stages that keep only those


@dataclass(frozen=True)
class MailKind:
    is_auto_reply: bool
    is_bounce: bool
    is_list: bool
    reasons: tuple[str, ...]


def mail_kind(headers: tuple[tuple[str, str], ...]) -> MailKind:
    """Run every RULES row over the headers: machine mail must not be mistaken for a tip."""
    values: dict[str, list[str]] = {}
    for name, value in headers:
        if name in _WANTED:
            # The rules only need a header's start; a bounded value keeps every regex linear.
            values.setdefault(name, []).append(value[:2000])
    kinds: set[str] = set()
    reasons: list[str] = []
    for kind, header, test, reason in RULES:
        for value in values.get(header, ()):
            if test(value):
                kinds.add(kind)
                reasons.append(reason.replace("{value}", " ".join(value.lower().split())[:80]))
                break
    return MailKind(AUTO_REPLY in kinds, BOUNCE in kinds, LIST in kinds, tuple(reasons))
