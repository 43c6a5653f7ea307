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
   not a MAMH municipality (Kahnawake, Wendake, Mashteuiatsh, ...); ``corpus/geo/communities.csv``
   names the First Nations communities, their other names (Maliotenam, Manouane, Obedjiwan...), their
   region, and where their position comes from (their M02 installations, simplemaps, or, when no
   source has it, the neighbouring municipality, which the precision note says);
5. a name followed by its region or a nearby town (``"L'Ange-Gardien (Outaouais)"``,
   ``"Lac-Simon, Abitibi"``) settles homonyms;
6. a Canadian place or province outside Québec → ``error="outside_quebec"``.

Anything else is ``error="unknown_place"`` with close names as ``suggestions``. A name shared by
several places resolves to the most populous, with ``ambiguous=True`` and the others as
``suggestions``; a bare saint's name shared by several towns ("Sainte-Anne") is ``unknown_place``
with ``ambiguous=True`` and those towns as suggestions.

Sources (all under ``corpus/sources``; see corpus/SOURCES.md): GeoNames FSA centroids (CC BY 4.0),
MAMH "Répertoire des municipalités" (names, regions, town-hall postal codes; no coordinates),
simplemaps Canada cities (coordinates, accent-free names, FSAs per place), and the MSSS M02
installations file (CLSC territory, RLS and health region of the places where installations are).

A municipality is placed at its simplemaps coordinates; failing that, at the mean position of the
M02 installations located in it; failing that, at the centroid of its town hall's FSA. The
municipality's CLSC territory is known when every M02 installation located in it (or, when it has
none, every installation of its census division) lies in one single CLSC territory: this is an
inference from installation addresses, not the official MSSS territory map (M34), which is not in
the corpus. A borough, sector or former town (an alias) is placed at its own position: the one
``corpus/geo/sector_positions.csv`` gives (GeoNames centroids of its FSAs, or M02 installations in
it, each row with its justification), else its simplemaps point, else the FSAs GeoNames names after
it; its CLSC territory is the one named after it, else the single territory of the CLSC-mission
installations with an address in its FSAs.

Everything is loaded once per process (``gazetteer()`` is cached).
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypedDict, Unpack

import numpy as np
from pydantic import BaseModel, Field

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
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "ON": "Ontario",
    "PE": "Prince Edward Island",
    "QC": "Québec",
    "SK": "Saskatchewan",
    "YT": "Yukon",
}
# Province names people type (English and French), other than Québec.
_PROVINCE_NAMES = {
    "AB": ["Alberta"],
    "BC": ["British Columbia", "Colombie-Britannique"],
    "MB": ["Manitoba"],
    "NB": ["New Brunswick", "Nouveau-Brunswick"],
    "NL": ["Newfoundland", "Terre-Neuve", "Labrador", "Newfoundland and Labrador", "Terre-Neuve-et-Labrador"],
    "NS": ["Nova Scotia", "Nouvelle-Écosse"],
    "NT": ["Northwest Territories", "Territoires du Nord-Ouest"],
    "NU": ["Nunavut"],
    "ON": ["Ontario"],
    "PE": ["Prince Edward Island", "Île-du-Prince-Édouard"],
    "SK": ["Saskatchewan"],
    "YT": ["Yukon"],
}

_FAR_KM = 10.0  # simplemaps point this far from every installation of its municipality: a territory centre
_MISPLACED_KM = 20.0  # urban FSA centroid this far from every installation/town using it: misplaced

# Trailing qualifiers: ", QC", "(Québec)", ", Canada", " QC" (a bare trailing "Québec" is kept: Vieux-Québec).
_QUALIFIER = re.compile(
    r"(?:\s*[,(]\s*(?:qc|que|p\.?\s*q\.?|quebec|province de quebec|canada)\s*\)?\.?"
    r"|\s+(?:qc|canada))+\s*$"
)
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
_ABBREVIATIONS = (
    (re.compile(r"\bst\b"), "saint"),
    (re.compile(r"\bste\b"), "sainte"),
    (re.compile(r"\bsts\b"), "saints"),
    (re.compile(r"\bmt\b"), "mont"),
)


