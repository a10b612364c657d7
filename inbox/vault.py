"""Encryption at rest with the desk's key pair (docs/encryption.md).

The worker holds only the public key: it seals what it stores, and can never read it back.
The board unlocks the private key at start to open what a page shows.

A sealed blob is  b"TV1" | key id (8 bytes) | data key sealed to the public key (80 bytes,
libsodium's crypto_box_seal) | the data under that key (crypto_secretbox: XSalsa20-Poly1305,
its own 24-byte nonce). One data key serves one batch (a Sealer): a public-key operation
costs 0.2 ms, two a message would have cost the worker a third of its speed; a secretbox
over 50 kB costs 0.05 ms. Opening caches data keys, so a page of one batch's tips pays once.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from nacl import pwhash, secret, utils
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

MAGIC = b"TV1"
_HEAD = len(MAGIC) + 8 + 80  # magic, key id, the sealed 32-byte data key (32 + 48 bytes of box)
PUBLIC_PREFIX = "desk1:"
KEYFILE_FORMAT = "tip-inbox desk key 1"


class VaultError(Exception):
    """A key that cannot be read or used; the message is one line for the user."""


def key_id(public: PublicKey) -> str:
    """A public key's short name (16 hex digits), recorded on every row it encrypted."""
    return hashlib.sha256(bytes(public)).hexdigest()[:16]


def encode_public(public: PublicKey) -> str:
    return PUBLIC_PREFIX + base64.urlsafe_b64encode(bytes(public)).decode().rstrip("=")


def decode_public(text: str) -> PublicKey:
    """A "desk1:..." public key from the config; VaultError when it is not one."""
    text = text.strip()
    if not text.startswith(PUBLIC_PREFIX):
        raise VaultError(f"not a desk public key (it starts with {PUBLIC_PREFIX!r}): {text[:12]!r}...")
    body = text[len(PUBLIC_PREFIX):]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise VaultError("the desk public key is damaged (not base64)") from None
    if len(raw) != PublicKey.SIZE:
        raise VaultError("the desk public key is damaged (wrong length)")
    return PublicKey(raw)


@dataclass(frozen=True)
class Sealed:
    """What sealing one value gives: the bytes to store and the key id to store beside them."""

    data: bytes
    key_id: str


class Sealer:
    """Seals values to one public key under one data key (one batch's worth)."""

    def __init__(self, public: PublicKey):
        self.key_id = key_id(public)
        self._key = utils.random(secret.SecretBox.KEY_SIZE)
        self._box = secret.SecretBox(self._key)
        self._head = MAGIC + bytes.fromhex(self.key_id) + SealedBox(public).encrypt(self._key)

    def seal(self, data: bytes) -> bytes:
        return self._head + self._box.encrypt(data)

    def seal_text(self, text: str) -> bytes:
        return self.seal(text.encode("utf-8"))


class Vault:
    """The desk key as one process holds it: the public key (to seal), and the private keys
    (to open) when this process unlocked them; the newest private key comes first."""

    def __init__(self, public: PublicKey | None, secrets: list[PrivateKey] = ()):
        self.public = public
        self.secrets = {key_id(k.public_key): SealedBox(k) for k in secrets}
        self.private_keys = list(secrets)
        self.newest_secret = secrets[0] if secrets else None
        self._keys: OrderedDict[bytes, secret.SecretBox] = OrderedDict()

    @property
    def key_id(self) -> str | None:
        return key_id(self.public) if self.public is not None else None

    @property
    def can_open(self) -> bool:
        return bool(self.secrets)

    def sealer(self) -> Sealer:
        if self.public is None:
            raise VaultError("no public key: set [encryption] public_key")
        return Sealer(self.public)

    def open(self, blob: bytes) -> bytes:
        """The plain bytes of a sealed blob; VaultError if no key this process holds opens it."""
        blob = bytes(blob)
        if blob[:3] != MAGIC or len(blob) < _HEAD:
            raise VaultError("not a sealed value")
        head = blob[:_HEAD]
        box = self._keys.get(head)
        if box is None:
            opener = self.secrets.get(blob[3:11].hex())
            if opener is None:
                raise VaultError(f"sealed to key {blob[3:11].hex()}, which this process does not hold")
            try:
                box = secret.SecretBox(opener.decrypt(blob[11:_HEAD]))
            except CryptoError:
                raise VaultError("a sealed value does not open with its key (damaged?)") from None
            self._keys[head] = box
            if len(self._keys) > 4096:
                self._keys.popitem(last=False)
        else:
            self._keys.move_to_end(head)
        try:
            return box.decrypt(blob[_HEAD:])
        except CryptoError:
            raise VaultError("a sealed value is damaged") from None

    def open_text(self, blob: bytes) -> str:
        return self.open(blob).decode("utf-8")


