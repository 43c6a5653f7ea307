"""Guide runs with no network: any attempt to open a non-loopback connection fails the run."""

import os
import subprocess
import sys
import textwrap


def test_index_and_search_without_network(tmp_path):
    guard = tmp_path / "sitecustomize.py"
    guard.write_text(
        textwrap.dedent("""
        import socket
        _orig = socket.socket.connect
        def _no_network(self, address, *a, **k):
            host = address[0] if isinstance(address, tuple) else address
            if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")
                                          or host.startswith("/")):
                return _orig(self, address, *a, **k)
            raise RuntimeError(f"network access attempted: {address!r}")
        socket.socket.connect = _no_network
        def _no_dns(*a, **k):
            raise RuntimeError(f"DNS lookup attempted: {a!r}")
        socket.getaddrinfo = _no_dns
    """)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env.update(PYTHONPATH=str(tmp_path), GUIDE_INDEX_DIR=str(tmp_path / "idx"))
    res = subprocess.run(
        [sys.executable, "-m", "guide.cli", "search", "aide pour un proche aidant epuise", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "network access attempted" not in res.stderr and "DNS lookup attempted" not in res.stderr
    assert res.stdout.lstrip().startswith("[")
