"""Where a channel may post: never to this machine or the newsroom's own network, unless the
desk says its endpoints live there ([notify] private_addresses).

A channel's URL is an admin's, but what is posted can carry tips' content: an address that
reaches the board's own host (its metadata service, a database's HTTP port) or another
machine inside the network turns a notification into a request the outside could not make.
The URL is checked when an admin saves it and again, its name resolved afresh, before every
post, and the post goes to the addresses that check found (a name that answers differently a
moment later, DNS rebinding, is not asked again); an endpoint's redirect is never followed (it
would go where no check looked).
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit


class RefusedRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx answer is the endpoint's last word: the post is not sent anywhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises the 3xx as an HTTPError: a failed delivery naming the status


OPENER = urllib.request.build_opener(RefusedRedirect)


# IPv6 forms that carry an IPv4 address a gateway delivers to: NAT64 (RFC 6052) and IPv4-compatible.
_CARRIERS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))


def _inside(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope ("fe80::1%eth0") is no part of it
    if isinstance(ip, ipaddress.IPv6Address):
        carried = ip.ipv4_mapped or ip.sixtofour or next(
            (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) for net in _CARRIERS if ip in net and int(ip) > 0xFFFF), None)
        if carried is not None:
            ip = carried
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
    return checked(url, private_addresses, unresolved_ok)[0]


def checked(url: str, private_addresses: bool, unresolved_ok: bool) -> tuple[str | None, list[str]]:
    """refusal's answer, and the addresses it found for the URL's host (to post to those only)."""
    if private_addresses:
        return None, []
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "its port is not a number", []
    addresses = _addresses(host, port)
    if addresses is None:
        return (None if unresolved_ok else "its name does not resolve"), []
    inside = [a for a in addresses if _inside(a)]
    if inside:
        return (f"it reaches this machine or a private network ({inside[0]}); "
                "set [notify] private_addresses = true if the desk's endpoints live there"), addresses
    return None, addresses


def opener(url: str, addresses: list[str]) -> urllib.request.OpenerDirector:
    """An opener that follows no redirect and, given the checked addresses, connects to the URL's
    host at those only (the Host header and TLS name stay the URL's)."""
    if not addresses:
        return OPENER
    host = (urlsplit(url).hostname or "").lower()

    def connect(target, *args, **kwargs):
        if target[0].strip("[]").lower() != host:  # a proxy's own connection: not the endpoint's
            return socket.create_connection(target, *args, **kwargs)
        error = None
        for address in addresses:
            try:
                return socket.create_connection((address, target[1]), *args, **kwargs)
            except OSError as exc:
                error = exc
        raise error

    def pinned(kind):
        def make(*args, **kwargs):
            connection = kind(*args, **kwargs)
            connection._create_connection = connect  # http.client's own hook for opening the socket
            return connection
        return make

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(pinned(http.client.HTTPConnection), req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(pinned(http.client.HTTPSConnection), req, context=self._context)

    return urllib.request.build_opener(RefusedRedirect, Http, Https)
