"""Place resolution: turn what a person types into a point in Québec.

``resolve(text)`` understands, in this order:

1. a Canadian postal code in any spelling (``H2L 3C3``, ``h2l3c3``, ``H2L-3C3``), also inside a
   longer address, or a forward sortation area (FSA, ``H2L``). A full code is placed at its FSA's
   centroid: the precision is the FSA, and the ``precision_note`` says so.
2. a municipality of the MAMH repertoire (all 1,130), with or without accents, hyphens or
   apostrophes, with ``St-``/``Ste-``/``Saint-``/``Sainte-``, or an English spelling
   (``Montreal``);
3. an alias from ``corpus/geo/aliases.csv`` (former towns and sectors such as Chicoutimi → Saguenay,
   Hull → Gatineau, Sainte-Foy → Québec; English names such as Three Rivers), each with its
   justification;
4. an Indigenous community or other place that the MSSS M02 file or simplemaps lists but that is
   not a MAMH municipality (Kahnawake, Wendake, Mashteuiatsh, ...);
5. a Canadian place or province outside Québec → ``error="outside_quebec"``.

Anything else is ``error="unknown_place"`` with close names as ``suggestions``.

Sources (all under ``corpus/sources``; see corpus/SOURCES.md): GeoNames FSA centroids (CC BY 4.0),
MAMH "Répertoire des municipalités" (names, regions, town-hall postal codes; no coordinates),
simplemaps Canada cities (coordinates, accent-free names, FSAs per place), and the MSSS M02
installations file (CLSC territory, RLS and health region of the places where installations are).

A municipality is placed at its simplemaps coordinates; failing that, at the mean position of the
M02 installations located in it; failing that, at the centroid of its town hall's FSA. The
municipality's CLSC territory is known when every M02 installation located in it (or, when it has
none, every installation of its census division) lies in one single CLSC territory: this is an
inference from installation addresses, not the official MSSS territory map (M34), which is not in
the corpus.

Everything is loaded once per process (``gazetteer()`` is cached).
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process

from guide.text import fold

# ---------------------------------------------------------------------------------------------
# Constants and small helpers shared with the directory importers
# ---------------------------------------------------------------------------------------------

#: Generous bounding box of the province of Québec (lat_min, lat_max, lon_min, lon_max).
QC_BBOX: tuple[float, float, float, float] = (44.95, 62.65, -79.80, -57.05)
#: First letters of Québec postal codes (G east, H Montréal island and Laval, J west and south).
QC_POSTAL_LETTERS = frozenset("GHJ")

# Canada Post never uses D, F, I, O, Q, U; W and Z never start a code.
_PC_FIRST = "ABCEGHJKLMNPRSTVXY"
_PC_OTHER = "ABCEGHJKLMNPRSTVWXYZ"
_FULL_PC = re.compile(rf"^[{_PC_FIRST}]\d[{_PC_OTHER}]\d[{_PC_OTHER}]\d$")
_FSA = re.compile(rf"^[{_PC_FIRST}]\d[{_PC_OTHER}]$")
# A token that looks like an attempt at a postal code (letters and digits, at least one digit).
_POSTALISH = re.compile(r"^(?=.*\d)[A-Z0-9]{3,7}$")
# A well-formed full postal code inside a longer text (an address).
_PC_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]\d[A-Za-z])[ \-]?(\d[A-Za-z]\d)(?![A-Za-z0-9])")

PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
    "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Québec",
    "SK": "Saskatchewan", "YT": "Yukon",
}
# Province names people type (English and French), other than Québec.
_PROVINCE_NAMES = {
    "AB": ["Alberta"], "BC": ["British Columbia", "Colombie-Britannique"], "MB": ["Manitoba"],
    "NB": ["New Brunswick", "Nouveau-Brunswick"], "NL": ["Newfoundland", "Terre-Neuve", "Labrador",
    "Newfoundland and Labrador", "Terre-Neuve-et-Labrador"], "NS": ["Nova Scotia", "Nouvelle-Écosse"],
    "NT": ["Northwest Territories", "Territoires du Nord-Ouest"], "NU": ["Nunavut"],
    "ON": ["Ontario"], "PE": ["Prince Edward Island", "Île-du-Prince-Édouard"], "SK": ["Saskatchewan"],
    "YT": ["Yukon"],
}

_FAR_KM = 10.0  # simplemaps point this far from every installation of its municipality: a territory centre
_MISPLACED_KM = 20.0  # urban FSA centroid this far from every installation/town using it: misplaced

# Trailing qualifiers: ", QC", "(Québec)", ", Canada", " QC" (a bare trailing "Québec" is kept: Vieux-Québec).
_QUALIFIER = re.compile(r"(?:\s*[,(]\s*(?:qc|que|p\.?\s*q\.?|quebec|province de quebec|canada)\s*\)?\.?"
                        r"|\s+(?:qc|canada))+\s*$")
_PREFIX = re.compile(r"^(?:ville de |city of |municipalite de |village de |town of )")

ErrorCode = Literal["unknown_place", "outside_quebec", "invalid_postal_code"]
LocationKind = Literal["postal_code", "fsa", "municipality", "alias", "community"]


def in_quebec_bbox(lat: float, lon: float) -> bool:
    """True when (lat, lon) lies inside Québec's bounding box."""
    lat_min, lat_max, lon_min, lon_max = QC_BBOX
    return lat_min <= lat <= lat_max and lon_min <= lon <= lon_max


