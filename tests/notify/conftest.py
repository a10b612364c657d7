"""Notification fixtures: a local HTTP endpoint in a thread that records what it is sent, and
settings whose job queue runs each job inside the call that queued it."""
from __future__ import annotations

import http.server
import json
import threading
from dataclasses import dataclass, field

import pytest

from inbox.config import BoardSettings, JobsSettings, NotifySettings, Settings


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Endpoint:
    url: str
    received: list = field(default_factory=list)
    status: int = 200  # what it answers; set to 500 to make it fail
    on_post: object = None  # called (no arguments) before it answers, e.g. to commit to the store meanwhile


@pytest.fixture
def endpoint():
    """An HTTP server on 127.0.0.1 that keeps each POST and answers endpoint.status."""
    state = Endpoint(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            if state.on_post is not None:
                state.on_post()
            self.send_response(state.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=str(tmp_path),
                    board=BoardSettings(secret_key="test-secret-key", secure_cookies=False,
                                        public_url="https://tips.newsroom.example"),
                    jobs=JobsSettings(backend="immediate"),
                    notify=NotifySettings(pause_after_failures=3, max_attempts=10, timeout_seconds=5,
                                          private_addresses=True))  # the test endpoint is on 127.0.0.1


from tests.board.conftest import app, client_for, users  # noqa: E402, F401 - the board's fixtures, on these settings
