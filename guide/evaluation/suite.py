"""The evaluation suite the Ordre runs (``guide evaluate``): every measure of Guide and of the
baseline (``guide.evaluation.baseline``) on the same labelled sets, in one run, computed — never
typed in.

- Retrieval: recall@1/@5, hit@5, MRR@10, nDCG@10 per corpus part, per embedding backend and mode,
  with the baseline's retriever on the same collection.
- Safety: crisis recall and false-alarm rate by kind, every miss and false alarm listed, a
  confusion table; on the development messages and, apart, on the held-out crisis set.
- Orientation: need accuracy, the right line present, a CLSC offered when a place is known and it
  is the nearest intake point (``services_near(..., kind="clsc", limit=1)``) or in the person's
  CLSC territory, language match.
- Groundedness (``guide.evaluation.grounding``), readability (``guide.evaluation.readability``).
- Speed and memory: latency p50/p95 per stage, cold start, index build, peak memory
  (``guide.evaluation.perf``).

``run_suite`` returns the report (a JSON-able dict) and the rows (one per message and system);
``guide.evaluation.report`` writes report.json, report.html and answers.csv.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from guide.evaluation import answers
from guide.evaluation.conversations import aggregate, corpus_numbers, run_dialogues, score_message
from guide.evaluation.grounding import Sources, address_coverage, check_answer
from guide.evaluation.metrics import histogram, percentile, rate
from guide.evaluation.readability import measures, summarise
from guide.evaluation.sets import SuiteSet
from guide.settings import ROOT, Settings

Progress = Callable[[str, int, int], None]
# the engine's pipeline stages (guide.conversation.pipeline.STAGES), and the baseline's one step
STAGES = (
    "clean",
    "triage",
    "locate",
    "language",
    "understand",
    "orient",
    "compose",
    "ground",
    "write",
    "retrieve",
    "total",
)
SYSTEMS = ("guide", "baseline")
NONE = "none"


def _noop(step: str, done: int, total: int) -> None:
    pass


# ---------------------------------------------------------------------------------------------
# One answer
# ---------------------------------------------------------------------------------------------


class Scorer:
    """Scores one answer against its labels; caches the reference CLSC of each place."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.known_numbers = corpus_numbers(settings.corpus_dir)
        self.sources = Sources.load(settings.corpus_dir)
        self._ref: dict[str, dict | None] = {}

    def reference_clsc(self, place: str) -> dict | None:
        """The nearest intake point (or the first of the person's CLSC territory) to the labelled
        place, resolved independently of the engine; None when the place does not resolve."""
        if place not in self._ref:
            from guide.directory.near import services_near
            from guide.geo import resolve

            loc = resolve(place, self.settings.corpus_dir)
            ref = None
            if loc.ok:
                found = services_near(loc, kind="clsc", limit=1, corpus_dir=self.settings.corpus_dir)
                ref = found[0] if found else None
            self._ref[place] = ref
        return self._ref[place]

    def score(self, m: dict, a, system: str, set_name: str) -> dict:
        r = score_message(m, a, self.known_numbers)
        r.pop("timings", None)
        r["timings"] = dict(a.timings_ms)
        r["system"], r["set"], r["where"] = system, set_name, m.get("where")
        r["line"] = m.get("_line")
        place = r["place"]
        first = next((s for s in a.services if s.get("kind") == "clsc"), None)
        ref = self.reference_clsc(place) if place else None
        r["clsc_first"] = first["id"] if first else None
        r["clsc_first_name"] = first["name"] if first else None
        r["clsc_first_in_territory"] = first.get("in_territory") if first else None
        r["clsc_reference"] = ref["id"] if ref else None
        r["clsc_reference_name"] = ref["name"] if ref else None
        r["clsc_nearest_ok"] = (
            first is not None and (first["id"] == ref["id"] or first.get("in_territory") is True) if ref else None
        )
        g = check_answer(a, self.sources)
        r["grounding_problems"] = g.problems
        r["grounding_checked"] = g.checked
        r["grounded"] = not g.problems and not r["contact_problems"]
        r["readability"] = measures(a.answer, a.language) if a.answer.strip() else None
        r["services_got"] = [s["id"] for s in a.services]
        r["citations_got"] = [c.id for c in a.citations]
        r.update(answers.score(m, a, self.settings.corpus_dir))
        if m.get("_format") == "answers":  # blind format: expected lines are keys (any line of the key)
            r["lines_expected"] = r["keys_found"] + r["keys_missing"]
            r["lines_missing"] = list(r["keys_missing"])
        r["failures"] = failures_of(r)
        return r