def normalize_postal_code(text: str) -> str | None:
    """``"h2l3c3"`` / ``"H2L-3C3"`` → ``"H2L 3C3"``; ``"h2l"`` → ``"H2L"``; None if malformed."""
    compact = re.sub(r"[\s\-.]", "", text or "").upper()
    if _FULL_PC.match(compact):
        return f"{compact[:3]} {compact[3:]}"
    if _FSA.match(compact):
        return compact
    return None


_NON_WORD = re.compile(r"[^a-z0-9]+")
_ABBREVIATIONS = ((re.compile(r"\bst\b"), "saint"), (re.compile(r"\bste\b"), "sainte"),
                  (re.compile(r"\bsts\b"), "saints"), (re.compile(r"\bmt\b"), "mont"))


@lru_cache(maxsize=65536)
def place_words(text: str) -> str:
    """Accent-folded, lower-case words; ``St``/``Ste`` expanded; qualifiers (``, QC``) dropped."""
    s = fold(text or "").replace("’", "'").strip()
    s = _QUALIFIER.sub("", s).strip() or s
    s = _NON_WORD.sub(" ", s).strip()
    s = _PREFIX.sub("", s) or s
    for pattern, full in _ABBREVIATIONS:
        s = pattern.sub(full, s)
    return s


def place_key(text: str) -> str:
    """Matching key: ``place_words`` without spaces ("L'Ancienne-Lorette" == "lancienne lorette")."""
    return place_words(text).replace(" ", "")


