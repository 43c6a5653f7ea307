"""Conversation evaluation: the engine answers the labelled first messages and dialogues of
``evaluation/conversations`` through its public entry point (``Engine.ask``), and every answer is
scored against the labels.

    python -m guide.evaluation.conversations [--misses]

Prints crisis recall and false-alarm rate by kind, need accuracy, share of answers with the right
line, share with a CLSC when a place is known, language match, contacts not found in the corpus
(must be 0), follow-up behaviour on dialogues, and answer latency p50/p95.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from guide.evaluation.metrics import percentile
from guide.evaluation.retrieval import SetError, load_yaml_list
from guide.settings import ROOT, Settings

MESSAGES = ROOT / "evaluation" / "conversations" / "messages.yaml"
DIALOGUES = ROOT / "evaluation" / "conversations" / "dialogues.yaml"


def corpus_numbers(corpus_dir: Path) -> set[str]:
    """Every phone-like digit string present in the line source files (help lines, more lines, the
    regional numbers of issue 12, emergency)."""
    nums: set[str] = set()
    files = (
        sorted((corpus_dir / "sources" / "helplines").glob("*.csv"))
        + sorted((corpus_dir / "sources" / "regional_lines").glob("*.csv"))
        + sorted((corpus_dir / "sources" / "emergency").glob("*.csv"))
    )
    for path in files:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"(?:1[ .-]?)?\d{3}[ .-]?\d{3}[ .-]?\d{4}|\b\d{3}\b", text):
            nums.add(re.sub(r"\D", "", m.group(0)))
        # extensions ("poste 23628", "ext. 2", "poste 305 ou 331"), kept apart: "ext:23628"
        for m in re.finditer(
            r"(?:poste|postes|ext\.?|extension)\s*((?:\d{1,6}(?:\s*(?:ou|or|,|/|et)\s*)?)+)", text, re.I
        ):
            nums.update(f"ext:{d}" for d in re.findall(r"\d{1,6}", m.group(1)))
    return nums


PHONE_MAIN = re.compile(r"(?:1[ .-]?)?\d{3}[ .-]?\d{3}[ .-]?\d{4}|^\d{3}$")


def phone_known(phone: str, known: set[str]) -> bool:
    """The main number is in the sources, and so is each extension that follows it."""
    m = PHONE_MAIN.search(phone)
    if m is None:
        return re.sub(r"\D", "", phone) in known
    rest = phone[m.end() :]
    return re.sub(r"\D", "", m.group(0)) in known and all(f"ext:{d}" in known for d in re.findall(r"\d{1,6}", rest))


def contact_problems(answer, known: set[str]) -> list[str]:
    from guide.grounding import grounding_problems

    problems = grounding_problems(answer)
    for s in answer.services + answer.crisis.contacts:
        for p in [s.get("phone")] + list(s.get("phone_alternates") or []):
            if p and not phone_known(p, known):
                problems.append(f"service {s['id']} phone {p!r} not in the help-line sources")
    return problems


def score_message(m: dict, a, known: set[str]) -> dict:
    ids = {s["id"] for s in a.services} | {c["id"] for c in a.crisis.contacts}
    place = m.get("where") or m.get("place_in_text")
    first_contact = a.crisis.contacts[0]["id"] if a.crisis.contacts else None
    exp_lines = list(m.get("lines") or [])
    r = {
        "id": m["id"],
        "text": m["text"],
        "kind": m.get("kind"),
        "crisis_expected": bool(m.get("crisis")),
        "crisis_kind_expected": m.get("crisis_kind"),
        "crisis_got": a.crisis.detected,
        "crisis_kind_got": a.crisis.kind,
        "crisis_kinds_got": a.crisis.kinds,
        "trap": bool(m.get("trap")),
        "needs_expected": list(m.get("needs") or []),
        "needs_got": a.needs,
        "lines_expected": exp_lines,
        "lines_missing": [x for x in exp_lines if x not in ids],
        "place": place,
        "clsc_offered": any(s.get("kind") == "clsc" for s in a.services),
        "lang_expected": m.get("lang"),
        "lang_got": a.language,
        "bilingual": a.bilingual,
        "emergency_first": first_contact == "line-urgence-9-1-1" if a.crisis.detected else None,
        "contact_problems": contact_problems(a, known),
        "latency_ms": a.timings_ms.get("total", 0.0),
        "timings": a.timings_ms,
        "answer": a.answer,
    }
    return r


def aggregate(rows: list[dict]) -> dict:
    real = [r for r in rows if r["kind"] != "bad_input"]
    crisis = [r for r in real if r["crisis_expected"]]
    calm = [r for r in real if not r["crisis_expected"]]
    by_kind: dict[str, dict] = {}
    for kind in sorted({r["crisis_kind_expected"] for r in crisis}):
        group = [r for r in crisis if r["crisis_kind_expected"] == kind]
        by_kind[kind] = {
            "n": len(group),
            "recall": round(sum(r["crisis_got"] for r in group) / len(group), 3),
            "kind_accuracy": round(sum(kind in r["crisis_kinds_got"] for r in group) / len(group), 3),
            "misses": [r["id"] for r in group if not r["crisis_got"]],
        }
    with_needs = [r for r in real if r["needs_expected"]]
    with_lines = [r for r in real if r["lines_expected"]]
    placed = [r for r in real if r["place"]]
    lats = [r["latency_ms"] for r in rows]
    stage = defaultdict(list)
    for r in rows:
        for k, v in r["timings"].items():
            stage[k].append(v)
    return {
        "messages": len(rows),
        "crisis_recall": round(sum(r["crisis_got"] for r in crisis) / max(len(crisis), 1), 3),
        "crisis_kind_accuracy": round(
            sum(r["crisis_kind_expected"] in r["crisis_kinds_got"] for r in crisis) / max(len(crisis), 1), 3
        ),
        "emergency_first": round(
            sum(bool(r["emergency_first"]) for r in crisis if r["crisis_got"])
            / max(sum(r["crisis_got"] for r in crisis), 1),
            3,
        ),
        "false_alarm_rate": round(sum(r["crisis_got"] for r in calm) / max(len(calm), 1), 3),
        "false_alarm_rate_traps": round(
            sum(r["crisis_got"] for r in calm if r["trap"]) / max(sum(r["trap"] for r in calm), 1), 3
        ),
        "false_alarms": [r["id"] for r in calm if r["crisis_got"]],
        "by_kind": by_kind,
        "need_accuracy": round(
            sum(bool(set(r["needs_expected"]) & set(r["needs_got"])) for r in with_needs) / max(len(with_needs), 1), 3
        ),
        "main_need_accuracy": round(
            sum(r["needs_got"][:1] == r["needs_expected"][:1] for r in with_needs) / max(len(with_needs), 1), 3
        ),
        "right_line": round(sum(not r["lines_missing"] for r in with_lines) / max(len(with_lines), 1), 3),
        "clsc_when_place_known": round(sum(r["clsc_offered"] for r in placed) / max(len(placed), 1), 3),
        "language_match": round(
            sum(r["lang_got"] == r["lang_expected"] or r["bilingual"] for r in rows) / max(len(rows), 1), 3
        ),
        "contacts_not_in_corpus": sum(len(r["contact_problems"]) for r in rows),
        "latency_p50_ms": round(percentile(lats, 50), 2),
        "latency_p95_ms": round(percentile(lats, 95), 2),
        "stage_p50_ms": {k: round(percentile(v, 50), 2) for k, v in stage.items()},
        "stage_p95_ms": {k: round(percentile(v, 95), 2) for k, v in stage.items()},
    }


def run_dialogues(engine, dialogues: list[dict], known: set[str], on_answer=None) -> dict:
    """Each dialogue turn by turn, the state returned sent back; ``on_answer(dialogue, n, turn,
    answer)`` (optional) sees every answer (the suite scores the turns of blind-format dialogues)."""
    checks: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    for d in dialogues:
        state = None
        for n, turn in enumerate(d["turns"], 1):
            a = engine.ask(turn["user"], state=state)
            state = a.state
            if on_answer is not None:
                on_answer(d, n, turn, a)
            exp = turn.get("expect") or {}
            ids = {s["id"] for s in a.services}

            def check(name, ok, *, d=d, n=n, turn=turn, a=a):  # this turn's values, bound at definition
                checks[name][0] += bool(ok)
                checks[name][1] += 1
                if not ok:
                    failures.append(
                        {
                            "dialogue": d["id"],
                            "turn": n,
                            "check": name,
                            "user": turn["user"],
                            "follow_up": a.follow_up,
                            "lang": a.language,
                            "needs": a.needs,
                            "crisis": a.crisis.kind,
                        }
                    )

            if "crisis" in exp:
                check("crisis", a.crisis.detected == bool(exp["crisis"]))
            if exp.get("crisis_kind"):
                check("crisis_kind", exp["crisis_kind"] in a.crisis.kinds)
            if exp.get("needs"):
                check("needs", bool(set(exp["needs"]) & set(a.needs)))
            if exp.get("lines"):
                check("lines", all(x in ids for x in exp["lines"]))
            if "follow_up" in exp:
                check("follow_up", (a.follow_up is not None) == (exp["follow_up"] is not None))
            if exp.get("lang"):
                check("lang", a.language == exp["lang"])
            if "clsc" in exp:
                check("clsc", any(s.get("kind") == "clsc" for s in a.services) == bool(exp["clsc"]))
            if exp.get("clsc_municipality"):
                first = next((s for s in a.services if s.get("kind") == "clsc"), None)
                check("clsc_municipality", first is not None and first.get("municipality") == exp["clsc_municipality"])
            if exp.get("for_whom"):
                check("for_whom", a.state.for_whom == exp["for_whom"])
            check("grounded", not contact_problems(a, known))
    return {
        "checks": {
            k: {"passed": v[0], "total": v[1], "rate": round(v[0] / v[1], 3)} for k, v in sorted(checks.items())
        },
        "failures": failures,
    }


def run(
    settings: Settings | None = None,
    messages_path: Path = MESSAGES,
    dialogues_path: Path = DIALOGUES,
    engine=None,
    progress=None,
) -> dict:
    from guide.engine import Engine

    settings = settings or Settings()
    engine = engine or Engine(settings)
    engine.warm_up()
    known = corpus_numbers(settings.corpus_dir)
    messages = load_yaml_list(messages_path, "messages", ("id", "text"))
    rows = []
    for i, m in enumerate(messages, 1):
        a = engine.ask(m["text"], where=m.get("where"))
        rows.append(score_message(m, a, known))
        if progress:
            progress(i, len(messages))
    dialogues = load_yaml_list(dialogues_path, "dialogues", ("id", "turns")) if dialogues_path.exists() else []
    return {"summary": aggregate(rows), "dialogues": run_dialogues(engine, dialogues, known), "rows": rows}


def format_summary(res: dict) -> str:
    s = res["summary"]
    lines = [
        f"messages: {s['messages']}",
        f"crisis recall: {s['crisis_recall']}  (kind accuracy {s['crisis_kind_accuracy']}; 911 first when detected: {s['emergency_first']})",
        f"false alarms: {s['false_alarm_rate']} of non-crisis messages ({s['false_alarm_rate_traps']} of traps)",
    ]
    for k, v in s["by_kind"].items():
        lines.append(
            f"  {k:20} n={v['n']:3}  recall {v['recall']:.3f}  kind {v['kind_accuracy']:.3f}  misses {v['misses']}"
        )
    lines += [
        f"need accuracy: {s['need_accuracy']} (main need first: {s['main_need_accuracy']})",
        f"right line present: {s['right_line']}",
        f"CLSC offered when a place is known: {s['clsc_when_place_known']}",
        f"language match: {s['language_match']}",
        f"contacts not found in the corpus: {s['contacts_not_in_corpus']}",
        f"answer latency p50 {s['latency_p50_ms']} ms, p95 {s['latency_p95_ms']} ms; per stage p95 {s['stage_p95_ms']}",
    ]
    for k, v in res["dialogues"]["checks"].items():
        lines.append(f"dialogues {k}: {v['passed']}/{v['total']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    try:
        res = run()
    except SetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_summary(res))
    if args.misses:
        for r in res["rows"]:
            bad = []
            if r["crisis_expected"] != r["crisis_got"]:
                bad.append(f"crisis exp {r['crisis_kind_expected']} got {r['crisis_kinds_got']}")
            if r["needs_expected"] and not set(r["needs_expected"]) & set(r["needs_got"]):
                bad.append(f"needs exp {r['needs_expected']} got {r['needs_got']}")
            if r["lines_missing"]:
                bad.append(f"missing lines {r['lines_missing']}")
            if r["place"] and not r["clsc_offered"]:
                bad.append(f"no clsc for {r['place']}")
            if r["lang_got"] != r["lang_expected"] and not r["bilingual"]:
                bad.append(f"lang {r['lang_got']} != {r['lang_expected']}")
            if bad and r["kind"] != "bad_input":
                print(f"{r['id']}: {r['text'][:70]!r}: " + "; ".join(bad))
        for f in res["dialogues"]["failures"]:
            print("dialogue", f)
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
