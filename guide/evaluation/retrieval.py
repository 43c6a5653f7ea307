"""Retrieval evaluation: recall@1, recall@5, MRR@10, nDCG@10 and query latency, for each embedding
backend and each mode (vector, BM25, hybrid), side by side in one run.

    python -m guide.evaluation.retrieval [--set evaluation/retrieval/questions.yaml] [--backends use,e5,st]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from guide.evaluation.metrics import hit_at, ndcg_at, percentile, recall_at, reciprocal_rank
from guide.settings import ROOT, Settings

if TYPE_CHECKING:
    from guide.search import Mode

DEFAULT_SET = ROOT / "evaluation" / "retrieval" / "questions.yaml"
MODES: tuple[Mode, ...] = ("vector", "bm25", "hybrid")


class SetError(ValueError):
    """A malformed evaluation file; the message names the file and line."""


@dataclass
class Question:
    id: str
    q: str
    relevant: list[str]
    lang: str = "fr"
    style: str = ""
    kind: str = ""
    line: int = 0


def load_yaml_list(path: Path, key: str, required: tuple[str, ...]) -> list[dict]:
    """Items of a labelled file, each with its line number; a malformed item names its line."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SetError(f"{path}: cannot read YAML: {exc}") from exc
    if root is None or not isinstance(root, yaml.MappingNode):
        raise SetError(f"{path}:1: expected a mapping with a '{key}' list")
    node = next((v for k, v in root.value if k.value == key), None)
    if not isinstance(node, yaml.SequenceNode):
        raise SetError(f"{path}:1: missing '{key}' list")
    out, seen = [], set()
    for item in node.value:
        line = item.start_mark.line + 1
        data = yaml.safe_load(yaml.serialize(item))
        if not isinstance(data, dict):
            raise SetError(f"{path}:{line}: each entry must be a mapping")
        missing = [k for k in required if k not in data]
        if missing:
            raise SetError(f"{path}:{line}: missing {', '.join(missing)}")
        if data.get("id") in seen:
            raise SetError(f"{path}:{line}: duplicate id {data.get('id')}")
        seen.add(data.get("id"))
        data["_line"] = line
        out.append(data)
    return out


def load_questions(path: Path, known_ids: set[str] | None = None) -> list[Question]:
    out = []
    for data in load_yaml_list(path, "questions", ("id", "q", "relevant")):
        line = data["_line"]
        empty = [k for k in ("id", "q", "relevant") if not data.get(k)]
        if empty:
            raise SetError(f"{path}:{line}: question is missing {', '.join(empty)}")
        rel = data["relevant"]
        if isinstance(rel, str):
            rel = [rel]
        if known_ids is not None:
            unknown = [r for r in rel if r not in known_ids]
            if unknown:
                raise SetError(f"{path}:{line}: unknown record id(s) {unknown} in question {data['id']}")
        out.append(
            Question(
                id=str(data["id"]),
                q=str(data["q"]),
                relevant=list(rel),
                lang=data.get("lang", "fr"),
                style=data.get("style", ""),
                kind=data.get("kind", ""),
                line=line,
            )
        )
    return out


@dataclass
class Scores:
    n: int = 0
    recall1: float = 0.0
    recall5: float = 0.0
    hit5: float = 0.0
    mrr10: float = 0.0
    ndcg10: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        n = max(self.n, 1)
        return {
            "n": self.n,
            "recall@1": round(self.recall1 / n, 3),
            "recall@5": round(self.recall5 / n, 3),
            "hit@5": round(self.hit5 / n, 3),
            "mrr@10": round(self.mrr10 / n, 3),
            "ndcg@10": round(self.ndcg10 / n, 3),
            "p50_ms": round(percentile(self.latencies_ms, 50), 2),
            "p95_ms": round(percentile(self.latencies_ms, 95), 2),
        }


def evaluate(index, questions: list[Question], mode: Mode) -> dict:
    """Scores of one search mode ("vector", "bm25", "hybrid") of Guide's search on the questions."""
    from guide.search import search

    return evaluate_ranker(lambda q: [h.id for h in search(index, q, limit=10, mode=mode)], questions)


def evaluate_ranker(rank, questions: list[Question], on_question=None) -> dict:
    """Scores of any ranker (``rank(query) -> ranked record ids``), overall and per corpus part
    (the question's ``kind``: declaration, right, helpline). Each query runs twice: once to warm
    its code path, once timed."""
    total = Scores()
    by_part: dict[str, Scores] = {}
    for q in questions:
        rank(q.q)  # warm caches for this query's code path
        t0 = time.perf_counter()
        ranked = list(rank(q.q))[:10]
        ms = (time.perf_counter() - t0) * 1000
        rel = set(q.relevant)
        for s in (total, by_part.setdefault(q.kind or "all", Scores())):
            s.n += 1
            s.recall1 += recall_at(ranked, rel, 1)
            s.recall5 += recall_at(ranked, rel, 5)
            s.hit5 += hit_at(ranked, rel, 5)
            s.mrr10 += reciprocal_rank(ranked, rel, 10)
            s.ndcg10 += ndcg_at(ranked, rel, 10)
            s.latencies_ms.append(ms)
        if not hit_at(ranked, rel, 5):
            total.misses.append({"id": q.id, "q": q.q, "expected": q.relevant, "got": ranked[:5]})
        if on_question:
            on_question()
    result = total.summary()
    result["by_part"] = {k: v.summary() for k, v in sorted(by_part.items())}
    result["misses"] = total.misses
    return result


def run(backends: list[str], set_path: Path, index_dir: Path | None = None, log=print) -> dict:
    from guide.index import Index
    from guide.records import load_records

    results: dict = {}
    for backend in backends:
        overrides: dict[str, Any] = {"embedding_backend": backend}  # a name from the command line: pydantic checks it
        if index_dir:
            overrides["index_dir"] = index_dir
        settings = Settings(**overrides)
        known = {r.id for r in load_records(settings.corpus_dir)}
        questions = load_questions(set_path, known)
        t0 = time.perf_counter()
        try:
            index = Index.open(settings)
        except RuntimeError as exc:
            log(f"{backend}: skipped ({exc})")
            continue
        open_s = time.perf_counter() - t0
        for mode in MODES:
            if mode == "bm25" and results.get("bm25"):
                continue  # BM25 does not depend on the embedding backend
            key = "bm25" if mode == "bm25" else f"{backend}/{mode}"
            results[key] = evaluate(index, questions, mode)
            results[key]["index_open_s"] = round(open_s, 2)
            log(f"{key}: done")
    return results


def format_table(results: dict) -> str:
    cols = ["recall@1", "recall@5", "hit@5", "mrr@10", "ndcg@10", "p50_ms", "p95_ms"]
    lines = [f"{'backend/mode':24}" + "".join(f"{c:>10}" for c in cols)]
    for key, r in results.items():
        lines.append(f"{key:24}" + "".join(f"{r[c]:>10}" for c in cols))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", type=Path, default=DEFAULT_SET)
    ap.add_argument("--backends", default="use,e5,st")
    ap.add_argument("--index-dir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the full results here")
    ap.add_argument("--misses", action="store_true", help="list the questions missed in the top 5")
    args = ap.parse_args(argv)
    try:
        results = run(args.backends.split(","), args.set, args.index_dir, log=lambda m: print(m, file=sys.stderr))
    except SetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_table(results))
    if args.misses:
        for key, r in results.items():
            for m in r["misses"]:
                print(f"[{key}] {m['id']} {m['q']!r}: expected {m['expected']}, got {m['got']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
