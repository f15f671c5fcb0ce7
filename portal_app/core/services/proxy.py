"""Behind a TLS proxy (Caddy, nginx): the real client address and scheme, from trusted proxies only.

`X-Forwarded-For` and `X-Forwarded-Proto` are plain request headers: anyone can send
them. They are believed only when the TCP peer is one of `TRUSTED_PROXIES`; then the
client is the right-most address in `X-Forwarded-For` that is not itself a trusted
proxy, and the scheme is the proxy's `X-Forwarded-Proto`. From any other peer both
headers are removed from the request before the app sees it, so nothing further in
(sign-in throttling, the audit log, Reflex's `router.session.client_ip`) can read a
forged address.

The middleware rewrites the ASGI scope (`client`, `scheme`), which every layer reads:
Starlette's `request.client`, the websocket handshake Reflex keeps per connection, and
the security headers (HSTS is sent when the request came over TLS).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_FORWARDED_HEADERS = (b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-real-ip", b"forwarded")


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(host: str | None, networks: tuple[Network, ...]) -> bool:
    if not host or not networks:
        return False
    address = _address(host)
    return address is not None and any(address in network for network in networks)


def client_from_forwarded_for(header: str, networks: tuple[Network, ...]) -> str | None:
    """The client in an `X-Forwarded-For` chain: right to left, the first hop that is no trusted proxy.

    Each proxy appends the address it received the request from, so only the right end of
    the list was written by someone we trust; what a client put at the left is ignored.
    """
    hops = [hop for hop in (part.strip() for part in header.split(",")) if hop]
    chosen: str | None = None
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbage from an untrusted hop: stop at the last good one
        chosen = str(address)
        if not any(address in network for network in networks):
            break
    return chosen


def _last_value(raw: bytes) -> str:
    # a proxy that appends (nginx `$proxy_add_x_forwarded_for` style) puts its own value last
    return raw.decode("latin-1").split(",")[-1].strip().lower()


class ProxyHeadersMiddleware:
    """Rewrite the ASGI scope's client and scheme from trusted proxies; drop the headers from anyone else."""

    def __init__(self, app: ASGIApp, trusted: Iterable[str]):
        self.app = app
        self.networks = parse_networks(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        if not any(name in _FORWARDED_HEADERS for name, _ in headers):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        peer = client[0] if client else None
        scope = dict(scope)
        if is_trusted(peer, self.networks):
            values = {name: value for name, value in headers if name in _FORWARDED_HEADERS}
            forwarded_for = values.get(b"x-forwarded-for")
            if forwarded_for:
                real = client_from_forwarded_for(forwarded_for.decode("latin-1"), self.networks)
                if real is not None:
                    scope["client"] = (real, 0)
            proto = values.get(b"x-forwarded-proto")
            if proto:
                scheme = _last_value(proto)
                if scheme in ("http", "https"):
                    if scope["type"] == "websocket":
                        scope["scheme"] = "wss" if scheme == "https" else "ws"
                    else:
                        scope["scheme"] = scheme
        else:
            # a client talking to us directly: its forwarding headers are lies or leftovers
            scope["headers"] = [(name, value) for name, value in headers if name not in _FORWARDED_HEADERS]
        await self.app(scope, receive, send)


def request_is_tls(scope: Scope) -> bool:
    """True when the request reached the portal over TLS (directly, or through a trusted proxy)."""
    return scope.get("scheme") in ("https", "wss")