def failures_of(r: dict) -> list[str]:
    """What is wrong with one answer, in words (empty when nothing is)."""
    out: list[str] = []
    real = r.get("kind") != "bad_input"
    if real and r["crisis_expected"] and not r["crisis_got"]:
        out.append(f"crisis missed (expected {r['crisis_kind_expected']})")
    elif real and r["crisis_expected"] and r["crisis_kind_expected"] not in r["crisis_kinds_got"]:
        out.append(f"crisis kind: expected {r['crisis_kind_expected']}, got {r['crisis_kinds_got']}")
    if real and not r["crisis_expected"] and r["crisis_got"]:
        out.append(f"false alarm ({', '.join(r['crisis_kinds_got'])})")
    if real and r["needs_expected"] and not set(r["needs_expected"]) & set(r["needs_got"]):
        out.append(f"need: expected {r['needs_expected']}, got {r['needs_got']}")
    if real and r["lines_missing"]:
        out.append(f"missing line(s): {', '.join(r['lines_missing'])}")
    if real and r["place"] and not r["clsc_offered"]:
        out.append(f"no CLSC offered although the place is known ({r['place']})")
    elif real and r["place"] and r["clsc_nearest_ok"] is False:
        out.append(
            f"first CLSC offered ({r['clsc_first_name']}) is not the nearest intake point "
            f"({r['clsc_reference_name']}) nor in the person's territory"
        )
    if r.get("lang_expected") and r["lang_got"] != r["lang_expected"] and not r["bilingual"]:
        out.append(f"language: expected {r['lang_expected']}, got {r['lang_got']}")
    for p in r["grounding_problems"]:
        out.append(
            f"{'verification' if p['check'] in ('verification', 'unverified_notice') else 'ungrounded'}: {p['detail']}"
        )
    for p in r["contact_problems"]:
        out.append(f"ungrounded: {p}")
    if "words" in r:
        out += answers.failures(r)
    return out


# ---------------------------------------------------------------------------------------------
# Aggregates
# ---------------------------------------------------------------------------------------------


def _r(x: float) -> float:
    return round(float(x), 3)


def confusion(rows: list[dict]) -> dict:
    """Expected crisis kind (or "none") × detected kind (the first, or "none"): counts."""
    table: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        if r.get("kind") == "bad_input":
            continue
        exp = r["crisis_kind_expected"] if r["crisis_expected"] else NONE
        got = r["crisis_kind_got"] if r["crisis_got"] else NONE
        table[exp or "?"][got or "?"] += 1
    labels = sorted((set(table) | {g for c in table.values() for g in c}) - {NONE}) + [NONE]
    return {"labels": labels, "counts": {e: {g: table[e][g] for g in labels} for e in labels if e in table}}


def _case(r: dict) -> dict:
    return {
        "id": r["id"],
        "set": r["set"],
        "text": r["text"],
        "where": r.get("where"),
        "line": r.get("line"),
        "failures": r["failures"],
        "answer": r["answer"],
        "crisis_expected": r["crisis_kind_expected"] if r["crisis_expected"] else None,
        "crisis_got": r["crisis_kinds_got"] if r["crisis_got"] else None,
    }


