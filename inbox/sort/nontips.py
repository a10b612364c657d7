"""Not tips: auto-replies, bounces, newsletters and list mail go to the board's
"Not tips" column, never New; a press release stays a tip and says so.

Mailman-style, the evidence is data (RULES), read top to bottom, one row a rule
with a comment. The header rule table (inbox/mail/headers.py: Auto-Submitted,
X-Autoreply, Precedence, List-Id, multipart/report, MAILER-DAEMON, Return-Path
<> ...) is the strongest witness and decides alone (bulk-mail headers without a
list's name only half way: see BULK); what the body
says adds weight per row, and a kind is found when its weight reaches DECIDES.
So one out-of-office phrase in a reader's letter ("I'm on leave from the plant,
and ...") never hides it: it needs a second cue of its kind.

Which kind wins, when several are found (ORDER): an auto-reply or a bounce is
machine mail whatever it quotes (a bounce first: it comes from the null path, as
RFC 3834 asks auto-replies to, and that row alone says auto-reply); a press release beats a newsletter, since
releases go out through the same bulk senders (with Precedence: bulk and an
unsubscribe footer) and some are leads; then newsletters, then list mail.

A person's forward ("Fwd:", a forwarded-message block) of a newsletter or an
auto-reply is a reader pointing at something: content cues alone never move it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from inbox.mail.headers import AUTO_REPLY, BOUNCE, LIST, mail_kind
from inbox.sort.text import Scan, SortInput

_I = re.IGNORECASE

PRESS_RELEASE, NEWSLETTER = "press_release", "newsletter"
# Kinds that leave New for the Not tips column.
NOT_TIP_KINDS = frozenset({AUTO_REPLY, BOUNCE, NEWSLETTER, LIST})
ORDER = (BOUNCE, AUTO_REPLY, PRESS_RELEASE, NEWSLETTER, LIST)
DECIDES = 2.0
BULK = 1.0  # bulk-mail headers without a list's name: half way to a newsletter
# Where the body's cues are read: its start (greetings, datelines, OOF notices),
# its end (footers), in characters.
HEAD, TAIL = 1500, 2500

# (kind, rule name, weight, where, pattern). where: "subject"; "head" the first HEAD
# characters of the whole text; "tail" its last TAIL; "from" the sender's address.
RULES: tuple[tuple[str, str, float, str, re.Pattern], ...] = (
    # --- auto-replies: out-of-office wording, in the languages readers and sources write in.
    (AUTO_REPLY, "out-of-office", 1.0, "head", re.compile(
        r"\b(?:i(?:'m| am| will be)(?: currently)? (?:out of (?:the|my) office|away from (?:the|my) office|"
        r"on (?:annual |parental |maternity |paternity |medical )?leave|on vacation|on holiday|travell?ing)"
        r"|i (?:am|will be) (?:away|out) (?:until|through|from)|(?:i )?(?:have|has) left (?:the|this) "
        r"(?:company|organi[sz]ation|office|firm)|is no longer with|this (?:mail)?box is (?:no longer )?monitored)\b", _I)),
    (AUTO_REPLY, "out-of-office-de-fr-es-it", 1.0, "head", re.compile(
        r"\b(?:ich bin (?:bis|vom|ab|derzeit|zurzeit|im urlaub|nicht im b[üu]ro)|abwesenheit|au[ßs]er haus|"
        r"je suis (?:absente?|en cong[ée]s?)|je serai absente?|absente? du bureau|"
        r"estoy (?:fuera de la oficina|de vacaciones|ausente)|estar[ée] (?:fuera|ausente)|"
        r"sono (?:fuori ufficio|in ferie|assente)|sar[òo] (?:fuori ufficio|assente))", _I)),
    (AUTO_REPLY, "out-of-office-nl-pt-nordic-pl", 1.0, "head", re.compile(
        r"\b(?:ik ben (?:afwezig|met vakantie|niet op kantoor)|estou (?:fora do escrit[óo]rio|de f[ée]rias|ausente)|"
        r"jeg (?:er|har) (?:p[åa] ferie|ferie|fraværende|ikke p[åa] kontoret)|jag (?:är|har) "
        r"(?:p[åa] semester|semester|ledig|inte p[åa] kontoret)|jestem (?:na urlopie|poza biurem|nieobecn[ya]))", _I)),
    # ... and what follows such a notice: when they are back, whom to write meanwhile.
    (AUTO_REPLY, "back-on", 1.0, "head", re.compile(
        r"\b(?:(?:i will|i'll) (?:respond|reply|get back to you|answer)(?: to (?:your|you)(?: (?:e-?mail|message))?)? "
        r"(?:when|upon|on|after) (?:i|my) (?:return|get back|am back)|(?:limited|no) access to (?:my )?e-?mail|"
        r"(?:for|in) (?:urgent|immediate) (?:matters|requests|inquiries|assistance)|"
        r"(?:bin|ab dem) .{0,40}wieder (?:im b[üu]ro|erreichbar)|de retour le|regreso el|rientrer[òo]|"
        r"thank you for (?:your (?:e-?mail|message|inquiry|request)|contacting)[^.\n]{0,60}(?:received|respond|reply|get back))", _I)),
    # Ticket systems and CRMs acknowledge a message automatically.
    (AUTO_REPLY, "automated-acknowledgement", 1.0, "head", re.compile(
        r"\b(?:this is an? (?:automated|automatic) (?:response|reply|message|acknowledge?ment)|"
        r"(?:your|we have received your) (?:request|inquiry|ticket|message) (?:has been|was) received|"
        r"reply above this line|ticket (?:number|#|id)\W)", _I)),
    # --- bounces that carry no DSN headers: their wording, and SMTP status codes.
    (BOUNCE, "delivery-failed", 1.0, "head", re.compile(
        r"\b(?:delivery (?:has failed|to the following recipients? failed)|(?:message|mail) could not be delivered|"
        r"(?:couldn't|could not|wasn't|was not) (?:be )?delivered|undeliverable|address not found|"
        r"user unknown|mailbox (?:unavailable|full|not found)|recipient address rejected|"
        r"permanent(?:ly)? (?:error|failure)|no such user)\b", _I)),
    (BOUNCE, "smtp-status", 1.0, "head", re.compile(r"(?<![\w.])(?:5[0-5]\d[ -]5\.\d{1,3}\.\d{1,3}|[45]\.[1-7]\.\d{1,2})(?![\w.])")),
    # --- press releases and PR pitches: the release's furniture, and a pitch's asks.
    (PRESS_RELEASE, "for-immediate-release", 2.0, "head", re.compile(r"\bfor immediate release\b|\bpara (?:publicaci[óo]n|difusi[óo]n) inmediata\b", _I)),
    (PRESS_RELEASE, "embargo", 2.0, "head", re.compile(r"\bembargo(?:ed)?\b(?:[^.\n]{0,40}\b(?:until|till|lifts|for release|\d))?", _I)),
    (PRESS_RELEASE, "media-contact", 1.5, "any", re.compile(
        r"^\W*(?:media|press|news media) (?:contacts?|inquiries|relations)\b|^\W*contacto (?:de prensa|para medios)\b|"
        r"^\W*contact(?:s)?\W+(?:media|press)\b", _I | re.MULTILINE)),
    (PRESS_RELEASE, "release-word", 1.0, "head", re.compile(r"\b(?:press|news|media) release\b|\bcomunicado de prensa\b|\bcommuniqu[ée] de presse\b|\bpressemitteilung\b", _I)),
    (PRESS_RELEASE, "end-marker", 1.0, "tail", re.compile(r"^\s*(?:#{3}|-\s?30\s?-|- ?end ?-)\s*$", re.MULTILINE)),
    # "HARRISBURG, Pa. (Dec. 1, 2026) --", "LANCASTER, Pa.--(WIRE)--", "ERIE, Pa., Dec. 1 /Newswire/ --".
    (PRESS_RELEASE, "dateline", 1.0, "head", re.compile(
        r"^[A-Z][A-Z .'-]{2,30},\s*(?:[A-Z][a-z]{1,4}\.|[A-Z]{2}|[A-Z][a-z]+)?[.,]?\s*"
        r"(?:\([^)\n]{3,40}\)\s*|/[^/\n]{2,30}/\s*|[A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?\s*)?(?:[-\u2013\u2014]{1,2}|/)",
        re.MULTILINE)),
    (PRESS_RELEASE, "announces", 1.0, "head", re.compile(
        r"\b(?:today (?:announced|reported|released|unveiled|launched|filed)|(?:announced|announces) today)\b", _I)),
    (PRESS_RELEASE, "contact-line", 1.0, "tail", re.compile(r"^\W*(?:contacts?|media|press|investor relations)\s*(?::|$)", _I | re.MULTILINE)),
    (PRESS_RELEASE, "boilerplate", 1.0, "tail", re.compile(r"^\s*about (?:the )?[A-Z][\w&.,' -]{2,60}:?\s*$|\bforward[- ]looking statements\b", re.MULTILINE)),
    (PRESS_RELEASE, "media-advisory", 2.0, "head", re.compile(
        r"\bmedia (?:advisory|alert|availability|invit(?:e|ation))\b|\binvites? (?:members of )?(?:the )?(?:news )?media\b|"
        r"\bpress (?:conference|briefing) (?:will be held|is scheduled|at \d)", _I)),
    (PRESS_RELEASE, "pitch", 1.0, "head", re.compile(
        r"\b(?:i(?:'m| am) reaching out|(?:would|might) (?:you|your readers) be interested in|"
        r"available (?:for|to) (?:an? )?(?:interview|comment|speak)|happy to (?:arrange|set up|connect you)|"
        r"(?:story|segment) (?:idea|angle)|on behalf of (?:my|our) client|(?:expert|spokesperson) (?:is )?available)\b", _I)),
    # --- newsletters and notifications: footers and furniture no person writes.
    (NEWSLETTER, "view-in-browser", 1.0, "head", re.compile(
        r"\b(?:view|read|open|see) (?:this|the|our)? ?(?:e-?mail|message|newsletter|issue)? ?(?:in|on|online in) "
        r"(?:your|a|the) (?:web )?browser\b|\bview (?:it )?online\b|having trouble (?:viewing|reading) this", _I)),
    (NEWSLETTER, "unsubscribe", 1.0, "tail", re.compile(r"\bunsubscribe\b|\bse d[ée]sabonner\b|\bdarse de baja\b|\babbestellen\b|\bopt[- ]out\b", _I)),
    (NEWSLETTER, "preferences", 1.0, "tail", re.compile(
        r"\b(?:manage|update|change) (?:your )?(?:e-?mail |subscription |notification |communication )?(?:preferences|settings|subscriptions?)\b", _I)),
    (NEWSLETTER, "why-you-got-this", 1.0, "tail", re.compile(
        r"\byou(?:'re| are)? receiv(?:ed|ing) this (?:e-?mail|message|newsletter|notification|alert)\b|"
        r"\byou (?:signed up|subscribed|opted in)\b|\bthis (?:e-?mail|message) was sent to\b", _I)),
    (NEWSLETTER, "do-not-reply", 1.0, "any", re.compile(
        r"\b(?:please )?do not (?:reply|respond) (?:to|directly to) this (?:e-?mail|message)\b|\bthis (?:is an? )?(?:automated|automatically generated) "
        r"(?:e-?mail|message|notification)\b|\breplies to this (?:e-?mail|message) (?:are|will) not\b", _I)),
    (NEWSLETTER, "no-reply-sender", 1.0, "from", re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|notifications?|alerts?|news(?:letter)?s?|mailer)[\w.+-]*@", _I)),
)

_SCANS = tuple((kind, name, weight, where, Scan(rx)) for kind, name, weight, where, rx in RULES)
_FORWARD = re.compile(r"^\s*(?:fwd?|wg|tr|rv|enc|doorst|vs|pd)\s*:", _I)
_FORWARD_BODY = ("forwarded message", "begin forwarded message", "original message", "weitergeleitete nachricht",
                 "message transféré", "mensaje reenviado")


@dataclass(frozen=True)
class NonTip:
    """What a message is besides a reader's tip ("" for a tip), and why."""

    kind: str
    not_tip: bool  # goes to the Not tips column
    reasons: tuple[str, ...]


