"""Cold start, index build time and peak memory, each measured in a fresh process.

    python -m guide.evaluation.perf cold-start --system guide|baseline
    python -m guide.evaluation.perf build-index --index-dir DIR [--backend use]

Each prints one JSON line: the child's own timings and its peak resident memory
(the address space's high-water mark ``VmHWM``, with ``resource.getrusage(RUSAGE_SELF).ru_maxrss``
beside it: on Linux ``ru_maxrss`` is inherited across fork and exec, so a child of a large process
reports at least its parent's size). ``cold_start`` and ``index_build``
run them as subprocesses and add the wall time seen from outside (interpreter start and imports
included). Settings come from the environment (``GUIDE_*``), as for any Guide process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from guide.settings import Settings

if TYPE_CHECKING:  # imported inside the child, where the import time is measured
    from guide.engine import Engine
    from guide.evaluation.baseline import BaselineQA

COLD_MESSAGE = "je me sens seul et épuisé depuis ma séparation"
COLD_WHERE = "Montréal"


def _maxrss_mb(kib: int) -> float:
    # Linux reports KiB, macOS bytes
    return round(kib / 1024 / (1024 if sys.platform == "darwin" else 1), 1)


def peak_rss_mb() -> float:
    """Peak resident memory of this process. ``ru_maxrss`` on Linux is inherited across fork and
    exec (a child started by a big parent reports at least the parent's size), so the address
    space's own high-water mark (``VmHWM`` of /proc/self/status) is used when there is one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return _maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _child_cold_start(system: str) -> dict:
    t0 = time.perf_counter()
    settings = Settings()
    engine: BaselineQA | Engine
    if system == "baseline":
        from guide.evaluation.baseline import BaselineQA

        engine = BaselineQA(settings)
    else:
        from guide.engine import Engine

        engine = Engine(settings, open_index=False)  # as `guide ask` does: an answer needs no search index
    t_load = time.perf_counter()
    answer = engine.ask(COLD_MESSAGE, where=COLD_WHERE)
    t_first = time.perf_counter()
    engine.ask(COLD_MESSAGE, where=COLD_WHERE)
    t_second = time.perf_counter()
    return {
        "system": system,
        "backend": settings.embedding_backend,
        "load_s": round(t_load - t0, 3),
        "first_answer_s": round(t_first - t_load, 3),
        "second_answer_ms": round((t_second - t_first) * 1000, 2),
        "answer_chars": len(answer.answer),
        "peak_rss_mb": peak_rss_mb(),
        "ru_maxrss_mb": _maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
    }


def _child_build_index(index_dir: Path) -> dict:
    from guide.embeddings import get_embeddings
    from guide.index import _store, refresh_store
    from guide.records import load_records

    t0 = time.perf_counter()
    settings = Settings(index_dir=index_dir)
    records = load_records(settings.corpus_dir)
    get_embeddings(settings).embed_query("bonjour")  # the model load, timed apart from the build
    t_model = time.perf_counter()
    report = refresh_store(settings, _store(settings), records)
    t_built = time.perf_counter()
    from guide.index import Lexical

    Lexical.build(records)
    t_bm25 = time.perf_counter()
    return {
        "backend": settings.embedding_backend,
        "records": len(records),
        "model_load_s": round(t_model - t0, 3),
        "vectors_s": round(t_built - t_model, 3),
        "bm25_s": round(t_bm25 - t_built, 3),
        "build_s": round(t_bm25 - t_model, 3),
        "total_s": round(t_bm25 - t0, 3),
        "added": report.added,
        "peak_rss_mb": peak_rss_mb(),
        "ru_maxrss_mb": _maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
    }


def _run_child(args: list[str], env: dict[str, str], timeout: float) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "guide.evaluation.perf", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' | '.join(tail)}", "wall_s": round(wall, 3)}
    last = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")][-1]
    out = json.loads(last)
    out["wall_s"] = round(wall, 3)
    return out


def child_env(settings: Settings, **overrides) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "GUIDE_INDEX_DIR": str(settings.index_dir),
            "GUIDE_CORPUS_DIR": str(settings.corpus_dir),
            "GUIDE_EMBEDDING_BACKEND": settings.embedding_backend,
            "GUIDE_LLM_BASE_URL": "",
            "TOKENIZERS_PARALLELISM": "false",
        }
    )
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def cold_start(settings: Settings, system: str = "guide", repeat: int = 1, timeout: float = 600) -> dict:
    """Fresh processes that load the engine (or the baseline) and answer one message; the median
    run by wall time, with every run's figures."""
    runs = [_run_child(["cold-start", "--system", system], child_env(settings), timeout) for _ in range(repeat)]
    good = sorted((r for r in runs if "error" not in r), key=lambda r: r["wall_s"])
    if not good:
        return {"error": runs[-1].get("error", "failed"), "runs": runs}
    best = dict(good[len(good) // 2])
    best["runs"] = [r["wall_s"] for r in runs]
    return best


def index_build(settings: Settings, backend: str, timeout: float = 1800) -> dict:
    """Build the whole index of ``backend`` into a temporary directory, in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="guide-index-") as tmp:
        env = child_env(settings, GUIDE_EMBEDDING_BACKEND=backend, GUIDE_INDEX_DIR=tmp)
        return _run_child(["build-index", "--index-dir", tmp], env, timeout)


def self_peak_rss_mb() -> float:
    return peak_rss_mb()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    cs = sub.add_parser("cold-start")
    cs.add_argument("--system", choices=("guide", "baseline"), default="guide")
    bi = sub.add_parser("build-index")
    bi.add_argument("--index-dir", type=Path, required=True)
    args = ap.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)
    if args.cmd == "cold-start":
        result = _child_cold_start(args.system)
    else:
        result = _child_build_index(args.index_dir)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