def place_words(text: str) -> str:
    """Accent-folded, lower-case words; ``St``/``Ste`` expanded; qualifiers (``, QC``) dropped.

    Not cached: it sees whole messages, and nothing a person writes may stay in memory after the
    request (a few microseconds of regular expressions; the gazetteer's keys are built once)."""
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
    ambiguous: bool = Field(
        default=False,
        description="Several places bear this name: the others are in "
        "suggestions (the most populous was chosen, or none)",
    )

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
    mrc: str | None = None
    nation: str | None = None
    other_names: tuple[str, ...] = ()


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
    region_keys: dict[str, str] = field(default_factory=dict)  # key of a region's name -> MAMH region
    named: list[tuple[str, Place | Alias]] = field(default_factory=list)  # (place_words(name), place or alias)
    by_two_words: dict[str, list[tuple[str, Place | Alias]]] = field(default_factory=dict)  # "sainte anne" -> named

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
    i = int(np.argmin([haversine_km(float(a), float(b), lat, lon).sum() for a, b in zip(lat, lon, strict=True)]))
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
    from guide.settings import corpus_or_default, resolved_dir

    return _build_gazetteer(resolved_dir(corpus_or_default(corpus_dir)))


@lru_cache(maxsize=4)
def _build_gazetteer(corpus_dir: Path) -> Gazetteer:
    from guide import cache

    return cache.cached(
        "gazetteer", [corpus_dir / "sources", corpus_dir / "geo"], lambda: _gazetteer_from_sources(corpus_dir)
    )


def _gazetteer_from_sources(corpus_dir: Path) -> Gazetteer:
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
        code: str | None = r["MUN_CODE"]
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
            if (
                rows
                and float(
                    haversine_km(
                        lat,
                        lon,
                        np.array([float(x["LATITUDE"]) for x in rows]),
                        np.array([float(x["LONGITUDE"]) for x in rows]),
                    ).min()
                )
                > _FAR_KM
            ):
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
        places.append(
            Place(
                name=r["munnom"],
                kind="municipality",
                latitude=lat,
                longitude=lon,
                coordinates_source=src,
                mun_code=r["mcode"],
                population=int(float(r["mpopul"] or 0)),
                region=region,
                region_code=region_code,
                fsa=fsa,
                rss_code=rss,
                clsc_code=clsc,
                clsc_basis=basis,
                clsc_seen=tuple(sorted({x["CLSC_CODE"] for x in rows if x["CLSC_CODE"]})),
                mrc=_mrc_name(r["mrc"]),
            )
        )

    # Communities outside the MAMH repertoire: from M02 (with territory), then from simplemaps.
    alias_rows = _read_csv(Path(corpus_dir) / "geo" / "aliases.csv")
    alias_keys = {place_key(a["alias"]) for a in alias_rows}
    known = {place_key(p.name) for p in places}
    for name, rows in sorted(outside_mamh.items()):
        rss, clsc = territory(rows)
        lat, lon = _medoid(rows)
        places.append(
            Place(
                name=name,
                kind="community",
                latitude=lat,
                longitude=lon,
                coordinates_source="m02_installations",
                mun_code=None,
                rss_code=rss,
                clsc_code=clsc,
                clsc_basis="community" if clsc else None,
            )
        )
        known.add(place_key(name))
    for key, c in sorted(sm_qc.items()):
        if key in known or key in alias_keys or key in mamh_by_key:
            continue
        places.append(
            Place(
                name=c["city"],
                kind="community",
                latitude=float(c["lat"]),
                longitude=float(c["lng"]),
                coordinates_source="simplemaps",
            )
        )
        known.add(key)

    _add_communities(_read_csv(Path(corpus_dir) / "geo" / "communities.csv"), places)

    inst_lat = np.array([float(r["LATITUDE"]) for r in m02])
    inst_lon = np.array([float(r["LONGITUDE"]) for r in m02])
    inst_rss = [r["RSS_CODE"] for r in m02]
    for p in places:
        if p.rss_code is None and len(inst_lat):
            p.rss_code = inst_rss[int(np.argmin(haversine_km(p.latitude, p.longitude, inst_lat, inst_lon)))]

    by_key: dict[str, list[Place]] = defaultdict(list)
    for p in places:
        for key in dict.fromkeys(place_key(n) for n in (p.name, *p.other_names)):
            by_key[key].append(p)
    for plist in by_key.values():
        plist.sort(key=lambda p: (p.kind != "municipality", -p.population, p.mun_code or p.name))

    sectors = {place_key(r["alias"]): r for r in _read_csv(Path(corpus_dir) / "geo" / "sector_positions.csv")}
    aliases = _load_aliases(alias_rows, by_key, fsas, sm_qc, clsc_names, sectors, m02)

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

    g = Gazetteer(
        places=places,
        by_key=dict(by_key),
        aliases=aliases,
        fsas=fsas,
        fsa_place=fsa_place,
        outside=outside,
        clsc_names=clsc_names,
        rss_names=rss_names,
        inst_lat=inst_lat,
        inst_lon=inst_lon,
        inst_rss=inst_rss,
    )
    labels: dict[str, str] = {}
    for p in places:
        labels.setdefault(place_words(p.name), p.name)
    for a in aliases.values():
        labels.setdefault(place_words(a.alias), f"{a.alias} ({a.target.name})")
    g.fuzzy_choices = list(labels)
    g.fuzzy_labels = list(labels.values())
    g.region_keys = _region_keys(
        places, _read_csv(Path(corpus_dir) / "geo" / "region_names.csv"), set(by_key) | set(aliases)
    )
    g.named = [(place_words(n), p) for p in places for n in dict.fromkeys((p.name, *p.other_names))]
    g.named += [(place_words(a.alias), a) for a in aliases.values()]
    for name_words, item in g.named:
        g.by_two_words.setdefault(" ".join(name_words.split()[:2]), []).append((name_words, item))
    return g


