"""The merged HSDS tables of ``corpus/directory`` loaded as points of service (``Entry``).

A located entry is one HSDS ``service_at_location`` (a CLSC intake point, an Aire ouverte site or a
community service at an address); a line is a service without location (help lines, 911). Loaded
once per process and directory (``load_directory`` is cached).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from guide.directory import hours as H
from guide.directory.areas import CLSC, ETAB, INSTAL, PROVINCE, RLS, RSS, Area, match_rank
from guide.directory.hsds import Row, read_tables
from guide.settings import resolved_dir


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
    # Added with the regional lines (issue 12): where a service is offered, how sure its facts are.
    areas: tuple[Area, ...] = ()  # HSDS service_areas (empty = province-wide)
    rss_codes: tuple[str, ...] = ()  # health regions the areas lie in
    hours_fr: str | None = None  # ``hours`` rendered from the structured schedules
    hours_en: str | None = None
    verification: str | None = None  # verified | secondary | unverified (of the phone number)
    source_date: str | None = None  # the date the cited page shows
    line_group: str | None = None  # dpj, caap, commissioner, crisis_centre, 211, tal…
    source_rank: int | None = None  # 0 current page, 1 older official list, 2 secondary (precedence)
    fallback: bool = False  # offered only where no other line of its group serves
    superseded_by: str | None = None  # why the line is not shown (kept in the data)
    role: str | None = None
    walk_in: str | None = None
    walk_in_sites: tuple[str, ...] = ()
    etab_code: str | None = None
    # A CLSC point of service: the psychosocial intake number of its CLSC, RLS or establishment
    intake_phone: str | None = None
    intake_id: str | None = None
    intake_name: str | None = None
    intake_source_url: str | None = None
    intake_verification: str | None = None
    intake_hours: str | None = None


@dataclass
class Directory:
    located: list[Entry]
    lines: list[Entry]  # every line, shown or not (``superseded_by`` says why not)
    latitudes: np.ndarray
    longitudes: np.ndarray
    by_id: dict[str, Entry]
    doors: list[Entry] = field(default_factory=list)  # door numbers (kind "intake"): CLSC intake, switchboards

    @property
    def shown_lines(self) -> list[Entry]:
        return [e for e in self.lines if not e.superseded_by]


INFO_SOCIAL = "line-info-social-811-option-2"


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
        self.schedule_rows: dict[str, list[Row]] = defaultdict(list)
        for s in t["schedules"]:
            sched_key = s.get("service_at_location_id") or s.get("service_id")
            if not sched_key:
                continue
            self.schedule_rows[sched_key].append(s)
            if s.get("description"):
                self.schedules[sched_key].append(s["description"])
        self.languages: dict[str, list[str]] = defaultdict(list)
        for lang in t["languages"]:
            if lang.get("service_id") and lang.get("code"):
                self.languages[lang["service_id"]].append(lang["code"])
        self.areas: dict[str, list[Area]] = defaultdict(list)
        for area in t["service_areas"]:
            if area.get("service_id") and area.get("extent_type"):
                self.areas[area["service_id"]].append(
                    Area(area["extent_type"], area.get("extent", ""), area.get("name", ""))
                )
        self.regions: dict[str, str] = {}
        for sid, areas in self.areas.items():
            rss = [a.code for a in areas if a.type == RSS]
            if rss:
                self.regions[sid] = rss[0]
        self.with_location = {r["service_id"] for r in t["service_at_location"]}
        # (territory type, code) -> health regions, from the M02 locations' territory attributes
        self.area_rss: dict[tuple[str, str], set[str]] = defaultdict(set)
        for loc in t["locations"]:
            la = self.attrs[("location", loc["id"])]
            if not la.get("rss"):
                continue
            for level, kind in (("etab", ETAB), ("rls", RLS), ("clsc", CLSC)):
                if la.get(level):
                    self.area_rss[(kind, la[level])].add(la["rss"])
            if loc.get("external_identifier_type") == "MSSS M02 INSTAL_COD":
                self.area_rss[(INSTAL, loc["external_identifier"])].add(la["rss"])

    def display(self, p: Row) -> str:
        """A number as the source writes it with its extension ("819 780-2220, poste 48415")."""
        return self.attrs[("phone", p["id"])].get("phone_display") or p["number"]

    def phone_set(self, refs: list[tuple[str, str]]) -> tuple[str | None, tuple[str, ...], str | None]:
        """(primary voice number, other voice numbers, first text number) of the first ref that has any."""
        for ref in refs:
            rows = self.phones.get(ref)
            if rows:
                voice = [self.display(p) for p in rows if p.get("type", "voice") in ("", "voice", "cell", "textphone")]
                text = [p for p in rows if p.get("type") == "text"]
                return (voice[0] if voice else None), tuple(voice[1:]), (text[0]["number"] if text else None)
        return None, (), None

    def hours_texts(self, key: str) -> tuple[str | None, str | None]:
        """``hours`` in French and in English, rendered from the structured schedules (else what the
        source's text says: office hours, not stated…)."""
        rows = self.schedule_rows.get(key)
        if not rows:
            return None, None
        slots = H.slots_from_rows(rows)
        if slots:
            return H.render(slots, "fr"), H.render(slots, "en")
        parsed = H.parse("; ".join(r["description"] for r in rows if r.get("description")))
        return H.text_for(parsed, "fr"), H.text_for(parsed, "en")

    def territory(self, loc_id: str, level: str) -> tuple[str | None, str | None]:
        code = self.attrs[("location", loc_id)].get(level)
        if not code:
            return None, None
        return code, self.term_names.get(f"{level.upper()}:{code}")


def _rss_codes(ix: _Index, areas: list[Area]) -> tuple[str, ...]:
    out: list[str] = []
    for a in areas:
        if a.type == RSS and a.code not in out:
            out.append(a.code)
        elif a.type in (ETAB, RLS, CLSC, INSTAL):
            for code in ix.area_rss.get((a.type, a.code), ()):
                if code not in out:
                    out.append(code)
    return tuple(out)


def _common(ix: _Index, svc: Row) -> dict[str, object]:
    a = ix.attrs[("service", svc["id"])]
    org = ix.orgs.get(svc.get("organization_id", ""), {})
    source = a.get("source_name", "")
    areas = [x for x in ix.areas.get(svc["id"], []) if x.type != PROVINCE]
    hours_fr, hours_en = ix.hours_texts(svc["id"])
    return {
        "areas": tuple(areas),
        "rss_codes": _rss_codes(ix, areas),
        "hours_fr": hours_fr,
        "hours_en": hours_en,
        "verification": a.get("verification_status") or None,
        "source_date": a.get("source_date") or None,
        "line_group": a.get("line_group") or None,
        "fallback": _truthy(a.get("fallback")),
        "source_rank": int(a["source_rank"]) if (a.get("source_rank") or "").isdigit() else None,
        "superseded_by": a.get("superseded_by") or None,
        "role": a.get("role") or None,
        "walk_in": a.get("walk_in") or None,
        "walk_in_sites": tuple(x for x in (a.get("walk_in_sites") or "").split(",") if x),
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


def _line(ix: _Index, svc: Row) -> Entry:
    a = ix.attrs[("service", svc["id"])]
    phone, alternates, sms = ix.phone_set([("service_id", svc["id"])])
    verified = {
        "phone": _truthy(a.get("phone_verified")),
        "hours": _truthy(a.get("hours_verified")),
        "text_sms": _truthy(a.get("text_sms_verified")),
    }
    hours = ix.schedules.get(svc["id"])
    return Entry(
        id=a.get("guide_id") or f"svc-{svc['id']}",
        name=svc["name"],
        phone=phone,
        phone_alternates=alternates,
        text_sms=sms if verified["text_sms"] else None,
        address=None,
        municipality=None,
        postal_code=None,
        latitude=None,
        longitude=None,
        hours="; ".join(hours) if hours else None,
        region=ix.regions.get(svc["id"]),
        verified=verified,
        name_en=(svc.get("alternate_name") or None) if svc.get("alternate_name") != svc["name"] else None,
        **_common(ix, svc),  # type: ignore[arg-type]
    )


def _door_of(doors: list[Entry], codes: dict[str, set[str]], role: str) -> Entry | None:
    """The most specific door number of ``role`` covering a CLSC (its installation, CLSC territory, RLS,
    establishment, region), the better source first."""
    fitting = [
        (match_rank(d, codes), d.verification != "verified", i, d)
        for i, d in enumerate(doors)
        if d.role == role and not d.superseded_by and d.areas
    ]
    fitting = [f for f in fitting if f[0] < 99]
    return min(fitting, key=lambda f: f[:3])[3] if fitting else None


def _with_doors(e: Entry, doors: list[Entry], info_phone: str | None, instal: str | None) -> Entry:
    """A CLSC point of service with its switchboard (``phone``) and psychosocial intake number."""
    if e.kind != "clsc" or not doors:
        return e
    codes = {
        k: {v}
        for k, v in ((INSTAL, instal), (CLSC, e.clsc_code), (RLS, e.rls_code), (ETAB, e.etab_code), (RSS, e.rss_code))
        if v
    }
    switchboard = _door_of(doors, codes, "clsc_phone")
    intake = _door_of(doors, codes, "intake")
    if switchboard is None and intake is None:
        return e
    changes: dict[str, object] = {}
    verified: dict[str, bool] = {}
    notes_fr, notes_en = [], []
    if switchboard is not None:
        changes.update(phone=switchboard.phone, phone_alternates=switchboard.phone_alternates)
        verified["phone"] = switchboard.verification == "verified"
        flag_fr = "" if verified["phone"] else " (à confirmer)"
        flag_en = "" if verified["phone"] else " (to be confirmed)"
        notes_fr.append(
            f"Numéro général du CLSC : {switchboard.phone}{flag_fr} ; vous pouvez appeler ou vous y présenter."
        )
        notes_en.append(f"CLSC's general number: {switchboard.phone}{flag_en}; you can call or walk in.")
    if intake is not None:
        ok = intake.verification == "verified"
        verified["intake_phone"] = ok
        verified["hours"] = bool(intake.verified.get("hours")) if intake.verified else False
        walk = intake.walk_in if (not intake.walk_in_sites or (instal and instal in intake.walk_in_sites)) else None
        changes.update(
            intake_phone=intake.phone,
            intake_id=intake.id,
            intake_name=intake.name,
            intake_source_url=intake.source_url,
            intake_verification=intake.verification,
            intake_hours=intake.hours,
            walk_in=walk,
            verification=intake.verification,
            source_date=intake.source_date,
        )
        if not e.hours and intake.hours:
            changes.update(hours=intake.hours, hours_fr=intake.hours_fr, hours_en=intake.hours_en)
        when_fr = f", {intake.hours_fr}" if intake.hours and intake.hours_fr else ""
        when_en = f", {intake.hours_en}" if intake.hours and intake.hours_en else ""
        flag_fr, flag_en = ("", "") if ok else (" (à confirmer)", " (to be confirmed)")
        notes_fr.append(f"Accueil psychosocial ({intake.name}) : {intake.phone}{when_fr}{flag_fr}.")
        notes_en.append(f"Psychosocial intake ({intake.name_en or intake.name}): {intake.phone}{when_en}{flag_en}.")
    elif switchboard is not None:
        changes.update(verification=switchboard.verification, source_date=switchboard.source_date)
    if info_phone:
        notes_fr.append(f"En tout temps : Info-Social {info_phone}, option 2.")
        notes_en.append(f"At any time: Info-Social {info_phone}, option 2.")
    changes.update(verified=verified, note_fr=" ".join(notes_fr), note_en=" ".join(notes_en))
    return replace(e, **changes)  # type: ignore[arg-type]


def build_entries(tables: dict[str, list[Row]]) -> Directory:
    ix = _Index(tables)
    lines: list[Entry] = []
    doors: list[Entry] = []
    for svc in tables["services"]:
        if svc["id"] in ix.with_location:
            continue
        entry = _line(ix, svc)
        (doors if entry.kind == "intake" else lines).append(entry)
    info = next((e.phone for e in lines if e.id == INFO_SOCIAL), None)
    located: list[Entry] = []
    for sal in tables["service_at_location"]:
        svc = ix.services[sal["service_id"]]
        loc = ix.locations[sal["location_id"]]
        if not loc.get("latitude") or not loc.get("longitude"):
            continue
        addr = ix.addresses.get(loc["id"], {})
        street = ", ".join(x for x in (addr.get("address_1"), addr.get("address_2")) if x)
        address = f"{street}, {addr.get('city', '')} (Québec) {addr.get('postal_code', '')}".strip() if addr else None
        phone, alternates, sms = ix.phone_set(
            [
                ("service_at_location_id", sal["id"]),
                ("location_id", loc["id"]),
                ("service_id", svc["id"]),
                ("organization_id", svc.get("organization_id", "")),
            ]
        )
        clsc = ix.territory(loc["id"], "clsc")
        rls = ix.territory(loc["id"], "rls")
        rss = ix.territory(loc["id"], "rss")
        etab = ix.territory(loc["id"], "etab")
        sal_attrs = ix.attrs[("service_at_location", sal["id"])]
        hours = ix.schedules.get(sal["id"]) or ix.schedules.get(svc["id"])
        common = _common(ix, svc)
        if ix.schedule_rows.get(sal["id"]):
            common["hours_fr"], common["hours_en"] = ix.hours_texts(sal["id"])
        entry = Entry(
            id=sal_attrs.get("guide_id") or f"svc-{sal['id']}",
            name=loc.get("name") or svc["name"],
            phone=phone,
            phone_alternates=alternates,
            text_sms=sms,
            address=address,
            municipality=addr.get("city") or None,
            postal_code=addr.get("postal_code") or None,
            latitude=float(loc["latitude"]),
            longitude=float(loc["longitude"]),
            hours="; ".join(hours) if hours else None,
            clsc_code=clsc[0],
            clsc_name=clsc[1],
            rls_code=rls[0],
            rls_name=rls[1],
            rss_code=rss[0],
            rss_name=rss[1],
            etab_code=etab[0],
            verified={},
            classification=sal_attrs.get("intake_classification"),
            **common,  # type: ignore[arg-type]
        )
        instal = (
            loc.get("external_identifier") if loc.get("external_identifier_type") == "MSSS M02 INSTAL_COD" else None
        )
        located.append(_with_doors(entry, doors, info, instal))
    by_id = {e.id: e for e in located + lines + doors}
    return Directory(
        located=located,
        lines=lines,
        latitudes=np.array([e.latitude for e in located], dtype=float),
        longitudes=np.array([e.longitude for e in located], dtype=float),
        by_id=by_id,
        doors=doors,
    )


def directory_path(corpus_dir: Path | None = None) -> Path:
    from guide.settings import corpus_or_default

    return corpus_or_default(corpus_dir) / "directory"


@lru_cache(maxsize=4)
def _load(path: Path) -> Directory:
    if not (path / "services.csv").exists():
        raise FileNotFoundError(f"{path}: no directory (run `guide directory import-m02 FILE`)")
    from guide import cache

    return cache.cached("directory", [path], lambda: build_entries(read_tables(path)))


def load_directory(directory_dir: Path | None = None) -> Directory:
    """The merged directory (cached per path; call ``clear_cache()`` after an import)."""
    return _load(resolved_dir(directory_dir or directory_path()))


def clear_cache() -> None:
    _load.cache_clear()
