"""The API made ready for a real deployment (see guide/api/app.py's contract).

- one rate-limit budget per client across every route (``/healthz`` exempt), shared by several
  ``guide serve`` processes through a real ``redis-server`` on loopback; X-Forwarded-For believed
  only from ``GUIDE_API_TRUSTED_PROXIES``;
- slow clients (a trickled head or body, an idle connection) are answered 408 and disconnected;
- security headers, CORS on errors, HEAD on GET routes, JSON 400s from the protocol layer;
- an access log of route templates, ``GUIDE_LOG_LEVEL`` honoured, no message kept in memory;
- degraded mode: ``/healthz`` says why, ``/v1/search`` answers 503.

Processes and sockets are on 127.0.0.1 only. Tests that need ``redis-server`` install it with
apt-get when it is missing (CI runs as root on Debian), or are skipped saying so.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import shutil
import socket
import string
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from api_asserts import is_error
from fastapi.testclient import TestClient
from ports import free_port

from guide.api.app import create_app, server_options
from guide.settings import ROOT, Settings

ORIGIN = "http://localhost:8501"


class FakeEngine:
    """What the API reads of an engine, with the vector index down (or a made-up one)."""

    def __init__(self, index=None, retrieval_error: str | None = None, fail: bool = False):
        self.index, self.needs, self.fail = index, {}, fail
        if retrieval_error is not None:
            self.retrieval_error = retrieval_error

    def warm_up(self) -> None:
        pass

    def ask(self, *args, **kwargs):
        if self.fail:
            raise RuntimeError("boom")
        raise AssertionError("not expected")


def fake_client(engine=None, **overrides) -> TestClient:
    s = Settings(**overrides)
    return TestClient(
        create_app(s, engine=engine or FakeEngine(retrieval_error="index damaged")), raise_server_exceptions=False
    )


# --------------------------------------------------------------------------------------------
# Degraded mode
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "engine,reason",
    [
        (FakeEngine(retrieval_error="index damaged"), "index damaged"),
        (FakeEngine(retrieval_error="Chroma server unreachable"), "Chroma server unreachable"),
        (FakeEngine(), "index not loaded"),  # an engine without retrieval_error, and no index
    ],
)
def test_healthz_degraded_without_index(engine, reason):
    with fake_client(engine) as c:
        r = c.get("/healthz")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "status": "degraded",
        "reason": reason,
        "index_loaded": False,
        "corpus_version": "",
        "records": 0,
        "embedding_backend": "use",
    }


def test_healthz_ok_has_no_reason(settings, index):
    from guide.engine import Engine

    with TestClient(create_app(settings, engine=Engine(settings, index=index, writer=None))) as c:
        d = c.get("/healthz").json()
    assert d["status"] == "ok" and d["reason"] is None and d["records"] == len(index.records)


@pytest.mark.parametrize(
    "engine",
    [
        FakeEngine(retrieval_error="disk full"),
        FakeEngine(),
        FakeEngine(index=object(), retrieval_error="index damaged"),
    ],
)
def test_search_unavailable_when_degraded(engine):
    with fake_client(engine) as c:
        r = c.get("/v1/search", params={"q": "aide à domicile"}, headers={"Origin": ORIGIN})
    is_error(r, 503, "search_unavailable")
    fr, en = r.json()["error"]["message"].split(" / ")
    assert "recherche" in fr and "Search" in en
    assert r.headers["access-control-allow-origin"] == ORIGIN
    with fake_client(engine) as c:  # a bad query is still the person's error
        is_error(c.get("/v1/search", params={"q": "   "}), 400, "empty_query")


# --------------------------------------------------------------------------------------------
# Rate limit: one budget per client
# --------------------------------------------------------------------------------------------


def test_one_budget_across_routes_and_healthz_exempt():
    with fake_client(api_rate_limit="4/minute") as c:
        assert all(c.get("/healthz").status_code == 200 for _ in range(10))  # exempt, and uncounted
        codes = [
            c.get("/v1/needs").status_code,
            c.get("/v1/nope").status_code,
            c.get("/openapi.json").status_code,
            c.get("/v1/services/near", params={"where": "Laval"}).status_code,
        ]
        assert 429 not in codes, codes
        r = c.get("/v1/needs")
        is_error(r, 429, "rate_limited")
        assert int(r.headers["retry-after"]) >= 1 and r.headers["x-ratelimit-remaining"] == "0"
        is_error(c.post("/v1/chat", json={"messages": []}), 429, "rate_limited")
        assert c.get("/healthz").status_code == 200


def test_remaining_budget_in_headers():
    with fake_client(api_rate_limit="10/minute") as c:
        remaining = [int(c.get("/v1/needs").headers["x-ratelimit-remaining"]) for _ in range(3)]
    assert remaining == [9, 8, 7]


def test_unreachable_storage_falls_back_to_a_process_budget(caplog):
    port = free_port()  # nothing listens there
    with (
        caplog.at_level(logging.WARNING, logger="guide.api"),
        fake_client(api_rate_limit="2/minute", api_rate_limit_storage=f"redis://127.0.0.1:{port}") as c,
    ):
        codes = [c.get("/v1/needs").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert "rate-limit storage unreachable" in caplog.text


# --------------------------------------------------------------------------------------------
# Headers, CORS on errors, HEAD
# --------------------------------------------------------------------------------------------


def _security_headers(r):
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_security_headers_on_every_answer():
    with fake_client() as c:
        for r in (
            c.get("/v1/needs"),
            c.get("/healthz"),
            c.get("/v1/nope"),
            c.get("/v1/services/near"),
            c.get("/v1/search", params={"q": "aide"}),
        ):
            _security_headers(r)
            assert r.headers["cache-control"] == "no-store"
            assert r.headers["content-security-policy"].startswith("default-src 'none'")
        docs = c.get("/docs")
        _security_headers(docs)
        assert "cache-control" not in c.get("/static-offline-docs/swagger-ui.css").headers  # a static file


def test_docs_csp_allows_its_own_scripts_only():
    import base64
    import hashlib
    import re

    with fake_client() as c:
        for path in ("/docs", "/redoc"):
            r = c.get(path)
            csp = r.headers["content-security-policy"]
            scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", r.text, re.S)
            assert scripts or path == "/redoc", path  # ReDoc's page has no inline script
            for body in scripts:
                digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
                assert f"'sha256-{digest}'" in csp, path
            script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
            assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src and "http" not in csp


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(os.environ.get("GUIDE_CHROMIUM", "/usr/bin/chromium")).exists(),
    reason="/usr/bin/chromium is absent (apt-get install chromium)",
)
def test_docs_pages_work_in_a_browser_under_their_csp():
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    s = Settings()
    with live_server(create_app(s, engine=FakeEngine()), s) as base, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("GUIDE_CHROMIUM", "/usr/bin/chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        try:
            page = browser.new_page()
            console: list[str] = []
            page.on("console", lambda m: console.append(m.text))
            r = page.goto(base + "/docs")
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
            page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
            assert "Guide API" in page.inner_text(".swagger-ui .info .title")
            page.click("[id*='needs'] .opblock-summary")
            page.click("text=Try it out")
            page.click("text=Execute")
            page.wait_for_selector(".live-responses-table .response .response-col_status", timeout=15_000)
            assert "200" in page.inner_text(".live-responses-table .response .response-col_status")
            page = browser.new_page()
            page.on("console", lambda m: console.append(m.text))
            page.goto(base + "/redoc")
            page.wait_for_selector("h1", timeout=30_000)
            assert "Guide API" in page.inner_text("h1")
            # ReDoc's "powered by" logo is on a CDN: blocked, as it should be offline
            assert not [m for m in console if "Content Security Policy" in m and "cdn.redoc.ly" not in m], console
        finally:
            browser.close()


def test_cors_headers_on_errors_for_allowed_origins():
    engine = FakeEngine(fail=True)
    with fake_client(engine, api_rate_limit="8/minute", api_max_body_bytes=100) as c:
        h = {"Origin": ORIGIN}
        responses = [
            (413, c.post("/v1/chat", content=b"x" * 200, headers={**h, "content-type": "application/json"})),
            (411, c.post("/v1/chat", content=iter([b"{}"]), headers=h)),  # chunked: no Content-Length
            (404, c.get("/v1/nope", headers=h)),
            (422, c.get("/v1/services/near", headers=h)),
            (503, c.get("/v1/search", params={"q": "aide"}, headers=h)),
            (500, c.post("/v1/chat", json={"messages": [{"role": "user", "content": "allo"}]}, headers=h)),
        ]
        while (r := c.get("/v1/needs", headers=h)).status_code != 429:
            pass
        responses.append((429, r))
        for status, r in responses:
            is_error(r, status)
            assert r.headers.get("access-control-allow-origin") == ORIGIN, (status, dict(r.headers))
            _security_headers(r)
        assert "Traceback" not in responses[5][1].text
        r = c.get("/v1/nope", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in r.headers


def test_head_on_get_routes():
    with fake_client() as c:
        for path in ("/v1/needs", "/healthz", "/openapi.json", "/docs"):
            get, head = c.get(path), c.head(path)
            assert head.status_code == 200 and head.content == b"", path
            assert head.headers["content-type"] == get.headers["content-type"]
            assert head.headers["content-length"] == get.headers["content-length"]
        is_error(c.get("/v1/chat"), 405, "method_not_allowed")
        assert c.head("/v1/chat").status_code == 405


# --------------------------------------------------------------------------------------------
# Logs and memory
# --------------------------------------------------------------------------------------------


def test_access_log_has_route_templates_and_nothing_written(settings, index, caplog):
    from guide.engine import Engine

    app = create_app(
        settings.model_copy(update={"api_rate_limit": "1000/minute"}), engine=Engine(settings, index=index, writer=None)
    )
    with TestClient(app) as c, caplog.at_level(logging.INFO, logger="guide.access"):
        c.get("/v1/services/near", params={"where": "G5L 2Z3", "kind": "clsc"})
        c.get("/v1/search", params={"q": "Pelletier plainte"})
        c.post("/v1/chat", json={"messages": [{"role": "user", "content": "ma voisine Josée Pelletier me menace"}]})
        c.get("/v1/services/G5L2Z3")
        c.head("/v1/needs")
    lines = [r.getMessage() for r in caplog.records if r.name == "guide.access"]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "guide.access")
    assert [line.rsplit(" ", 1)[0] for line in lines] == [
        "GET /v1/services/near 200",
        "GET /v1/search 200",
        "POST /v1/chat 200",
        "GET <unmatched> 404",
        "HEAD /v1/needs 200",
    ]
    assert all(line.endswith("ms") for line in lines)
    everything = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "G5L" not in everything and "Pelletier" not in everything and "clsc" not in everything


def test_access_log_is_on_by_default_and_can_be_turned_off(caplog):
    for on in (True, False):
        caplog.clear()
        with fake_client(api_access_log=on) as c, caplog.at_level(logging.INFO, logger="guide.access"):
            c.get("/v1/needs")
        assert [r.getMessage().rsplit(" ", 1)[0] for r in caplog.records if r.name == "guide.access"] == (
            ["GET /v1/needs 200"] if on else []
        )


@pytest.mark.parametrize(
    "level,expected", [("DEBUG", logging.DEBUG), ("error", logging.ERROR), ("nonsense", logging.WARNING)]
)
def test_log_level_is_honoured(level, expected):
    guide_log, access = logging.getLogger("guide"), logging.getLogger("guide.access")
    before = guide_log.level, access.level
    try:
        create_app(Settings(log_level=level), engine=FakeEngine())
        assert guide_log.level == expected and access.level == logging.INFO
    finally:
        guide_log.setLevel(before[0])
        access.setLevel(before[1])


def _holders_of(needle: str) -> list[str]:
    """Objects that hold a string containing ``needle``: every object the collector tracks, and
    the containers it does not track (dicts and tuples of strings only) one level down."""
    gc.collect()
    found = []
    for obj in gc.get_objects():
        for ref in gc.get_referents(obj):
            kind = type(ref)
            if kind is str:
                if needle in ref and ref is not needle:
                    found.append(type(obj).__qualname__)
            elif kind in (dict, tuple, list, set, frozenset) and not gc.is_tracked(ref):
                values = [*ref.keys(), *ref.values()] if kind is dict else list(ref)
                if any(type(v) is str and needle in v and v is not needle for v in values):
                    found.append(f"{type(obj).__qualname__} > {kind.__name__}")
    return found


def test_no_cache_holds_a_message_after_the_request(settings, index):
    from guide.engine import Engine

    def word() -> str:
        return "".join(random.choice(string.ascii_lowercase) for _ in range(10))

    # two made-up words side by side: a whole message (or its folded form) would hold them
    needle = f"{word()} {word()}"
    app = create_app(
        settings.model_copy(update={"api_rate_limit": "1000/minute"}), engine=Engine(settings, index=index, writer=None)
    )
    with TestClient(app) as c:

        def send(place: str) -> None:
            r = c.post(
                "/v1/chat", json={"messages": [{"role": "user", "content": f"je reste à {place}, {needle} me harcèle"}]}
            )
            assert r.status_code == 200
            r = c.get("/v1/services/near", params={"where": f"{place} {needle}"})
            assert r.status_code in (200, 404)

        send("Rimouski")
        send("Sherbrooke")
        assert _holders_of(needle) == []


# --------------------------------------------------------------------------------------------
# A real server (uvicorn with the options of ``guide serve``): slow clients, malformed HTTP
# --------------------------------------------------------------------------------------------


@contextmanager
def live_server(app, settings: Settings):
    """The app under uvicorn in a thread, configured as ``guide serve`` configures it."""
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), **server_options(settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture()
def short_timeouts(monkeypatch):
    """Header and body deadlines of 1 s (read from the environment, as ``guide serve`` does)."""
    from guide import settings as settings_mod

    monkeypatch.setenv("GUIDE_API_HEADER_TIMEOUT_S", "1")
    monkeypatch.setenv("GUIDE_API_BODY_TIMEOUT_S", "1")
    settings_mod.get_settings.cache_clear()
    yield settings_mod.get_settings()
    settings_mod.get_settings.cache_clear()


@pytest.fixture()
def live(short_timeouts):
    with live_server(create_app(short_timeouts, engine=FakeEngine()), short_timeouts) as base:
        yield base


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _read_until_closed(sock: socket.socket, limit_s: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection (fails after ``limit_s``)."""
    t0 = time.monotonic()
    sock.settimeout(0.2)
    data = b""
    while time.monotonic() - t0 < limit_s:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return data, time.monotonic() - t0
        if not chunk:
            return data, time.monotonic() - t0
        data += chunk
    raise AssertionError(f"connection still open after {limit_s} s; received {data[:200]!r}")


