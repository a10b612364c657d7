"""Parse and clean every real message we have: nothing may raise but LimitExceeded.

Reads ../shared/corpora (4,400 SpamAssassin messages and ~110 malformed ones);
fails, saying so, when that folder is missing: in CI it always exists.
"""
from __future__ import annotations

from email.parser import BytesParser
from email.policy import compat32

import pytest

from inbox.config import LimitsSettings
from inbox.mail.clean import PREVIEW_CHARS, clean
from inbox.mail.decode import codec_name
from inbox.mail.parse import LimitExceeded, extract_part, parse

FOLDERS = ("spamassassin", "malformed")
# Messages whose declared charsets are all real but whose stored text still has U+FFFD
# (multi-byte text with broken sequences is kept with the replacement character).
MAX_REPLACEMENT_SHARE = 0.002


def corpus_files(shared_dir):
    files = []
    for folder in FOLDERS:
        root = shared_dir / "corpora" / folder
        if not root.is_dir():
            pytest.fail(f"{root} is missing: this sweep needs it")
        files += [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".json"]
    return files


def declared_charsets_are_real(raw: bytes) -> bool:
    msg = BytesParser(policy=compat32).parsebytes(raw)
    return all(codec_name(c) is not None for c in msg.get_charsets() if c)


def test_every_corpus_message_parses_and_cleans(shared_dir):
    files = corpus_files(shared_dir)
    assert len(files) >= 4400
    limits = LimitsSettings()
    failures, over_limit, replaced, checked = [], 0, [], 0
    for path in files:
        raw = path.read_bytes()
        try:
            mail = clean(parse(raw, limits))
        except LimitExceeded:
            over_limit += 1
            continue
        except Exception as exc:  # the point of the test: collect, then report them all
            failures.append(f"{path.name}: {type(exc).__name__}: {exc}")
            continue
        assert 0 <= mail.new_text_end <= len(mail.text), path
        assert mail.signature_start is None or 0 <= mail.signature_start <= len(mail.text), path
        assert len(mail.preview) <= PREVIEW_CHARS, path
        assert "\x00" not in mail.text, path
        if mail.html is not None:
            assert "<script" not in mail.html.lower(), path
        for part in mail.parsed.attachments:  # the board downloads each one this way
            if extract_part(raw, part.part_path) != part:
                failures.append(f"{path.name}: part {part.part_path} does not extract to itself")
        if declared_charsets_are_real(raw):
            checked += 1
            parsed = mail.parsed
            if any("\ufffd" in part for part in parsed.text_parts + parsed.html_parts):
                replaced.append(path.name)
    print(f"\n{len(files)} messages, {over_limit} over a limit, {checked} with real charsets, "
          f"{len(replaced)} of those with U+FFFD: {replaced[:10]}")
    assert failures == []
    assert len(replaced) <= MAX_REPLACEMENT_SHARE * checked


