"""Guide's directory as Open Referral HSDS 3.0 API objects (read-only), for ``guide.api.routes.hsds``.

The merged tables of ``corpus/directory`` are read once per process and directory (``load_api``,
cached by path) and turned into the JSON objects of the HSDS 3.0 schemas
(``corpus/sources/hsds/schema/*.json``): empty CSV cells are left out, ``number`` fields become
numbers, values outside a field's ``enum`` (or not a URI / e-mail where the schema says so) are left
out, and required text fields are always present.

Verification. Guide stores how sure it is of a service as HSDS ``attributes`` linked to terms of its
``guide-attributes`` taxonomy: ``verification_status`` (``verified``: read on a page of the
establishment, organisation or government; ``secondary``: news or third party, shown as to be
confirmed; ``unverified``), ``phone_verified``, ``hours_verified``, ``text_sms_verified``,
``verification`` (the source's own words), ``source_date``, ``source_name``, ``source_url``,
``source_quote``…; ``assured_date`` is the HSDS service field (the date the facts were last checked).
Every object this module builds carries them where its HSDS schema has room:

- a service: ``assured_date``, and its verification attributes — always one ``verification_status``
  (a service the sources give no status for, such as the CLSC points of the MSSS M02 file, which has
  no phone number to verify, is ``unverified``);
- a service at location: a ``verification_status`` attribute of its own (its service's), and its
  nested ``service`` with ``assured_date``;
- an organization: a ``verification_status`` attribute, the least sure of its services' (``verified``
  only when all are); its services (``services``) each with ``assured_date`` and status.

Taxonomies and taxonomy terms are Guide's vocabulary: their HSDS schemas have neither
``assured_date`` nor ``attributes``, and nothing about them is verified.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from guide.directory.common import attribute
from guide.directory.hsds import Row, read_tables
from guide.settings import resolved_dir
from guide.text import tokens

SCHEMA_DIR = Path("sources") / "hsds" / "schema"
HSDS_VERSION = "3.0"
#: The specification this API implements (the file Guide keeps a copy of in corpus/sources/hsds/schema).
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
#: Guide uses no HSDS profile: the profile is HSDS 3.0 itself.
PROFILE_URL = "https://github.com/openreferral/specification/tree/3.0"

VERIFICATION_STATUS = "verification_status"
#: Attributes that say how sure Guide is of a record and where its facts were read.
VERIFICATION_ATTRIBUTES = (
    VERIFICATION_STATUS,
    "phone_verified",
    "hours_verified",
    "text_sms_verified",
    "verification",
    "source_date",
    "source_name",
    "source_url",
    "source_file",
    "source_quote",
    "source_rank",
    "superseded_by",
)
#: Least sure first (an organization's status is the least sure of its services').
STATUS_ORDER = ("unverified", "secondary", "verified")
DEFAULT_STATUS = "unverified"

#: table stem -> HSDS schema file (the schemas name their CSV file in ``path``)
_TABLE_SCHEMAS = {
    "services": "service",
    "organizations": "organization",
    "locations": "location",
    "addresses": "address",
    "service_at_location": "service_at_location",
    "phones": "phone",
    "schedules": "schedule",
    "languages": "language",
    "service_areas": "service_area",
    "attributes": "attribute",
    "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term",
    "contacts": "contact",
    "programs": "program",
}

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# ---------------------------------------------------------------------------------------------
# Field conversion (CSV text -> HSDS JSON values)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    format: str | None
    enum: tuple[str, ...] | None


@dataclass(frozen=True)
class TableSpec:
    fields: tuple[FieldSpec, ...]
    required: frozenset[str]


def _table_specs(corpus_dir: Path) -> dict[str, TableSpec]:
    out: dict[str, TableSpec] = {}
    for table, name in _TABLE_SCHEMAS.items():
        path = corpus_dir / SCHEMA_DIR / f"{name}.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        specs = []
        for prop, body in schema.get("properties", {}).items():
            kind = body.get("type")
            if kind not in ("string", "number", "integer", "boolean"):
                continue  # arrays and nested objects are built, not read from the CSV
            specs.append(FieldSpec(prop, kind, body.get("format"), tuple(body["enum"]) if body.get("enum") else None))
        out[table] = TableSpec(tuple(specs), frozenset(schema.get("required", ())))
    return out


def _number(text: str) -> int | float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def clean_row(spec: TableSpec, row: Row) -> dict[str, Any]:
    """An HSDS object's own fields from a CSV row, in the schema's order."""
    out: dict[str, Any] = {}
    for f in spec.fields:
        raw = (row.get(f.name) or "").strip()
        value: Any = None
        if raw:
            if f.type in ("number", "integer"):
                value = _number(raw)
                if f.type == "integer" and not isinstance(value, int):
                    value = None
            elif f.type == "boolean":
                value = {"true": True, "false": False}.get(raw.lower())
            elif f.enum is not None:
                value = raw if raw in f.enum else None
            elif f.format == "uri":
                value = raw if _URI.match(raw) else None
            elif f.format == "email":
                value = raw if _EMAIL.match(raw) else None
            elif f.format == "date-time":
                when = _date_of(raw)  # RFC 3339 needs an offset: a time without one is read as UTC
                value = when.isoformat() if when is not None else None
            else:
                value = raw
        if value is None and f.name in spec.required and f.type == "string" and f.enum is None and f.format is None:
            value = raw  # a required text field is always present (empty when the source has nothing)
        if value is not None:
            out[f.name] = value
    return out


# ---------------------------------------------------------------------------------------------
# The loaded directory
# ---------------------------------------------------------------------------------------------


def _search_text(*parts: Any) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for p in parts:
        if p:
            for t in tokens(str(p)):
                seen.setdefault(t, None)
    return tuple(seen)


def _date_of(text: str) -> datetime | None:
    """A record's date or datetime as an aware datetime (a date is its midnight UTC)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class HsdsDirectory:
    """The directory's HSDS tables, cleaned and indexed for the API."""

    hsds_version: str
    services: dict[str, dict]  # id -> service fields (CSV order kept by dicts)
    organizations: dict[str, dict]
    locations: dict[str, dict]
    sals: dict[str, dict]
    taxonomies: dict[str, dict]
    terms: dict[str, dict]
    programs: dict[str, dict]
    addresses: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))  # location id ->
    phones: dict[tuple[str, str], list[dict]] = field(default_factory=lambda: defaultdict(list))  # (ref, id) ->
    schedules: dict[tuple[str, str], list[dict]] = field(default_factory=lambda: defaultdict(list))
    languages: dict[tuple[str, str], list[dict]] = field(default_factory=lambda: defaultdict(list))
    contacts: dict[tuple[str, str], list[dict]] = field(default_factory=lambda: defaultdict(list))
    service_areas: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))  # service id ->
    attributes: dict[tuple[str, str], list[dict]] = field(default_factory=lambda: defaultdict(list))  # (entity, id)
    sals_of_service: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    services_of_org: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    locations_of_org: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    status: dict[tuple[str, str], str] = field(default_factory=dict)  # (entity, id) -> verification status
    text: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (entity, id) -> folded tokens
    terms_of: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)  # (entity, id) -> term ids
    dates: dict[str, datetime | None] = field(default_factory=dict)  # service id -> last modified or assured
    attr_spec: TableSpec = TableSpec((), frozenset())

    # -- verification -------------------------------------------------------------------------

    def verification(self, entity: str, rid: str) -> str:
        return self.status.get((entity, rid), DEFAULT_STATUS)

    def verification_attributes(self, entity: str, rid: str, nested: bool = False) -> list[dict]:
        """The record's attributes that say how sure Guide is of it; always one ``verification_status``."""
        out = [
            self._attr(a, nested)
            for a in self.attributes.get((entity, rid), ())
            if a.get("link_type") in VERIFICATION_ATTRIBUTES
        ]
        if not any(a.get("link_type") == VERIFICATION_STATUS for a in out):
            out.insert(
                0,
                self._attr(
                    clean_row(
                        self.attr_spec, attribute(entity, rid, VERIFICATION_STATUS, self.verification(entity, rid))
                    ),
                    nested,
                ),
            )
        return out

    def all_attributes(self, entity: str, rid: str) -> list[dict]:
        """Every attribute of the record (with its taxonomy term), the verification ones first."""
        verif = self.verification_attributes(entity, rid, nested=True)
        ids = {a["id"] for a in verif}
        return verif + [self._attr(a, True) for a in self.attributes.get((entity, rid), ()) if a["id"] not in ids]

    def _attr(self, a: dict, nested: bool) -> dict:
        if not nested:
            return dict(a)
        term = self.terms.get(a.get("taxonomy_term_id", ""))
        return {**a, "taxonomy_term": dict(term)} if term else dict(a)

    # -- objects --------------------------------------------------------------------------------

    def phone_objects(self, ref: str, rid: str) -> list[dict]:
        return [
            {
                **p,
                "attributes": [self._attr(a, True) for a in self.attributes.get(("phone", p["id"]), ())],
                "languages": [dict(x) for x in self.languages.get(("phone_id", p["id"]), ())],
            }
            for p in self.phones.get((ref, rid), ())
        ]

    def location_object(self, loc_id: str, full: bool) -> dict | None:
        loc = self.locations.get(loc_id)
        if loc is None:
            return None
        out = dict(loc)
        if full:
            out["addresses"] = [dict(a) for a in self.addresses.get(loc_id, ())]
            out["phones"] = self.phone_objects("location_id", loc_id)
            out["schedules"] = [dict(s) for s in self.schedules.get(("location_id", loc_id), ())]
            out["languages"] = [dict(x) for x in self.languages.get(("location_id", loc_id), ())]
            out["contacts"] = [dict(c) for c in self.contacts.get(("location_id", loc_id), ())]
            out["attributes"] = [self._attr(a, True) for a in self.attributes.get(("location", loc_id), ())]
        return out

    def organization_fields(self, org_id: str) -> dict | None:
        org = self.organizations.get(org_id)
        return dict(org) if org is not None else None

    def service_summary(self, sid: str) -> dict:
        """A service in a list: its own fields, organization and program, verification attributes."""
        s = self.services[sid]
        out = dict(s)
        org = self.organization_fields(s.get("organization_id", ""))
        if org is not None:
            out["organization"] = org
        program = self.programs.get(s.get("program_id", ""))
        if program is not None:
            out["program"] = dict(program)
        out["attributes"] = self.verification_attributes("service", sid)
        return out

    def service_minimal(self, sid: str) -> dict:
        s = self.services[sid]
        out = {k: s[k] for k in ("id", "name", "status", "assured_date", "last_modified") if k in s}
        out["attributes"] = [
            a for a in self.verification_attributes("service", sid) if a.get("link_type") == VERIFICATION_STATUS
        ]
        return out

    def service_full(self, sid: str) -> dict:
        """A fully nested service (HSDS ``compiled/service.json``)."""
        out = self.service_summary(sid)
        out["phones"] = self.phone_objects("service_id", sid)
        out["schedules"] = [dict(x) for x in self.schedules.get(("service_id", sid), ())]
        out["service_areas"] = [dict(x) for x in self.service_areas.get(sid, ())]
        out["service_at_locations"] = [
            self.sal_object(x, full=True, with_service=False) for x in self.sals_of_service.get(sid, ())
        ]
        out["languages"] = [dict(x) for x in self.languages.get(("service_id", sid), ())]
        out["contacts"] = [dict(x) for x in self.contacts.get(("service_id", sid), ())]
        out["attributes"] = self.all_attributes("service", sid)
        return out

    def sal_object(self, sal_id: str, full: bool, with_service: bool = True, detail: bool = False) -> dict:
        """A service at location; ``detail``: the answer of ``/service_at_locations/{id}``."""
        sal = self.sals[sal_id]
        out = dict(sal)
        sid = sal.get("service_id", "")
        svc = self.services.get(sid)
        if detail and svc is not None:
            # the spec's response schema for /service_at_locations/{id} is compiled/service.json: its
            # required name and status (and its assured_date) are given, those of the service
            out["name"] = svc["name"]
            out["status"] = svc["status"]
            if "assured_date" in svc:
                out["assured_date"] = svc["assured_date"]
        loc = self.location_object(sal.get("location_id", ""), full=full)
        if loc is not None:
            out["location"] = loc
        if with_service and svc is not None:
            out["service"] = self.service_summary(sid)
        if full:
            out["phones"] = self.phone_objects("service_at_location_id", sal_id)
            out["schedules"] = [dict(x) for x in self.schedules.get(("service_at_location_id", sal_id), ())]
            out["contacts"] = [dict(x) for x in self.contacts.get(("service_at_location_id", sal_id), ())]
            out["attributes"] = self.all_attributes("service_at_location", sal_id)
        else:
            out["attributes"] = self.verification_attributes("service_at_location", sal_id)
        return out

    def organization_object(self, org_id: str, full: bool, full_service: bool) -> dict:
        out = dict(self.organizations[org_id])
        if full:
            out["phones"] = self.phone_objects("organization_id", org_id)
            out["contacts"] = [dict(x) for x in self.contacts.get(("organization_id", org_id), ())]
            out["locations"] = [self.location_object(x, full=True) for x in self.locations_of_org.get(org_id, ())]
            out["programs"] = [dict(p) for p in self.programs.values() if p.get("organization_id") == org_id]
            out["attributes"] = self.all_attributes("organization", org_id)
        else:
            out["attributes"] = self.verification_attributes("organization", org_id)
        if full or full_service:
            sids = self.services_of_org.get(org_id, ())
            out["services"] = [self.service_full(s) if full_service else self.service_minimal(s) for s in sids]
        return out

    def taxonomy_object(self, tid: str) -> dict:
        return dict(self.taxonomies[tid])

    def term_object(self, term_id: str, detail: bool) -> dict:
        out = dict(self.terms[term_id])
        tax = self.taxonomies.get(out.get("taxonomy_id", ""))
        if detail and tax is not None:
            out["taxonomy_detail"] = dict(tax)
        return out