def _mrc_name(text: str) -> str | None:
    """``"MRC Beauce-Sartigan (290)"`` → ``"Beauce-Sartigan"``."""
    name = _paren_code(text)[0]
    if not name:
        return None
    return re.sub(r"^MRC\s+", "", name).strip() or None


def _region_keys(places: list[Place], rows: list[dict[str, str]], place_keys: set[str]) -> dict[str, str]:
    """Names that point to an administrative region: the MAMH region names, the names of the MRCs
    whose municipalities all lie in one region (with and without their article; not an MRC named like
    a town, such as Joliette), and the usual names of ``corpus/geo/region_names.csv`` (Abitibi,
    Beauce, Charlevoix, Bas-du-Fleuve...)."""
    regions = {p.region for p in places if p.region and p.kind == "municipality"}
    out: dict[str, str] = {place_key(r): r for r in regions}
    mrc_regions: dict[str, set[str]] = defaultdict(set)
    for p in places:
        if p.mrc and p.region:
            mrc_regions[p.mrc].add(p.region)
    for mrc, regs in mrc_regions.items():
        if len(regs) == 1:
            region = next(iter(regs))
            for name in {mrc, re.sub(r"^(?:La |Le |Les |L'|D')", "", mrc)}:
                if place_key(name) not in place_keys:
                    out.setdefault(place_key(name), region)
    for row in rows:
        if row["region"] not in regions:
            raise ValueError(f"region_names.csv: unknown region {row['region']!r}")
        out[place_key(row["phrase"])] = row["region"]
    return out