def classify(inp: SortInput) -> NonTip:
    """The kind this message is (auto_reply, bounce, press_release, newsletter, list, or "")."""
    by_headers = mail_kind(inp.headers)
    weights: dict[str, float] = {}
    reasons: list[str] = []
    # Headers that name a list (List-Id, List-Post) say discussion, and decide. Bulk headers alone
    # (Precedence: bulk, List-Unsubscribe, a campaign's X-Mailer) weigh BULK: groups and campaigns
    # send one-off tips, releases and pitches through the same mailers; a newsletter also shows
    # a newsletter's furniture (an unsubscribe footer, "view in browser", "manage preferences").
    discussion = any(r.startswith(("list-id", "list-post")) for r in by_headers.reasons)
    if by_headers.is_list:
        weights[LIST if discussion else NEWSLETTER] = DECIDES if discussion else BULK
    # RFC 8058's one-click unsubscribe and Precedence: bulk together: a mailing to subscribers (a
    # statement notice, a shipping notice, an agency's weekly report), whatever its words.
    one_click = not discussion and "list-unsubscribe-post" in by_headers.reasons \
        and any(r.startswith("precedence") for r in by_headers.reasons)
    for kind, flagged in ((AUTO_REPLY, by_headers.is_auto_reply), (BOUNCE, by_headers.is_bounce)):
        if flagged:
            weights[kind] = DECIDES
    reasons += [f"header {r}" for r in by_headers.reasons]
    if by_headers.is_bounce or by_headers.is_auto_reply:  # machine mail whatever the body says: ORDER puts it first
        return NonTip(BOUNCE if by_headers.is_bounce else AUTO_REPLY, True, tuple(reasons))
    text = inp.full_text
    fields = {"head": text[:HEAD], "tail": text[-TAIL:], "subject": inp.subject, "from": inp.sender,
              "any": text[:HEAD] + "\n" + text[-TAIL:] if len(text) > HEAD + TAIL else text}
    # Lower-cased once a string: in a short text head, tail and any are the text itself, and one
    # lower-cased string lets the rules' literals be found in it once (inbox.sort.literals).
    lowered: dict[int, str] = {}
    for kind, name, weight, where, scan in _SCANS:
        value = fields[where]
        low = lowered.get(id(value))
        if low is None:
            low = lowered[id(value)] = value.lower()
        if scan.search(value, low):
            weights[kind] = weights.get(kind, 0.0) + weight
            reasons.append(f"{kind}: {name}")
    # Responders of CRMs and ticket desks send as bulk mail: a bulk header and one auto-reply cue
    # make an auto-reply (both are machine mail; the kind says which).
    if by_headers.is_list and not discussion and weights.get(AUTO_REPLY, 0.0) >= 1.0:
        weights[AUTO_REPLY] = DECIDES
        reasons.append("auto_reply: a bulk header and an auto-reply cue")
    if one_click and not weights.get(PRESS_RELEASE):  # a release's cue keeps a release a release (a tip)
        weights[NEWSLETTER] = max(weights.get(NEWSLETTER, 0.0), DECIDES)
        reasons.append("newsletter: one-click unsubscribe and a bulk precedence")
    found = [kind for kind in ORDER if weights.get(kind, 0.0) >= DECIDES]
    if not found:
        return NonTip("", False, tuple(reasons))
    kind = found[0]
    header_said = (kind == AUTO_REPLY and by_headers.is_auto_reply) or (kind == BOUNCE and by_headers.is_bounce) \
        or (kind in (NEWSLETTER, LIST) and by_headers.is_list)
    if kind in NOT_TIP_KINDS and not header_said and _forwarded_by_a_person(inp):
        reasons.append("a person's forward: content cues alone do not move it")
        return NonTip(kind, False, tuple(reasons))
    return NonTip(kind, kind in NOT_TIP_KINDS, tuple(reasons))


def _forwarded_by_a_person(inp: SortInput) -> bool:
    if _FORWARD.match(inp.subject):
        return True
    head = inp.full_text[:HEAD * 2].lower()
    return any(marker in head for marker in _FORWARD_BODY)
