"""Which columns of which rows are sealed to the desk key, and opening them again (docs/encryption.md).

Sealed always (when a key is configured): raw messages and quarantined messages (so every
attachment, which is read out of the raw bytes), and the sanitised HTML. Sealed for the tips
of protected readers (inbox/models/readers.py): the subject, preview and text body, which then
read "" in their plaintext columns, so the search index never holds them. Everything else
(threading keys, sender, dates, topic, status, flags' kinds, sizes, hashes) stays plaintext:
the worker, which cannot open anything, threads, sorts and deduplicates with it.
"""
from __future__ import annotations

import json
from typing import Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from inbox.models import Tip
from inbox.models.readers import Reader, identity_risks
from inbox.vault import Sealer, Vault, VaultError

# Shown where a sealed value cannot be opened (no private key in this process).
LOCKED = "[encrypted: the desk key is not unlocked here]"


def protected_senders(session: Session, addresses: Iterable[str]) -> set[str]:
    """The addresses among these whose reader is protected (one query a batch)."""
    addresses = {a for a in addresses if a}
    if not addresses:
        return set()
    return set(session.scalars(select(Reader.address).where(Reader.address.in_(addresses), Reader.protected.is_(True))))


def protects(sensitive: Iterable[str]) -> bool:
    """Whether a tip with these sensitive kinds protects its reader (as sorting decides it)."""
    return bool(identity_risks(",".join(sensitive)))


def seal_tip(tip: Tip, sealer: Sealer, protected: bool, html: str | None = None) -> None:
    """Seal a tip's HTML (given, or its own), and for a protected reader its subject, preview and text."""
    html = tip.html_body if html is None else html
    if html:
        size = len(html)
        tip.sealed_html = sealer.seal_text(html)
        tip.html_body = None
        tip.html_size = size
    if protected:
        tip.sealed_head = sealer.seal_text(json.dumps({"subject": tip.subject or "", "preview": tip.preview or ""}))
        tip.sealed_body = sealer.seal_text(tip.text_body or "")
        tip.subject, tip.preview, tip.text_body = "", "", ""
    if tip.sealed_html is not None or tip.sealed_head is not None:
        tip.key_id = sealer.key_id


def seal_new_tip(tip: Tip, sealer: Sealer, sorting, protected: set[str], newly: set[str]) -> None:
    """The store's sealing of a new tip: whole if its reader is protected or this tip protects them."""
    if sorting is not None and protects(sorting.sensitive) and tip.sender_address not in protected:
        protected.add(tip.sender_address)
        newly.add(tip.sender_address)
    seal_tip(tip, sealer, tip.sender_address in protected)


def raw_values(raw: bytes, sealer: Sealer | None) -> dict:
    """The data and key_id columns for raw bytes (raw_messages, quarantine)."""
    if sealer is None:
        return {"data": raw, "key_id": None}
    return {"data": sealer.seal(raw), "key_id": sealer.key_id}


def open_raw(vault: Vault | None, data: bytes, key_id: str | None) -> bytes:
    """Raw bytes as stored, opened if sealed; VaultError when this process holds no key for them."""
    if key_id is None:
        return data
    if vault is None:
        raise VaultError("this message is encrypted and the desk key is not unlocked here")
    return vault.open(data)


def raw_of(vault: Vault | None, tip: Tip) -> bytes:
    return open_raw(vault, tip.raw.data, tip.raw.key_id)


def html_of(vault: Vault | None, tip: Tip) -> str | None:
    """A tip's sanitised HTML, opened if sealed (reads the deferred column: only for a page that shows it)."""
    if tip.sealed_html is None:
        return tip.html_body
    if vault is None or not vault.can_open:
        return None
    return vault.open_text(tip.sealed_html)


def head_of(vault: Vault | None, sealed_head: bytes | None, subject: str, preview: str) -> tuple[str, str]:
    """(subject, preview) of a tip or of a row selected with these columns; LOCKED if it cannot be opened."""
    if sealed_head is None:
        return subject, preview
    if vault is None or not vault.can_open:
        return LOCKED, ""
    try:
        head = json.loads(vault.open_text(sealed_head))
    except VaultError:
        return LOCKED, ""
    return head.get("subject", ""), head.get("preview", "")


def text_of(vault: Vault | None, tip: Tip) -> str | None:
    """A tip's text body, opened if sealed; None if it is sealed and cannot be opened here."""
    if tip.sealed_body is None:
        return tip.text_body
    if vault is None or not vault.can_open:
        return None
    try:
        return vault.open_text(tip.sealed_body)
    except VaultError:
        return None


def open_in_place(vault: Vault | None, tip: Tip, html: bool = False) -> bool:
    """Put a sealed tip's subject, preview and text (and its HTML, if asked: the deferred column is
    read only then) in its plain attributes for this session, as loaded values: never flushed back,
    so the file never gets them. False, with the subject LOCKED, when this process cannot open them."""
    ok = True
    if tip.sealed_head is not None:
        subject, preview = head_of(vault, tip.sealed_head, "", "")
        body = text_of(vault, tip) if subject != LOCKED else None
        ok = body is not None
        set_committed_value(tip, "subject", subject if ok else LOCKED)
        set_committed_value(tip, "preview", preview if ok else "")
        set_committed_value(tip, "text_body", body if ok else "")
    if html and tip.key_id is not None and tip.html_body is None and tip.sealed_html is not None:
        try:
            set_committed_value(tip, "html_body", html_of(vault, tip))
        except VaultError:
            ok = False
    return ok


def seal_reader_tips(session: Session, vault: Vault | None, *addresses: str) -> int:
    """Readers became protected (an editor said so, or a tip the store is saving): seal the subject
    and text of their tips not sealed yet. Returns how many. Nothing to do without a key configured."""
    addresses = tuple(a for a in addresses if a)
    if vault is None or vault.public is None or not addresses:
        return 0
    sealer = vault.sealer()
    tips = session.scalars(select(Tip).where(Tip.sender_address.in_(addresses), Tip.sealed_head.is_(None))).all()
    for tip in tips:
        old_key, html = tip.key_id, None
        if tip.sealed_html is not None and old_key != sealer.key_id and vault.can_open:
            html, tip.sealed_html = vault.open_text(tip.sealed_html), None  # the whole row to one key
        seal_tip(tip, sealer, True, html=html)
        if tip.sealed_html is not None and html is None and old_key is not None:
            tip.key_id = old_key  # its HTML is still sealed to the older key: a rotation re-seals the row
    if tips and session.get_bind().dialect.name == "sqlite":
        # The update trigger put 'delete' entries in the search index; merging its segments drops
        # the old words from the file (secure_delete overwrites the freed pages).
        session.execute(text("INSERT INTO tips_fts(tips_fts) VALUES ('optimize')"))
    return len(tips)


def reseal_tip(tip: Tip, vault: Vault, sealer: Sealer) -> None:
    """Rotation: open a tip's sealed columns with the key that sealed them, seal them to the new key."""
    if tip.sealed_html is not None:
        tip.sealed_html = sealer.seal(vault.open(tip.sealed_html))
    if tip.sealed_head is not None:
        tip.sealed_head = sealer.seal(vault.open(tip.sealed_head))
    if tip.sealed_body is not None:
        tip.sealed_body = sealer.seal(vault.open(tip.sealed_body))
    tip.key_id = sealer.key_id