def _add_communities(rows: list[dict[str, str]], places: list[Place]) -> None:
    """First Nations and Inuit communities of ``corpus/geo/communities.csv``: the community built from
    its M02 installations or simplemaps point is named and given its region and other names; a
    community that no source places is placed at its neighbouring municipality (``neighbour:<name>``),
    whose health region and CLSC territory it shares."""
    regions = {p.region: p.region_code for p in places if p.region}
    communities = {p.name: p for p in places if p.kind == "community"}
    municipalities: dict[str, list[Place]] = defaultdict(list)
    for p in places:
        if p.kind == "municipality":
            municipalities[place_key(p.name)].append(p)
    for row in rows:
        kind, _, ref = row["position"].partition(":")
        if row["region"] not in regions:
            raise ValueError(f"communities.csv: unknown region {row['region']!r}")
        others = [n.strip() for n in row["other_names"].split("|") if n.strip()]
        if kind in ("m02", "simplemaps"):
            place = communities.get(ref)
            if place is None or (kind == "m02") != (place.coordinates_source == "m02_installations"):
                raise ValueError(f"communities.csv: no {kind} community {ref!r}")
            if place.name != row["name"]:
                others.append(place.name)
                place.name = row["name"]
        elif kind == "municipality":
            near = municipalities.get(place_key(ref))
            if not near:
                raise ValueError(f"communities.csv: unknown municipality {ref!r}")
            t = near[0]
            place = Place(
                name=row["name"],
                kind="community",
                latitude=t.latitude,
                longitude=t.longitude,
                coordinates_source=f"neighbour:{t.name}",
                rss_code=t.rss_code,
                clsc_code=t.clsc_code,
                clsc_basis="neighbour" if t.clsc_code else None,
            )
            places.append(place)
        else:
            raise ValueError(f"communities.csv: bad position {row['position']!r}")
        place.region, place.region_code, place.nation = row["region"], regions[row["region"]], row["nation"]
        place.other_names = tuple(dict.fromkeys(n for n in others if n != place.name))


def _alias_clsc(alias_key: str, target: Place, clsc_names: dict[str, str]) -> str | None:
    """The CLSC territory named after an alias (Hull, Verdun, Sainte-Foy in "Sainte-Foy - Sillery",
    Limoilou in "Limoilou-Vanier"), among the territories seen in the target municipality; a
    territory bearing exactly the alias's name wins ("Plateau-Mont-Royal", not also "Mont-Royal")."""
    exact = {
        code
        for code in target.clsc_seen
        if alias_key in {place_key(part) for part in [clsc_names[code], *clsc_names[code].split(" - ")]}
    }
    if len(exact) == 1:
        return exact.pop()
    hits = set()
    for code in target.clsc_seen:
        for part in [clsc_names[code], *clsc_names[code].split(" - ")]:
            pk = place_key(part)
            if (
                pk == alias_key
                or (len(alias_key) >= 6 and pk.startswith(alias_key))
                or (len(pk) >= 6 and alias_key.endswith(pk))
            ):
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
                fsas[f] = Fsa(
                    f,
                    rows[0]["MUN_NOM"],
                    "QC",
                    lat,
                    lon,
                    codes.pop() if len(codes) == 1 else None,
                    source="m02_installations",
                )
            continue
        rec = fsas[f]
        if f[1] == "0":
            continue  # rural FSAs cover whole regions: their centroid is not expected near a town
        refs = [(float(x["LATITUDE"]), float(x["LONGITUDE"])) for x in rows] + towns.get(f, [])
        dist = haversine_km(rec.latitude, rec.longitude, np.array([p[0] for p in refs]), np.array([p[1] for p in refs]))
        if float(dist.min()) > _MISPLACED_KM:
            lat, lon = (
                _medoid(rows) if rows else (float(np.mean([p[0] for p in refs])), float(np.mean([p[1] for p in refs])))
            )
            fsas[f] = Fsa(
                f,
                rec.place_name,
                rec.province,
                lat,
                lon,
                rec.mun_code,
                source="m02_installations" if rows else "simplemaps",
            )


def _sector_clsc(
    target: Place, fsa_codes: list[str], rows: list[dict[str, str]], m02_by_fsa: dict[str, list[dict[str, str]]]
) -> str | None:
    """The CLSC territory of a sector from the M02 installations of its target municipality with an
    address in its FSAs (or listed for it): the single territory of the CLSC-mission ones, else, when
    none has the mission, the single territory of all of them."""
    rows = rows + [r for f in fsa_codes for r in m02_by_fsa.get(f, []) if r["MUN_CODE"] == target.mun_code]
    for group in ([r for r in rows if r["CLSC"] == "Oui"], rows):
        codes = {r["CLSC_CODE"] for r in group if r["CLSC_CODE"]}
        if codes:
            return codes.pop() if len(codes) == 1 else None
    return None


