"""A free TCP port on loopback, for the tests that start a real server (importable from any test
folder: pytest puts ``tests/`` on the path for its root conftest)."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
