"""The scale-out topology of ``deploy/``: nginx in front of two ``guide serve`` processes sharing a
Chroma server and a Redis rate-limit budget, run for real on loopback by ``deploy/cluster.sh``.

nginx and redis-server are Debian packages: installed with apt-get when missing (CI runs as root
on Debian), else the test is skipped saying so.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess

import pytest

from guide.settings import ROOT

SCRIPT = ROOT / "deploy" / "cluster.sh"
TEMPLATE = ROOT / "deploy" / "nginx.conf"


def _which(command: str) -> str | None:
    return shutil.which(command) or next(
        (p for p in (f"/usr/sbin/{command}", f"/usr/bin/{command}") if os.path.exists(p)), None
    )


def ensure_debian_packages(*packages: tuple[str, str]) -> None:
    """Install the (command, package) pairs that are missing, or skip the test saying why."""
    missing = [(c, p) for c, p in packages if not _which(c)]
    if not missing:
        return
    names = " ".join(p for _, p in missing)
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip(f"{', '.join(c for c, _ in missing)} absent and apt-get unavailable (apt-get install -y {names})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
    r = subprocess.run(["apt-get", "install", "-y", "-qq", *names.split()], env=env, capture_output=True, timeout=900)
    if any(not _which(c) for c, _ in missing):
        pytest.skip(f"apt-get install {names} failed: {r.stderr.decode()[-300:]}")


def test_nginx_template_sets_timeouts_limits_and_forwarding():
    conf = TEMPLATE.read_text()
    for directive in (
        "client_header_timeout 10s;",
        "client_body_timeout 15s;",
        "send_timeout",
        "keepalive_timeout",
        "limit_req_zone $binary_remote_addr",
        "limit_req zone=guide_req",
        "limit_req_status 429;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "client_max_body_size 64k;",
        "proxy_max_temp_file_size 0;",
        "server_tokens off;",
    ):
        assert directive in conf, directive
    log_format = re.search(r"log_format guide '([^']*)'", conf).group(1)
    assert "$request " not in log_format + " " and "$args" not in log_format and "$request_uri" not in log_format
    assert "$remote_addr" not in log_format


@pytest.mark.slow
def test_cluster_script_runs_the_topology_and_cleans_up():
    ensure_debian_packages(("nginx", "nginx"), ("redis-server", "redis-server"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUIDE_")}
    r = subprocess.run(
        ["bash", str(SCRIPT), "--requests", "20", "--concurrency", "4"],
        cwd=str(ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = r.stdout
    assert r.returncode == 0, out[-3000:] + r.stderr[-3000:]
    assert "proxy GET /v1/services/near: 200" in out and "proxy POST /v1/chat: 200" in out
    shared = re.search(r"rate limit shared: yes \(12 requests of client 127\.0\.0\.2, served (\d+) \+ (\d+)", out)
    assert shared and int(shared.group(1)) > 0 and int(shared.group(2)) > 0, out
    proxied = out.split("== benchmark through nginx", 1)[1].split("== benchmark against one API process", 1)
    for section in proxied:
        for route in ("/v1/services/near", "/v1/chat"):
            line = re.search(
                rf"^{re.escape(route)} +20 requests, 4 clients: +([\d.]+) req/s +p50 +([\d.]+) ms +"
                rf"p95 +([\d.]+) ms +errors (\d+) +\(httpx\)$",
                section,
                re.M,
            )
            assert line and line.group(4) == "0", section
    # stopped cleanly: its temp directory is gone and nothing listens any more on its ports
    tmp = re.search(r"== cluster in (\S+)", out).group(1)
    assert not os.path.exists(tmp)
    assert "stopped: every process of the cluster (exit 0)" in out
    for port in re.findall(r"127\.0\.0\.1:(\d+)", out.split("== checks", 1)[0]):
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", int(port))) != 0, f"port {port} still open"