def _least_sure(statuses: Iterable[str]) -> str:
    ranks = [STATUS_ORDER.index(s) if s in STATUS_ORDER else 0 for s in statuses]
    return STATUS_ORDER[min(ranks)] if ranks else DEFAULT_STATUS


def build(directory_dir: Path, corpus_dir: Path) -> HsdsDirectory:
    specs = _table_specs(corpus_dir)
    t = read_tables(directory_dir)
    version = HSDS_VERSION
    package = directory_dir / "datapackage.json"
    if package.exists():
        version = str(json.loads(package.read_text(encoding="utf-8")).get("hsds_version") or HSDS_VERSION)

    def rows(table: str) -> list[dict]:
        return [clean_row(specs[table], r) for r in t.get(table, []) if (r.get("id") or "").strip()]

    def by_id(table: str) -> dict[str, dict]:
        return {r["id"]: r for r in rows(table)}

    d = HsdsDirectory(
        hsds_version=version,
        services=by_id("services"),
        organizations=by_id("organizations"),
        locations=by_id("locations"),
        sals=by_id("service_at_location"),
        taxonomies=by_id("taxonomies"),
        terms=by_id("taxonomy_terms"),
        programs=by_id("programs"),
    )
    d.attr_spec = specs["attributes"]
    for a in rows("addresses"):
        if a.get("location_id"):
            d.addresses[a["location_id"]].append(a)
    for table, target, refs in (
        ("phones", d.phones, ("service_at_location_id", "location_id", "service_id", "organization_id", "contact_id")),
        ("schedules", d.schedules, ("service_at_location_id", "location_id", "service_id")),
        ("languages", d.languages, ("phone_id", "location_id", "service_id")),
        ("contacts", d.contacts, ("service_at_location_id", "location_id", "service_id", "organization_id")),
    ):
        for r in rows(table):
            for ref in refs:  # the most specific link: a phone of a service at a location is not the service's
                if r.get(ref):
                    target[(ref, r[ref])].append(r)
                    break
    for r in rows("service_areas"):
        if r.get("service_id"):
            d.service_areas[r["service_id"]].append(r)
    terms_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in rows("attributes"):
        key = (a.get("link_entity", ""), a.get("link_id", ""))
        d.attributes[key].append(a)
        if a.get("taxonomy_term_id"):
            terms_of[key].add(a["taxonomy_term_id"])
        if a.get("link_type") == VERIFICATION_STATUS and a.get("value"):
            d.status[key] = a["value"]
    for sal in d.sals.values():
        d.sals_of_service[sal.get("service_id", "")].append(sal["id"])
    for loc in d.locations.values():
        if loc.get("organization_id"):
            d.locations_of_org[loc["organization_id"]].append(loc["id"])

    for sid, s in d.services.items():
        d.services_of_org[s.get("organization_id", "")].append(sid)
        d.status.setdefault(("service", sid), DEFAULT_STATUS)
        d.dates[sid] = _date_of(s.get("last_modified", "")) or _date_of(s.get("assured_date", ""))
        org = d.organizations.get(s.get("organization_id", ""), {})
        d.text[("service", sid)] = _search_text(
            s.get("name"),
            s.get("alternate_name"),
            s.get("description"),
            s.get("eligibility_description"),
            org.get("name"),
            org.get("alternate_name"),
        )
        d.terms_of[("service", sid)] = frozenset(terms_of.get(("service", sid), ()))
    for sal_id, sal in d.sals.items():
        sid, loc_id = sal.get("service_id", ""), sal.get("location_id", "")
        d.status[("service_at_location", sal_id)] = d.status.get(("service_at_location", sal_id)) or d.verification(
            "service", sid
        )
        loc = d.locations.get(loc_id, {})
        addr = " ".join(
            f"{a.get('address_1', '')} {a.get('city', '')} {a.get('postal_code', '')}"
            for a in d.addresses.get(loc_id, ())
        )
        d.text[("service_at_location", sal_id)] = _search_text(
            " ".join(d.text.get(("service", sid), ())),
            sal.get("description"),
            loc.get("name"),
            loc.get("alternate_name"),
            loc.get("description"),
            addr,
        )
        d.terms_of[("service_at_location", sal_id)] = frozenset(
            terms_of.get(("service_at_location", sal_id), set())
            | terms_of.get(("service", sid), set())
            | terms_of.get(("location", loc_id), set())
        )
    for org_id, org in d.organizations.items():
        if ("organization", org_id) not in d.status:
            d.status[("organization", org_id)] = _least_sure(
                d.verification("service", s) for s in d.services_of_org.get(org_id, ())
            )
        d.text[("organization", org_id)] = _search_text(
            org.get("name"), org.get("alternate_name"), org.get("description")
        )
    for tid, tax in d.taxonomies.items():
        d.text[("taxonomy", tid)] = _search_text(tax.get("name"), tax.get("description"))
    for term_id, term in d.terms.items():
        d.text[("taxonomy_term", term_id)] = _search_text(term.get("code"), term.get("name"), term.get("description"))
    return d


