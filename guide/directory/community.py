"""External HSDS directory (e.g. a 211 or CISSS export) → a ``hsds-<name>`` layer of kind ``community``.

The core tables are read (organizations, services, locations, addresses, phones,
service_at_location; schedules, languages, taxonomy_terms and attributes when present). Every row is
validated with the same checks as the M02 import (required fields, postal code A1A 1A1 in Québec,
coordinates inside Québec, phone format); a row whose parent was rejected is rejected too. Accepted
rows get new deterministic identifiers (so two imports never collide) and Guide attributes
(kind=community, guide_id, provenance). A location without coordinates is placed at the centroid of
its postal code's FSA, and says so. Services are tagged with Guide needs when the export's own
taxonomy terms use Guide's need ids as codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from guide.directory.common import attribute, need_attribute
from guide.directory.hsds import Row, Tables, empty_tables, fields, fmt_number, read_table, uid
from guide.directory.needs import load_needs
from guide.directory.validate import check_coordinates, check_phone, check_postal_code, check_required
from guide.geo import gazetteer

STATUSES = ("active", "inactive", "defunct", "temporarily closed")
REQUIRED = {
    "organizations": ("id", "name"),
    "services": ("id", "organization_id", "name", "status"),
    "locations": ("id",),
    "addresses": ("id", "location_id", "address_1", "city", "state_province", "postal_code", "country"),
    "phones": ("id", "number"),
    "service_at_location": ("id", "service_id", "location_id"),
    "schedules": ("id",),
    "languages": ("id",),
}
REPORT_FIELDS = ("table", "source_line", "id", "name", "status", "reason")


@dataclass
class Outcome:
    report: list[dict[str, str]] = field(default_factory=list)
    accepted: dict[str, dict[str, Row]] = field(default_factory=dict)  # table -> original id -> row

    def add(self, table: str, line: int, row: Row, reasons: list[str]) -> bool:
        ok = not reasons
        self.report.append(
            {
                "table": table,
                "source_line": str(line),
                "id": row.get("id", ""),
                "name": row.get("name", "") or row.get("number", "") or row.get("address_1", ""),
                "status": "accepted" if ok else "rejected",
                "reason": "; ".join(reasons),
            }
        )
        if ok:
            self.accepted.setdefault(table, {})[row["id"]] = row
        return ok

    def has(self, table: str, original_id: str) -> bool:
        return original_id in self.accepted.get(table, {})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "x"


def validate(source: Path, corpus_dir: Path) -> tuple[Outcome, dict[str, list[Row]]]:
    """Validate every row of the export, parents before children."""
    raw = {t: read_table(source / f"{t}.csv") for t in (*REQUIRED, "taxonomy_terms", "attributes")}
    if not raw["organizations"] and not raw["services"]:
        raise FileNotFoundError(f"{source}: no organizations.csv / services.csv (not an HSDS CSV directory?)")
    out = Outcome()
    g = gazetteer(corpus_dir)
    seen: dict[str, set[str]] = {}

    def common(table: str, row: Row) -> list[str]:
        reasons = check_required(row, REQUIRED[table])
        rid = row.get("id", "")
        if rid and rid in seen.setdefault(table, set()):
            reasons.append(f"duplicate id {rid}")
        seen[table].add(rid)
        return reasons

    for i, row in enumerate(raw["organizations"], 2):
        out.add("organizations", i, row, common("organizations", row))
    for i, row in enumerate(raw["services"], 2):
        reasons = common("services", row)
        if row.get("status") and row["status"] not in STATUSES:
            reasons.append(f"invalid status {row['status']!r} (expected one of {', '.join(STATUSES)})")
        if row.get("organization_id") and not out.has("organizations", row["organization_id"]):
            reasons.append(f"organization {row['organization_id']} missing or rejected")
        out.add("services", i, row, reasons)
    addresses_by_loc: dict[str, list[tuple[int, Row]]] = {}
    for i, row in enumerate(raw["addresses"], 2):
        addresses_by_loc.setdefault(row.get("location_id", ""), []).append((i, row))
    for i, row in enumerate(raw["locations"], 2):
        reasons = common("locations", row)
        if row.get("latitude") or row.get("longitude"):
            coords, err = check_coordinates(row.get("latitude", ""), row.get("longitude", ""))
            if err:
                reasons.append(err)
        else:
            codes = [
                check_postal_code(a.get("postal_code", ""))[0] for _, a in addresses_by_loc.get(row.get("id", ""), [])
            ]
            fsa = next((g.fsas[c[:3]] for c in codes if c and c[:3] in g.fsas), None)
            if fsa is None:
                reasons.append("no coordinates and no valid Québec postal code to place the location")
            else:
                row = {
                    **row,
                    "latitude": fmt_number(fsa.latitude),
                    "longitude": fmt_number(fsa.longitude),
                    "_coordinates_source": f"fsa_centroid:{fsa.fsa}",
                }
        out.add("locations", i, row, reasons)
    for i, row in enumerate(raw["addresses"], 2):
        reasons = common("addresses", row)
        if row.get("postal_code"):
            code, err = check_postal_code(row["postal_code"])
            if err:
                reasons.append(err)
            elif code is not None:
                row = {**row, "postal_code": code}
        if row.get("country") and row["country"].upper() not in ("CA", "CAN", "CANADA"):
            reasons.append(f"country {row['country']!r} is not Canada")
        if row.get("state_province") and row["state_province"].upper() not in ("QC", "QUÉBEC", "QUEBEC", "PQ"):
            reasons.append(f"state_province {row['state_province']!r} is not Québec")
        if row.get("location_id") and not out.has("locations", row["location_id"]):
            reasons.append(f"location {row['location_id']} missing or rejected")
        out.add("addresses", i, row, reasons)
    for i, row in enumerate(raw["service_at_location"], 2):
        reasons = common("service_at_location", row)
        for ref, table in (("service_id", "services"), ("location_id", "locations")):
            if row.get(ref) and not out.has(table, row[ref]):
                reasons.append(f"{ref} {row[ref]} missing or rejected")
        out.add("service_at_location", i, row, reasons)
    for table in ("phones", "schedules", "languages"):
        for i, row in enumerate(raw[table], 2):
            reasons = common(table, row)
            if table == "phones" and row.get("number"):
                _, err = check_phone(row["number"], allow_short_code=(row.get("type") == "text"))
                if err:
                    reasons.append(err)
            links = [
                (ref, t)
                for ref, t in (
                    ("organization_id", "organizations"),
                    ("service_id", "services"),
                    ("location_id", "locations"),
                    ("service_at_location_id", "service_at_location"),
                )
                if row.get(ref)
            ]
            if not links:
                reasons.append("not linked to an organization, service, location or service_at_location")
            for ref, t in links:
                if not out.has(t, row[ref]):
                    reasons.append(f"{ref} {row[ref]} missing or rejected")
            out.add(table, i, row, reasons)
    return out, raw


def build_layer(source: Path, corpus_dir: Path, layer: str) -> tuple[Tables, list[dict[str, str]]]:
    """Validate an HSDS CSV directory and return (the layer's tables, the report rows)."""
    outcome, raw = validate(source, corpus_dir)
    spec = fields(corpus_dir)
    need_ids = {n.id for n in load_needs(corpus_dir)}
    ids: dict[tuple[str, str], str] = {}

    def new_id(table: str, original: str) -> str:
        return ids.setdefault((table, original), uid(layer, table, original))

    refs = {
        "organization_id": "organizations",
        "service_id": "services",
        "location_id": "locations",
        "service_at_location_id": "service_at_location",
    }
    t = empty_tables()
    for table in (
        "organizations",
        "services",
        "locations",
        "addresses",
        "service_at_location",
        "phones",
        "schedules",
        "languages",
    ):
        for original, row in outcome.accepted.get(table, {}).items():
            clean = {k: v for k, v in row.items() if k in spec[table]}
            clean["id"] = new_id(table, original)
            for ref, target in refs.items():
                if clean.get(ref):
                    clean[ref] = new_id(target, clean[ref])
            if table == "organizations" and not clean.get("description"):
                clean["description"] = clean["name"]
            if table == "locations":
                clean.setdefault("location_type", "physical")
                clean["location_type"] = clean["location_type"] or "physical"
                clean["external_identifier"] = clean.get("external_identifier") or original
                clean["external_identifier_type"] = clean.get("external_identifier_type") or f"{layer} location id"
            if table == "addresses":
                clean["address_type"] = clean.get("address_type") or "physical"
            t[table].append(clean)
            if table == "locations" and row.get("_coordinates_source"):
                t["attributes"].append(
                    attribute("location", clean["id"], "coordinates_source", row["_coordinates_source"])
                )

    source_name = f"HSDS import {source.name}"
    for original in outcome.accepted.get("services", {}):
        sid = new_id("services", original)
        attrs: dict[str, str | bool | None] = {
            "kind": "community",
            "no_referral": False,
            "source_name": source_name,
            "source_file": source.name,
        }
        t["attributes"].extend(attribute("service", sid, k, v) for k, v in attrs.items())
    for original in outcome.accepted.get("service_at_location", {}):
        t["attributes"].append(
            attribute(
                "service_at_location",
                new_id("service_at_location", original),
                "guide_id",
                f"svc-{layer}-{_slug(original)}",
            )
        )
    # Needs: the export's own terms whose code is a Guide need id.
    term_code = {r.get("id", ""): r.get("code", "") for r in raw["taxonomy_terms"]}
    tagged: set[tuple[str, str]] = set()
    for a in raw["attributes"]:
        code = term_code.get(a.get("taxonomy_term_id", ""), "")
        if a.get("link_entity") == "service" and code in need_ids and outcome.has("services", a.get("link_id", "")):
            tagged.add((new_id("services", a["link_id"]), code))
    t["attributes"].extend(need_attribute("service", sid, code) for sid, code in sorted(tagged))
    return t, outcome.report
