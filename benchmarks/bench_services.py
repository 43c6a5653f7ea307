"""Benchmark of ``services near``: latency over every Québec FSA, and municipality coverage.

    python benchmarks/bench_services.py [--rounds N] [--json]

Prints the p50/p95/max latency (warm: after one untimed pass) of resolve() + services_near() for
each of the 422 Québec FSAs of the GeoNames file (targets: p95 <= 5 ms), the cold load time, and the
share of the 1,130 MAMH municipalities that resolve to themselves (target 100 %), listing failures.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from pathlib import Path


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over all FSAs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from guide.directory.near import services_near
    from guide.directory.store import load_directory
    from guide.geo import gazetteer, place_key, resolve
    from guide.settings import get_settings

    corpus: Path = get_settings().corpus_dir
    gazetteer()
    load_directory()
    services_near("Montréal")
    cold_s = time.perf_counter() - t0

    with (corpus / "sources" / "geonames" / "qc_fsa_centroids.csv").open(encoding="utf-8-sig") as fh:
        fsas = [r["fsa"] for r in csv.DictReader(fh)]

    def query(fsa: str) -> int:
        loc = resolve(fsa)
        return len(services_near(loc, kind="all", limit=5)) if loc.error is None else 0

    for fsa in fsas:  # warm-up
        query(fsa)
    latencies: list[float] = []
    errors: list[str] = []
    for _ in range(args.rounds):
        for fsa in fsas:
            start = time.perf_counter()
            n = query(fsa)
            latencies.append((time.perf_counter() - start) * 1000)
            if n == 0 and fsa not in errors:
                errors.append(fsa)

    with (corpus / "sources" / "mamh" / "MUN_geo_columns.csv").open(encoding="utf-8-sig") as fh:
        mamh = list(csv.DictReader(fh))
    same_name: dict[str, set[str]] = {}
    for r in mamh:
        same_name.setdefault(place_key(r["munnom"]), set()).add(r["mcode"])
    failed = []
    sources: dict[str, int] = {}
    for r in mamh:
        loc = resolve(r["munnom"])
        if loc.error or loc.mun_code not in same_name[place_key(r["munnom"])]:
            failed.append(f"{r['munnom']} ({r['mcode']}): {loc.error or loc.resolved}")
        else:
            sources[loc.coordinates_source or "?"] = sources.get(loc.coordinates_source or "?", 0) + 1

    figures = {
        "fsas": len(fsas),
        "queries": len(latencies),
        "cold_load_s": round(cold_s, 3),
        "p50_ms": round(statistics.median(latencies), 3),
        "p95_ms": round(_percentile(latencies, 95), 3),
        "max_ms": round(max(latencies), 3),
        "fsas_without_result": errors,
        "municipalities": len(mamh),
        "municipalities_resolved": len(mamh) - len(failed),
        "municipalities_resolved_pct": round(100 * (len(mamh) - len(failed)) / len(mamh), 2),
        "municipality_coordinate_sources": dict(sorted(sources.items())),
        "municipalities_failed": failed,
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    print(f"services near over {len(fsas)} Québec FSAs x {args.rounds} rounds (warm), resolve + services_near:")
    print(
        f"  p50 {figures['p50_ms']:.2f} ms   p95 {figures['p95_ms']:.2f} ms   max {figures['max_ms']:.2f} ms"
        f"   (target p95 <= 5 ms)"
    )
    print(f"  cold load (imports + gazetteer + directory + first query): {cold_s:.2f} s")
    if errors:
        print(f"  FSAs without a result: {', '.join(errors)}")
    print(
        f"MAMH municipalities resolved: {figures['municipalities_resolved']}/{len(mamh)} "
        f"({figures['municipalities_resolved_pct']} %)  coordinates: {figures['municipality_coordinate_sources']}"
    )
    for f in failed:
        print(f"  FAILED {f}")


if __name__ == "__main__":
    main()