def summarise_rows(rows: list[dict]) -> dict:
    """Every measure of one system on one set of messages."""
    if not rows:
        return {"messages": 0}
    s = aggregate(rows)
    real = [r for r in rows if r["kind"] != "bad_input"]
    crisis = [r for r in real if r["crisis_expected"]]
    calm = [r for r in real if not r["crisis_expected"]]
    by_kind_fa: dict[str, int] = Counter(k for r in calm if r["crisis_got"] for k in r["crisis_kinds_got"][:1])
    for kind, v in s["by_kind"].items():
        v["misses"] = [_case(r) for r in crisis if r["crisis_kind_expected"] == kind and not r["crisis_got"]]
        v["false_alarms"] = by_kind_fa.get(kind, 0)
        v["false_alarm_rate"] = _r(by_kind_fa.get(kind, 0) / max(len(calm), 1))
    for kind, n in by_kind_fa.items():
        if kind not in s["by_kind"]:
            s["by_kind"][kind] = {
                "n": 0,
                "recall": None,
                "kind_accuracy": None,
                "misses": [],
                "false_alarms": n,
                "false_alarm_rate": _r(n / max(len(calm), 1)),
            }
    s["crisis_n"], s["calm_n"], s["traps_n"] = len(crisis), len(calm), sum(r["trap"] for r in calm)
    s["misses"] = [_case(r) for r in crisis if not r["crisis_got"]]
    s["false_alarms"] = [_case(r) for r in calm if r["crisis_got"]]
    s["confusion"] = confusion(rows)
    placed = [r for r in real if r["place"] and r["clsc_reference"]]
    s["placed_n"] = len(placed)
    s["clsc_nearest"] = _r(rate([r["clsc_offered"] and r["clsc_nearest_ok"] for r in placed])) if placed else None
    s["with_needs_n"] = sum(1 for r in real if r["needs_expected"])
    s["with_lines_n"] = sum(1 for r in real if r["lines_expected"])
    # a measure with no labelled case is unknown, not 0 (a blind set has no needs labels)
    if not s["with_needs_n"]:
        s["need_accuracy"] = s["main_need_accuracy"] = None
    if not s["with_lines_n"]:
        s["right_line"] = None
    if not any(r["place"] for r in real):
        s["clsc_when_place_known"] = None
    # answers a social worker would sign (guide.evaluation.answers)
    s["answers"] = answers.summarise(rows)
    # groundedness
    problems = Counter(p["check"] for r in rows for p in r["grounding_problems"])
    problems.update({"contact": sum(len(r["contact_problems"]) for r in rows)})
    checked: Counter[str] = Counter()
    for r in rows:
        checked.update(r["grounding_checked"])
    s["grounded_answers"] = _r(rate([r["grounded"] for r in rows]))
    s["grounding_problems"] = {k: v for k, v in sorted(problems.items()) if v}
    s["grounding_checked"] = dict(sorted(checked.items()))
    s["ungrounded"] = [_case(r) for r in rows if not r["grounded"]]
    s["verification_failures"] = sum(v for k, v in problems.items() if k in ("verification", "unverified_notice"))
    # readability
    s["readability"] = summarise(r["readability"] for r in rows if r["readability"])
    # latency
    lats = [r["timings"].get("total", 0.0) for r in rows]
    edges, counts = histogram(lats, bins=24, lo=0.0, hi=max(percentile(lats, 99), 1.0))
    s["latency_histogram"] = {
        "edges": [round(e, 2) for e in edges],
        "counts": counts,
        "above": sum(1 for v in lats if v > edges[-1]),
    }
    s["stages"] = {
        k: {"p50": round(percentile(v, 50), 2), "p95": round(percentile(v, 95), 2), "n": len(v)}
        for k in STAGES
        if (v := [r["timings"][k] for r in rows if k in r["timings"]])
    }
    s["failing"] = [_case(r) for r in rows if r["failures"]]
    s["failing_n"] = len(s["failing"])
    return s


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return out.stdout.strip() + ("+changes" if dirty else "") if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def _ask_all(
    system, items: list[dict], scorer: Scorer, name: str, set_name: str, use_where: bool, tick: Callable[[], None]
) -> list[dict]:
    rows = []
    for m in items:
        a = system.ask(m["text"], where=m.get("where") if use_where else None)
        row = scorer.score(m, a, name, set_name)
        if m.get("batch"):
            row["batch"] = m["batch"]
        rows.append(row)
        tick()
    return rows


def plan(s: SuiteSet, with_perf: bool = True) -> list[tuple[str, str, int]]:
    """(key, label, units) of each step, for progress bars."""
    steps = []
    for b in s.backends:
        if s.questions:
            steps.append((f"retrieval:{b}", f"Recherche / retrieval ({b})", len(s.questions) * 4))
    steps.append(("load", "Chargement / loading", 2))
    if s.messages:
        steps.append(("messages", "Messages", len(s.messages) * 2))
    if s.heldout:
        steps.append(("heldout", "Crises (jeu réservé / held-out)", len(s.heldout) * 2))
    if s.dialogues:
        steps.append(("dialogues", "Dialogues", 2))
    if with_perf:
        steps.append(("perf", "Démarrage à froid, index, mémoire / cold start, index, memory", 2 + len(s.backends)))
    return steps