def is_sealed(value) -> bool:
    return isinstance(value, (bytes, bytearray, memoryview)) and bytes(value[:3]) == MAGIC


# --- key files ------------------------------------------------------------------------------

def generate() -> PrivateKey:
    return PrivateKey.generate()


def keyfile_text(keys: list[PrivateKey], passphrase: str = "") -> str:
    """A key file holding keys (newest first), under a passphrase when one is given."""
    entries = [{"public": encode_public(k.public_key), "secret": base64.b64encode(bytes(k)).decode()} for k in keys]
    doc: dict = {"format": KEYFILE_FORMAT, "public": encode_public(keys[0].public_key)}
    if passphrase:
        salt = utils.random(pwhash.argon2id.SALTBYTES)
        ops, mem = pwhash.argon2id.OPSLIMIT_MODERATE, pwhash.argon2id.MEMLIMIT_MODERATE
        key = pwhash.argon2id.kdf(secret.SecretBox.KEY_SIZE, passphrase.encode(), salt, opslimit=ops, memlimit=mem)
        box = secret.SecretBox(key).encrypt(json.dumps(entries).encode())
        doc.update(kdf="argon2id", salt=base64.b64encode(salt).decode(), opslimit=ops, memlimit=mem,
                   keys_sealed=base64.b64encode(box).decode())
    else:
        doc["keys"] = entries
    return json.dumps(doc, indent=1) + "\n"


def keyfile_needs_passphrase(text: str) -> bool:
    return "keys_sealed" in _keyfile_doc(text)


def read_keyfile(text: str, passphrase: str = "") -> list[PrivateKey]:
    """The private keys in a key file's text, newest first; VaultError names what is wrong."""
    doc = _keyfile_doc(text)
    entries = doc.get("keys")
    if "keys_sealed" in doc:
        if not passphrase:
            raise VaultError("the key file has a passphrase: set [encryption] passphrase (env:NAME or prompt)")
        try:
            key = pwhash.argon2id.kdf(secret.SecretBox.KEY_SIZE, passphrase.encode(), base64.b64decode(doc["salt"]),
                                      opslimit=doc["opslimit"], memlimit=doc["memlimit"])
            entries = json.loads(secret.SecretBox(key).decrypt(base64.b64decode(doc["keys_sealed"])))
        except CryptoError:
            raise VaultError("wrong passphrase for the key file") from None
    try:
        keys = [PrivateKey(base64.b64decode(e["secret"])) for e in entries]
    except (TypeError, KeyError, ValueError):
        raise VaultError("the key file is damaged (its keys cannot be read)") from None
    if not keys:
        raise VaultError("the key file holds no key")
    return keys


def _keyfile_doc(text: str) -> dict:
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or doc.get("format") != KEYFILE_FORMAT:
        raise VaultError("not a desk key file (make one with `inbox keys init`)")
    return doc


def write_keyfile(path: Path, text: str) -> None:
    """Write a key file readable by its owner only (0600), atomically: a crash keeps the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


# --- from the settings ----------------------------------------------------------------------

def keyfile_path(settings_encryption) -> Path | None:
    value = settings_encryption.private_key
    return Path(value[5:]) if value.startswith("file:") else None


def public_vault(enc) -> Vault | None:
    """The worker's vault (public key only), or None when encryption is not configured."""
    if not enc.public_key:
        return None
    return Vault(decode_public(enc.public_key))


def unlock(enc, prompt=None) -> Vault | None:
    """The board's vault: the public key and the private keys, unlocked now (key file, env or a
    prompt; `prompt` asks for the passphrase). None when encryption is not configured."""
    if not enc.public_key and not enc.private_key:
        return None
    public = decode_public(enc.public_key) if enc.public_key else None
    if not enc.private_key:
        return Vault(public)
    text = keyfile_text_from(enc)
    passphrase = enc.passphrase
    if passphrase == "prompt":
        passphrase = prompt("Desk key passphrase: ") if prompt is not None and keyfile_needs_passphrase(text) else ""
    keys = read_keyfile(text, passphrase)
    if public is None:
        public = keys[0].public_key
    return Vault(public, keys)


def keyfile_text_from(enc) -> str:
    path = keyfile_path(enc)
    if path is None:
        return enc.private_key  # env:NAME, resolved by the config loader to the file's text
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VaultError(f"{path}: no such key file (make one with `inbox keys init`)") from None
    except OSError as exc:
        raise VaultError(f"{path}: cannot read the key file ({exc.strerror})") from None
