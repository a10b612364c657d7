"""`inbox user ...` and `inbox serve`, run as a person (or a script) would run them."""
from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from inbox.board import sessions as board_sessions
from inbox.board.auth import check_password
from inbox.cli import main
from inbox.models import User

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_file(tmp_path, db_url):
    path = tmp_path / "config.toml"
    path.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{db_url}"\n'
                    '[board]\nsecret_key = "cli-test"\nsecure_cookies = false\n')
    return str(path)


def _run(config_file, monkeypatch, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["--config", config_file, *argv])


def test_user_add_with_password_from_stdin_then_list(config_file, monkeypatch, capsys, db):
    assert _run(config_file, monkeypatch, "user", "add", "Ed@Newsroom.example", "--role", "editor", "--password-stdin",
                stdin="a long enough password\n") == 0
    assert "Added user" in capsys.readouterr().out
    with db() as s:
        user = s.scalar(select(User))
        assert (user.email, user.role) == ("ed@newsroom.example", "editor")
        assert check_password(user, "a long enough password") and "a long enough password" not in user.password_hash
    assert _run(config_file, monkeypatch, "user", "list") == 0
    assert "ed@newsroom.example\teditor" in capsys.readouterr().out


def test_user_add_refuses_short_passwords_and_duplicates(config_file, monkeypatch, capsys):
    assert _run(config_file, monkeypatch, "user", "add", "a@b.example", "--password-stdin", stdin="short\n") == 2
    assert "at least 12 characters" in capsys.readouterr().err
    assert _run(config_file, monkeypatch, "user", "add", "a@b.example", "--password-stdin", stdin="long enough pass\n") == 0
    assert _run(config_file, monkeypatch, "user", "add", "a@b.example", "--password-stdin", stdin="long enough pass\n") == 2
    assert "already exists" in capsys.readouterr().err


def test_user_add_asks_twice_when_interactive(config_file, monkeypatch, capsys):
    answers = iter(["first password here", "second password here"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("inbox.commands.board.has_terminal", lambda: True)
    assert _run(config_file, monkeypatch, "user", "add", "c@d.example") == 2
    assert "differ" in capsys.readouterr().err


def test_user_password_change_ends_sessions_and_totp_prints_a_uri(config_file, monkeypatch, capsys, db):
    _run(config_file, monkeypatch, "user", "add", "r@x.example", "--password-stdin", stdin="first long password\n")
    with db() as s, s.begin():
        token, _row = board_sessions.start(s, s.scalar(select(User)), minutes=60)
    assert _run(config_file, monkeypatch, "user", "password", "r@x.example", "--password-stdin", stdin="second long password\n") == 0
    assert _run(config_file, monkeypatch, "user", "totp", "r@x.example") == 0
    uri = capsys.readouterr().out.strip().splitlines()[-1]
    with db() as s:
        user = s.scalar(select(User))
        assert board_sessions.find(s, token, idle_minutes=60) is None and check_password(user, "second long password")
        assert pyotp.parse_uri(uri).secret == user.totp_secret
    assert _run(config_file, monkeypatch, "user", "totp", "nobody@x.example") == 2


def test_serve_prints_its_url_and_answers_over_http(config_file):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "inbox.cli", "--config", config_file, "serve", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the board never answered")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            assert 'id="login-form"' in response.read().decode()
            assert response.headers["Server"] == "tip-inbox"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_refuses_to_start_without_a_secret_key(tmp_path, db_url, capsys):
    path = tmp_path / "nokey.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n')
    assert main(["--config", str(path), "serve"]) == 2
    assert "board.secret_key" in capsys.readouterr().err


def test_wsgi_app_reads_the_config_named_in_the_environment(config_file, monkeypatch):
    from inbox.commands.board import wsgi_app

    monkeypatch.setenv("INBOX_CONFIG", config_file)
    app = wsgi_app()
    assert app.test_client().get("/healthz").status_code == 200


def test_served_board_takes_concurrent_writes_without_database_errors(config_file, db):
    """Eight clients at once over real HTTP: views (audited), status changes and notes on the
    same tips. Every answer is a page, a redirect or a clear conflict; never a server error."""
    import http.client
    import re
    import threading

    from tests.board.factories import make_tip, make_user

    with db() as s, s.begin():
        email = make_user(s, "editor").email
        tip_ids = [make_tip(s, subject=f"tip {i}").id for i in range(4)]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "inbox.cli", "--config", config_file, "serve", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    statuses: list[int] = []
    try:
        proc.stdout.readline()
        time.sleep(0.5)

        def client(n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            cookie = ""

            def call(method, path, body=None):
                nonlocal cookie
                headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read().decode()
                if response.getheader("Set-Cookie"):
                    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
                return response.status, data

            _, page = call("GET", "/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            call("POST", "/login", f"email={email}&password=correct+horse+battery+staple&csrf_token={token}")
            for i in range(6):
                tip = tip_ids[(n + i) % len(tip_ids)]
                status, page = call("GET", f"/tips/{tip}")
                statuses.append(status)
                found = re.search(r'id="tip"[^>]*data-version="(\d+)"', page)
                version = found.group(1) if found else "1"
                token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
                statuses.append(call("POST", f"/tips/{tip}/status", f"status=reviewing&version={version}&csrf_token={token}")[0])
                statuses.append(call("POST", f"/tips/{tip}/notes", f"body=note+{n}+{i}&csrf_token={token}")[0])

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert len(statuses) == 8 * 6 * 3
    assert set(statuses) <= {200, 302, 409}, sorted(set(statuses))
    with db() as s:
        from sqlalchemy import func

        from inbox.models import AuditEntry, Note
        assert s.scalar(select(func.count()).select_from(Note)) == 8 * 6
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "view")) == 8 * 6
