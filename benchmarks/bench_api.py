"""Bounded load test of the API on loopback: p50/p95 latency and throughput under concurrency.

    python benchmarks/bench_api.py [--requests 1000] [--seconds 10] [--concurrency 8] [--workers 1]
                                   [--generator auto|wrk|httpx] [--base-url URL]

Starts ``guide serve`` on 127.0.0.1 (a free port, rate limit lifted for the run), warms it up,
then loads /v1/services/near and /v1/chat from ``--concurrency`` clients and prints the figures.
The load generator is ``wrk`` (Debian package ``wrk``: C, one thread, so the 2 cores go to the
server; ``--seconds`` per route) when it is installed, else an httpx client in this process
(``--requests`` per route; it needs about as much CPU as the server, so it understates
throughput). Every chat message is unique (no cache helps). Memory is read from
/proc/PID/smaps_rollup after the load: RSS counts shared pages once per process, PSS shares them
out, private is what the process alone holds. Traffic goes to loopback only; the run stops by itself.
With ``--base-url`` no server is started: the running API (or the proxy in front of several, see
``deploy/cluster.sh``) at that address is measured, and must allow the load (rate limit).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PLACES = ["H2L 3C3", "Rimouski", "G1R 2B5", "Sherbrooke", "J8X 3X7", "Gaspé", "Val-d'Or", "Saguenay", "Laval", "H4C"]
MESSAGES = [
    "je viens de me séparer pis je dors pu",
    "my dad lives alone and stopped eating",
    "chu à boute avec mes enfants",
    "j'ai perdu ma job pis je sais pas comment payer mon loyer",
    "je me sens tellement seul depuis que ma femme est morte",
    "I think I'm burning out at work",
    "j'ai pus le goût de vivre",
    "mon ado fume du pot tous les jours",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * len(s))) - 1))]


async def load(base: str, make_request, n: int, concurrency: int) -> tuple[list[float], float, int]:
    lat: list[float] = []
    errors = 0
    counter = itertools.count()
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def worker():
            nonlocal errors
            while (i := next(counter)) < n:
                t0 = time.perf_counter()
                r = await make_request(client, i)
                lat.append((time.perf_counter() - t0) * 1000)
                errors += r.status_code >= 400

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return lat, time.perf_counter() - t0, errors


WRK_SCRIPT = """
local places = PLACES
local msgs = MESSAGES
local route = ROUTE
local i = 0
request = function()
  i = i + 1
  local place = places[(i % #places) + 1]
  if route == "near" then
    local q = string.gsub(place, "([^%w])", function(c) return string.format("%%%02X", string.byte(c)) end)
    return wrk.format("GET", "/v1/services/near?where=" .. q .. "&limit=5")
  end
  local body = string.format('{"messages":[{"role":"user","content":"%s (%d)"}],"where":"%s"}',
    msgs[(i % #msgs) + 1], i, place)
  return wrk.format("POST", "/v1/chat", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.3f %.2f %.2f\\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def _lua_list(values: list[str]) -> str:
    return "{" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "}"


def run_wrk(base: str, args) -> int:
    """wrk, one thread, ``--concurrency`` connections, ``--seconds`` per route (after 2 s of warm-up)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, route in (("/v1/services/near", "near"), ("/v1/chat", "chat")):
            script = Path(tmp) / f"{route}.lua"
            script.write_text(
                WRK_SCRIPT.replace("PLACES", _lua_list(PLACES))
                .replace("MESSAGES", _lua_list(MESSAGES))
                .replace("ROUTE", json.dumps(route)),
                encoding="utf-8",
            )
            for seconds, report in ((2, False), (args.seconds, True)):
                out = subprocess.run(
                    ["wrk", "-t1", f"-c{args.concurrency}", f"-d{seconds}s", "-s", str(script), base],
                    capture_output=True,
                    text=True,
                    timeout=seconds + 60,
                ).stdout
                m = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
                if not m:
                    print(f"wrk failed: {out[-500:]}")
                    return 1
                if report:
                    n, errors, secs = int(m.group(1)), int(m.group(2)), float(m.group(3))
                    print(
                        f"{name:20} {n} requests, {args.concurrency} clients: {n / secs:7.1f} req/s  "
                        f"p50 {float(m.group(4)):6.1f} ms  p95 {float(m.group(5)):6.1f} ms  errors {errors}  "
                        f"(wrk, {secs:.0f} s)",
                        flush=True,
                    )
    return 0


def memory(pid: int) -> dict[str, int]:
    """kB figures of /proc/PID/smaps_rollup."""
    figures: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    figures[parts[0].rstrip(":")] = int(parts[1])
    except OSError:  # the process ended meanwhile
        pass
    return figures


def print_memory(supervisor: int) -> None:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(supervisor)], capture_output=True, text=True).stdout
    workers = [int(x) for x in out.split()]
    rows = {pid: memory(pid) for pid in [supervisor, *workers]}

    def mib(pid: int, *keys: str) -> int:
        return round(sum(rows[pid].get(k, 0) for k in keys) / 1024)

    print(
        f"server memory (RSS, all processes): {sum(mib(p, 'Rss') for p in rows)} MiB; "
        f"PSS, all processes: {sum(mib(p, 'Pss') for p in rows)} MiB"
    )
    for pid in rows:
        role = "worker" if pid != supervisor else ("supervisor" if workers else "server")
        print(
            f"  {role:10} pid {pid}: RSS {mib(pid, 'Rss')} MiB, PSS {mib(pid, 'Pss')} MiB, "
            f"private {mib(pid, 'Private_Clean', 'Private_Dirty')} MiB"
        )


def run(base: str, args) -> int:
    """Warm up, then measure each route; prints one line per route."""
    if args.generator == "wrk" or (args.generator == "auto" and shutil.which("wrk")):
        return run_wrk(base, args)

    async def near(client, i):
        return await client.get("/v1/services/near", params={"where": PLACES[i % len(PLACES)], "limit": 5})

    async def chat(client, i):  # each message unique: no cache helps the figures
        return await client.post(
            "/v1/chat",
            json={
                "messages": [{"role": "user", "content": f"{MESSAGES[i % len(MESSAGES)]} ({i})"}],
                "where": PLACES[i % len(PLACES)],
            },
        )

    for name, fn in (("/v1/services/near", near), ("/v1/chat", chat)):
        asyncio.run(load(base, fn, 50, args.concurrency))  # warm
        lat, secs, errors = asyncio.run(load(base, fn, args.requests, args.concurrency))
        print(
            f"{name:20} {args.requests} requests, {args.concurrency} clients: {args.requests / secs:7.1f} req/s  "
            f"p50 {pct(lat, 50):6.1f} ms  p95 {pct(lat, 95):6.1f} ms  errors {errors}  (httpx)",
            flush=True,
        )
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10, help="per route, with wrk")
    ap.add_argument("--generator", choices=("auto", "wrk", "httpx"), default="auto")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--base-url", default="", help="measure the API already running there (no server started)")
    args = ap.parse_args()
    if args.base_url:
        return run(args.base_url.rstrip("/"), args)
    port = free_port()
    env = dict(os.environ, GUIDE_API_RATE_LIMIT="1000000/minute")
    t0 = time.perf_counter()
    # the server's log goes to a file: a pipe nobody reads fills up (the access log is on at INFO) and
    # blocks the server mid-run
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guide.cli", "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            log.seek(0)
            print("server did not start:", log.read().decode(errors="replace")[-2000:])
            return 1
        print(f"server ready in {time.perf_counter() - t0:.1f} s (cold start incl. warm-up), workers={args.workers}")
        run(base, args)
        print_memory(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
