"""``guide serve --workers 2``: the engine is loaded once by the supervisor and forked; the workers
share its memory, answer every route (the search index is opened after the fork), a dead worker is
replaced, and SIGTERM stops every process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from ports import free_port

from guide.api.prefork import GuideWorker, Prefork, bind_address
from guide.api.server import GuideH11Protocol
from guide.settings import ROOT, Settings


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _memory(pid: int) -> dict[str, int]:
    """kB figures of /proc/PID/smaps_rollup (Rss, Shared_*, Private_*)."""
    figures = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                figures[parts[0].rstrip(":")] = int(parts[1])
    return figures


def _wait_for_workers(pid: int, n: int, deadline_s: float = 120) -> list[int]:
    deadline = time.time() + deadline_s
    while time.time() < deadline:
        kids = _children(pid)
        if len(kids) == n:
            return kids
        time.sleep(0.3)
    raise AssertionError(f"expected {n} workers, found {_children(pid)}")


def test_the_supervisor_is_configured_from_the_settings():
    settings = Settings(api_keep_alive_s=7, api_trusted_proxies="10.0.0.5")
    server = Prefork(settings, "::1", 8123, 3)
    assert server.cfg.preload_app is True and server.cfg.workers == 3
    assert server.cfg.worker_class is GuideWorker and server.cfg.keepalive == 7
    assert server.cfg.bind == ["[::1]:8123"] and server.cfg.accesslog is None
    kwargs = GuideWorker.CONFIG_KWARGS
    assert kwargs["http"] is GuideH11Protocol and kwargs["access_log"] is False
    assert kwargs["proxy_headers"] is True and kwargs["forwarded_allow_ips"] == ["10.0.0.5"]
    assert bind_address("127.0.0.1", 80) == "127.0.0.1:80" and bind_address("[::1]", 80) == "[::1]:80"


def _serve_two_workers(index_dir, log_path, port: int) -> subprocess.Popen:
    env = dict(os.environ, GUIDE_INDEX_DIR=str(index_dir), GUIDE_API_RATE_LIMIT="100000/minute")
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "guide.cli", "serve", "--port", str(port), "--workers", "2"],
            cwd=str(ROOT),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def test_a_port_in_use_is_named_before_anything_loads(cli_env, monkeypatch):
    from typer.testing import CliRunner

    from guide.cli import app
    from guide.cli import serve as serve_cli

    def no_loading():
        raise AssertionError("the index was prepared although the port is taken")

    monkeypatch.setattr(serve_cli, "prepare_index", no_loading)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port), "--workers", "2"])
    assert result.exit_code == 1
    assert f"port {port} is already in use" in result.output.lower() and "Traceback" not in result.output


@pytest.fixture(scope="module")
def forked(index, index_dir, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("prefork") / "serve.log"
    port = free_port()
    proc = _serve_two_workers(index_dir, log_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 240
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, log_path.read_text()[-3000:]
            assert time.time() < deadline, "guide serve --workers 2 did not start"
            time.sleep(0.3)
        _wait_for_workers(proc.pid, 2)
        yield proc, base, log_path
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.slow
def test_forked_workers_answer_every_route(forked):
    _, base, _ = forked
    with httpx.Client(base_url=base, timeout=30) as c:
        crisis = c.post("/v1/chat", json={"messages": [{"role": "user", "content": "je veux mourir ce soir"}]})
        assert crisis.status_code == 200 and crisis.json()["crisis"]["detected"]
        assert crisis.json()["crisis"]["contacts"][0]["id"] == "line-urgence-9-1-1"
        near = c.get("/v1/services/near", params={"where": "Rimouski", "limit": 3})
        assert near.status_code == 200 and near.json()["services"]
        for _ in range(4):  # reaches both workers: each opens its own index after the fork
            found = c.get("/v1/search", params={"q": "plainte", "limit": 2})
            assert found.status_code == 200 and len(found.json()) == 2


@pytest.mark.slow
def test_the_workers_share_the_loaded_engine(forked):
    proc, base, _ = forked
    with httpx.Client(base_url=base, timeout=30) as c:
        for i in range(20):
            assert c.post("/v1/chat", json={"messages": [{"role": "user", "content": f"je dors pu ({i})"}]}).is_success
    for pid in _children(proc.pid):
        m = _memory(pid)
        shared = m["Shared_Clean"] + m["Shared_Dirty"]
        private = m["Private_Clean"] + m["Private_Dirty"]
        # a worker that loaded its own models (no fork) has ~16 MB shared and ~280 MB private
        assert shared > 2 * private, m


@pytest.mark.slow
def test_a_dead_worker_is_replaced_and_serving_goes_on(forked):
    proc, base, _ = forked
    victim = _children(proc.pid)[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.time() + 60
    while time.time() < deadline and (victim in _children(proc.pid) or len(_children(proc.pid)) < 2):
        time.sleep(0.2)
    assert victim not in _children(proc.pid) and len(_children(proc.pid)) == 2
    with httpx.Client(base_url=base, timeout=30) as c:
        for _ in range(6):
            r = c.post("/v1/chat", json={"messages": [{"role": "user", "content": "I want to end my life"}]})
            assert r.status_code == 200 and r.json()["crisis"]["contacts"][0]["id"] == "line-urgence-9-1-1"


@pytest.mark.slow
def test_workers_do_not_outlive_a_killed_supervisor(index, index_dir, tmp_path):
    port = free_port()
    proc = _serve_two_workers(index_dir, tmp_path / "serve.log", port)
    try:
        workers = _wait_for_workers(proc.pid, 2, 240)
    finally:
        proc.kill()  # SIGKILL: the supervisor cannot stop its workers itself
        proc.wait(timeout=10)
    deadline = time.time() + 20
    while time.time() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in workers):
        time.sleep(0.2)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in workers)
    with pytest.raises(httpx.HTTPError):  # nobody holds the port any more
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


@pytest.mark.slow
def test_sigterm_stops_the_supervisor_and_every_worker(forked):
    proc, _, log_path = forked
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    for pid in workers:
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower()
    assert "Traceback" not in log_path.read_text()


def test_other_backends_or_platforms_keep_uvicorns_own_workers(cli_env, monkeypatch):
    """e5 (OpenMP) and st (torch) start thread runtimes that do not survive a fork: no preload."""
    import uvicorn as uv
    from typer.testing import CliRunner

    from guide.api import prefork
    from guide.cli import app
    from guide.cli import serve as serve_cli

    assert prefork.supported(Settings()) and not prefork.supported(Settings(embedding_backend="e5"))
    seen: dict = {}
    monkeypatch.setattr(serve_cli, "prepare_index", lambda: True)
    monkeypatch.setattr(uv, "run", lambda app_, **k: seen.update(k, app=app_))
    monkeypatch.setattr(prefork, "run", lambda *a: seen.update(prefork=True))
    monkeypatch.setattr(prefork, "supported", lambda settings: False)
    assert CliRunner().invoke(app, ["serve", "--port", str(free_port()), "--workers", "3"]).exit_code == 0
    assert "prefork" not in seen and seen["workers"] == 3 and seen["factory"] is True
    assert seen["app"] == "guide.api.app:app_factory" and seen["http"] is GuideH11Protocol


def test_the_supervisor_warms_up_without_the_llm_writer_and_each_worker_makes_its_own(monkeypatch):
    """An HTTP client made before the fork would share its connections between workers."""
    from guide import writer as writer_mod

    made = []
    monkeypatch.setattr(writer_mod, "make_chat_model", lambda settings: made.append(1) or object())
    import gc

    from guide import engine as engine_mod

    warmed_with = []

    class FakeEngine:
        def __init__(self, settings, open_index=True):
            self.writer = "a client made before the fork"

        def warm_up(self):
            warmed_with.append(self.writer)

    monkeypatch.setattr(engine_mod, "Engine", FakeEngine)
    server = Prefork(Settings(), "127.0.0.1", 8123, 2)
    try:
        server.load()
    finally:
        gc.unfreeze()
    assert warmed_with == [None] and server.engine.writer is None
    server.post_fork(None, None)
    assert made == [1] and server.engine.writer not in (None, "a client made before the fork")
