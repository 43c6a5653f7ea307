"""The merged HSDS tables of ``corpus/directory`` loaded as points of service (``Entry``).

A located entry is one HSDS ``service_at_location`` (a CLSC intake point, an Aire ouverte site or a
community service at an address); a line is a service without location (help lines, 911). Loaded
once per process and directory (``load_directory`` is cached).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from guide.directory.hsds import Row, read_tables


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    kind: str  # clsc | helpline | emergency | community
    service_name: str
    organization: str
    phone: str | None
    phone_alternates: tuple[str, ...]
    text_sms: str | None
    address: str | None
    municipality: str | None
    postal_code: str | None
    latitude: float | None
    longitude: float | None
    no_referral: bool
    hours: str | None
    source: str
    source_url: str | None
    assured_date: str | None
    source_file: str | None = None
    clsc_code: str | None = None
    clsc_name: str | None = None
    rls_code: str | None = None
    rls_name: str | None = None
    rss_code: str | None = None
    rss_name: str | None = None
    needs: tuple[str, ...] = ()
    audience: str | None = None
    languages: tuple[str, ...] = ()
    verified: dict[str, bool] = field(default_factory=dict)
    note_fr: str | None = None
    note_en: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    region: str | None = None  # RSS code of a regional line (None = province-wide)
    classification: str | None = None
    name_en: str | None = None  # the source's English name, when it has one that differs


@dataclass
class Directory:
    located: list[Entry]
    lines: list[Entry]
    latitudes: np.ndarray
    longitudes: np.ndarray
    by_id: dict[str, Entry]


def _truthy(value: str | None) -> bool:
    return (value or "").lower() == "true"


def _age(value: str) -> int | None:
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


class _Index:
    """Lookups over the HSDS tables."""

    def __init__(self, t: dict[str, list[Row]]):
        self.services = {r["id"]: r for r in t["services"]}
        self.orgs = {r["id"]: r for r in t["organizations"]}
        self.locations = {r["id"]: r for r in t["locations"]}
        self.term_names = {r["code"]: r["name"] for r in t["taxonomy_terms"] if r.get("code")}
        self.attrs: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        self.needs: dict[tuple[str, str], list[str]] = defaultdict(list)
        for a in t["attributes"]:
            key = (a["link_entity"], a["link_id"])
            if a["link_type"] == "need":
                self.needs[key].append(a["value"])
            else:
                self.attrs[key][a["link_type"]] = a["value"]
        self.addresses: dict[str, Row] = {}
        for a in t["addresses"]:
            if a.get("location_id") and (a["location_id"] not in self.addresses or a.get("address_type") == "physical"):
                self.addresses.setdefault(a["location_id"], a)
        self.phones: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for p in t["phones"]:
            for ref in ("service_at_location_id", "location_id", "service_id", "organization_id"):
                if p.get(ref):
                    self.phones[(ref, p[ref])].append(p)
                    break
        self.schedules: dict[str, list[str]] = defaultdict(list)
        for s in t["schedules"]:
            if s.get("description") and (s.get("service_id") or s.get("service_at_location_id")):
                self.schedules[s.get("service_at_location_id") or s["service_id"]].append(s["description"])
        self.languages: dict[str, list[str]] = defaultdict(list)
        for lang in t["languages"]:
            if lang.get("service_id") and lang.get("code"):
                self.languages[lang["service_id"]].append(lang["code"])
        self.regions: dict[str, str] = {}
        for area in t["service_areas"]:
            if area.get("extent_type") == "msss_rss_code" and area.get("service_id"):
                self.regions[area["service_id"]] = area["extent"]
        self.with_location = {r["service_id"] for r in t["service_at_location"]}

    def phone_set(self, refs: list[tuple[str, str]]) -> tuple[str | None, tuple[str, ...], str | None]:
        """(primary voice number, other voice numbers, first text number) of the first ref that has any."""
        for ref in refs:
            rows = self.phones.get(ref)
            if rows:
                voice = [p["number"] for p in rows if p.get("type", "voice") in ("", "voice", "cell", "textphone")]
                text = [p for p in rows if p.get("type") == "text"]
                return (voice[0] if voice else None), tuple(voice[1:]), (text[0]["number"] if text else None)
        return None, (), None

    def territory(self, loc_id: str, level: str) -> tuple[str | None, str | None]:
        code = self.attrs[("location", loc_id)].get(level)
        if not code:
            return None, None
        return code, self.term_names.get(f"{level.upper()}:{code}")


def _common(ix: _Index, svc: Row) -> dict[str, object]:
    a = ix.attrs[("service", svc["id"])]
    org = ix.orgs.get(svc.get("organization_id", ""), {})
    source = a.get("source_name", "")
    return {
        "kind": a.get("kind", "community"),
        "service_name": svc["name"],
        "organization": org.get("name", ""),
        "no_referral": _truthy(a.get("no_referral")),
        "source": source,
        "source_url": a.get("source_url") or None,
        "source_file": a.get("source_file") or None,
        "assured_date": svc.get("assured_date") or None,
        "needs": tuple(ix.needs[("service", svc["id"])]),
        "audience": svc.get("eligibility_description") or None,
        "languages": tuple(ix.languages.get(svc["id"], [])),
        "note_fr": a.get("note_fr") or None,
        "note_en": a.get("note_en") or None,
        "min_age": _age(svc.get("minimum_age", "")),
        "max_age": _age(svc.get("maximum_age", "")),
    }


def build_entries(tables: dict[str, list[Row]]) -> Directory:
    ix = _Index(tables)
    located: list[Entry] = []
    for sal in tables["service_at_location"]:
        svc = ix.services[sal["service_id"]]
        loc = ix.locations[sal["location_id"]]
        if not loc.get("latitude") or not loc.get("longitude"):
            continue
        addr = ix.addresses.get(loc["id"], {})
        street = ", ".join(x for x in (addr.get("address_1"), addr.get("address_2")) if x)
        address = f"{street}, {addr.get('city', '')} (Québec) {addr.get('postal_code', '')}".strip() if addr else None
        phone, alternates, sms = ix.phone_set([("service_at_location_id", sal["id"]), ("location_id", loc["id"]),
                                               ("service_id", svc["id"]),
                                               ("organization_id", svc.get("organization_id", ""))])
        clsc = ix.territory(loc["id"], "clsc")
        rls = ix.territory(loc["id"], "rls")
        rss = ix.territory(loc["id"], "rss")
        sal_attrs = ix.attrs[("service_at_location", sal["id"])]
        hours = ix.schedules.get(sal["id"]) or ix.schedules.get(svc["id"])
        located.append(Entry(
            id=sal_attrs.get("guide_id") or f"svc-{sal['id']}", name=loc.get("name") or svc["name"],
            phone=phone, phone_alternates=alternates, text_sms=sms, address=address,
            municipality=addr.get("city") or None, postal_code=addr.get("postal_code") or None,
            latitude=float(loc["latitude"]), longitude=float(loc["longitude"]),
            hours="; ".join(hours) if hours else None,
            clsc_code=clsc[0], clsc_name=clsc[1], rls_code=rls[0], rls_name=rls[1], rss_code=rss[0], rss_name=rss[1],
            verified={}, classification=sal_attrs.get("intake_classification"),
            **_common(ix, svc),  # type: ignore[arg-type]
        ))
    lines: list[Entry] = []
    for svc in tables["services"]:
        if svc["id"] in ix.with_location:
            continue
        a = ix.attrs[("service", svc["id"])]
        phone, alternates, sms = ix.phone_set([("service_id", svc["id"])])
        verified = {"phone": _truthy(a.get("phone_verified")), "hours": _truthy(a.get("hours_verified")),
                    "text_sms": _truthy(a.get("text_sms_verified"))}
        hours = ix.schedules.get(svc["id"])
        lines.append(Entry(
            id=a.get("guide_id") or f"svc-{svc['id']}", name=svc["name"], phone=phone, phone_alternates=alternates,
            text_sms=sms if verified["text_sms"] else None, address=None, municipality=None, postal_code=None,
            latitude=None, longitude=None, hours="; ".join(hours) if hours else None,
            region=ix.regions.get(svc["id"]), verified=verified,
            name_en=(svc.get("alternate_name") or None) if svc.get("alternate_name") != svc["name"] else None,
            **_common(ix, svc),  # type: ignore[arg-type]
        ))
    by_id = {e.id: e for e in located + lines}
    return Directory(
        located=located, lines=lines,
        latitudes=np.array([e.latitude for e in located], dtype=float),
        longitudes=np.array([e.longitude for e in located], dtype=float),
        by_id=by_id,
    )


def directory_path(corpus_dir: Path | None = None) -> Path:
    if corpus_dir is None:
        from guide.settings import get_settings

        corpus_dir = get_settings().corpus_dir
    return Path(corpus_dir) / "directory"


@lru_cache(maxsize=4)
def _load(path: Path) -> Directory:
    if not (path / "services.csv").exists():
        raise FileNotFoundError(f"{path}: no directory (run `guide directory import-m02 FILE`)")
    return build_entries(read_tables(path))


def load_directory(directory_dir: Path | None = None) -> Directory:
    """The merged directory (cached per path; call ``clear_cache()`` after an import)."""
    return _load(Path(directory_dir or directory_path()).resolve())


def clear_cache() -> None:
    _load.cache_clear()
