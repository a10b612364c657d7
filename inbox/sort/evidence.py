"""Spam evidence beyond words: where the links go, the HTML's shape, whether the
headers hang together, and what the receiving server's SPF/DKIM/DMARC checks said.

EVIDENCE is a table, one row a test with its log-odds weight and a comment. The
weights are set by hand (not fitted), each small enough that no row decides
alone: spam.score adds them to the model's (or the prior's) log-odds with the
content rules, so a message needs several witnesses to reach the threshold.
Legitimate bulk mail (newsletters, press releases via an ESP) sends its links
through tracking domains, so links elsewhere than the sender's domain say
nothing; what real senders rarely do (a link to a bare IP address, a lookalike
domain, a failed DMARC check) weighs more.
"""
from __future__ import annotations

import re
from typing import Callable

from inbox.sort.text import SortInput, quick

_I = re.IGNORECASE
_HREF = re.compile(r"""<a\b[^>]{0,500}?\bhref\s*=\s*["']?(https?://[^"'\s>]{1,500})[^>]{0,500}>(.{0,300}?)</a\s*>""", _I | re.S)
_URL_HOST = re.compile(r"https?://(?:[^/@\s]{0,100}@)?([a-z0-9.-]{1,253})", _I)
_IP_HOST = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_TAGS = re.compile(r"<[^>]{0,2000}>|&[a-z#0-9]{1,10};", _I)
_STYLE_SCRIPT = re.compile(r"<(style|script|head)\b.*?</\1\s*>", _I | re.S)
_DOMAIN_IN_TEXT = re.compile(r"^\s*(?:https?://)?(?:www\.)?([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,24})\b", _I)
_AUTH = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", _I)
# A brand or service word hyphenated into a domain: "usps-delivery", "secure-login", "wallet-notify".
_LOOKALIKE = re.compile(
    r"(?:^|[.-])(?:paypal|apple|icloud|microsoft|office365|outlook|google|docusign|dropbox|amazon|netflix|usps|"
    r"fedex|dhl|irs|wallet|bank|verify|verification|secure|security|login|signin|account|support|helpdesk|"
    r"billing|invoice|payroll|notify|alert)(?:-[a-z0-9]+)+\.|(?:^|\.)[a-z0-9]+-(?:secure|verify|login|support|"
    r"center|centre|service|services|notify|alert|alerts|billing|helpdesk)\.", _I)
# A well-known domain worn as the start of another: "login.microsoftonline.com.auth-session.example".
_DOMAIN_INSIDE_HOST = re.compile(r"\.(?:com|net|org|gov|edu)\.(?=[a-z0-9-]+\.)", _I)
_SHORT_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu"}


def registered(host: str) -> str:
    """The registered part of a host name, roughly: example.org, example.co.uk."""
    labels = host.lower().strip(".").split(".")
    if len(labels) >= 3 and labels[-2] in _SHORT_SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _header(inp: SortInput, name: str) -> str | None:
    for key, value in inp.headers:
        if key == name:
            return value
    return None


_LAST: list = [None, None]  # the last message's links: five rows read them (one process, one message at a time)


def _links(inp: SortInput) -> list[tuple[str, str]]:
    """(href host, link text) of the HTML's links; the text part's URLs with no text."""
    if _LAST[0] is inp:
        return _LAST[1]
    _LAST[0], _LAST[1] = inp, _read_links(inp)
    return _LAST[1]


def _read_links(inp: SortInput) -> list[tuple[str, str]]:
    found = [(m.group(1), m.group(2)) for m in _HREF.finditer(inp.html)] if "href" in inp.html else []
    hosts = [(h.group(1).lower(), text) for url, text in found if (h := _URL_HOST.match(url))]
    if "http" in inp.full_text:
        hosts += [(m.group(1).lower(), "") for m in _URL_HOST.finditer(inp.full_text[:20000])]
    return hosts


def link_names_another_site(inp: SortInput) -> bool:
    """A link whose visible text is a web address on another site than the one it goes to."""
    for host, text in _links(inp):
        shown = _DOMAIN_IN_TEXT.match(_TAGS.sub("", text))
        if shown and "." in shown.group(1) and registered(shown.group(1)) != registered(host):
            return True
    return False


