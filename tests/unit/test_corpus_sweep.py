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
from inbox.mail.parse import LimitExceeded, parse

FOLDERS = ("spamassassin", "malformed")
# Messages whose declared charsets are all real but whose stored text still has U+FFFD
# (multi-byte text with broken sequences is kept with the replacement character).
MAX_REPLACEMENT_SHARE = 0.002


def corpus_files(shared_dir):
    if shared_dir is None:
        pytest.fail("../shared/corpora is missing: this sweep needs the real mail corpora")
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
        if declared_charsets_are_real(raw):
            checked += 1
            parsed = mail.parsed
            if any("\ufffd" in part for part in parsed.text_parts + parsed.html_parts):
                replaced.append(path.name)
    print(f"\n{len(files)} messages, {over_limit} over a limit, {checked} with real charsets, "
          f"{len(replaced)} of those with U+FFFD: {replaced[:10]}")
    assert failures == []
    assert len(replaced) <= MAX_REPLACEMENT_SHARE * checked
