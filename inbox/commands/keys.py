"""`inbox keys init | status | rotate | export-public`: the desk key pair (inbox/vault.py, docs/encryption.md)."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from inbox.config import Settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["init", "status", "rotate", "export-public"])
    p.add_argument("--path", help="init: where to write the private key file (default: [encryption] "
                   "private_key's file, else DATA_DIR/desk.key)")
    p.add_argument("--passphrase", action="store_true", help="init: protect the key file with a passphrase (asked twice)")
    p.add_argument("--batch-size", type=int, default=200, help="rotate: rows re-sealed per transaction")
    p.add_argument("--no-progress", action="store_true", help="rotate: no progress bar")


def unlocked(settings: Settings):
    """The desk key as configured, its passphrase asked on the terminal if need be; None: not configured."""
    from inbox.cli import UsageError
    from inbox.vault import VaultError, unlock

    try:
        return unlock(settings.encryption, prompt=getpass.getpass)
    except VaultError as exc:
        raise UsageError(f"desk key: {exc}") from None


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.cli import UsageError
    from inbox.vault import VaultError

    try:
        return {"init": _init, "status": _status, "rotate": _rotate, "export-public": _export}[args.action](settings, args)
    except VaultError as exc:
        raise UsageError(f"desk key: {exc}") from None


def _keyfile(settings: Settings, args) -> Path:
    from inbox.vault import keyfile_path

    if getattr(args, "path", None):
        return Path(args.path)
    return keyfile_path(settings.encryption) or Path(settings.data_dir) / "desk.key"


def _new_passphrase(settings: Settings, asked: bool) -> str:
    from inbox.cli import UsageError

    configured = settings.encryption.passphrase
    if configured and configured != "prompt":
        return configured  # from env:NAME
    if not asked and configured != "prompt":
        return ""
    first = getpass.getpass("New passphrase for the desk key: ")
    if len(first) < 12:
        raise UsageError("the passphrase must be at least 12 characters")
    if getpass.getpass("The same again: ") != first:
        raise UsageError("the two passphrases differ")
    return first


def _init(settings: Settings, args) -> int:
    from inbox.cli import UsageError
    from inbox.vault import encode_public, generate, key_id, keyfile_text, write_keyfile

    path = _keyfile(settings, args)
    if path.exists():
        raise UsageError(f"{path} exists already: a desk key is never overwritten (see `inbox keys rotate`)")
    key = generate()
    write_keyfile(path, keyfile_text([key], _new_passphrase(settings, args.passphrase)))
    public = encode_public(key.public_key)
    print(f"Wrote the desk's private key to {path} (mode 0600; key {key_id(key.public_key)}).")
    print("Put these lines in the config (the worker's needs only public_key):")
    print("[encryption]")
    print(f'public_key = "{public}"')
    print(f'private_key = "file:{path}"')
    print("Back the key file up now, away from the database: losing it loses every encrypted message.")
    return 0


def _status(settings: Settings, args) -> int:
    from inbox.commands.data import open_sessions
    from inbox.rotate import counts
    from inbox.vault import decode_public, key_id

    enc = settings.encryption
    if not enc.public_key and not enc.private_key:
        print("encryption: off (no [encryption] public_key): new mail is stored in the clear")
        current = None
    else:
        current = key_id(decode_public(enc.public_key)) if enc.public_key else None
        print(f"encryption: on; the worker seals to key {current or '(no public_key set: nothing is sealed)'}")
    vault = unlocked(settings) if enc.private_key else None
    held = list(vault.secrets) if vault else []
    if enc.private_key:
        print(f"private key: {len(held)} key(s) unlocked, newest {held[0]}" + ("" if held[0] == current else
              f"; the config's public_key is not the newest: set it to `inbox keys export-public`'s line"))
    with open_sessions(settings)() as session:
        found = counts(session)
    for table, keys in found.by_table.items():
        parts = [f"{n} {'in the clear' if k is None else 'under ' + k}" + ("" if k is None or not held or k in held
                 else " (NOT in the key file)") for k, n in sorted(keys.items(), key=lambda kv: kv[0] or "")]
        print(f"{table}: {', '.join(parts) or 'none'}")
    return 0


def _export(settings: Settings, args) -> int:
    from inbox.cli import UsageError
    from inbox.vault import encode_public

    vault = unlocked(settings) if settings.encryption.private_key else None
    if vault is not None and vault.newest_secret is not None:
        print(encode_public(vault.newest_secret.public_key))
    elif settings.encryption.public_key:
        print(settings.encryption.public_key.strip())
    else:
        raise UsageError("no desk key configured: run `inbox keys init` first")
    return 0


def _rotate(settings: Settings, args) -> int:
    """A new key (unless a rotation is under way), then every row re-sealed to it, a batch a transaction."""
    from inbox.cli import UsageError
    from inbox.commands.data import open_sessions
    from inbox.rotate import counts, rotate
    from inbox.vault import (Vault, VaultError, encode_public, generate, key_id, keyfile_needs_passphrase,
                             keyfile_text, keyfile_text_from, read_keyfile, write_keyfile)

    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    path = _keyfile(settings, args)
    if not settings.encryption.private_key.startswith("file:"):
        raise UsageError("rotate needs [encryption] private_key = \"file:PATH\" (it adds the new key to that file)")
    text = keyfile_text_from(settings.encryption)
    passphrase = ""
    if keyfile_needs_passphrase(text):  # asked once: it opens the file and seals it again
        passphrase = settings.encryption.passphrase
        if passphrase in ("", "prompt"):
            passphrase = getpass.getpass("Desk key passphrase: ")
    try:
        keys = read_keyfile(text, passphrase)
    except VaultError as exc:
        raise UsageError(f"desk key: {exc}") from None
    sessions = open_sessions(settings)
    newest = keys[0]
    with sessions() as session:
        found = counts(session)
    older = sum(n for table in found.by_table.values() for k, n in table.items()
                if k is not None and k != key_id(newest.public_key))
    if older:  # a rotation killed halfway (or mail the worker sealed to the older key meanwhile)
        print(f"Resuming the rotation to key {key_id(newest.public_key)}: "
              f"{found.pending(key_id(newest.public_key))} row(s) left.", flush=True)
    else:
        newest = generate()
        keys = [newest, *keys]
        write_keyfile(path, keyfile_text(keys, passphrase))
        print(f"New desk key {key_id(newest.public_key)} added to {path} (the older keys stay in it).", flush=True)
    rotating = Vault(newest.public_key, keys)
    bar = _Bar(enabled=sys.stderr.isatty() and not args.no_progress)
    try:
        done = rotate(sessions, rotating, args.batch_size, bar.step)
    except VaultError as exc:
        raise UsageError(f"rotation stopped: {exc}") from None
    bar.done()
    print(f"Rotated {done} row(s) to key {key_id(newest.public_key)}.")
    if settings.encryption.public_key.strip() != encode_public(newest.public_key):
        print(f'Now set [encryption] public_key = "{encode_public(newest.public_key)}" for the worker and the board, '
              "then run `inbox keys rotate` once more for anything stored meanwhile.")
    return 0


class _Bar:
    """A one-line progress bar on a terminal; elsewhere one line per committed batch."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def step(self, done: int, total: int) -> None:
        if self.enabled:
            share = min(done / total, 1.0) if total else 1.0
            sys.stderr.write(f"\r[{'#' * int(30 * share):.<30}] {done} of {total} rows")
            sys.stderr.flush()
        else:
            print(f"re-sealed {done} of {total} rows", flush=True)

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
