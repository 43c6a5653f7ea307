"""Service areas: which place a service serves, and which services serve a person's place.

A service area is an HSDS ``service_areas`` row whose ``extent_type`` names a code system and whose
``extent`` is one code:

- ``province`` ``QC``: all of Québec;
- ``msss_rss_code`` (health region, ``06``), ``msss_etab_code`` (establishment: CISSS/CIUSSS territory),
  ``msss_rls_code`` (local service network), ``msss_clsc_code`` (CLSC territory),
  ``msss_instal_cod`` (one installation), codes as in the MSSS M02 file;
- ``mamh_mrc_code`` (regional county, ``470``) and ``mamh_mun_code`` (municipality, ``81017``), codes of
  the MAMH repertoire;
- ``place``: a community outside the repertoire (First Nations communities), by its name's key.

A person's place (``guide.geo.Location``) gets the codes of every system it can be placed in
(``place_codes``): its region, municipality and regional county, and its CLSC territory with the RLS
and establishment of that territory when the place lies in one territory only (else the
establishment of its municipality when only one establishment has CLSC points there). A service
serves the place when one of its areas holds one of those codes (``serves``). Nothing is guessed: a
place whose territory is unknown is not served by a territory-only service.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from guide.geo import place_key
from guide.settings import resolved_dir

PROVINCE = "province"
RSS = "msss_rss_code"
ETAB = "msss_etab_code"
RLS = "msss_rls_code"
CLSC = "msss_clsc_code"
INSTAL = "msss_instal_cod"
MRC = "mamh_mrc_code"
MUN = "mamh_mun_code"
PLACE = "place"
EXTENT_TYPES = (PROVINCE, RSS, ETAB, RLS, CLSC, INSTAL, MRC, MUN, PLACE)
#: Most specific first (a CLSC's own number beats its establishment's, which beats its region's).
SPECIFICITY = (INSTAL, CLSC, RLS, MUN, PLACE, MRC, ETAB, RSS, PROVINCE)

M02_FILE = Path("sources") / "msss_m02" / "installationscsv.csv"
MAMH_FILE = Path("sources") / "mamh" / "MUN_geo_columns.csv"


@dataclass(frozen=True)
class Area:
    type: str
    code: str
    name: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "code": self.code, "name": self.name}


@dataclass
class Territories:
    """Lookups from the M02 and MAMH source files."""

    rss_names: dict[str, str]
    etab_names: dict[str, str]  # ETAB_CODE -> short name (ETAB_NOM_A)
    etab_rss: dict[str, set[str]]
    rls_names: dict[str, str]
    clsc_names: dict[str, str]
    clsc_rls: dict[str, str]
    clsc_rss: dict[str, str]
    clsc_etabs: dict[str, set[str]]  # CLSC territory -> establishments with a CLSC-mission point there
    mun_etabs: dict[str, set[str]]  # MUN_CODE -> establishments with a CLSC-mission point there
    instal: dict[str, dict[str, str]]  # INSTAL_COD -> M02 row (CLSC mission)
    mun_mrc: dict[str, str]  # MAMH mcode -> MRC code
    mrc_names: dict[str, str]
    mun_names: dict[str, str]


def _paren(text: str) -> tuple[str, str]:
    m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", text or "")
    return (m.group(1).strip(), m.group(2).strip()) if m else ((text or "").strip(), "")


@lru_cache(maxsize=4)
def _territories(corpus_dir: Path) -> Territories:
    from guide import cache

    return cache.cached(
        "territories", [corpus_dir / M02_FILE, corpus_dir / MAMH_FILE], lambda: _territories_from(corpus_dir)
    )


def _territories_from(corpus_dir: Path) -> Territories:
    t = Territories({}, {}, defaultdict(set), {}, {}, {}, {}, defaultdict(set), defaultdict(set), {}, {}, {}, {})
    with (corpus_dir / M02_FILE).open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            t.rss_names[r["RSS_CODE"]] = r["RSS_NOM"]
            if r.get("CLSC") != "Oui":
                continue
            t.etab_names[r["ETAB_CODE"]] = r.get("ETAB_NOM_A") or r["ETAB_NOM"]
            t.etab_rss[r["ETAB_CODE"]].add(r["RSS_CODE"])
            if r.get("RLS_CODE"):
                t.rls_names[r["RLS_CODE"]] = r.get("RLS_NOM", "")
            if r.get("CLSC_CODE"):
                t.clsc_names[r["CLSC_CODE"]] = r.get("CLSC_NOM", "")
                t.clsc_rss[r["CLSC_CODE"]] = r["RSS_CODE"]
                if r.get("RLS_CODE"):
                    t.clsc_rls[r["CLSC_CODE"]] = r["RLS_CODE"]
                t.clsc_etabs[r["CLSC_CODE"]].add(r["ETAB_CODE"])
            t.mun_etabs[r.get("MUN_CODE", "")].add(r["ETAB_CODE"])
            t.instal[r["INSTAL_COD"]] = r
    with (corpus_dir / MAMH_FILE).open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            t.mun_names[r["mcode"]] = r["munnom"]
            name, code = _paren(r.get("mrc", ""))
            if code:
                t.mun_mrc[r["mcode"]] = code
                t.mrc_names[code] = re.sub(r"^MRC\s+", "", name)
    return t


def territories(corpus_dir: Path) -> Territories:
    return _territories(resolved_dir(corpus_dir))


def area_name(corpus_dir: Path, type_: str, code: str) -> str:
    """A readable name for an area (the source's own name for the code)."""
    t = territories(corpus_dir)
    return {
        PROVINCE: lambda: "Québec",
        RSS: lambda: t.rss_names.get(code, ""),
        ETAB: lambda: t.etab_names.get(code, ""),
        RLS: lambda: t.rls_names.get(code, ""),
        CLSC: lambda: t.clsc_names.get(code, ""),
        INSTAL: lambda: (t.instal.get(code) or {}).get("INSTAL_NOM", ""),
        MRC: lambda: t.mrc_names.get(code, ""),
        MUN: lambda: t.mun_names.get(code, ""),
        PLACE: lambda: code,
    }.get(type_, lambda: "")()


def place_codes(loc: Any, corpus_dir: Path) -> dict[str, set[str]]:
    """Codes of the person's place in each system (empty for a place outside Québec or unknown)."""
    if loc is None or getattr(loc, "error", None) is not None or not getattr(loc, "rss_code", None):
        return {}
    t = territories(corpus_dir)
    out: dict[str, set[str]] = {PROVINCE: {"QC"}, RSS: {loc.rss_code}}
    clsc = getattr(loc, "clsc_code", None)
    mun = getattr(loc, "mun_code", None)
    if clsc:
        out[CLSC] = {clsc}
        if clsc in t.clsc_rls:
            out[RLS] = {t.clsc_rls[clsc]}
        if t.clsc_etabs.get(clsc):
            out[ETAB] = set(t.clsc_etabs[clsc])
    if mun:
        out[MUN] = {mun}
        if mun in t.mun_mrc:
            out[MRC] = {t.mun_mrc[mun]}
        if ETAB not in out and len(t.mun_etabs.get(mun, ())) == 1:
            out[ETAB] = set(t.mun_etabs[mun])
    if getattr(loc, "municipality", None):
        out[PLACE] = {place_key(loc.municipality)}
    return out


def region_codes(region: str | None) -> dict[str, set[str]]:
    """Codes known from a health region alone (no town): the province and the region."""
    return {PROVINCE: {"QC"}, RSS: {region}} if region else {}


def _areas_of(service: Any) -> list[tuple[str, str]]:
    raw = service.get("service_areas") if isinstance(service, dict) else getattr(service, "areas", ())
    out = []
    for a in raw or ():
        if isinstance(a, dict):
            out.append((a.get("type", ""), a.get("code", "")))
        else:
            out.append((a.type, a.code) if isinstance(a, Area) else (a[0], a[1]))
    return out


def serves(service: Any, codes: dict[str, set[str]] | None) -> bool:
    """True when one of the service's areas holds one of the place's codes. A service without areas, or
    province-wide, serves everyone (even a person whose place is unknown)."""
    areas = _areas_of(service)
    if not areas or any(t == PROVINCE for t, _ in areas):
        return True
    if not codes:
        return False
    return any(code in codes.get(t, ()) for t, code in areas)


def match_rank(service: Any, codes: dict[str, set[str]] | None) -> int:
    """How specifically the service serves the place (0 = its installation … 8 = the province); 99 if not."""
    best = 99
    for t, code in _areas_of(service):
        if t == PROVINCE or (codes and code in codes.get(t, ())):
            best = min(best, SPECIFICITY.index(t) if t in SPECIFICITY else 98)
    return best


def rss_codes(areas: Iterable[Area], corpus_dir: Path) -> list[str]:
    """Health regions an area list lies in (whole or in part), in order."""
    t = territories(corpus_dir)
    out: list[str] = []
    for a in areas:
        found: list[str] = []
        if a.type == RSS:
            found = [a.code]
        elif a.type == ETAB:
            found = sorted(t.etab_rss.get(a.code, ()))
        elif a.type == CLSC and a.code in t.clsc_rss:
            found = [t.clsc_rss[a.code]]
        elif a.type == RLS:
            found = sorted({t.clsc_rss[c] for c, r in t.clsc_rls.items() if r == a.code})
        elif a.type == INSTAL and a.code in t.instal:
            found = [t.instal[a.code]["RSS_CODE"]]
        for code in found:
            if code not in out:
                out.append(code)
    return out