def link_to_ip_address(inp: SortInput) -> bool:
    return any(_IP_HOST.match(host) for host, _ in _links(inp))


def lookalike_domain(inp: SortInput) -> bool:
    """The sender's domain, or a link's, dresses up as a brand or a service desk."""
    domains = [inp.sender.rpartition("@")[2]] + [host for host, _ in _links(inp)[:50]]
    return any(_LOOKALIKE.search(d + ".") for d in domains if d)


def well_known_domain_inside_a_host(inp: SortInput) -> bool:
    """A link's host that starts with a real site's name and ends somewhere else."""
    return any(_DOMAIN_INSIDE_HOST.search(host) for host, _ in _links(inp)[:50])


def cousin_of_the_recipients_domain(inp: SortInput) -> bool:
    """The sender's or a link's domain wears the recipient organisation's name but is not
    its domain ("newsroom-hr.example" to someone at newsroom.example): the target's cousin."""
    to = _header(inp, "to") or ""
    own = {registered(d) for d in re.findall(r"@([a-z0-9.-]{1,253})", to.lower())}
    names = {d.split(".")[0] for d in own if len(d.split(".")[0]) >= 5}
    if not names:
        return False
    hosts = [inp.sender.rpartition("@")[2]] + [host for host, _ in _links(inp)[:50]]
    # Within one hyphenated label ("newsroom-hr", "newsroomexample-my"): a label that IS the name
    # is the organisation's own page somewhere (newsroom.substack.com), and a word that merely
    # contains it ("linuxmafia" to someone at linux.ie) is not a disguise.
    return any(name in label and "-" in label and registered(host) not in own
               for host in hosts if host for label in host.lower().split(".") for name in names)


def image_only_html(inp: SortInput) -> bool:
    """HTML that is pictures with hardly a sentence: the words are in the images, out of a filter's reach."""
    if "<img" not in inp.html.lower():
        return False
    visible = _TAGS.sub(" ", _STYLE_SCRIPT.sub(" ", inp.html))
    return len(" ".join(visible.split())) < 120 and len(inp.new_text.strip()) < 120


def _auth(inp: SortInput) -> dict[str, str]:
    """The receiving server's verdicts: {"spf": "fail", "dkim": "pass", ...} (the first of each)."""
    found: dict[str, str] = {}
    for key, value in inp.headers:
        if key == "authentication-results":
            for method, result in _AUTH.findall(value):
                found.setdefault(method.lower(), result.lower())
        elif key == "received-spf":
            found.setdefault("spf", value.strip().split(None, 1)[0].lower() if value.strip() else "")
    return found


def dmarc_fails(inp: SortInput) -> bool:
    return _auth(inp).get("dmarc") == "fail"


def spf_or_dkim_fails(inp: SortInput) -> bool:
    verdicts = _auth(inp)
    return verdicts.get("spf") in ("fail", "softfail") or verdicts.get("dkim") == "fail"


def aligned_and_passing(inp: SortInput) -> bool:
    """DKIM and DMARC both passed: the From domain is who it says."""
    verdicts = _auth(inp)
    return verdicts.get("dkim") == "pass" and verdicts.get("dmarc") == "pass"


def missing_message_id_or_date(inp: SortInput) -> bool:
    """Every mail program sets both (RFC 5322 3.6); bulk spam tools often skip them."""
    return bool(inp.headers) and (_header(inp, "message-id") is None or _header(inp, "date") is None)