def _load_aliases(
    rows: list[dict[str, str]],
    by_key: dict[str, list[Place]],
    fsas: dict[str, Fsa],
    sm_qc: dict[str, dict[str, str]],
    clsc_names: dict[str, str],
    sectors: dict[str, dict[str, str]] | None = None,
    m02: list[dict[str, str]] | None = None,
) -> dict[str, Alias]:
    """Aliases → target municipality. An alias is placed at the position ``sector_positions.csv``
    gives it (mean centroid of the FSAs it lists, or mean position of the M02 installations it
    lists), else at its own simplemaps point, else at the mean centroid of the FSAs whose GeoNames
    name starts with it (e.g. Chicoutimi → "Chicoutimi East", ...) within 60 km of the target, else
    at the target municipality. Its CLSC territory is the one named after it, if any (see
    ``_alias_clsc``), else the one of the installations in its FSAs (``_sector_clsc``), else the
    target's."""
    sectors = sectors or {}
    m02 = m02 or []
    m02_by_code = {r["INSTAL_COD"]: r for r in m02}
    m02_by_fsa: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in m02:
        m02_by_fsa[r["CODE_POSTA"][:3].upper()].append(r)
    out: dict[str, Alias] = {}
    qc_fsas = [(f, place_words(f.place_name) + " ") for f in fsas.values() if f.province == "QC"]
    for key, row in sectors.items():
        if key not in {place_key(r["alias"]) for r in rows}:
            raise ValueError(f"sector_positions.csv: {row['alias']!r} is not in aliases.csv")
    for row in rows:
        targets = [p for p in by_key.get(place_key(row["municipality"]), []) if p.kind == "municipality"]
        if not targets:
            raise ValueError(f"aliases.csv: unknown target municipality {row['municipality']!r}")
        target = targets[0]
        key = place_key(row["alias"])
        words = place_words(row["alias"])
        sm = sm_qc.get(key)
        sector = sectors.get(key)
        listed: list[dict[str, str]] = []
        fsa_codes: list[str] = []
        if sector:
            fsa_codes = sector["fsas"].split()
            listed = [m02_by_code[c] for c in sector["installations"].split()]
            if any(f not in fsas for f in fsa_codes) or not (fsa_codes or listed):
                raise ValueError(f"sector_positions.csv: bad FSA or no position for {row['alias']!r}")
            if fsa_codes:
                lat = float(np.mean([fsas[f].latitude for f in fsa_codes]))
                lon = float(np.mean([fsas[f].longitude for f in fsa_codes]))
                src = "fsa_centroids:" + " ".join(sorted(fsa_codes))
            else:
                lat = float(np.mean([float(r["LATITUDE"]) for r in listed]))
                lon = float(np.mean([float(r["LONGITUDE"]) for r in listed]))
                src = "m02_installations:" + " ".join(r["INSTAL_COD"] for r in listed)
        elif sm:
            lat, lon, src = float(sm["lat"]), float(sm["lng"]), "simplemaps"
        else:
            near = [
                f
                for f, fw in qc_fsas
                if fw.startswith(words + " ")
                and float(haversine_km(target.latitude, target.longitude, f.latitude, f.longitude)) < 60
            ]
            if near:
                lat = float(np.mean([f.latitude for f in near]))
                lon = float(np.mean([f.longitude for f in near]))
                src = "fsa_centroids:" + " ".join(sorted(f.fsa for f in near))
                fsa_codes = [f.fsa for f in near]
            else:
                lat, lon, src = target.latitude, target.longitude, f"municipality:{target.coordinates_source}"
        clsc = _alias_clsc(key, target, clsc_names)
        if clsc is None and (fsa_codes or listed):
            clsc = _sector_clsc(target, fsa_codes, listed, m02_by_fsa)
        out[key] = Alias(row["alias"], target, row["kind"], row["justification"], lat, lon, src, clsc)
    return out


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------

