"""Trying to make a channel post inside the network anyway: an address written as one number, in
hex or octal, short; a name in another case or script; IPv6 forms that carry an IPv4 address; a
name that resolves outside when checked and inside when posted (DNS rebinding). And a channel's
content naming a protected reader by full name rather than by address."""
from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from sqlalchemy import select

from inbox.models import NotifyDelivery, Reader
from inbox.notify.address import refusal
from tests.notify.test_channels import add_channel, store_urgent_tip, texts

DISGUISED = (
    "http://2130706433/hook",            # 127.0.0.1 as one decimal number
    "http://0x7f.1/hook",                # hex, short form
    "http://0x7f000001/hook",
    "http://017700000001/hook",          # octal
    "http://127.1/hook",                 # short form
    "http://0/hook",                     # 0.0.0.0
    "http://LOCALHOST/hook",             # another case
    "http://\u24dbocalhost/hook",        # an IDN letter that maps to "l"
    "http://127\u30020\u30020\u30021/hook",  # ideographic full stops
    "http://[::ffff:7f00:1]/hook",       # IPv4-mapped, in hex
    "http://[0:0:0:0:0:ffff:127.0.0.1]/hook",
    "http://[::]/hook",
    "http://[fe80::1%25eth0]/hook",      # link-local with a scope
    "http://[fc00::1]/hook",             # unique local
    "http://[64:ff9b::a00:1]/hook",      # NAT64 of 10.0.0.1
    "http://[2002:7f00:1::]/hook",       # 6to4 of 127.0.0.1
    "http://[::127.0.0.1]/hook",         # IPv4-compatible
    "http://198.18.0.1/hook",            # benchmarking
    "http://255.255.255.255/hook",
    "http://224.0.0.1/hook",             # multicast
)


@pytest.mark.parametrize("url", DISGUISED)
def test_an_inside_address_in_disguise_is_refused(url):
    assert "private network" in (refusal(url, private_addresses=False, unresolved_ok=False) or "")


def test_an_outside_address_carried_in_ipv6_passes():
    assert refusal("http://[64:ff9b::808:808]/hook", private_addresses=False, unresolved_ok=False) is None


@pytest.mark.parametrize("url", ("http://localhost./hook", "http://%31%32%37.0.0.1/hook",
                                 "http://user@127.0.0.1:80@hooks.example/hook"))
def test_a_name_that_does_not_resolve_as_written_is_refused_before_a_post(url, monkeypatch):
    # urllib undoes "%31" in a host; a resolver may take "localhost." as localhost: never posted unresolved
    def resolve(host, *args, **kwargs):
        if host in ("localhost.", "localhost"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80))]
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert refusal(url, private_addresses=False, unresolved_ok=False) is not None


@pytest.fixture
def closed_desk(settings):
    return replace(settings, notify=replace(settings.notify, private_addresses=False))


def test_a_name_that_rebinds_inside_after_the_check_gets_no_post(client_for, db, settings, endpoint, closed_desk,
                                                                 monkeypatch):
    port = int(endpoint.url.rsplit(":", 1)[1].split("/")[0])
    add_channel(client_for("admin"), "webhook", f"http://rebind.example:{port}/hook", events=("tip.created",))
    real, asked = socket.getaddrinfo, []

    def rebinding(host, *args, **kwargs):  # outside when checked, this machine ever after
        if host != "rebind.example":
            return real(host, *args, **kwargs)
        asked.append(host)
        address = "93.184.215.14" if len(asked) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    connect = socket.create_connection

    def outside_refuses(target, *args, **kwargs):  # the outside address answers nothing (no network in tests)
        if target[0] == "93.184.215.14":
            raise ConnectionRefusedError(111, "Connection refused")
        return connect(target, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(socket, "create_connection", outside_refuses)
    store_urgent_tip(db, closed_desk)
    assert endpoint.received == []  # the post went to the checked address (and failed there), not here
    with db() as s:
        delivery = s.scalars(select(NotifyDelivery).where(NotifyDelivery.channel_id.is_not(None))).one()
        assert delivery.state == "queued"


def test_a_channel_never_gets_her_tagged_address(client_for, db, settings, endpoint):
    add_channel(client_for("admin"), "slack", endpoint.url, content=True)
    with db() as s, s.begin():
        s.add(Reader(address="ana.ruiz@elmcourt.example", protected=True, why="asked"))
    store_urgent_tip(db, settings, subject="Fwd: from ana.ruiz+tenants@elmcourt.example", body="See below.")
    (body,) = texts(endpoint.received)
    assert "ana.ruiz" not in body and "elmcourt" not in body
