"""Coverage of the regional doors and lines: for each health region (RSS 01–18), which of psychosocial
intake, youth protection (DPJ), complaint assistance (CAAP), complaints commissioner, crisis centre
and 211 the directory knows, and how sure it is (``verified``: read on a page of the establishment,
the organisation or a government body; ``secondary``: news or a third party, shown "to be
confirmed"). Printed by ``guide directory coverage`` (or ``python scripts/coverage.py``).

Only what is shown counts (a row the precedence rule set aside does not); a region covered by a
province-wide route says so (``FCAAP`` = the CAAP federation's number, which forwards to the regional
CAAP; ``routed 08, 02`` = the DPJ lines the source sends Nord-du-Québec to).
"""

from __future__ import annotations

import re
from pathlib import Path

from guide.directory.areas import ETAB, MRC, MUN, RSS, territories
from guide.directory.store import Directory, Entry

COLUMNS = ("intake", "dpj", "caap", "commissioner", "crisis_centre", "211")
TITLES = {
    "intake": "psychosocial intake",
    "dpj": "youth protection (DPJ)",
    "caap": "CAAP",
    "commissioner": "commissioner",
    "crisis_centre": "crisis centre",
    "211": "211",
}


def _status(entries: list[Entry]) -> str:
    if not entries:
        return "—"
    return "verified" if any(e.verification == "verified" for e in entries) else "secondary"


def region_coverage(d: Directory, corpus_dir: Path) -> list[dict[str, str]]:
    regions = dict(sorted(territories(corpus_dir).rss_names.items()))
    shown = d.shown_lines
    out = []
    for code, name in regions.items():
        row = {"rss": code, "region": name}
        clscs = [e for e in d.located if e.kind == "clsc" and e.classification == "intake_point" and e.rss_code == code]
        with_intake = [e for e in clscs if e.intake_phone]
        doors = [x for x in d.doors if x.role == "intake" and code in x.rss_codes and not x.superseded_by]
        row["intake"] = f"{_status(doors)} ({len(with_intake)}/{len(clscs)} CLSC)" if with_intake else "—"
        own = [e for e in shown if e.line_group == "dpj" and e.region == code]
        routed = [e for e in shown if e.line_group == "dpj" and code in e.rss_codes and e.region != code]
        older = own and all(e.source_rank == 1 for e in own)
        row["dpj"] = (
            (_status(own) + (" (pre-2015 list)" if older else ""))
            if own
            else (
                f"routed to {', '.join(sorted({e.region for e in routed if e.region}))} ({_status(routed)})"
                if routed
                else "—"
            )
        )
        caap = [e for e in shown if e.line_group == "caap" and code in e.rss_codes]
        fallback = [e for e in shown if e.line_group == "caap" and e.fallback]
        row["caap"] = _status(caap) if caap else (f"FCAAP ({_status(fallback)})" if fallback else "—")
        etabs = {c for c, r in territories(corpus_dir).etab_rss.items() if code in r}
        for group in ("commissioner", "crisis_centre"):
            found = [e for e in shown if e.line_group == group and code in e.rss_codes]
            covered = {a.code for e in found for a in e.areas if a.type == ETAB}
            whole = any(a.type == RSS and a.code == code for e in found for a in e.areas)
            row[group] = _status(found) + (f" ({len(found)})" if len(found) > 1 else "") if found else "—"
            if found and not whole and etabs - covered:
                row[group] += " part: " + ", ".join(sorted(territories(corpus_dir).etab_names[c] for c in covered))
        lines_211 = [e for e in shown if e.line_group == "211"]
        whole_211 = [e for e in lines_211 if any(a.type == RSS and a.code == code for a in e.areas)]
        part = [
            e
            for e in lines_211
            if e not in whole_211 and any(a.type in (MRC, MUN) and _in_region(a, code, corpus_dir) for a in e.areas)
        ]
        row["211"] = (
            _status(whole_211)
            if whole_211
            else f"{_status(part)} part: "
            + ", ".join(
                a.name for e in part for a in e.areas if a.type in (MRC, MUN) and _in_region(a, code, corpus_dir)
            )
            if part
            else "—"
        )
        out.append(row)
    return out


def _in_region(area, code: str, corpus_dir: Path) -> bool:
    """An MRC or municipality lies in a health region (through the M02 installations of its towns)."""
    t = territories(corpus_dir)
    muns = [m for m, mrc in t.mun_mrc.items() if mrc == area.code] if area.type == MRC else [area.code]
    regions = {r["RSS_CODE"] for r in t.instal.values() if r.get("MUN_CODE") in muns}
    return code in regions


def markdown(rows: list[dict[str, str]]) -> str:
    head = "| RSS | region | " + " | ".join(TITLES[c] for c in COLUMNS) + " |"
    sep = "|---|---|" + "---|" * len(COLUMNS)
    body = ["| " + " | ".join([r["rss"], r["region"], *(r[c] for c in COLUMNS)]) + " |" for r in rows]
    return "\n".join([head, sep, *body])


def summary(rows: list[dict[str, str]]) -> dict[str, dict[str, int]]:
    """Per column: how many regions have a verified or secondary number of their own (``part`` when it
    covers only part of the region), a province-wide or routed route only, or nothing."""
    out: dict[str, dict[str, int]] = {}
    for c in COLUMNS:
        counts = {"verified": 0, "secondary": 0, "part": 0, "route": 0, "none": 0}
        for r in rows:
            v = r[c]
            if v == "—":
                key = "none"
            elif v.startswith(("FCAAP", "routed")):
                key = "route"
            elif "part" in v or re.search(r"\((\d+)/(\d+) CLSC\)", v) and not _all_clsc(v):
                key = "part"
            else:
                key = "verified" if v.startswith("verified") else "secondary"
            counts[key] += 1
        out[c] = counts
    return out


def _all_clsc(v: str) -> bool:
    m = re.search(r"\((\d+)/(\d+) CLSC\)", v)
    return m is not None and m.group(1) == m.group(2)
