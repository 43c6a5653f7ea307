"""Soak: the API under a steady load for a fixed time, its memory sampled as it goes.

    python benchmarks/soak.py [--minutes 10] [--workers 2] [--concurrency 8] [--every 30]

Starts ``guide serve --workers N`` on a free loopback port (rate limit lifted for the run), then
sends requests to /v1/chat and /v1/services/near in turn from ``--concurrency`` clients until the
time is up, every chat message different. Every ``--every`` seconds it prints the requests served
so far and the resident memory of the server's process tree (supervisor and workers, from /proc),
then the first and last samples side by side: a flat line means no leak. Loopback only; stops by
itself; nothing a client sends is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import MESSAGES, PLACES, free_port  # noqa: E402  (a sibling script, not a package)


def tree_memory_mib(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process and all its descendants, in MiB (Linux /proc). The forked workers
    share the supervisor's pages: RSS counts them once per process, PSS shares them out."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):  # the process ended while we read it
                continue
            children.setdefault(ppid, []).append(int(entry))
    rss, pss, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:  # ended meanwhile
            pass
    return rss / 1024, pss / 1024


async def load(base: str, stop_at: float, concurrency: int, counter: list[int]) -> None:
    seq = itertools.count()

    async def client(c: httpx.AsyncClient) -> None:
        while time.monotonic() < stop_at:
            n = next(seq)
            if n % 2:
                msg = f"{MESSAGES[n % len(MESSAGES)]} ({n})"  # every message different
                await c.post("/v1/chat", json={"messages": [{"role": "user", "content": msg}]})
            else:
                await c.get("/v1/services/near", params={"where": PLACES[n % len(PLACES)]})
            counter[0] += 1

    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        await asyncio.gather(*(client(c) for _ in range(concurrency)))


async def sample(pid: int, stop_at: float, every: float, counter: list[int], rows: list) -> None:
    t0 = time.monotonic()
    while time.monotonic() < stop_at:
        await asyncio.sleep(every)
        rows.append((time.monotonic() - t0, counter[0], *tree_memory_mib(pid)))
        print(
            f"{rows[-1][0]:7.0f} s  {rows[-1][1]:8d} requests  RSS {rows[-1][2]:8.1f} MiB  PSS {rows[-1][3]:8.1f} MiB",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--every", type=float, default=30.0)
    args = ap.parse_args()
    port = free_port()
    env = {**os.environ, "GUIDE_API_RATE_LIMIT": "1000000/minute", "GUIDE_API_ACCESS_LOG": "false"}
    log = open(os.devnull, "w")  # noqa: SIM115  (the server's output is not needed)
    proc = subprocess.Popen(
        [sys.executable, "-m", "guide.cli", "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):  # up to two minutes for the workers to load and warm up
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        counter, rows = [0], []
        stop_at = time.monotonic() + args.minutes * 60
        rows.append((0.0, 0, *tree_memory_mib(proc.pid)))
        print(
            f"{0:7.0f} s  {0:8d} requests  RSS {rows[0][2]:8.1f} MiB  PSS {rows[0][3]:8.1f} MiB  (after warm-up)",
            flush=True,
        )

        async def run() -> None:
            await asyncio.gather(
                load(base, stop_at, args.concurrency, counter), sample(proc.pid, stop_at, args.every, counter, rows)
            )

        asyncio.run(run())
        first, last = rows[1] if len(rows) > 1 else rows[0], rows[-1]
        rate = last[1] / last[0] if last[0] else 0.0
        print(
            f"\n{args.workers} workers, {args.concurrency} clients, {args.minutes:g} min: {last[1]} requests "
            f"({rate:.0f}/s); RSS {rows[0][2]:.0f} MiB after warm-up, {first[2]:.0f} MiB at "
            f"{first[0]:.0f} s, {last[2]:.0f} MiB at {last[0]:.0f} s, peak {max(r[2] for r in rows):.0f} MiB; "
            f"PSS {rows[0][3]:.0f} / {first[3]:.0f} / {last[3]:.0f} MiB, peak {max(r[3] for r in rows):.0f} MiB"
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


if __name__ == "__main__":
    main()
