"""The files in deploy/ are checked by the tools that will read them on a server:
`systemd-analyze verify` (and its security score), `nginx -t`, `caddy validate`.

The tools come from Debian (`make deploy-tools` installs caddy and nginx): skipped locally
when missing, failing on CI (CI=true), like the PostgreSQL and Redis tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_service

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("klantenportaal*.*"))


def _tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    require_service(found is not None, f"{name} (make deploy-tools)")
    assert found is not None
    return found


def _units_for(tmp_path: Path) -> list[Path]:
    """The units with /opt/klantenportaal pointing at this checkout (verify wants the programs to exist)."""
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/klantenportaal", str(ROOT)))
        copies.append(copy)
    return copies


def test_systemd_units_verify_cleanly(tmp_path):
    analyze = _tool("systemd-analyze")
    assert {u.name for u in UNITS} >= {
        "klantenportaal.service",
        "klantenportaal-backup.service",
        "klantenportaal-backup.timer",
    }
    done = subprocess.run(
        [analyze, "verify", "--man=no", *map(str, _units_for(tmp_path))], capture_output=True, text=True, timeout=60
    )
    # verify exits 0 on some problems (an unknown value is only "ignored"): no output is the bar
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 0 and not complaints, "\n".join(complaints)


@pytest.mark.parametrize("unit", ["klantenportaal.service", "klantenportaal-backup.service"])
def test_services_are_hardened(tmp_path, unit):
    text = (DEPLOY / "systemd" / unit).read_text()
    for setting in (
        "User=klantenportaal",
        "NoNewPrivileges=true",
        "ProtectSystem=strict",
        "ProtectHome=true",
        "PrivateTmp=true",
        "CapabilityBoundingSet=\n",
    ):
        assert setting in text, setting
    assert re.search(r"^ReadWritePaths=/var/lib/klantenportaal", text, re.MULTILINE)
    analyze = _tool("systemd-analyze")
    copy = {u.name: u for u in _units_for(tmp_path)}[unit]
    done = subprocess.run(
        [analyze, "security", "--offline=true", str(copy)], capture_output=True, text=True, timeout=60
    )
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout + done.stderr)
    assert match, done.stdout + done.stderr
    assert float(match.group(1)) <= 2.5, done.stdout  # "OK" on systemd's 0-10 scale


def test_web_service_restarts_and_migrates_first():
    text = (DEPLOY / "systemd" / "klantenportaal.service").read_text()
    assert "Restart=on-failure" in text
    assert text.index("ExecStartPre=/opt/klantenportaal/.venv/bin/python -m portal_app.cli migrate") < text.index(
        "ExecStart=/opt/klantenportaal/.venv/bin/python scripts/prod_server.py serve"
    )
    timer = (DEPLOY / "systemd" / "klantenportaal-backup.timer").read_text()
    assert "Persistent=true" in timer and "OnCalendar=" in timer
    assert "portal_app.cli backup" in (DEPLOY / "systemd" / "klantenportaal-backup.service").read_text()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=portaal.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_nginx_config_passes_nginx_t(tmp_path):
    nginx = _tool("nginx")
    cert, key = _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "klantenportaal.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/portaal.uwkantoor.nl/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/portaal.uwkantoor.nl/privkey.pem", str(key))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n  include {tmp_path}/site.conf;\n}}\n"
    )
    done = subprocess.run([nginx, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for needed in ("client_max_body_size 101m;  # nginx m = MiB", "proxy_set_header Upgrade $http_upgrade;", "gzip on;",
                   "proxy_set_header X-Forwarded-Proto $scheme;", "proxy_request_buffering off;"):  # fmt: skip
        assert needed in site, needed
    assert "add_header" not in site.replace("no add_header", "")  # the portal's own headers stay


@pytest.mark.parametrize(
    "env",
    [
        {"PORTAL_SITE": "portaal.uwkantoor.nl", "PORTAL_TLS": "it@uwkantoor.nl"},
        {"PORTAL_SITE": "https://127.0.0.1:8443", "PORTAL_TLS": "internal", "CADDY_ADMIN": "off"},
    ],
    ids=["acme", "local-ca"],
)
def test_caddyfile_validates(tmp_path, env):
    caddy = _tool("caddy")
    done = subprocess.run(
        [caddy, "adapt", "--config", str(DEPLOY / "caddy" / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), **env},
    )
    assert done.returncode == 0, done.stderr
    config = done.stdout
    # the default staff upload limit of the office settings plus the form framing the portal allows
    from portal_app.core.api import UPLOAD_OVERHEAD_BYTES
    from portal_app.settings import load_settings

    defaults = load_settings({"DATA_DIR": str(tmp_path)})
    assert f'"max_size":{defaults.staff_max_upload_bytes + UPLOAD_OVERHEAD_BYTES}' in config
    assert '"encodings":{"gzip"' in config or '"gzip":{}' in config
    assert '"handler":"reverse_proxy"' in config
    if env["PORTAL_TLS"] == "internal":
        assert '"module":"internal"' in config
    else:
        assert '"email":"it@uwkantoor.nl"' in config
