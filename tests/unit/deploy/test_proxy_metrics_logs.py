"""core/services/proxy.py, metrics.py and json_logs.py in isolation."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest

from portal_app.core.services import json_logs, metrics, proxy
from portal_app.settings import SettingsError, load_settings

NETS = proxy.parse_networks(["10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("203.0.113.9, 192.0.2.1", "192.0.2.1"),  # a client-written hop at the left is ignored
        ("192.0.2.1, 10.0.0.7", "192.0.2.1"),  # trusted hops at the right are skipped
        ("10.0.0.8, 10.0.0.7", "10.0.0.8"),  # only proxies: the left-most
        ("not-an-ip, 192.0.2.1", "192.0.2.1"),
        ("192.0.2.1, garbage", None),  # garbage written after the last proxy: nothing is believed
        ("[2001:db8::5]:443", "2001:db8::5"),
        ("192.0.2.1:5555", "192.0.2.1"),
        ("", None),
    ],
)
def test_client_from_forwarded_for(header, expected):
    assert proxy.client_from_forwarded_for(header, NETS) == expected


def test_is_trusted():
    assert proxy.is_trusted("10.1.2.3", NETS) and proxy.is_trusted("::1", NETS)
    assert proxy.is_trusted("::ffff:10.1.2.3", NETS)  # IPv4-mapped peer of a dual-stack socket
    assert not proxy.is_trusted("192.0.2.1", NETS)
    assert not proxy.is_trusted(None, NETS) and not proxy.is_trusted("10.1.2.3", ())


def _run(scope):
    """The scope the app behind the middleware sees (proxies trusted: 10.0.0.0/8)."""
    seen = {}

    async def inner(scope, receive, send):
        seen.update(scope)

    asyncio.run(proxy.ProxyHeadersMiddleware(inner, ["10.0.0.0/8"])(scope, None, None))
    return seen


def test_middleware_rewrites_only_for_trusted_peers_and_strips_otherwise():
    headers = [(b"x-forwarded-for", b"192.0.2.1"), (b"x-forwarded-proto", b"https"), (b"accept", b"*/*")]
    trusted = _run({"type": "http", "client": ("10.0.0.2", 1), "scheme": "http", "headers": headers})
    assert trusted["client"] == ("192.0.2.1", 0) and trusted["scheme"] == "https"
    direct = _run({"type": "http", "client": ("192.0.2.66", 1), "scheme": "http", "headers": headers})
    assert direct["client"] == ("192.0.2.66", 1) and direct["scheme"] == "http"
    assert direct["headers"] == [(b"accept", b"*/*")]  # nothing further in can read the forged values
    socket = _run({"type": "websocket", "client": ("10.0.0.2", 1), "scheme": "ws", "headers": headers})
    assert socket["scheme"] == "wss" and socket["client"][0] == "192.0.2.1"
    odd = _run(
        {"type": "http", "client": ("10.0.0.2", 1), "scheme": "http", "headers": [(b"x-forwarded-proto", b"gopher")]},
    )
    assert odd["scheme"] == "http"


def test_settings_validate_the_new_values(tmp_path):
    base = {"DATA_DIR": str(tmp_path)}
    settings = load_settings({**base, "TRUSTED_PROXIES": "127.0.0.1, ::1,10.0.0.0/8"})
    assert settings.trusted_proxies == ("127.0.0.1/32", "::1/128", "10.0.0.0/8")
    assert load_settings(base).trusted_proxies == () and load_settings(base).metrics_token is None
    for bad in ({"TRUSTED_PROXIES": "localhost"}, {"METRICS_TOKEN": "short"}, {"LOG_FORMAT": "xml"}):
        with pytest.raises(SettingsError, match=next(iter(bad))):
            load_settings({**base, **bad})


def test_histogram_buckets_and_exposition():
    histogram = metrics.Histogram("t_seconds", "help", "handler", buckets=(0.1, 1.0))
    histogram.observe('A"b', 0.05)
    histogram.observe('A"b', 0.5)
    histogram.observe('A"b', 5.0)
    lines = histogram.exposition()
    assert 't_seconds_bucket{handler="A\\"b",le="0.1"} 1' in lines
    assert 't_seconds_bucket{handler="A\\"b",le="1.0"} 2' in lines
    assert 't_seconds_bucket{handler="A\\"b",le="+Inf"} 3' in lines
    assert 't_seconds_count{handler="A\\"b"} 3' in lines


def test_instrument_times_coroutines_and_generators_and_counts_errors():
    async def ok(value):
        return value * 2

    async def gen():
        yield 1
        yield 2

    async def boom():
        raise ValueError("x")

    async def main():
        assert await metrics.instrument(ok, "T.ok")(4) == 8
        assert [item async for item in metrics.instrument(gen, "T.gen")()] == [1, 2]
        with pytest.raises(ValueError):
            await metrics.instrument(boom, "T.boom")()

    asyncio.run(main())
    snapshot = metrics.EVENT_SECONDS.snapshot()
    assert snapshot["T.ok"][-2] >= 1 and snapshot["T.gen"][-2] >= 1 and snapshot["T.boom"][-2] >= 1
    assert any('handler="T.boom"' in line for line in metrics.EVENT_ERRORS.exposition())


def test_route_groups_never_carry_ids():
    assert metrics.route_group("/files/123") == "download"
    assert metrics.route_group("/dossiers/55") == "page"
    assert metrics.route_group("/_upload") == "upload"


def test_token_comparison():
    assert metrics.token_matches("Bearer " + "t" * 30, "t" * 30)
    assert not metrics.token_matches("Bearer " + "t" * 29, "t" * 30)
    assert not metrics.token_matches(None, "t" * 30) and not metrics.token_matches("Bearer x", None)


def test_json_log_lines_are_json_and_hold_no_secrets():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_logs.JsonFormatter())
    logger = logging.getLogger("portal.test_json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        logger.info(
            "GET %s cookie kp_session=abcdefsecret123",
            "/wachtwoord-instellen?token=SECRETTOKEN1",
            extra={"kind": "request", "duration_ms": 1.5, "path": "/x?token=SECRETTOKEN2"},
        )
    finally:
        logger.removeHandler(handler)
    line = stream.getvalue().strip()
    entry = json.loads(line)
    assert entry["kind"] == "request" and entry["duration_ms"] == 1.5 and entry["level"] == "info"
    for secret in ("abcdefsecret123", "SECRETTOKEN1", "SECRETTOKEN2"):
        assert secret not in line
    assert "\n" not in line
