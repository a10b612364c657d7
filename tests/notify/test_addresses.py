"""A channel never posts inside the network unless the desk allows it, and never follows a redirect:
a notification must not become a request to the board's own host or a machine behind it."""
from __future__ import annotations

import http.server
import socket
import threading
from dataclasses import replace

import pytest
from sqlalchemy import select

from inbox.models import NotifyChannel, NotifyDelivery
from inbox.notify.address import refusal
from tests.notify.test_channels import add_channel, store_urgent_tip

INSIDE = ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://192.168.0.9/hook",
          "http://[::1]/hook", "http://169.254.169.254/latest/meta-data", "http://[::ffff:127.0.0.1]/hook",
          "http://0.0.0.0/hook", "http://100.64.0.1/hook")


@pytest.fixture
def closed_desk(settings):
    """The default: no channel may reach inside the network."""
    return replace(settings, notify=replace(settings.notify, private_addresses=False))


@pytest.mark.parametrize("url", INSIDE)
def test_an_address_inside_the_network_is_refused_and_allowed_only_by_the_setting(url):
    assert "private network" in refusal(url, private_addresses=False, unresolved_ok=True)
    assert refusal(url, private_addresses=True, unresolved_ok=True) is None


def test_a_public_address_passes_and_a_name_that_does_not_resolve_passes_only_when_saved(monkeypatch):
    assert refusal("https://93.184.215.14/hook", private_addresses=False, unresolved_ok=False) is None

    def unknown(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    assert refusal("https://hooks.example.com/x", private_addresses=False, unresolved_ok=True) is None
    assert refusal("https://hooks.example.com/x", private_addresses=False, unresolved_ok=False) == "its name does not resolve"


def test_an_admin_cannot_save_an_inside_address_and_is_told_why(closed_desk, db, users):
    from inbox.board import create_app
    from tests.board.conftest import Client

    app = create_app(closed_desk, db)
    admin = Client(app)
    admin.login(users["admin"][1])
    for url in ("http://127.0.0.1:9/hook", "http://localhost:5432/", "http://169.254.169.254/latest"):
        response = admin.post("/admin/notify", data={"kind": "webhook", "url": url, "events": ["tip.urgent"]})
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and "cannot be a channel" in text and "private_addresses" in text
    with db() as s:
        assert s.scalars(select(NotifyChannel)).all() == []


def test_a_stored_inside_address_gets_no_post_when_the_desk_closes_it(client_for, db, settings, endpoint, closed_desk):
    add_channel(client_for("admin"), "webhook", endpoint.url, events=("tip.created",))  # saved while allowed
    store_urgent_tip(db, closed_desk)  # then the desk turned private_addresses off
    assert endpoint.received == []
    with db() as s:
        delivery = s.scalars(select(NotifyDelivery).where(NotifyDelivery.channel_id.is_not(None))).one()
        assert delivery.state == "queued" and "not sent: it reaches this machine" in delivery.last_error


@pytest.fixture
def redirecting():
    """An endpoint that answers a post to /moved with a 302 to /landed, and records every request to /landed."""
    landed = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
            if self.path == "/landed":
                landed.append(self.command)
            self.send_response(302 if self.path == "/moved" else 200)
            self.send_header("Location", "/landed")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _answer  # noqa: N815 - http.server's names

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/moved", landed
    server.shutdown()
    server.server_close()


def test_a_redirect_is_never_followed(client_for, db, settings, redirecting):
    url, landed = redirecting
    add_channel(client_for("admin"), "webhook", url, events=("tip.created",))
    store_urgent_tip(db, settings)
    assert landed == []  # nothing went where the endpoint pointed
    with db() as s:
        delivery = s.scalars(select(NotifyDelivery).where(NotifyDelivery.channel_id.is_not(None))).one()
        assert delivery.state == "queued" and "HTTP 302" in delivery.last_error