_PRECISION = {
    "fsa": (
        "Position approximative : centre de la région de tri d'acheminement {fsa} (3 premiers caractères "
        "du code postal) ; les distances sont approximatives.",
        "Approximate position: centre of the forward sortation area {fsa} (first 3 characters of the "
        "postal code); distances are approximate.",
    ),
    "simplemaps": ("Position : centre de la localité {name} (simplemaps).", "Position: centre of {name} (simplemaps)."),
    "m02_installations": (
        "Position : adresse des installations du réseau situées à {name} (fichier M02).",
        "Position: address of the health and social-services installations in {name} (M02 file).",
    ),
    "town_hall_fsa": (
        "Position approximative : centre de la région postale {fsa} de l'hôtel de ville de {name} ; "
        "les distances peuvent être décalées de plusieurs kilomètres.",
        "Approximate position: centre of the postal area {fsa} of {name}'s town hall; distances "
        "may be off by several kilometres.",
    ),
    "alias": ("{alias} fait partie de {name} ({why}).", "{alias} is part of {name} ({why})."),
    "neighbour": (
        "Position approximative : {neighbour}, municipalité voisine (la position propre de {name} "
        "n'est dans aucune des sources de Guide) ; les distances sont approximatives.",
        "Approximate position: {neighbour}, the neighbouring municipality ({name}'s own position is "
        "in none of Guide's sources); distances are approximate.",
    ),
    "alias_city": (" Position : centre de {name}.", " Position: centre of {name}."),
}


class _ErrorExtras(TypedDict, total=False):
    resolved: str
    province: str
    suggestions: list[str]
    postal_code: str | None
    fsa: str


def _error(query: str, code: ErrorCode, fr: str, en: str, **extra: Unpack[_ErrorExtras]) -> Location:
    return Location(query=query, error=code, message={"fr": fr, "en": en}, **extra)


_SHOWABLE = re.compile(r"[\w' .,()/-]{1,60}")


def _quoted(query: str, lang: str) -> str:
    """The person's place, quoted back only when it is plainly a place (letters, digits, spaces,
    hyphens, apostrophes; at most 60 characters); anything else (markup, a phone number, a
    sentence) is not repeated: "ce lieu" / "this place"."""
    q = (query or "").strip()
    if q and _SHOWABLE.fullmatch(q) and not re.search(r"\d{3}.*\d{4}", q):
        return f"« {q} »" if lang == "fr" else f'"{q}"'
    return "ce lieu" if lang == "fr" else "this place"


def _unknown(query: str, g: Gazetteer, key_words: str) -> Location:
    suggestions: list[str] = []
    if key_words:
        from rapidfuzz import fuzz, process  # imported on first use: most starts never need it (50 ms)

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
        query,
        "unknown_place",
        f"Je ne trouve pas {_quoted(query, 'fr')} parmi les municipalités du Québec. Vérifiez l'orthographe ou donnez "
        f"un code postal (ex. H2L 3C3).{hint_fr}",
        f"I can't find {_quoted(query, 'en')} among Québec municipalities. Check the spelling or give a postal code "
        f"(e.g. H2L 3C3).{hint_en}",
        suggestions=suggestions,
    )


def _outside(query: str, where: str, province: str) -> Location:
    prov = PROVINCES.get(province, province)
    qfr, qen = _quoted(query, "fr"), _quoted(query, "en")
    qfr, qen = qfr[:1].upper() + qfr[1:], qen[:1].upper() + qen[1:]
    return _error(
        query,
        "outside_quebec",
        f"{qfr} est hors du Québec ({prov}). Guide ne couvre que les services du Québec : "
        f"donnez une ville ou un code postal du Québec.",
        f"{qen} is outside Québec ({prov}). Guide only covers services in Québec: give a Québec town or postal code.",
        resolved=where,
        province=province,
    )


def _invalid_postal(query: str) -> Location:
    qfr, qen = _quoted(query, "fr"), _quoted(query, "en")
    qfr, qen = qfr[:1].upper() + qfr[1:], qen[:1].upper() + qen[1:]
    return _error(
        query,
        "invalid_postal_code",
        f"{qfr} n'est pas un code postal canadien valide. Format attendu : lettre-chiffre-lettre "
        f"chiffre-lettre-chiffre, par exemple H2L 3C3 (ou seulement les 3 premiers caractères, H2L).",
        f"{qen} is not a valid Canadian postal code. Expected format: letter-digit-letter "
        f"digit-letter-digit, e.g. H2L 3C3 (or just the first 3 characters, H2L).",
    )


# ---------------------------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------------------------


class _TerritoryFields(TypedDict):
    municipality: str | None
    mun_code: str | None
    region: str | None
    region_code: str | None
    rss_code: str | None
    rss_name: str | None
    clsc_code: str | None
    clsc_name: str | None