def haversine_km(lat1: float, lon1: float, lat2: np.ndarray | float, lon2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance(s) in km from one point to one or many points (degrees)."""
    p1, l1 = math.radians(lat1), math.radians(lon1)
    p2, l2 = np.radians(lat2), np.radians(lon2)
    a = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


# ---------------------------------------------------------------------------------------------
# The contract
# ---------------------------------------------------------------------------------------------


class Location(BaseModel):
    """Where the person is. ``query``, ``resolved``, ``latitude``, ``longitude`` and ``error`` are
    the contract; the other fields are extras."""

    query: str
    resolved: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    error: ErrorCode | None = None

    kind: LocationKind | None = None
    municipality: str | None = None
    mun_code: str | None = None
    postal_code: str | None = None
    fsa: str | None = None
    region: str | None = Field(default=None, description="Administrative region (MAMH), e.g. 'Estrie'")
    region_code: str | None = None
    rss_code: str | None = Field(default=None, description="Health and social-services region (RSS) code")
    rss_name: str | None = None
    clsc_code: str | None = Field(default=None, description="CLSC territory, when the place lies in one only")
    clsc_name: str | None = None
    province: str | None = None
    coordinates_source: str | None = None
    precision_note: dict[str, str] | None = None
    suggestions: list[str] = Field(default_factory=list)
    message: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.latitude is not None and self.longitude is not None


# ---------------------------------------------------------------------------------------------
# Gazetteer
# ---------------------------------------------------------------------------------------------


@dataclass
class Place:
    """A named place of the gazetteer (a MAMH municipality, or a community outside the repertoire)."""

    name: str
    kind: Literal["municipality", "community"]
    latitude: float
    longitude: float
    coordinates_source: str
    mun_code: str | None = None
    population: int = 0
    region: str | None = None
    region_code: str | None = None
    fsa: str | None = None
    rss_code: str | None = None
    clsc_code: str | None = None
    clsc_basis: str | None = None
    clsc_seen: tuple[str, ...] = ()


@dataclass
class Alias:
    alias: str
    target: Place
    kind: str
    justification: str
    latitude: float
    longitude: float
    coordinates_source: str
    clsc_code: str | None = None


@dataclass
class Fsa:
    fsa: str
    place_name: str
    province: str
    latitude: float
    longitude: float
    mun_code: str | None = None
    source: str = "geonames_fsa"


@dataclass
class Gazetteer:
    places: list[Place]
    by_key: dict[str, list[Place]]
    aliases: dict[str, Alias]
    fsas: dict[str, Fsa]
    fsa_place: dict[str, Place]
    outside: dict[str, tuple[str, str]]  # key -> (display name, province code)
    clsc_names: dict[str, str]
    rss_names: dict[str, str]
    inst_lat: np.ndarray
    inst_lon: np.ndarray
    inst_rss: list[str]
    fuzzy_choices: list[str] = field(default_factory=list)
    fuzzy_labels: list[str] = field(default_factory=list)

    def nearest_rss(self, lat: float, lon: float) -> str | None:
        if not len(self.inst_lat):
            return None
        return self.inst_rss[int(np.argmin(haversine_km(lat, lon, self.inst_lat, self.inst_lon)))]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in csv.DictReader(fh)]


def _paren_code(text: str) -> tuple[str | None, str | None]:
    """``"Estrie (05)"`` → ``("Estrie", "05")``."""
    m = re.match(r"^(.*?)\s*\((\w+)\)\s*$", text or "")
    if not m:
        return (text or None), None
    return m.group(1), m.group(2)


def _mode(values: list[str]) -> str | None:
    values = [v for v in values if v]
    if not values:
        return None
    counts = Counter(values)
    best = max(counts.values())
    return min(v for v, c in counts.items() if c == best)


def _medoid(rows: list[dict[str, str]]) -> tuple[float, float]:
    """A representative installation position: the one with the smallest total distance to the
    others (a mean would fall between distant villages of one vast municipality)."""
    lat = np.array([float(x["LATITUDE"]) for x in rows])
    lon = np.array([float(x["LONGITUDE"]) for x in rows])
    i = int(np.argmin([haversine_km(float(a), float(b), lat, lon).sum() for a, b in zip(lat, lon)]))
    return float(lat[i]), float(lon[i])


def _load_fsas(sources: Path) -> dict[str, Fsa]:
    """All Canadian FSAs from the GeoNames file (H0H, the Santa Claus code at the pole, excluded)."""
    out: dict[str, Fsa] = {}
    path = sources / "geonames" / "CA_fsa_geonames_2024-04-12.txt"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 11 or f[1] == "H0H" or not f[9] or not f[10]:
                continue
            out[f[1]] = Fsa(f[1], f[2], f[4], float(f[9]), float(f[10]), f[8] or None)
    return out


def gazetteer(corpus_dir: Path | None = None) -> Gazetteer:
    """The gazetteer, built once per process and corpus from the source files."""
    if corpus_dir is None:
        from guide.settings import get_settings

        corpus_dir = get_settings().corpus_dir
    return _build_gazetteer(Path(corpus_dir).resolve())


@lru_cache(maxsize=4)
def _build_gazetteer(corpus_dir: Path) -> Gazetteer:
    sources = corpus_dir / "sources"
    fsas = _load_fsas(sources)
    mamh = _read_csv(sources / "mamh" / "MUN_geo_columns.csv")
    m02 = _read_csv(sources / "msss_m02" / "installationscsv.csv")
    cities = _read_csv(sources / "simplemaps" / "canadacities.csv")

    mamh_codes = {r["mcode"] for r in mamh}
    mamh_by_key: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in mamh:
        mamh_by_key[place_key(r["munnom"])].append(r)

    # M02 installations, each attached to a MAMH code (by code, else by unique name) or kept apart.
    clsc_names: dict[str, str] = {}
    rss_names: dict[str, str] = {}
    by_mun: dict[str, list[dict[str, str]]] = defaultdict(list)
    by_division: dict[str, list[dict[str, str]]] = defaultdict(list)
    outside_mamh: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in m02:
        clsc_names[r["CLSC_CODE"]] = r["CLSC_NOM"]
        rss_names[r["RSS_CODE"]] = r["RSS_NOM"]
        code = r["MUN_CODE"]
        if code not in mamh_codes:
            same = mamh_by_key.get(place_key(r["MUN_NOM"]), [])
            code = same[0]["mcode"] if len(same) == 1 else None
        if code:
            by_mun[code].append(r)
        else:
            outside_mamh[r["MUN_NOM"]].append(r)
        by_division[r["MUN_CODE"][:2]].append(r)

    def territory(rows: list[dict[str, str]]) -> tuple[str | None, str | None]:
        codes = {r["CLSC_CODE"] for r in rows if r["CLSC_CODE"]}
        return _mode([r["RSS_CODE"] for r in rows]), (codes.pop() if len(codes) == 1 else None)

    # simplemaps Québec places by key (names are unique per key in QC).
    sm_qc: dict[str, dict[str, str]] = {}
    outside: dict[str, tuple[str, str]] = {}
    for c in cities:
        if c["province_id"] == "QC":
            sm_qc.setdefault(place_key(c["city"]), c)
        else:
            for name in {c["city"], c["city_ascii"]}:
                outside.setdefault(place_key(name), (c["city"], c["province_id"]))
    for prov, names in _PROVINCE_NAMES.items():
        for name in names:
            outside.setdefault(place_key(name), (name, prov))

    _repair_fsas(fsas, m02, sm_qc)
    places: list[Place] = []
    dup_keys = {k for k, v in mamh_by_key.items() if len(v) > 1}
    for r in mamh:
        key = place_key(r["munnom"])
        fsa = (r["mcodpos"] or "")[:3].upper() or None
        sm = sm_qc.get(key)
        if sm and key in dup_keys and fsa not in sm["postal"].split():
            sm = None  # two municipalities share this name: simplemaps' place is the other one
        rows = by_mun.get(r["mcode"], [])
        if sm:
            lat, lon, src = float(sm["lat"]), float(sm["lng"]), "simplemaps"
            if rows and float(haversine_km(lat, lon, np.array([float(x["LATITUDE"]) for x in rows]),
                                           np.array([float(x["LONGITUDE"]) for x in rows])).min()) > _FAR_KM:
                # simplemaps gives the centre of a vast territory (La Tuque, Cree villages): use the
                # installations, which are where people live.
                (lat, lon), src = _medoid(rows), "m02_installations"
        elif rows:
            (lat, lon), src = _medoid(rows), "m02_installations"
        elif fsa in fsas:
            lat, lon, src = fsas[fsa].latitude, fsas[fsa].longitude, "town_hall_fsa"
        else:
            continue  # reported by the benchmark (no coordinates at all)
        region, region_code = _paren_code(r["regadm"])
        rss, clsc = territory(rows) if rows else (None, None)
        basis = "municipality" if clsc else None
        if not rows:
            div_rows = by_division.get(r["mcode"][:2], [])
            if div_rows:
                rss, clsc = territory(div_rows)
                basis = "census_division" if clsc else None
        places.append(Place(
            name=r["munnom"], kind="municipality", latitude=lat, longitude=lon, coordinates_source=src,
            mun_code=r["mcode"], population=int(float(r["mpopul"] or 0)), region=region,
            region_code=region_code, fsa=fsa, rss_code=rss, clsc_code=clsc, clsc_basis=basis,
            clsc_seen=tuple(sorted({x["CLSC_CODE"] for x in rows if x["CLSC_CODE"]})),
        ))

    # Communities outside the MAMH repertoire: from M02 (with territory), then from simplemaps.
    alias_rows = _read_csv(Path(corpus_dir) / "geo" / "aliases.csv")
    alias_keys = {place_key(a["alias"]) for a in alias_rows}
    known = {place_key(p.name) for p in places}
    for name, rows in sorted(outside_mamh.items()):
        rss, clsc = territory(rows)
        lat, lon = _medoid(rows)
        places.append(Place(
            name=name, kind="community", latitude=lat, longitude=lon,
            coordinates_source="m02_installations", mun_code=None, rss_code=rss, clsc_code=clsc,
            clsc_basis="community" if clsc else None,
        ))
        known.add(place_key(name))
    for key, c in sorted(sm_qc.items()):
        if key in known or key in alias_keys or key in mamh_by_key:
            continue
        places.append(Place(name=c["city"], kind="community", latitude=float(c["lat"]),
                            longitude=float(c["lng"]), coordinates_source="simplemaps"))
        known.add(key)

    inst_lat = np.array([float(r["LATITUDE"]) for r in m02])
    inst_lon = np.array([float(r["LONGITUDE"]) for r in m02])
    inst_rss = [r["RSS_CODE"] for r in m02]
    for p in places:
        if p.rss_code is None and len(inst_lat):
            p.rss_code = inst_rss[int(np.argmin(haversine_km(p.latitude, p.longitude, inst_lat, inst_lon)))]

    by_key: dict[str, list[Place]] = defaultdict(list)
    for p in places:
        by_key[place_key(p.name)].append(p)
    for plist in by_key.values():
        plist.sort(key=lambda p: (p.kind != "municipality", -p.population, p.mun_code or p.name))

    aliases = _load_aliases(alias_rows, by_key, fsas, sm_qc, clsc_names)

    # FSA -> municipality: GeoNames' municipal code, else the single simplemaps place listing it.
    fsa_place: dict[str, Place] = {}
    by_code = {p.mun_code: p for p in places if p.mun_code}
    listing: dict[str, list[str]] = defaultdict(list)
    for key, c in sm_qc.items():
        for f in c["postal"].split():
            listing[f].append(key)
    for f, rec in fsas.items():
        if rec.province != "QC":
            continue
        place = by_code.get(rec.mun_code or "")
        if place is None and len(listing.get(f, [])) == 1:
            key = listing[f][0]
            target = by_key.get(key) or ([aliases[key].target] if key in aliases else [])
            place = target[0] if target else None
        if place is not None:
            fsa_place[f] = place

    g = Gazetteer(places=places, by_key=dict(by_key), aliases=aliases, fsas=fsas, fsa_place=fsa_place,
                  outside=outside, clsc_names=clsc_names, rss_names=rss_names, inst_lat=inst_lat,
                  inst_lon=inst_lon, inst_rss=inst_rss)
    labels: dict[str, str] = {}
    for p in places:
        labels.setdefault(place_words(p.name), p.name)
    for a in aliases.values():
        labels.setdefault(place_words(a.alias), f"{a.alias} ({a.target.name})")
    g.fuzzy_choices = list(labels)
    g.fuzzy_labels = list(labels.values())
    return g


def _alias_clsc(alias_key: str, target: Place, clsc_names: dict[str, str]) -> str | None:
    """The CLSC territory named after an alias (Hull, Verdun, Sainte-Foy in "Sainte-Foy - Sillery",
    Limoilou in "Limoilou-Vanier"), among the territories seen in the target municipality."""
    hits = set()
    for code in target.clsc_seen:
        for part in [clsc_names[code], *clsc_names[code].split(" - ")]:
            pk = place_key(part)
            if pk == alias_key or (len(alias_key) >= 6 and pk.startswith(alias_key)) \
                    or (len(pk) >= 6 and alias_key.endswith(pk)):
                hits.add(code)
    return hits.pop() if len(hits) == 1 else None


def _repair_fsas(fsas: dict[str, Fsa], m02: list[dict[str, str]], sm_qc: dict[str, dict[str, str]]) -> None:
    """Fill and fix Québec FSA centroids with the addresses of M02 installations.

    - an FSA that GeoNames lacks (e.g. J5N) but installations use gets their representative position;
    - an urban FSA (second character not 0) whose GeoNames centroid lies more than 20 km from every
      installation and every small simplemaps place that uses it is misplaced (G4Z "Baie-Comeau
      Northeast" is 210 km away from Baie-Comeau): it is moved to those installations (or places).
    """
    by_fsa: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in m02:
        by_fsa[r["CODE_POSTA"][:3].upper()].append(r)
    towns: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for c in sm_qc.values():
        listed = c["postal"].split()
        if len(listed) <= 3:
            for f in listed:
                towns[f].append((float(c["lat"]), float(c["lng"])))
    for f in sorted(set(by_fsa) | set(towns)):
        if f[:1] not in QC_POSTAL_LETTERS:
            continue
        rows = by_fsa.get(f, [])
        codes = {x["MUN_CODE"] for x in rows}
        if f not in fsas:
            if rows:
                lat, lon = _medoid(rows)
                fsas[f] = Fsa(f, rows[0]["MUN_NOM"], "QC", lat, lon, codes.pop() if len(codes) == 1 else None,
                              source="m02_installations")
            continue
        rec = fsas[f]
        if f[1] == "0":
            continue  # rural FSAs cover whole regions: their centroid is not expected near a town
        refs = [(float(x["LATITUDE"]), float(x["LONGITUDE"])) for x in rows] + towns.get(f, [])
        dist = haversine_km(rec.latitude, rec.longitude, np.array([p[0] for p in refs]), np.array([p[1] for p in refs]))
        if float(dist.min()) > _MISPLACED_KM:
            lat, lon = _medoid(rows) if rows else (float(np.mean([p[0] for p in refs])),
                                                    float(np.mean([p[1] for p in refs])))
            fsas[f] = Fsa(f, rec.place_name, rec.province, lat, lon, rec.mun_code,
                          source="m02_installations" if rows else "simplemaps")


def _load_aliases(rows: list[dict[str, str]], by_key: dict[str, list[Place]], fsas: dict[str, Fsa],
                  sm_qc: dict[str, dict[str, str]], clsc_names: dict[str, str]) -> dict[str, Alias]:
    """Aliases → target municipality. An alias is placed at its own simplemaps point when there is
    one, else at the mean centroid of the FSAs whose GeoNames name starts with it (e.g. Chicoutimi →
    "Chicoutimi East", ...) within 60 km of the target, else at the target municipality. Its CLSC
    territory is the one named after it, if any (see ``_alias_clsc``), else the target's."""
    out: dict[str, Alias] = {}
    qc_fsas = [(f, place_words(f.place_name) + " ") for f in fsas.values() if f.province == "QC"]
    for row in rows:
        targets = [p for p in by_key.get(place_key(row["municipality"]), []) if p.kind == "municipality"]
        if not targets:
            raise ValueError(f"aliases.csv: unknown target municipality {row['municipality']!r}")
        target = targets[0]
        key = place_key(row["alias"])
        words = place_words(row["alias"])
        sm = sm_qc.get(key)
        if sm:
            lat, lon, src = float(sm["lat"]), float(sm["lng"]), "simplemaps"
        else:
            near = [f for f, fw in qc_fsas if fw.startswith(words + " ")
                    and float(haversine_km(target.latitude, target.longitude, f.latitude, f.longitude)) < 60]
            if near:
                lat = float(np.mean([f.latitude for f in near]))
                lon = float(np.mean([f.longitude for f in near]))
                src = "fsa_centroids:" + " ".join(sorted(f.fsa for f in near))
            else:
                lat, lon, src = target.latitude, target.longitude, f"municipality:{target.coordinates_source}"
        out[key] = Alias(row["alias"], target, row["kind"], row["justification"], lat, lon, src,
                         _alias_clsc(key, target, clsc_names))
    return out


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------

_PRECISION = {
    "fsa": ("Position approximative : centre de la région de tri d'acheminement {fsa} (3 premiers caractères "
            "du code postal) ; les distances sont approximatives.",
            "Approximate position: centre of the forward sortation area {fsa} (first 3 characters of the "
            "postal code); distances are approximate."),
    "simplemaps": ("Position : centre de la localité {name} (simplemaps).",
                   "Position: centre of {name} (simplemaps)."),
    "m02_installations": ("Position : adresse des installations du réseau situées à {name} (fichier M02).",
                          "Position: address of the health and social-services installations in {name} (M02 file)."),
    "town_hall_fsa": ("Position approximative : centre de la région postale {fsa} de l'hôtel de ville de {name} ; "
                      "les distances peuvent être décalées de plusieurs kilomètres.",
                      "Approximate position: centre of the postal area {fsa} of {name}'s town hall; distances "
                      "may be off by several kilometres."),
    "alias": ("{alias} fait partie de {name} ({why}).", "{alias} is part of {name} ({why})."),
    "alias_city": (" Position : centre de {name}.", " Position: centre of {name}."),
}


def _error(query: str, code: ErrorCode, fr: str, en: str, **extra: object) -> Location:
    return Location(query=query, error=code, message={"fr": fr, "en": en}, **extra)


def _unknown(query: str, g: Gazetteer, key_words: str) -> Location:
    suggestions: list[str] = []
    if key_words:
        hits = process.extract(key_words, g.fuzzy_choices, scorer=fuzz.WRatio, limit=8, score_cutoff=80)
        for _, _, idx in hits:
            label = g.fuzzy_labels[idx]
            if label not in suggestions:
                suggestions.append(label)
            if len(suggestions) == 5:
                break
    hint_fr = f" Vouliez-vous dire : {', '.join(suggestions)} ?" if suggestions else ""
    hint_en = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    return _error(
        query, "unknown_place",
        f"Je ne trouve pas « {query} » parmi les municipalités du Québec. Vérifiez l'orthographe ou donnez "
        f"un code postal (ex. H2L 3C3).{hint_fr}",
        f"I can't find \"{query}\" among Québec municipalities. Check the spelling or give a postal code "
        f"(e.g. H2L 3C3).{hint_en}",
        suggestions=suggestions,
    )


def _outside(query: str, where: str, province: str) -> Location:
    prov = PROVINCES.get(province, province)
    return _error(
        query, "outside_quebec",
        f"« {query} » est hors du Québec ({prov}). Guide ne couvre que les services du Québec : "
        f"donnez une ville ou un code postal du Québec.",
        f"\"{query}\" is outside Québec ({prov}). Guide only covers services in Québec: "
        f"give a Québec town or postal code.",
        resolved=where, province=province,
    )


def _invalid_postal(query: str) -> Location:
    return _error(
        query, "invalid_postal_code",
        f"« {query} » n'est pas un code postal canadien valide. Format attendu : lettre-chiffre-lettre "
        f"chiffre-lettre-chiffre, par exemple H2L 3C3 (ou seulement les 3 premiers caractères, H2L).",
        f"\"{query}\" is not a valid Canadian postal code. Expected format: letter-digit-letter "
        f"digit-letter-digit, e.g. H2L 3C3 (or just the first 3 characters, H2L).",
    )


# ---------------------------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------------------------


def _territory_fields(g: Gazetteer, place: Place | None, lat: float, lon: float) -> dict[str, object]:
    rss = place.rss_code if place else None
    rss = rss or g.nearest_rss(lat, lon)
    clsc = place.clsc_code if place else None
    return {
        "municipality": place.name if place else None,
        "mun_code": place.mun_code if place else None,
        "region": place.region if place else None,
        "region_code": place.region_code if place else None,
        "rss_code": rss,
        "rss_name": g.rss_names.get(rss or ""),
        "clsc_code": clsc,
        "clsc_name": g.clsc_names.get(clsc or "") if clsc else None,
    }


def _from_postal(query: str, code: str, g: Gazetteer) -> Location:
    fsa = code[:3]
    full = code if len(code) == 7 else None
    if fsa[0] not in QC_POSTAL_LETTERS:
        rec = g.fsas.get(fsa)
        province = rec.province if rec else {"K": "ON", "L": "ON", "M": "ON", "N": "ON", "P": "ON"}.get(fsa[0], "")
        where = f"{code} — {rec.place_name} ({rec.province})" if rec else code
        return _outside(query, where, province)
    rec = g.fsas.get(fsa)
    place = g.fsa_place.get(fsa)
    if rec is None:
        # FSA missing from GeoNames (e.g. J5N): use a simplemaps place that lists it, if any.
        if place is None:
            return _error(
                query, "unknown_place",
                f"Le code postal {code} n'est pas dans notre répertoire géographique. Donnez le nom de votre "
                f"municipalité.",
                f"Postal code {code} is not in our gazetteer. Please give your municipality's name.",
                postal_code=full, fsa=fsa,
            )
        lat, lon, src = place.latitude, place.longitude, f"municipality:{place.coordinates_source}"
        area = place.name
    else:
        lat, lon, src = rec.latitude, rec.longitude, rec.source
        area = rec.place_name
    shown = place.name if place else area
    fr, en = _PRECISION["fsa"]
    return Location(
        query=query, resolved=f"{code} ({shown})", latitude=round(lat, 5), longitude=round(lon, 5),
        kind="postal_code" if full else "fsa", postal_code=full, fsa=fsa, coordinates_source=src,
        precision_note={"fr": fr.format(fsa=fsa), "en": en.format(fsa=fsa)},
        **_territory_fields(g, place, lat, lon),
    )


def _from_place(query: str, place: Place, g: Gazetteer, others: list[Place]) -> Location:
    src = place.coordinates_source
    key = src if src in _PRECISION else "simplemaps"
    fr, en = _PRECISION[key]
    fmt = {"name": place.name, "fsa": place.fsa or ""}
    return Location(
        query=query, resolved=place.name, latitude=round(place.latitude, 5), longitude=round(place.longitude, 5),
        kind="municipality" if place.kind == "municipality" else "community", fsa=None,
        coordinates_source=src, precision_note={"fr": fr.format(**fmt), "en": en.format(**fmt)},
        suggestions=[f"{o.name} ({o.region or o.rss_code})" for o in others],
        **_territory_fields(g, place, place.latitude, place.longitude),
    )


def _from_alias(query: str, alias: Alias, g: Gazetteer) -> Location:
    t = alias.target
    fr, en = _PRECISION["alias"]
    fields = _territory_fields(g, t, alias.latitude, alias.longitude)
    pos_fr, pos_en = ("", "")
    if alias.coordinates_source.startswith("municipality"):
        pos_fr, pos_en = (x.format(name=t.name) for x in _PRECISION["alias_city"])
    if alias.clsc_code:  # a former town or borough whose name is its CLSC territory's (Hull, Verdun...)
        fields["clsc_code"] = alias.clsc_code
        fields["clsc_name"] = g.clsc_names.get(alias.clsc_code)
    return Location(
        query=query, resolved=f"{t.name} ({alias.alias})", latitude=round(alias.latitude, 5),
        longitude=round(alias.longitude, 5), kind="alias", coordinates_source=alias.coordinates_source,
        precision_note={"fr": fr.format(alias=alias.alias, name=t.name, why=alias.justification) + pos_fr,
                        "en": en.format(alias=alias.alias, name=t.name, why=alias.justification) + pos_en},
        **fields,
    )


def resolve(text: str, corpus_dir: Path | None = None) -> Location:
    """Resolve a place typed by a person (postal code, FSA, municipality, alias) to a ``Location``."""
    query = (text or "").strip()
    g = gazetteer(corpus_dir)
    if not query:
        return _unknown(query, g, "")

    compact = re.sub(r"[\s\-.]", "", query).upper()
    if _POSTALISH.match(compact):
        code = normalize_postal_code(compact)
        return _from_postal(query, code, g) if code else _invalid_postal(query)
    inside = _PC_IN_TEXT.search(query)
    if inside:
        code = normalize_postal_code(inside.group(1) + inside.group(2))
        return _from_postal(query, code, g) if code else _invalid_postal(query)

    words = place_words(query)
    key = words.replace(" ", "")
    if key in g.by_key:
        found = g.by_key[key]
        return _from_place(query, found[0], g, found[1:])
    if key in g.aliases:
        return _from_alias(query, g.aliases[key], g)
    if key in g.outside:
        name, province = g.outside[key]
        return _outside(query, f"{name} ({province})", province)
    province = _other_province(query)
    if province:
        return _outside(query, query, province)
    return _unknown(query, g, words)


def _other_province(query: str) -> str | None:
    """Province code when the text ends with another province (``"Moncton, NB"``, ``"Cornwall (Ontario)"``)."""
    m = re.search(r"[,(]\s*([a-z .\-']+?)\s*\)?\s*$", fold(query))
    if not m:
        return None
    tail = place_key(m.group(1))
    for code, names in _PROVINCE_NAMES.items():
        if tail == code.lower() or tail in {place_key(n) for n in names}:
            return code
    return None