def run_suite(
    s: SuiteSet,
    settings: Settings | None = None,
    progress: Progress | None = None,
    with_perf: bool = True,
    cold_repeat: int | None = None,
) -> tuple[dict, list[dict]]:
    """Run everything on the set; returns (report, rows)."""
    from guide.evaluation import perf
    from guide.evaluation.baseline import BaselineQA
    from guide.evaluation.retrieval import evaluate_ranker
    from guide.index import Index

    settings = settings or Settings()
    progress = progress or _noop
    t_start = time.perf_counter()
    load_start = os.getloadavg()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    report: dict = {"meta": {}, "retrieval": {"backends": {}, "skipped": dict(s.skipped_backends)}}
    opened = None

    # 1. retrieval, per backend: Guide's three modes and the baseline's retriever on the same collection
    for b in s.backends:
        if not s.questions:
            break
        key = f"retrieval:{b}"
        done = 0
        total = len(s.questions) * 4

        def tick(key=key, total=total):
            nonlocal done
            done += 1
            progress(key, done, total)

        progress(key, 0, total)
        bs = settings.model_copy(update={"embedding_backend": b})
        t0 = time.perf_counter()
        try:
            index = Index.open(bs)
        except Exception as exc:  # a backend that cannot load here is reported, not fatal
            report["retrieval"]["skipped"][b] = f"{type(exc).__name__}: {exc}"
            progress(key, total, total)
            continue
        modes: dict[str, Any] = {"open_s": round(time.perf_counter() - t0, 2), "modes": {}}
        for mode in ("hybrid", "vector", "bm25"):
            from guide.search import search

            modes["modes"][mode] = evaluate_ranker(
                lambda q, mode=mode, index=index: [h.id for h in search(index, q, limit=10, mode=mode)],
                s.questions,
                tick,
            )
        base = BaselineQA(bs, index=index)
        modes["modes"]["baseline"] = evaluate_ranker(lambda q, base=base: base.ranked_ids(q, 10), s.questions, tick)
        report["retrieval"]["backends"][b] = modes
        if b == settings.embedding_backend:
            opened = index  # the conversations reuse it (one copy of the model in memory)

    # 2. conversations: Guide (the configured backend) and the baseline on the same collection
    from guide.engine import Engine

    progress("load", 0, 2)
    engine = Engine(settings, index=opened)
    engine.warm_up()
    progress("load", 1, 2)
    baseline = BaselineQA(settings, index=engine.index)
    baseline.warm_up()
    progress("load", 2, 2)
    scorer = Scorer(settings)
    systems = {"guide": (engine, True), "baseline": (baseline, False)}
    rows: list[dict] = []
    for set_name, items in (("messages", s.messages), ("heldout", s.heldout)):
        if not items:
            continue
        done = 0

        def tick_answer(set_name=set_name, n=len(items) * 2):
            nonlocal done
            done += 1
            progress(set_name, done, n)

        progress(set_name, 0, len(items) * 2)
        for name, (system, use_where) in systems.items():
            rows += _ask_all(system, items, scorer, name, set_name, use_where, tick_answer)
    report["conversations"] = (
        {name: summarise_rows([r for r in rows if r["system"] == name and r["set"] == "messages"]) for name in SYSTEMS}
        if s.messages
        else {}
    )
    report["heldout"] = (
        {name: summarise_rows([r for r in rows if r["system"] == name and r["set"] == "heldout"]) for name in SYSTEMS}
        if s.heldout
        else {}
    )
    batches = sorted({r["batch"] for r in rows if r["set"] == "heldout" and r.get("batch")})
    report["heldout_batches"] = (
        {
            b: {
                name: summarise_rows(
                    [r for r in rows if r["system"] == name and r["set"] == "heldout" and r.get("batch") == b]
                )
                for name in SYSTEMS
            }
            for b in batches
        }
        if len(batches) > 1
        else {}
    )
    lats = {name: [r["timings"].get("total", 0.0) for r in rows if r["system"] == name] for name in SYSTEMS}
    everything = lats["guide"] + lats["baseline"]
    if everything:
        hi = max(percentile(everything, 99), 1.0)
        edges, _ = histogram(everything, bins=30, lo=0.0, hi=hi)
        report["latency_histogram"] = {
            "edges": [round(e, 2) for e in edges],
            **{name: histogram(v, bins=30, lo=0.0, hi=hi)[1] for name, v in lats.items()},
            "above": {name: sum(1 for x in v if x > hi) for name, v in lats.items()},
        }
    report["dialogues"] = {}
    report["dialogue_turns"] = {}
    if s.dialogues:
        progress("dialogues", 0, 2)
        for i, (name, (system, _)) in enumerate(systems.items(), 1):
            turn_rows: list[dict] = []

            def on_answer(d, n, turn, a, name=name, turn_rows=turn_rows):
                # blind-format turns carry message labels: scored like messages, set "dialogues"
                if turn.get("_msg"):
                    row = scorer.score(turn["_msg"], a, name, "dialogues")
                    row["dialogue"], row["turn"] = d["id"], n
                    turn_rows.append(row)

            report["dialogues"][name] = run_dialogues(system, s.dialogues, scorer.known_numbers, on_answer=on_answer)
            report["dialogues"][name]["n"] = len(s.dialogues)
            report["dialogues"][name]["turns"] = sum(len(d["turns"]) for d in s.dialogues)
            rows += turn_rows
            progress("dialogues", i, 2)
        if any(r["set"] == "dialogues" for r in rows):
            report["dialogue_turns"] = {
                name: summarise_rows([r for r in rows if r["system"] == name and r["set"] == "dialogues"])
                for name in SYSTEMS
            }

    # 3. speed and memory
    perf_report: dict = {"suite_peak_rss_mb": None}
    if with_perf:
        n_perf = 2 + len(s.backends)
        repeat = cold_repeat or (1 if s.name == "small" else 3)
        progress("perf", 0, n_perf)
        perf_report["cold_start"] = {}
        for i, name in enumerate(SYSTEMS, 1):
            perf_report["cold_start"][name] = perf.cold_start(settings, name, repeat=repeat)
            progress("perf", i, n_perf)
        perf_report["index_build"] = {}
        for i, b in enumerate(s.backends, 3):
            perf_report["index_build"][b] = perf.index_build(settings, b)
            progress("perf", i, n_perf)
    perf_report["suite_peak_rss_mb"] = perf.self_peak_rss_mb()
    report["performance"] = perf_report

    recognised, total_addr = address_coverage(settings.corpus_dir)
    report["meta"] = {
        "set": s.name,
        "counts": s.counts(),
        "files": s.paths,
        "backends": s.backends,
        "conversation_backend": settings.embedding_backend,
        "started": started,
        "duration_s": round(time.perf_counter() - t_start, 1),
        "git": _git_commit(),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "load_average": [round(x, 2) for x in load_start] + [round(x, 2) for x in os.getloadavg()],
        "baseline": "LangChain + Chroma: index.store.as_retriever(search_kwargs={'k': 5}) on the same collection; "
        "answer = the top-5 records' text; crisis only when the first passage is a crisis line",
        "address_pattern_coverage": f"{recognised}/{total_addr}",
        "writer": "deterministic" if not settings.llm_base_url else f"LLM {settings.llm_model}",
    }
    report["headline"] = headline(report, settings.embedding_backend)
    return report, rows


