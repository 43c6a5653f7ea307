"""Score a dump of answers (one JSON line per message or dialogue turn: ``{id, turn, ms, answer}``)
against a blind set in the answers format (``messages.yaml``, ``dialogues.yaml``), with the measures
of ``guide.evaluation.answers`` plus crisis recall, kind accuracy and false alarms.

Used to compare two versions of Guide on one blind set, each dumped by ``dump_answers.py`` (so the
version before a change is scored by the same code as the version after). Prints a JSON summary.

    python evaluation/answers/score_dump.py BLIND_DIR answers.jsonl [--out summary.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import yaml

from guide.conversation.models import Answer
from guide.evaluation import answers as A
from guide.settings import ROOT

CORPUS = ROOT / "corpus"


def cases(setdir: Path) -> dict[tuple[str, int], dict]:
    out: dict[tuple[str, int], dict] = {}
    msgs = yaml.safe_load((setdir / "messages.yaml").read_text(encoding="utf-8"))
    for m in msgs.get("messages", msgs) if isinstance(msgs, dict) else msgs:
        out[(m["id"], 0)] = {**m, "_format": "answers"}
    path = setdir / "dialogues.yaml"
    if path.exists():
        dl = yaml.safe_load(path.read_text(encoding="utf-8"))
        for d in dl.get("dialogues", dl) if isinstance(dl, dict) else dl:
            before = False
            for i, t in enumerate(d["turns"], 1):
                # a place given on an earlier turn stays in the state (as guide.evaluation.sets marks it)
                out[(d["id"], i)] = {**t, "id": f"{d['id']}.{i}", "_format": "answers", "_place_before": before}
                before = before or bool(t.get("place") or t.get("place_region"))
    return out


def score(setdir: Path, dump: Path) -> dict:
    labelled = cases(setdir)
    keys = A.line_keys(CORPUS)
    rows, lat = [], []
    for raw in dump.read_text(encoding="utf-8").splitlines():
        d = json.loads(raw)
        m = labelled[(d["id"], d["turn"])]
        a = Answer.model_validate(d["answer"])
        r = A.score(m, a, CORPUS, keys)
        exp = m.get("crisis_kind")
        r.update(
            {
                "id": m["id"],
                "turn": d["turn"],
                "crisis_expected": bool(exp),
                "crisis_kind_expected": exp,
                "crisis_got": a.crisis.detected,
                "crisis_kinds_got": a.crisis.kinds,
                "lang_got": a.language,
                "trap": bool(m.get("trap")),
            }
        )
        rows.append(r)
        lat.append(d.get("ms", 0.0))
    first = [r for r in rows if r["turn"] == 0]
    crisis = [r for r in first if r["crisis_expected"]]
    calm = [r for r in first if not r["crisis_expected"]]
    found = [r for r in crisis if r["crisis_got"]]
    s = {
        "n_messages": len(first),
        "n_turns": len(rows) - len(first),
        "crisis_recall": round(len(found) / len(crisis), 3) if crisis else None,
        "crisis_kind_accuracy": round(
            sum(r["crisis_kind_expected"] in r["crisis_kinds_got"][:1] for r in found) / len(crisis), 3
        )
        if crisis
        else None,
        "false_alarms": round(sum(r["crisis_got"] for r in calm) / len(calm), 3) if calm else None,
        "traps_false_alarms": round(
            sum(r["crisis_got"] for r in calm if r["trap"]) / max(1, sum(r["trap"] for r in calm)), 3
        ),
        "latency_ms_p50": round(statistics.median(lat), 2) if lat else None,
        "latency_ms_p95": round(sorted(lat)[int(0.95 * (len(lat) - 1))], 2) if lat else None,
        "messages": A.summarise(first),
        "dialogue_turns": A.summarise([r for r in rows if r["turn"] > 0]),
    }
    return s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("setdir", type=Path)
    p.add_argument("dump", type=Path)
    p.add_argument("--out", type=Path)
    a = p.parse_args(argv)
    s = score(a.setdir, a.dump)
    text = json.dumps(s, ensure_ascii=False, indent=1)
    if a.out:
        a.out.write_text(text, encoding="utf-8")
    short = {k: v for k, v in s.items() if k not in ("messages", "dialogue_turns")}
    m = s["messages"]
    short.update(
        {
            "median_words_everyday": m["length"]["everyday"]["median_words"],
            "median_words_crisis": m["length"]["crisis"]["median_words"],
            "max_words_crisis": m["length"]["crisis"]["max_words"],
            "lines_without_cue_rate": m["lines_without_cue"]["rate"],
            "english_in_french_words": m["language_mixing"]["english_in_french"]["words"],
            "french_in_english_words": m["language_mixing"]["french_in_english"]["words"],
            "place_accuracy": m["place"]["accuracy"],
            "rights_all_relevant": m["rights"]["all_relevant"],
        }
    )
    print(json.dumps(short, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