def _trickle(sock: socket.socket, pieces, every_s: float, stop: threading.Event) -> None:
    for piece in pieces:
        if stop.is_set():
            return
        try:
            sock.sendall(piece)
        except OSError:
            return  # closed by the server: what we expect
        time.sleep(every_s)


def test_no_server_header_and_json_400_for_malformed_http(live):
    r = httpx.get(live + "/healthz")
    assert r.status_code == 200 and "server" not in r.headers
    for raw in (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"BLAH\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000,
    ):  # incomplete head > 16 KiB
        with socket.create_connection(("127.0.0.1", _port(live))) as s:
            s.sendall(raw)
            data, _ = _read_until_closed(s, 5)
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head and b"nosniff" in head, head
        assert body.startswith(b'{"error": {"code": "bad_request"'), body
    r = httpx.get(live + "/healthz", headers={"X-Big": "a" * 40_000})  # a whole head, too large
    is_error(r, 431, "headers_too_large")


def test_a_trickled_request_head_is_cut_off(live):
    with httpx.Client(base_url=live) as c:  # an ordinary keep-alive client is not cut off
        assert [c.get("/v1/needs").status_code for _ in range(3)] == [200, 200, 200]
        time.sleep(1.5)  # idle longer than the head deadline, shorter than keep-alive: still usable
        assert c.get("/v1/needs").status_code == 200
    stop = threading.Event()
    with socket.create_connection(("127.0.0.1", _port(live))) as s:
        s.sendall(b"GET /v1/needs HTTP/1.1\r\nHost: x\r\n")
        t = threading.Thread(target=_trickle, args=(s, [b"X-Slow: 1\r\n"] * 100, 0.2, stop), daemon=True)
        t.start()
        data, took = _read_until_closed(s, 6)
        stop.set()
    assert data.startswith(b"HTTP/1.1 408") and b'"request_timeout"' in data, data
    assert took < 4