# Read by eye, one message at a time: how the quoted part starts (None: no quote in
# the reader's reply) and how the signature starts (None: no signature).
REPLY_LABELS = {
    "github/correct_sig.txt": (None, "--\nrick"),
    "github/email_1_1.txt": (None, "-Abhishek Kona"),  # a "-Name" sign-off is a signature (issue 16)
    "github/email_1_2.txt": (">\n> -Abhishek", None),  # interleaved: only the trailing quote
    "github/email_1_3.txt": ("On 01/03/11 7:07 PM", "-Abhishek Kona"),
    "github/email_1_4.txt": ("On Aug 22, 2011", None),
    "github/email_1_5.txt": (None, None),
    "github/email_1_6.txt": ("On Dec 16, 2011", "Sent from a magnific"),
    "github/email_1_7.txt": ("On Tue, Sep 25, 2012", None),
    "github/email_1_8.txt": (">\n> -- Tim", "--\nHey there"),  # bottom-posted, signed below
    "github/email_2_1.txt": ("-------", None),
    "github/email_2_2.txt": ("_______", None),
    "github/email_2_3.txt": ("From: CRM Comments", None),
    "github/email_BlackBerry.txt": (None, "Sent from my BlackBerry"),
    "github/email_bullets.txt": ("On Fri, Feb 24, 2012", "--\n\n*Joe Smith"),
    "github/email_iPhone.txt": (None, "Sent from my iPhone"),
    "github/email_long_quote.txt": (None, "-Abhishek Kona"),
    "github/email_multi_word_sent_from_my_mobile_device.txt": (None, "Sent from my Verizon"),
    "github/email_one_is_not_on.txt": ("On Oct 1, 2012", None),
    "github/email_sent_from_my_not_signature.txt": (None, None),
    "github/email_sig_delimiter_in_middle_of_line.txt": (None, None),
    "github/greedy_on.txt": ("On 9 Jan 2014", None),
    "github/pathological.txt": ("On Dec 8, 2013", None),
    "talon/html_replies/gmail.html": ("On Thu, Jun 26, 2014", "Thanks,\nAlex"),
    "talon/html_replies/hotmail.html": ("---\n\nDate: Thu", "Thanks,\nAlex"),
    "talon/html_replies/mail_ru.html": ("Thu, 26 Jun 2014", "Thanks,\nAlex"),
    "talon/html_replies/ms_outlook_2003.html": ("---\n\nFrom: Alexander", "Thanks,\n\nAlex"),
    "talon/html_replies/ms_outlook_2007.html": ("From: Alexander L", "Thanks,\n\nAlex"),
    "talon/html_replies/ms_outlook_2010.html": ("From: Foo", "Thanks,\n\nAlex"),
    "talon/html_replies/thunderbird.html": ("On 26.06.2014", "Thanks,\nAlex"),
    "talon/html_replies/windows_mail.html": ("От: Alexander", "Thanks,\nAlex"),
    "talon/html_replies/yandex_ru.html": ("26.06.2014, 14:41", "Thanks,\nAlex"),
    "talon/standard_replies/android.eml": ("02.04.2012 14:20", None),
    "talon/standard_replies/aol.eml": ("-----Original Message-----", None),
    "talon/standard_replies/apple_mail.eml": ("On Apr 3, 2012", None),
    "talon/standard_replies/apple_mail_2.eml": ("> On 22 Aug 2015", None),
    "talon/standard_replies/comcast.eml": ("----- Original Message -----", None),
    "talon/standard_replies/gmail.eml": ("On Mon, Apr 2, 2012", None),
    "talon/standard_replies/hotmail.eml": ("> Subject: Test", None),
    "talon/standard_replies/iphone.eml": ("On Apr 3, 2012", "Sent from my iPhone"),
    "talon/standard_replies/outlook.eml": ("From: xxx@xxx.mailgun.org", None),
    "talon/standard_replies/sparrow.eml": ("On Tuesday, April 3, 2012", "--\nxxx"),
    "talon/standard_replies/thunderbird.eml": (None, None),  # bottom-posted: the new words end the mail
    "talon/standard_replies/yahoo.eml": ("----- Original Message -----", None),
}
MIN_REPLY_SHARE = 0.9


def test_reply_corpus_quotes_and_signatures_match_hand_labels(shared_dir):
    root = shared_dir / "corpora" / "replies"
    wrong = []
    for name, (quote, signature) in REPLY_LABELS.items():
        raw = (root / name).read_bytes()
        if not name.endswith(".eml"):
            kind = b"html" if name.endswith(".html") else b"plain"
            raw = b"Content-Type: text/" + kind + b"; charset=utf-8\n\n" + raw
        mail = clean(parse(raw, LimitsSettings()))
        quoted = mail.text[mail.new_text_end :].strip()
        got_quote = quoted.startswith(quote) if quote else not quoted
        got_signature = (
            mail.signature_start is not None and mail.text[mail.signature_start :].startswith(signature)
            if signature
            else mail.signature_start is None
        )
        if not (got_quote and got_signature):
            wrong.append(name)
    share = 1 - len(wrong) / len(REPLY_LABELS)
    print(f"\nreplies: {len(REPLY_LABELS) - len(wrong)}/{len(REPLY_LABELS)} right ({share:.0%}); wrong: {wrong}")
    assert share >= MIN_REPLY_SHARE, wrong
