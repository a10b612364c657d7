"""Bytes and header values -> str, whatever charset a message claims.

Real mail names charsets Python has never heard of (DEFAULT_CHARSET,
unknown-8bit, chinesebig5, x-unknown) or lies about the one it uses. A peer
helpdesk aborted whole imports on those names; here decoding never raises, it
falls back step by step and, as a last resort, to latin-1 (which maps every
byte, so no text is lost).
"""
from __future__ import annotations

import codecs
from email.header import decode_header

# Names seen in real mail that Python does not know, or knows under another name.
CHARSET_ALIASES = {
    "chinesebig5": "big5",
    "big5-hkscs": "big5hkscs",
    "x-big5": "big5",
    "gb2312-80": "gb2312",
    "x-gbk": "gbk",
    "x-euc-jp": "euc_jp",
    "x-sjis": "shift_jis",
    "x-mac-roman": "mac_roman",
    "x-mac-cyrillic": "mac_cyrillic",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "windows-874": "cp874",
    "x-user-defined": "windows-1252",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
    "utf8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "unicode-1-1-utf-7": "utf-7",
}

# Names that mean "we don't know": decode by guessing instead.
UNKNOWN_CHARSETS = frozenset({
    "", "default", "default_charset", "unknown", "unknown-8bit", "x-unknown",
    "charset", "none", "8bit", "binary", "x-user", "iso",
})

# Codecs Python accepts as text encodings that no mail body really uses: they
# would turn mail content into escapes or raise in odd ways.
_REFUSED_CODECS = frozenset({
    "unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined",
    "unicode_internal", "mbcs", "oem", "charmap",
})

# Charsets whose mislabelled 8-bit bytes are best read as windows-1252.
_SINGLE_BYTE_ASCII = frozenset({"ascii"})


def codec_name(charset: str | None) -> str | None:
    """The Python codec for a declared charset name, or None when it is bogus."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    if name in UNKNOWN_CHARSETS:
        return None
    name = CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if info.name in _REFUSED_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode mail bytes: the declared charset, then UTF-8, then windows-1252/latin-1."""
    codec = codec_name(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError, TypeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec is not None and codec not in _SINGLE_BYTE_ASCII:
        try:
            return data.decode(codec, errors="replace")
        except (LookupError, ValueError, TypeError):
            pass
    try:
        return data.decode("windows-1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def header_text(value: object) -> str:
    """A raw header value as readable text: unfolded, RFC 2047 words and 8-bit bytes decoded."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)  # compat32 hands back Header objects for some 8-bit values
    if "\n" in value or "\r" in value:
        value = value.replace("\r", "").replace("\n", "")
    if not value.isascii():
        # compat32 keeps 8-bit header bytes as surrogate escapes: read them as bytes.
        value = decode_bytes(value.encode("ascii", "surrogateescape"), "utf-8")
    if "=?" not in value:
        return value.strip()
    try:
        chunks = decode_header(value)
    except Exception:  # binascii and HeaderParseError on broken encoded-words
        return value.strip()
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset or "utf-8"))
        else:
            out.append(chunk)
    return "".join(out).strip()