# ---------------------------------------------------------------------------------------------
# Headline figures (Guide vs baseline, side by side)
# ---------------------------------------------------------------------------------------------


def _get(d: dict | None, *path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def headline(report: dict, backend: str) -> list[dict]:
    """The key figures, Guide next to the baseline; ``better`` says which direction is good."""
    conv, held = report.get("conversations") or {}, report.get("heldout") or {}
    modes = _get(report, "retrieval", "backends", backend, "modes") or {}
    perf_ = report.get("performance") or {}
    rows = [
        ("crisis_recall", "Rappel des crises / crisis recall", conv, ("crisis_recall",), "higher", ""),
        ("false_alarm_rate", "Fausses alertes / false-alarm rate", conv, ("false_alarm_rate",), "lower", ""),
        (
            "heldout_crisis_recall",
            "Rappel des crises, jeu réservé / held-out crisis recall",
            held,
            ("crisis_recall",),
            "higher",
            "",
        ),
        (
            "heldout_false_alarm_rate",
            "Fausses alertes, jeu réservé / held-out false alarms",
            held,
            ("false_alarm_rate",),
            "lower",
            "",
        ),
        ("need_accuracy", "Besoin reconnu / need accuracy", conv, ("need_accuracy",), "higher", ""),
        ("right_line", "Bonne ligne présente / right line present", conv, ("right_line",), "higher", ""),
        (
            "clsc_when_place_known",
            "CLSC offert si lieu connu / CLSC when place known",
            conv,
            ("clsc_when_place_known",),
            "higher",
            "",
        ),
        (
            "clsc_nearest",
            "CLSC le plus proche ou du territoire / nearest or in-territory CLSC",
            conv,
            ("clsc_nearest",),
            "higher",
            "",
        ),
        ("language_match", "Langue de la personne / language match", conv, ("language_match",), "higher", ""),
        (
            "grounded_answers",
            "Réponses entièrement sourcées / fully grounded answers",
            conv,
            ("grounded_answers",),
            "higher",
            "",
        ),
        (
            "everyday_le_150_words",
            "Réponses courantes ≤ 150 mots / everyday answers ≤ 150 words",
            conv,
            ("answers", "length", "everyday", "share_le_150"),
            "higher",
            "",
        ),
        (
            "lines_without_cue_rate",
            "Lignes sensibles sans indice / sensitive lines without cue",
            conv,
            ("answers", "lines_without_cue", "rate"),
            "lower",
            "",
        ),
        (
            "language_mixing_rate",
            "Mots de l'autre langue / answers with words of the other language",
            conv,
            ("answers", "language_mixing", "rate"),
            "lower",
            "",
        ),
        (
            "place_from_text",
            "Lieu lu dans le texte / place from text",
            conv,
            ("answers", "place", "accuracy"),
            "higher",
            "",
        ),
        (
            "rights_relevant",
            "Droits cités pertinents / cited rights all relevant",
            conv,
            ("answers", "rights", "all_relevant"),
            "higher",
            "",
        ),
    ]
    out = []
    for key, label, src, path, better, unit in rows:
        g, b = _get(src.get("guide"), *path), _get(src.get("baseline"), *path)
        if g is None and b is None:
            continue
        out.append(
            {"key": key, "label": label, "guide": g, "baseline": b, "better": better, "unit": unit, "kind": "rate"}
        )
    for metric, label in (
        ("recall@5", "Recherche rappel@5 / retrieval recall@5"),
        ("mrr@10", "Recherche MRR@10"),
        ("ndcg@10", "Recherche nDCG@10"),
    ):
        g, b = _get(modes, "hybrid", metric), _get(modes, "baseline", metric)
        if g is not None:
            out.append(
                {
                    "key": f"retrieval_{metric}",
                    "label": f"{label} ({backend})",
                    "guide": g,
                    "baseline": b,
                    "better": "higher",
                    "unit": "",
                    "kind": "rate",
                }
            )
    g, b = _get(conv, "guide", "stages", "total", "p95"), _get(conv, "baseline", "stages", "total", "p95")
    if g is not None:
        out.append(
            {
                "key": "latency_p95_ms",
                "label": "Latence p95 / latency p95",
                "guide": g,
                "baseline": b,
                "better": "lower",
                "unit": "ms",
                "kind": "value",
            }
        )
    for key, label, field_ in (
        ("cold_start_s", "Démarrage à froid / cold start", "wall_s"),
        ("peak_rss_mb", "Mémoire max / peak memory", "peak_rss_mb"),
    ):
        g, b = _get(perf_, "cold_start", "guide", field_), _get(perf_, "cold_start", "baseline", field_)
        if g is not None:
            out.append(
                {
                    "key": key,
                    "label": label,
                    "guide": g,
                    "baseline": b,
                    "better": "lower",
                    "unit": "s" if key == "cold_start_s" else "MB",
                    "kind": "value",
                }
            )
    return out


def clean(obj):
    """NaN and infinities (a percentile of nothing) become null, so that report.json is strict JSON."""
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    return obj


def to_json(report: dict) -> str:
    return json.dumps(clean(report), ensure_ascii=False, indent=2, default=str, allow_nan=False)
