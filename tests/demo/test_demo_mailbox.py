"""The bundled demo mailbox: enough varied, well-formed tips, all addresses on reserved domains."""
from __future__ import annotations

import re
import struct
import zlib
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses

from inbox.demo import build_mailbox, message_names, messages

RESERVED = re.compile(r"@([a-z0-9-]+\.)*(example\.(org|com|net)|[a-z0-9-]+\.example)$")


def _mail(name: str):
    data = build_mailbox.MAILBOX.joinpath(name).read_bytes()
    return message_from_bytes(data, policy=default_policy)


def test_demo_mailbox_has_forty_tips_with_stable_sources():
    names = message_names()
    assert len(names) >= 40
    uids = [source.uid for _raw, source in messages()]
    assert uids == list(range(1, len(names) + 1))


def test_every_address_is_on_a_reserved_domain():
    for name in message_names():
        msg = _mail(name)
        pairs = getaddresses([str(v) for key in ("From", "To", "Cc", "Reply-To") for v in msg.get_all(key, [])])
        assert pairs, name
        for _display, address in pairs:
            assert RESERVED.search(address.lower()), f"{name}: {address} is not on a reserved domain"


def test_every_message_has_a_unique_message_id():
    ids = [_mail(name)["Message-ID"] for name in message_names()]
    assert all(ids) and len(set(ids)) == len(ids)


def test_builder_reproduces_the_committed_messages(tmp_path):
    for path in build_mailbox.build(tmp_path):
        assert path.read_bytes() == build_mailbox.MAILBOX.joinpath(path.name).read_bytes(), path.name


def test_attached_png_is_a_valid_png():
    (part,) = list(_mail("19-bridge-inspection.eml").iter_attachments())
    data = part.get_content()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, kinds = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        kinds.append(kind)
        offset += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    width, height = struct.unpack(">II", data[16:24])
    assert len(zlib.decompress(data[8 + 8 + 13 + 4 + 8 : -12])) == height * (1 + 3 * width)


def test_attached_pdf_has_a_correct_cross_reference_table():
    (part,) = list(_mail("29-pdf-memo.eml").iter_attachments())
    data = part.get_content()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    startxref = int(data.rsplit(b"startxref", 1)[1].split()[0])
    assert data[startxref:].startswith(b"xref")
    entries = re.findall(rb"(\d{10}) 00000 n ", data[startxref:])
    assert len(entries) == 5
    for number, offset in enumerate(entries, start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj" % number)


def test_html_tip_has_an_inline_cid_image_and_a_remote_pixel():
    msg = _mail("28-html-nursing-home.eml")
    html = msg.get_body(("html",)).get_content()
    assert 'src="cid:calllights-1@example.org"' in html
    assert "http://track.mailer.example/" in html
    related = [p for p in msg.walk() if p.get("Content-ID") == "<calllights-1@example.org>"]
    assert len(related) == 1 and related[0].get_content_type() == "image/png"


def test_polling_place_story_comes_from_five_different_readers():
    senders = {_mail(n)["From"].addresses[0].addr_spec for n in message_names() if n.startswith(tuple(f"{i:02d}-polling" for i in range(9, 14)))}
    assert len(senders) == 5