# Link shorteners hide where a link goes; newsletters link through their own ESP's tracker instead.
_SHORTENERS = frozenset({
    "bit.ly", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rebrand.ly", "cutt.ly", "shorturl.at",
    "tiny.cc", "rb.gy", "bit.do", "s.id", "t.ly", "v.gd", "shorte.st", "adf.ly", "bl.ink", "lnkd.in",
})
_ADDRESS = re.compile(r"[a-z0-9._%+-]{1,64}@([a-z0-9.-]{1,253}\.[a-z]{2,24})", _I)
# Each led by a look-ahead for the characters a match starts with (text.quick): re then skips to
# them instead of trying the whole pattern at every position; the same matches, twice as fast.
_MONEY = re.compile(r"(?=[$€£\d])(?:[$€£]\s?\d|\b\d[\d.,]*\s?(?:usd|eur|dollars|btc|euros?)\b)", _I)
_HURRY = quick(re.compile(
    r"\b(?:expir\w*|immediately|urgent\w*|today only|ends (?:soon|today|tonight)|final (?:notice|warning|reminder)|"
    r"within (?:\d+|one|two|three) (?:hours?|days?)|last chance|before (?:it(?:'s| is) )?(?:too late|deleted|closed))\b", _I))


def link_shortener(inp: SortInput) -> bool:
    """A link through a URL shortener: the real destination hidden from the reader and the filter."""
    return any(registered(host) in _SHORTENERS or host in _SHORTENERS for host, _ in _links(inp)[:50])


def display_name_wears_another_address(inp: SortInput) -> bool:
    """The From's display name shows an address on another domain than the one it comes from."""
    value = _header(inp, "from") or ""
    name = value.rpartition("<")[0] if "<" in value else ""
    found = _ADDRESS.search(name)
    return bool(found) and "@" in inp.sender and registered(found.group(1)) != registered(inp.sender.rpartition("@")[2])


def money_under_pressure(inp: SortInput) -> bool:
    """A sum of money and a hurry in the same message: the shape of a scam's ask, whatever the genre."""
    words = inp.words
    return bool(_MONEY.search(words)) and bool(_HURRY.search(words))


# (name, log-odds weight, test). Positive towards spam, negative towards ham. Measured and
# left out (bench/spam.py): links all on other domains than the sender's (69 % of SpamAssassin's
# ham, list mail), Reply-To on another domain (19 %: lists; outside a discussion list
# still 5.3 % of easy ham against 3.8 % of spam), hidden text (newsletters'
# hidden preheaders), a Date in the future (needs the server's received time, not ours).
EVIDENCE: tuple[tuple[str, float, Callable[[SortInput], bool]], ...] = (
    # Phishing's tell: the link says one site and goes to another. Little weight: newsletters
    # show their own address over a tracking link too.
    ("link-names-another-site", 0.5, link_names_another_site),
    # Real senders link to names, not to bare IP addresses.
    ("link-to-ip-address", 1.5, link_to_ip_address),
    # Brand words hyphenated into a domain ("usps-delivery...", "...-secure").
    ("lookalike-domain", 1.5, lookalike_domain),
    # A real site's name worn at the start of another host.
    ("well-known-domain-inside-a-host", 1.5, well_known_domain_inside_a_host),
    # A domain dressed as the recipient's own organisation's.
    ("cousin-of-the-recipients-domain", 1.5, cousin_of_the_recipients_domain),
    # The words are in the pictures, out of a filter's reach.
    ("image-only-html", 1.0, image_only_html),
    # The receiving server's checks (RFC 8601 Authentication-Results, Received-SPF).
    ("dmarc-fail", 1.5, dmarc_fails),
    ("spf-or-dkim-fail", 1.0, spf_or_dkim_fails),
    # Little weight: spammers authenticate their own domains too.
    ("dkim-and-dmarc-pass", -0.3, aligned_and_passing),
    # Every mail program sets both (RFC 5322 3.6); bulk spam tools often skip them.
    ("missing-message-id-or-date", 0.5, missing_message_id_or_date),
    # A shortener hides the destination (legitimate bulk mail links through its ESP's tracker).
    ("link-shortener", 1.0, link_shortener),
    # "Editor Name <editor@newsroom.example>" <someone@elsewhere>: a display-name spoof.
    ("display-name-wears-another-address", 1.5, display_name_wears_another_address),
    # Money and a hurry together: 11.4 % of SpamAssassin's spam, 0.2 % of its easy ham.
    ("money-under-pressure", 1.0, money_under_pressure),
)


def fired(inp: SortInput) -> list[tuple[str, float]]:
    """The evidence rows that hold for this message, with their weights."""
    return [(name, weight) for name, weight, test in EVIDENCE if test(inp)]
