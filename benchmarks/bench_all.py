"""Guide beside the plain retriever, in one run: cold start, warm answer latency, memory, API load.

    python benchmarks/bench_all.py [--repeat 3] [--messages 200] [--passes 3] [--requests 300] [--workers 2]
                                   [--no-api]

Prints one table (and ``--json FILE``): for Guide and for the plain LangChain + Chroma retriever of
the same collection (``guide.evaluation.baseline``), the cold start of a fresh process that loads
and answers one message (median of ``--repeat``; wall time and peak memory, from
``guide.evaluation.perf``), the warm answer latency p50 / p95 over the development messages (same
process, same messages, ``--passes`` times, Guide and the baseline interleaved message by message), and, for Guide, the API under a bounded load
(``benchmarks/bench_api.py``: ``--requests`` per route from 8 clients, ``--workers`` processes).
Nothing is timed by a test: this script is how the README's figures are reproduced.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))] if xs else 0.0


def warm_latency(systems: dict, messages: list[str], passes: int, forget) -> dict:
    """p50/p95 of each system over the same messages, interleaved message by message (the order of
    the two alternating), so that both see the same moments of a machine whose speed drifts. Both
    use the process's one embedding model: ``forget`` drops its remembered query vectors before
    each timed message, so the second system never gets the first one's vector for free."""
    for system in systems.values():
        system.warm_up()
    ms: dict[str, list[float]] = {name: [] for name in systems}
    names = list(systems)
    for i, m in enumerate(messages * passes):
        for name in names if i % 2 == 0 else names[::-1]:
            forget()
            t0 = time.perf_counter()
            systems[name].ask(m)
            ms[name].append((time.perf_counter() - t0) * 1000)
    return {
        name: {"p50_ms": round(percentile(v, 50), 2), "p95_ms": round(percentile(v, 95), 2), "n": len(v)}
        for name, v in ms.items()
    }


def api_load(requests: int, workers: int) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_api.py"),
            "--requests",
            str(requests),
            "--workers",
            str(workers),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=ROOT,
    )
    text = out.stdout
    figures: dict = {"raw": text.strip().splitlines()[-10:]}
    for route in ("near", "chat"):
        m = re.search(
            rf"/v1/(?:services/)?{route}\s+\d+ requests.*?([\d.]+) req/s\s+p50\s+([\d.]+) ms\s+p95\s+([\d.]+)", text
        )
        if m:
            figures[route] = {"req_s": float(m.group(1)), "p50_ms": float(m.group(2)), "p95_ms": float(m.group(3))}
    m = re.search(r"RSS, all processes\): (\d+) MiB; PSS, all processes: (\d+) MiB", text)
    if m:
        figures["rss_mib"], figures["pss_mib"] = int(m.group(1)), int(m.group(2))
    figures["worker_pss_mib"] = [int(x) for x in re.findall(r"worker +pid \d+: RSS \d+ MiB, PSS (\d+) MiB", text)]
    figures["worker_private_mib"] = [int(x) for x in re.findall(r"worker +pid \d+: .*private (\d+) MiB", text)]
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--passes", type=int, default=3, help="times each message is answered (warm latency)")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-api", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    from guide.embeddings import get_embeddings
    from guide.engine import Engine
    from guide.evaluation.baseline import BaselineQA
    from guide.evaluation.perf import cold_start
    from guide.settings import Settings

    settings = Settings()
    data = yaml.safe_load((ROOT / "evaluation" / "conversations" / "messages.yaml").read_text(encoding="utf-8"))
    messages = [m["text"] for m in data["messages"] if isinstance(m.get("text"), str)][: args.messages]
    result: dict = {"machine": os.uname().machine, "cpus": os.cpu_count()}
    print("cold start (fresh processes)…", file=sys.stderr)
    result["cold_start"] = {s: cold_start(settings, s, repeat=args.repeat) for s in ("guide", "baseline")}
    print("warm latency…", file=sys.stderr)
    result["warm"] = warm_latency(
        {"guide": Engine(settings, open_index=False, writer=None), "baseline": BaselineQA(settings)},
        messages,
        args.passes,
        getattr(get_embeddings(settings), "forget", lambda: None),
    )
    if not args.no_api:
        print("API load…", file=sys.stderr)
        result["api"] = api_load(args.requests, args.workers)

    g, b = result["cold_start"]["guide"], result["cold_start"]["baseline"]
    wg, wb = result["warm"]["guide"], result["warm"]["baseline"]
    rows = [
        ("cold start, wall (s)", g.get("wall_s"), b.get("wall_s")),
        ("cold start, peak memory (MB)", g.get("peak_rss_mb"), b.get("peak_rss_mb")),
        ("warm answer p50 (ms)", wg["p50_ms"], wb["p50_ms"]),
        ("warm answer p95 (ms)", wg["p95_ms"], wb["p95_ms"]),
        ("p95 ratio Guide / baseline", round(wg["p95_ms"] / wb["p95_ms"], 2) if wb["p95_ms"] else None, 1.0),
    ]
    print(f"{'':34}{'Guide':>12}{'baseline':>12}")
    for name, x, y in rows:
        print(f"{name:34}{x!s:>12}{y!s:>12}")
    api = result.get("api") or {}
    for route in ("near", "chat"):
        if route in api:
            a = api[route]
            print(
                f"API {route:5} ({args.workers} workers, 8 clients): {a['req_s']} req/s, p50 {a['p50_ms']} ms, "
                f"p95 {a['p95_ms']} ms"
            )
    if "rss_mib" in api:
        print(f"API memory, all processes: RSS {api['rss_mib']} MiB, PSS {api['pss_mib']} MiB")
    if api.get("worker_pss_mib"):
        print(
            f"API memory per worker: PSS {'/'.join(map(str, api['worker_pss_mib']))} MiB, "
            f"private {'/'.join(map(str, api['worker_private_mib']))} MiB"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