_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _load(directory_dir: Path, corpus_dir: Path) -> HsdsDirectory:
    if not (directory_dir / "services.csv").exists():
        raise FileNotFoundError(f"{directory_dir}: no directory (run `guide directory import-m02 FILE`)")
    return build(directory_dir, corpus_dir)


def load_api(corpus_dir: Path) -> HsdsDirectory:
    """The directory's HSDS objects (read once per process and corpus directory, cached by path)."""
    corpus = resolved_dir(corpus_dir)
    with _LOCK:  # the first requests arrive together on the thread pool: one of them reads the tables
        return _load(corpus / "directory", corpus)


def clear_cache() -> None:
    _load.cache_clear()


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


def matches(record_tokens: tuple[str, ...], query_tokens: list[str]) -> bool:
    """Every word of the search starts a word of the record (accents and case ignored)."""
    return all(any(t.startswith(q) for t in record_tokens) for q in query_tokens)


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 date or date-time (``2026-01-31``, ``2026-01-31T12:00:00Z``) as an aware datetime."""
    text = text.strip()
    if not text or len(text) > 40:
        return None
    return _date_of(text)


def page_object(items: list, page: int, per_page: int) -> tuple[dict, list]:
    """The HSDS page header for ``items`` and the slice of the page."""
    total = len(items)
    pages = math.ceil(total / per_page) if total else 0
    start = (page - 1) * per_page
    chunk = items[start : start + per_page] if start < total else []
    header = {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(chunk),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not chunk,
    }
    return header, chunk
