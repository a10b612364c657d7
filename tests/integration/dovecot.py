"""A throwaway Dovecot for tests and benches (see ../shared/reference/dovecot.md).

Everything lives in one temporary directory owned by an unprivileged user
(Dovecot refuses to run its login process as root): config, self-signed
certificate, passwd file, Maildirs. Ports are picked free on 127.0.0.1; the
plaintext port also offers STARTTLS, the TLS port is implicit TLS.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterable

from imapclient import IMAPClient

USER = "inboxtest"

CONFIG = """\
instance_name = inboxtest-{port}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
first_valid_gid = {gid}
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
}}
mail_location = maildir:~/Maildir
mail_fsync = never
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # No growing delay after failed logins: tests fail logins on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  chroot =
}}
service auth {{
  user = $default_internal_user
}}
service auth-worker {{
  user = $default_internal_user
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> tuple[list[str], int, int, str, str]:
    """The command prefix, uid, gid and names to run Dovecot as (never root)."""
    if os.geteuid() != 0:
        pw = pwd.getpwuid(os.geteuid())
        return [], pw.pw_uid, pw.pw_gid, pw.pw_name, _group_name(pw.pw_gid)
    try:
        pw = pwd.getpwnam(USER)
    except KeyError:
        # Two test processes may get here at once: whichever useradd loses, the user exists.
        made = subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", USER], capture_output=True, text=True)
        try:
            pw = pwd.getpwnam(USER)
        except KeyError:
            raise RuntimeError(f"could not create the user {USER}: {made.stderr.strip()}") from None
    prefix = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups"]
    return prefix, pw.pw_uid, pw.pw_gid, pw.pw_name, _group_name(pw.pw_gid)


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


class Dovecot:
    """One running instance: users, ports, a pinned certificate, and fault helpers."""

    def __init__(self, parent: str | os.PathLike | None = None, pool: int = 200):
        self.prefix, self.uid, self.gid, self.user, self.group = _run_as()
        self.dir = Path(tempfile.mkdtemp(prefix="inbox-dovecot-", dir=parent))
        self.port = free_port()
        self.tls_port = free_port()
        self.cert = self.dir / "cert.pem"
        self.conf = self.dir / "dovecot.conf"
        self.proc: subprocess.Popen | None = None
        self._users: dict[str, str] = {}
        # Logins made before the start, handed out one per test (adding one later costs a second).
        self._pool = [f"tips-{os.getpid()}-{i}" for i in range(pool)]
        for name in self._pool:
            self._users[name] = f"pw-{name}"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(self.dir / "key.pem"), "-out", str(self.cert),
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            check=True, capture_output=True,
        )
        self.conf.write_text(CONFIG.format(
            dir=self.dir, port=self.port, tls_port=self.tls_port,
            user=self.user, group=self.group, uid=self.uid, gid=self.gid,
        ))
        for sub in ("run", "state", "home"):
            (self.dir / sub).mkdir()
        self._chown()
        self._write_passwd()

    def _chown(self) -> None:
        for path in [self.dir, *self.dir.rglob("*")]:
            os.chown(path, self.uid, self.gid)

    def add_user(self, name: str, password: str) -> None:
        """A login; for XOAUTH2 the password is the access token Dovecot accepts.

        Dovecot re-reads its passwd file at most once a second, so on a running
        server this waits until the new login works.
        """
        self._users[name] = password
        self._write_passwd()
        if self.proc is None:
            return
        deadline = time.monotonic() + 5
        while True:
            try:
                self.client(name).logout()
                return
            except Exception:  # noqa: BLE001 - not visible yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def take_user(self) -> str:
        """A ready login from the pool made before the start (password "pw-NAME")."""
        name = self._pool.pop()
        return name

    def _write_passwd(self) -> None:
        lines = "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self._users.items())
        (self.dir / "passwd").write_text(lines)
        os.chown(self.dir / "passwd", self.uid, self.gid)

    def start(self) -> None:
        """Start the master in the foreground (our child) and wait until both ports answer."""
        self.proc = subprocess.Popen(
            [*self.prefix, "dovecot", "-F", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        for port in (self.port, self.tls_port):
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"dovecot exited: {self.proc.stderr.read().decode(errors='replace')}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"dovecot did not listen on {port}") from None
                    time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def restart(self, down_seconds: float = 0.0) -> None:
        """A server restart: every connection dropped, optionally down for a while."""
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def kick(self, user: str) -> str:
        """Cut every connection of user, as `doveadm kick` does; returns its output."""
        out = subprocess.run(
            [*self.prefix, "doveadm", "-c", str(self.conf), "kick", user],
            capture_output=True, text=True, timeout=30,
        )
        return out.stdout + out.stderr

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def client(self, user: str, tls: bool = False) -> IMAPClient:
        """A logged-in client for setting up and inspecting mailboxes in tests."""
        if tls:
            c = IMAPClient("127.0.0.1", self.tls_port, ssl=True, ssl_context=self.ssl_context(), timeout=60)
        else:
            c = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=60)
        c.login(user, self._users[user])
        return c

    def append(self, user: str, folder: str, messages: Iterable[bytes], per_command: int = 100) -> int:
        """MULTIAPPEND messages, per_command per APPEND; creates the folder. Returns the count."""
        n = 0
        with self.client(user) as c:
            if folder.upper() != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            chunk: list[bytes] = []
            for msg in messages:
                chunk.append(msg)
                if len(chunk) >= per_command:
                    c.multiappend(folder, chunk)
                    n += len(chunk)
                    chunk = []
            if chunk:
                c.multiappend(folder, chunk)
                n += len(chunk)
        return n

    def recreate_folder(self, user: str, folder: str) -> None:
        """Delete and create folder again: it comes back empty with a new UIDVALIDITY."""
        if folder.upper() == "INBOX":
            raise ValueError("INBOX cannot be deleted; use another folder")
        with self.client(user) as c:
            c.delete_folder(folder)
            c.create_folder(folder)

    def status(self, user: str, folder: str) -> dict:
        with self.client(user) as c:
            return {k.decode(): v for k, v in c.folder_status(folder, ["MESSAGES", "UIDVALIDITY", "UIDNEXT"]).items()}

    def flags(self, user: str, folder: str) -> dict[int, tuple]:
        """UID -> flags of every message, read with EXAMINE so reading changes nothing."""
        with self.client(user) as c:
            c.select_folder(folder, readonly=True)
            uids = c.search(["ALL"])
            if not uids:
                return {}
            return {uid: tuple(sorted(d[b"FLAGS"])) for uid, d in c.fetch(uids, ["FLAGS"]).items()}


def message(n: int, body: str = "", tag: str = "t") -> bytes:
    """A small distinct test message; n makes its Message-ID and body unique."""
    return (
        f"From: Reader {n} <reader{n}@example.org>\r\n"
        f"To: tips@example.org\r\n"
        f"Subject: Tip number {n}\r\n"
        f"Message-ID: <{tag}-{n}@example.org>\r\n"
        f"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"\r\n"
        f"Hello, this is tip {n}. {body}\r\n"
    ).encode()