def _territory_fields(g: Gazetteer, place: Place | None, lat: float, lon: float) -> _TerritoryFields:
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
                query,
                "unknown_place",
                f"Le code postal {code} n'est pas dans notre répertoire géographique. Donnez le nom de votre "
                f"municipalité.",
                f"Postal code {code} is not in our gazetteer. Please give your municipality's name.",
                postal_code=full,
                fsa=fsa,
            )
        lat, lon, src = place.latitude, place.longitude, f"municipality:{place.coordinates_source}"
        area = place.name
    else:
        lat, lon, src = rec.latitude, rec.longitude, rec.source
        area = rec.place_name
    shown = place.name if place else area
    fr, en = _PRECISION["fsa"]
    return Location(
        query=query,
        resolved=f"{code} ({shown})",
        latitude=round(lat, 5),
        longitude=round(lon, 5),
        kind="postal_code" if full else "fsa",
        postal_code=full,
        fsa=fsa,
        coordinates_source=src,
        precision_note={"fr": fr.format(fsa=fsa), "en": en.format(fsa=fsa)},
        **_territory_fields(g, place, lat, lon),
    )


def _from_place(query: str, place: Place, g: Gazetteer, others: list[Place]) -> Location:
    src = place.coordinates_source
    key = "neighbour" if src.startswith("neighbour:") else src if src in _PRECISION else "simplemaps"
    fr, en = _PRECISION[key]
    fmt = {"name": place.name, "fsa": place.fsa or "", "neighbour": src.partition(":")[2]}
    return Location(
        query=query,
        resolved=place.name,
        latitude=round(place.latitude, 5),
        longitude=round(place.longitude, 5),
        kind="municipality" if place.kind == "municipality" else "community",
        fsa=None,
        coordinates_source=src,
        precision_note={"fr": fr.format(**fmt), "en": en.format(**fmt)},
        suggestions=[f"{o.name} ({o.region or o.rss_code})" for o in others],
        ambiguous=bool(others),
        **_territory_fields(g, place, place.latitude, place.longitude),
    )


def location_for(query: str, choice: Place | Alias, g: Gazetteer, others: list[Place] | None = None) -> Location:
    """The ``Location`` of a place or alias chosen among candidates (``others``: its homonyms, when
    nothing settled which one is meant)."""
    if isinstance(choice, Alias):
        return _from_alias(query, choice, g)
    return _from_place(query, choice, g, [o for o in (others or []) if o is not choice])


# Words that may follow a saint's name inside a longer name ("Saint-Georges-de-Windsor").
_NAME_LINKS = frozenset({"de", "des", "du", "d", "sur", "en", "l", "la", "le", "les", "aux", "au"})


def place_candidates(
    g: Gazetteer, key: str, words: str | None = None
) -> tuple[list[Place | Alias], list[Place | Alias]]:
    """Places a name may designate: those bearing exactly this name (homonyms, most populous first;
    an alias), and, for a saint's name (``words`` like "sainte anne"), the longer names it begins
    ("Sainte-Anne-des-Monts", "Saint-Georges-de-Cacouna"...)."""
    exact: list[Place | Alias] = list(g.by_key.get(key, []))
    if key in g.aliases:
        exact.append(g.aliases[key])
    longer: list[Place | Alias] = []
    words = words if words is not None else place_words(key)
    first = words.split()[:1]
    if first and first[0] in ("saint", "sainte", "saints") and len(words.split()) >= 2:
        prefix = words + " "
        seen = {id(x) for x in exact}
        for name_words, item in g.by_two_words.get(" ".join(words.split()[:2]), []):
            if (
                name_words.startswith(prefix)
                and name_words[len(prefix) :].split()[0] in _NAME_LINKS
                and id(item) not in seen
            ):
                seen.add(id(item))
                longer.append(item)
    return exact, longer


def _where(item: Place | Alias) -> tuple[float, float, str | None, int]:
    if isinstance(item, Alias):
        return item.latitude, item.longitude, item.target.region, item.target.population
    return item.latitude, item.longitude, item.region, item.population


