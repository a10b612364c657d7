"""Where a channel may post: never to this machine or the newsroom's own network, unless the
desk says its endpoints live there ([notify] private_addresses).

A channel's URL is an admin's, but what is posted can carry tips' content: an address that
reaches the board's own host (its metadata service, a database's HTTP port) or another
machine inside the network turns a notification into a request the outside could not make.
The URL is checked when an admin saves it and again, its name resolved afresh, before every
post; an endpoint's redirect is never followed (it would go where no check looked).
"""
from __future__ import annotations

import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit


class RefusedRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx answer is the endpoint's last word: the post is not sent anywhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises the 3xx as an HTTPError: a failed delivery naming the status


OPENER = urllib.request.build_opener(RefusedRedirect)


def _inside(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope ("fe80::1%eth0") is no part of it
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _addresses(host: str, port: int) -> list[str] | None:
    """The host's addresses (an address written as the host is its own); None when it does not resolve."""
    try:
        return [ipaddress.ip_address(host.strip("[]")).compressed]
    except ValueError:
        pass
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})
    except (OSError, UnicodeError):
        return None


def refusal(url: str, private_addresses: bool, unresolved_ok: bool) -> str | None:
    """Why a post to url must not be sent (None: it may). unresolved_ok: a name that does not
    resolve now passes (when saving: the post will tell); otherwise it is refused."""
    if private_addresses:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "its port is not a number"
    addresses = _addresses(host, port)
    if addresses is None:
        return None if unresolved_ok else "its name does not resolve"
    inside = [a for a in addresses if _inside(a)]
    if inside:
        return (f"it reaches this machine or a private network ({inside[0]}); "
                "set [notify] private_addresses = true if the desk's endpoints live there")
    return None