def test_a_trickled_body_is_cut_off(live):
    stop = threading.Event()
    with socket.create_connection(("127.0.0.1", _port(live))) as s:
        s.sendall(
            b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"
        )
        t = threading.Thread(target=_trickle, args=(s, [b" "] * 400, 0.1, stop), daemon=True)
        t.start()
        data, took = _read_until_closed(s, 6)
        stop.set()
    assert data.startswith(b"HTTP/1.1 408") and b'"request_timeout"' in data, data
    assert took < 4


def test_many_slow_connections_are_all_closed(live):
    """50 connections: idle, trickling a head, trickling a body; all closed within the deadlines."""
    stop = threading.Event()
    socks = []
    try:
        for i in range(50):
            s = socket.create_connection(("127.0.0.1", _port(live)))
            socks.append(s)
            if i % 3 == 1:
                s.sendall(b"GET /v1/needs HTTP/1.1\r\n")
                threading.Thread(target=_trickle, args=(s, [b"X: y\r\n"] * 100, 0.2, stop), daemon=True).start()
            elif i % 3 == 2:
                s.sendall(b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n")
                threading.Thread(target=_trickle, args=(s, [b" "] * 800, 0.1, stop), daemon=True).start()
        for s in socks:
            _read_until_closed(s, 8)
    finally:
        stop.set()
        for s in socks:
            s.close()


def test_serve_passes_the_server_options(cli_env, index, monkeypatch):
    import uvicorn as uv
    from typer.testing import CliRunner

    from guide.api.app import GuideH11Protocol
    from guide.cli import app

    seen = {}
    monkeypatch.setattr(uv, "run", lambda *a, **k: seen.update(k))
    assert CliRunner().invoke(app, ["serve", "--port", "8999"]).exit_code == 0
    assert seen["proxy_headers"] is False and seen["server_header"] is False and seen["http"] is GuideH11Protocol
    assert seen["access_log"] is False and seen["timeout_keep_alive"] == 5
    monkeypatch.setenv("GUIDE_API_TRUSTED_PROXIES", "10.0.0.5, 10.0.0.6")
    from guide import settings as settings_mod

    settings_mod.get_settings.cache_clear()
    assert CliRunner().invoke(app, ["serve", "--port", "8999"]).exit_code == 0
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == ["10.0.0.5", "10.0.0.6"]


# --------------------------------------------------------------------------------------------
# Two real ``guide serve`` processes sharing a real redis-server
# --------------------------------------------------------------------------------------------


def ensure_debian_package(command: str, package: str) -> str:
    """Path of ``command``, installing the Debian package when missing (CI runs as root)."""
    found = shutil.which(command) or next(
        (p for p in (f"/usr/sbin/{command}", f"/usr/bin/{command}") if os.path.exists(p)), None
    )
    if found:
        return found
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip(f"{command} is absent and apt-get is unavailable (apt-get install -y {package})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
    r = subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, capture_output=True, timeout=900)
    found = shutil.which(command) or next(
        (p for p in (f"/usr/sbin/{command}", f"/usr/bin/{command}") if os.path.exists(p)), None
    )
    if not found:
        pytest.skip(f"apt-get install {package} failed: {r.stderr.decode()[-300:]}")
    return found


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    exe = ensure_debian_package("redis-server", "redis-server")
    port = free_port()
    data = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(data),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert time.time() < deadline, "redis-server did not start"
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


LIMIT = 6


@pytest.fixture(scope="module")
def two_servers(redis_port, index, index_dir, tmp_path_factory):
    """Two ``guide serve`` processes, one budget in Redis: A trusts no proxy, B trusts 127.0.0.1."""
    logs = tmp_path_factory.mktemp("serve")
    procs, bases = [], []
    try:
        for name, trusted in (("a", ""), ("b", "127.0.0.1")):
            port = free_port()
            env = dict(
                os.environ,
                GUIDE_INDEX_DIR=str(index_dir),
                GUIDE_API_RATE_LIMIT=f"{LIMIT}/minute",
                GUIDE_API_RATE_LIMIT_STORAGE=f"redis://127.0.0.1:{redis_port}",
                GUIDE_API_TRUSTED_PROXIES=trusted,
                FORWARDED_ALLOW_IPS="*",
            )  # uvicorn's own knob: ignored
            log = open(logs / f"{name}.log", "wb")
            procs.append(
                (
                    subprocess.Popen(
                        [sys.executable, "-m", "guide.cli", "serve", "--port", str(port)],
                        cwd=str(ROOT),
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    ),
                    log,
                )
            )
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 240
            while True:  # one after the other: the first one trains and caches the classifier
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert procs[-1][0].poll() is None, (logs / f"{name}.log").read_text()[-2000:]
                assert time.time() < deadline, "guide serve did not start"
                time.sleep(0.5)
            bases.append(base)
        yield bases, logs
    finally:
        for proc, log in procs:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def _client(source: str) -> httpx.Client:
    """A client whose connections leave from ``source`` (any 127.x.y.z is loopback on Linux)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=10)


@pytest.mark.slow
def test_the_budget_is_shared_by_two_processes(two_servers):
    (a, b), logs = two_servers
    with _client("127.0.0.2") as c:
        codes = [(base, c.get(base + "/v1/needs").status_code) for base in (a, b) * LIMIT]
        assert c.get(a + "/healthz").status_code == 200 and c.get(b + "/healthz").status_code == 200
    ok = [base for base, code in codes if code == 200]
    assert len(ok) == LIMIT and {a, b} <= set(ok), codes  # both served, one budget between them
    assert [code for _, code in codes[LIMIT:]] == [429] * LIMIT


@pytest.mark.slow
def test_rotating_x_forwarded_for_from_loopback_does_not_evade_the_limit(two_servers):
    (a, _), _ = two_servers
    with _client("127.0.0.3") as c:
        codes = [
            c.get(a + "/v1/needs", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(LIMIT + 3)
        ]
    assert codes == [200] * LIMIT + [429] * 3


@pytest.mark.slow
def test_behind_a_trusted_proxy_the_forwarded_address_is_the_key(two_servers):
    (_, b), _ = two_servers
    with _client("127.0.0.1") as c:  # B trusts 127.0.0.1: each forwarded address has its own budget
        rotating = [
            c.get(b + "/v1/needs", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(LIMIT + 3)
        ]
        fixed = [
            c.get(b + "/v1/needs", headers={"X-Forwarded-For": "192.0.2.77"}).status_code for _ in range(LIMIT + 2)
        ]
    assert rotating == [200] * (LIMIT + 3)
    assert fixed == [200] * LIMIT + [429] * 2
    with _client("127.0.0.4") as c:  # an untrusted peer's header is ignored
        spoofed = [
            c.get(b + "/v1/needs", headers={"X-Forwarded-For": f"203.0.113.{100 + i}"}).status_code
            for i in range(LIMIT + 2)
        ]
    assert spoofed == [200] * LIMIT + [429] * 2


@pytest.mark.slow
def test_served_processes_log_route_templates(two_servers):
    (a, _), logs = two_servers
    with _client("127.0.0.5") as c:
        c.get(a + "/v1/services/near", params={"where": "H2L 3C3"})
    time.sleep(0.3)
    text = (logs / "a.log").read_text()
    # uvicorn's access log (raw path and query string) stays off
    assert "guide.access GET /v1/services/near 200" in text and "H2L" not in text and "where=" not in text
