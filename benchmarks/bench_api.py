"""Bounded load test of the API on loopback: p50/p95 latency and throughput under concurrency.

    python benchmarks/bench_api.py [--requests 1000] [--concurrency 8] [--workers 1] [--base-url URL]

Starts ``guide serve`` on 127.0.0.1 (a free port, rate limit lifted for the run), warms it up,
then sends a fixed number of requests from ``--concurrency`` clients to /v1/services/near and
/v1/chat, and prints the figures. Traffic goes to loopback only; the run stops by itself.
With ``--base-url`` no server is started: the running API (or the proxy in front of several, see
``deploy/cluster.sh``) at that address is measured, and must allow the load (rate limit).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time

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


def run(base: str, args) -> int:
    """Warm up, then measure each route; prints one line per route."""

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
            f"p50 {pct(lat, 50):6.1f} ms  p95 {pct(lat, 95):6.1f} ms  errors {errors}",
            flush=True,
        )
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
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
    import tempfile

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
        rss = subprocess.run(
            ["ps", "-o", "rss=", "--ppid", str(proc.pid), "-p", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        print(f"server memory (RSS, all processes): {sum(int(x) for x in rss) / 1024:.0f} MiB")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
