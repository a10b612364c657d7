from __future__ import annotations

from dataclasses import replace

import pytest

from inbox.config import JobsSettings, Settings, SmtpSettings
from tests.outgoing.smtpserver import SmtpServer


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def smtp_settings(server: SmtpServer, **overrides) -> SmtpSettings:
    fields = dict(host="127.0.0.1", port=server.port, security="plain", from_address="Desk <tips@desk.example>",
                  timeout_seconds=5, backoff_seconds=0.05, max_backoff_seconds=0.2, lease_seconds=2)
    fields.update(overrides)
    return SmtpSettings(**fields)


@pytest.fixture
def out_settings(tmp_path, smtp_server):
    return Settings(data_dir=str(tmp_path / "var"), smtp=smtp_settings(smtp_server),
                    jobs=JobsSettings(backend="immediate"))