def choose_place(
    exact: list[Place | Alias],
    longer: list[Place | Alias],
    regions: set[str],
    points: list[tuple[float, float]],
    max_km: float = 100.0,
) -> tuple[Place | Alias | None, bool]:
    """The candidate the rest of a message or query designates: those of a region it names, then the
    one nearest to a town it names (within ``max_km``; a place bearing exactly the name first). Without
    a hint, the place bearing exactly the name (the most populous); none for a saint's name alone.
    Returns (choice, settled): ``settled`` is False when homonyms remain."""
    pool = exact + longer
    narrowed = False
    if regions:
        in_region = [c for c in pool if _where(c)[2] in regions]
        if in_region:
            pool, narrowed = in_region, True
            if len(pool) == 1:
                return pool[0], True
    if points and pool:
        lat = np.array([p[0] for p in points])
        lon = np.array([p[1] for p in points])
        named = [c for c in pool if any(c is e for e in exact)]
        for group in (named, pool):
            if not group:
                continue
            dist = [float(haversine_km(_where(c)[0], _where(c)[1], lat, lon).min()) for c in group]
            best = int(np.argmin(dist))
            if dist[best] <= max_km:
                return group[best], True
    if narrowed:
        named = [c for c in pool if any(c is e for e in exact)] or sorted(pool, key=lambda c: -_where(c)[3])
        return named[0], len(named) == 1
    if exact:
        return exact[0], len(exact) == 1
    return None, False


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
        query=query,
        resolved=f"{t.name} ({alias.alias})",
        latitude=round(alias.latitude, 5),
        longitude=round(alias.longitude, 5),
        kind="alias",
        coordinates_source=alias.coordinates_source,
        precision_note={
            "fr": fr.format(alias=alias.alias, name=t.name, why=alias.justification) + pos_fr,
            "en": en.format(alias=alias.alias, name=t.name, why=alias.justification) + pos_en,
        },
        **fields,
    )


def resolve(text: str, corpus_dir: Path | None = None, suggest: bool = True) -> Location:
    """Resolve a place typed by a person (postal code, FSA, municipality, alias) to a ``Location``.
    ``suggest=False``: an unknown place gets no "did you mean" (a fuzzy pass over every name, about
    2.5 ms), for callers that only probe whether a text is a place."""
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
    qualified = _with_qualifier(query, g)
    if qualified is not None:
        return qualified
    exact, longer = place_candidates(g, key, words)
    if not exact and len(longer) >= 2:  # "Sainte-Anne": several towns, none of this name alone
        return _unknown(query, g, words if suggest else "").model_copy(update={"ambiguous": True})
    if key in g.outside:
        name, province = g.outside[key]
        return _outside(query, f"{name} ({province})", province)
    other_province = _other_province(query)
    if other_province:
        return _outside(query, query, other_province)
    return _unknown(query, g, words if suggest else "")


def _with_qualifier(query: str, g: Gazetteer) -> Location | None:
    """``"Lac-Simon, Abitibi"``, ``"L'Ange-Gardien (Outaouais)"``, ``"Saint-Georges, près de Rivière-du-Loup"``:
    a name followed by the region or a nearby town that says which of its homonyms is meant."""
    m = re.match(r"^(.+?)\s*[,(]\s*([^,()]+?)\s*\)?\s*$", query)
    if not m:
        return None
    head_words = place_words(m.group(1))
    head = head_words.replace(" ", "")
    tail_words = re.sub(
        r"^(?:pres de|pres d|proche de|near|en|in|au|dans|a|region de|region of) ", "", place_words(m.group(2))
    )
    tail = tail_words.replace(" ", "")
    exact, longer = place_candidates(g, head, head_words)
    if not exact and not longer:
        return None
    region = g.region_keys.get(tail)
    points = []
    if region is None:
        near: Sequence[Place | Alias] = g.by_key.get(tail) or ([g.aliases[tail]] if tail in g.aliases else [])
        if not near:
            return None
        points = [_where(near[0])[:2]]
    choice, settled = choose_place(exact, longer, {region} if region else set(), points)
    if choice is None or (region and _where(choice)[2] != region):
        return None
    others = [] if settled else [c for c in exact if isinstance(c, Place)]
    return location_for(query, choice, g, others)


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
