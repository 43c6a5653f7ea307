"""Which of several conflicting lines is shown: the rule, applied when the directory is imported.

Every row stays in the HSDS tables; a line that is not shown carries ``superseded_by`` (why, and what
is shown instead), which ``services_near`` and the crisis desk skip.

Youth protection (DPJ), per health region, over the help-line table and ``regional_lines.csv``:

1. the establishment's current page (or the organisation's, a government body's) beats an older
   official list or page (the undated CDPDJ list of before 2015, a former establishment's page),
   which beats a secondary source (news, third-party site): only the lines of the best source rank
   present in the region are shown (Saguenay–Lac-Saint-Jean 418 543-3006 over 418 549-4853;
   Outaouais 819 776-6060 over 819 771-6631; Montérégie: only 1 800 361-5310, the current page's);
2. among those, a line whose numbers are all given by an earlier line (the help-line table first,
   then ``regional_lines.csv`` in file order) is a duplicate and is not shown;
3. a region with no number of its own is routed as the source says (``ROUTES``): Nord-du-Québec (10)
   to the shown lines of Abitibi-Témiscamingue (08) and Saguenay–Lac-Saint-Jean (02), which get an
   extra service area for region 10.

Lines that the sources themselves say are replaced (``line_rules.csv`` ``superseded_by``: the 211 row
of the help-line table, whose all-of-Québec coverage ended in 2021) are never shown. Fallback lines
(the CAAP federation's routing number, the housing tribunal's "other regions" number) are shown only
where no line of their group serves the person: that choice depends on the place and is made by
``services_near``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from guide.directory import areas as A
from guide.directory.areas import Area

#: A region without a DPJ number of its own → the regions its source sends to (regional_lines/README.md:
#: "Nord-du-Québec (10) has no own number (the list sends to Abitibi-Témiscamingue or Saguenay–Lac-Saint-Jean)").
ROUTES = {"10": ("08", "02")}
ROUTE_NOTE = (
    "Nord-du-Québec : pas de numéro DPJ propre ; la liste de la CDPDJ renvoie à l'Abitibi-Témiscamingue "
    "ou au Saguenay–Lac-Saint-Jean / Nord-du-Québec: no DPJ number of its own; the CDPDJ list sends to "
    "Abitibi-Témiscamingue or Saguenay–Lac-Saint-Jean (regional_lines/README.md)"
)


@dataclass
class Candidate:
    id: str
    region: str
    numbers: list[str]
    rank: int


@dataclass
class Decision:
    superseded_by: str = ""
    extra_areas: list[Area] = field(default_factory=list)


def _key(number: str) -> str:
    digits = re.sub(r"\D", "", number or "")
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def dpj_candidates(corpus_dir: Path) -> list[Candidate]:
    """The DPJ lines of both sources, the help-line table first."""
    from guide.directory import regional
    from guide.directory.lines import dpj_region, rss_names
    from guide.ingest import helplines

    regions = rss_names(corpus_dir)
    out = []
    for rec in helplines.build(corpus_dir):
        region = dpj_region(rec, regions)
        if region:
            md = rec.metadata
            out.append(
                Candidate(
                    rec.id,
                    region,
                    [md["phone"], *(md.get("phone_alternates") or [])],
                    0 if md.get("phone_verified") else 2,
                )
            )
    _, services = regional.evaluate(corpus_dir)
    out += [Candidate(s.id, s.region, s.numbers(), s.rank) for s in services if s.role == "dpj"]
    return out


def dpj_decisions(candidates: list[Candidate], corpus_dir: Path) -> dict[str, Decision]:
    names = {0: "a current page of the establishment", 1: "an older official list or page", 2: "a secondary source"}
    out: dict[str, Decision] = {c.id: Decision() for c in candidates}
    shown: dict[str, list[Candidate]] = {}
    for region in dict.fromkeys(c.region for c in candidates):
        group = [c for c in candidates if c.region == region]
        best = min(c.rank for c in group)
        seen: dict[str, str] = {}
        for c in group:
            keys = [_key(n) for n in c.numbers]
            if c.rank > best:
                better = [x.id for x in group if x.rank == best]
                why = f"DPJ {region}: {names[c.rank]} gives way to {names[best]} ({', '.join(better)})"
                out[c.id].superseded_by = why
            elif all(k in seen for k in keys):
                out[c.id].superseded_by = f"DPJ {region}: same number(s) as {seen[keys[0]]}"
            else:
                shown.setdefault(region, []).append(c)
                for k in keys:
                    seen.setdefault(k, c.id)
    names_of = A.territories(corpus_dir).rss_names
    for region, targets in ROUTES.items():
        if region in shown:
            continue
        for target in targets:
            for c in shown.get(target, []):
                out[c.id].extra_areas.append(Area(A.RSS, region, names_of.get(region, "")))
    return out


def decisions(corpus_dir: Path) -> dict[str, Decision]:
    """Line id → what the rule decides (lines not named are shown)."""
    return dpj_decisions(dpj_candidates(Path(corpus_dir)), Path(corpus_dir))
