"""Help lines (``guide.ingest.helplines.build``) → the ``helplines`` HSDS layer.

Every number comes from the help-line records, which parse it from the source tables; nothing is
typed here. 911 is kind ``emergency``, the other lines ``helpline``. Regional youth-protection (DPJ)
lines get a service area naming their health region (RSS code), so that ``services_near`` offers
them only to people of that region.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from guide.directory.common import attribute, need_attribute, services_by_need
from guide.directory.hsds import Tables, empty_tables, uid
from guide.directory.validate import check_phone
from guide.geo import place_key
from guide.ingest import helplines
from guide.ingest.helplines import parse_phones
from guide.records import Record

_SHORT_CODE = re.compile(r"^\s*(\d{5,6})\b")
_LANG = {"FR": ("fr", "français / French"), "EN": ("en", "anglais / English")}
PROVINCE_AREA = ("province", "QC", "Québec")


def text_numbers(raw: str | None) -> list[str]:
    """Numbers of a text (SMS) field: a short code first (``535353 (...)``), then NANP/N11 numbers."""
    raw = (raw or "").strip()
    out: list[str] = []
    m = _SHORT_CODE.match(raw)
    if m:
        out.append(m.group(1))
    primary, alternates, _ = parse_phones(raw)
    for n in [primary, *alternates]:
        if n and n not in out:
            out.append(n)
    return out


def info_social_phone(corpus_dir: Path) -> str:
    """Info-Social's number, read from its help-line record (the route when a phone is missing)."""
    from guide.ingest.helplines import build

    for rec in build(corpus_dir):
        if rec.id == "line-info-social-811-option-2":
            return rec.metadata["phone"]
    raise ValueError("help-line sources have no Info-Social record")


def rss_names(corpus_dir: Path) -> dict[str, str]:
    """RSS code → name, from the M02 source file."""
    path = corpus_dir / "sources" / "msss_m02" / "installationscsv.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["RSS_CODE"]: r["RSS_NOM"] for r in csv.DictReader(fh)}


def dpj_region(record: Record, regions: dict[str, str]) -> str | None:
    """RSS code of a regional DPJ line ("DPJ Estrie" → "05"); None for province-wide lines."""
    name = record.metadata.get("name_fr", "")
    if not name.startswith("DPJ "):
        return None
    region = place_key(name[4:].split("(")[0])
    hits = [code for code, rname in regions.items() if place_key(rname) == region]
    if len(hits) != 1:
        raise ValueError(f"{record.id}: cannot tie DPJ line to one health region (found {hits})")
    return hits[0]


def line_kind(record: Record) -> str:
    return "emergency" if record.metadata.get("phone") == "911" else "helpline"


def languages(raw: str) -> list[tuple[str, str, str]]:
    """``"FR/EN"`` → [(fr, ...), (en, ...)]; a language followed by ``?`` is noted as uncertain."""
    out: list[tuple[str, str, str]] = []
    for m in re.finditer(r"\b(FR|EN)\b(\??)", raw or ""):
        code, name = _LANG[m.group(1)]
        note = "à confirmer / uncertain" if m.group(2) else ""
        if code not in [c for c, _, _ in out]:
            out.append((code, name, note))
    return out


_EXT_NOTE = re.compile(r"^(?:ext\.?|poste|extension)\s*(\d{1,6})$", re.IGNORECASE)
REPORT_FIELDS = ("source_file", "source_line", "line_id", "name", "status", "reason")


def verification_status(phone_verified: bool, verification: str) -> str:
    """verified / secondary / unverified, from the help-line table's verification text."""
    v = (verification or "").lower()
    if phone_verified:
        return "verified"
    return "secondary" if "secondary" in v else "unverified"


def area_rows(owner: str, svc_id: str, areas: list, descriptions: dict[str, str] | None = None) -> list[dict[str, str]]:
    """HSDS ``service_areas`` rows for ``areas`` (``guide.directory.areas.Area``)."""
    rows = []
    for a in areas:
        rows.append(
            {
                "id": uid("service_area", owner, a.type, a.code),
                "service_id": svc_id,
                "name": a.name,
                "description": (descriptions or {}).get(f"{a.type}:{a.code}", ""),
                "extent": a.code,
                "extent_type": a.type,
            }
        )
    return rows


def build_layer(corpus_dir: Path) -> Tables:
    return build(corpus_dir)[0]


def build(corpus_dir: Path) -> tuple[Tables, list[dict[str, str]]]:
    """The ``helplines`` layer and its report (one line per row of the help-line files)."""
    from guide.directory import areas as A
    from guide.directory import hours as H
    from guide.directory.precedence import ROUTE_NOTE, decisions

    corpus_dir = Path(corpus_dir)
    t = empty_tables()
    regions = rss_names(corpus_dir)
    needs_of = services_by_need(corpus_dir)
    rules = helplines.load_rules(corpus_dir)
    decided = decisions(corpus_dir)
    results = helplines.evaluate(corpus_dir)
    report = [
        {
            "source_file": r.file,
            "source_line": str(r.line),
            "line_id": r.id,
            "name": r.name,
            "status": r.status,
            "reason": r.reason,
        }
        for r in results
    ]
    for rec in (r.record for r in results if r.record is not None):
        md = rec.metadata
        org_id = uid("organization", "line", rec.id)
        svc_id = uid("service", "line", rec.id)
        t["organizations"].append(
            {
                "id": org_id,
                "name": md["name_fr"],
                "alternate_name": md["name_en"] if md["name_en"] != md["name_fr"] else "",
                "description": f"{md['name_fr']} — {md['audience']}",
            }
        )
        t["services"].append(
            {
                "id": svc_id,
                "organization_id": org_id,
                "name": md["name_fr"],
                "alternate_name": md["name_en"] if md["name_en"] != md["name_fr"] else "",
                "description": f"{md['name_fr']} / {md['name_en']}. {md['audience']}.",
                "status": "active",
                "eligibility_description": md["audience"],
                "assured_date": md["assured_date"],
            }
        )
        phones: list[tuple[str, str, str]] = []
        if md.get("phone"):
            phones.append(("voice", md["phone"], md.get("phone_note") or ""))
        for alt in md.get("phone_alternates") or []:
            phones.append(("voice", alt, "autre numéro / alternate number"))
        for i, number in enumerate(text_numbers(md.get("text_sms"))):
            verified = "vérifié / verified" if md.get("sms_verified") else "NON VÉRIFIÉ / NOT verified"
            phones.append(("text", number, f"texto / text ({verified})" + ("" if i == 0 else " — autre / alternate")))
        for i, (ptype, number, desc) in enumerate(phones):
            clean, err = check_phone(number, allow_short_code=ptype == "text")
            if err or clean is None:  # a number the help-line parser produced must be well-formed
                raise ValueError(f"{rec.id}: {err}")
            ext = _EXT_NOTE.match(desc.strip()) if ptype == "voice" else None
            phone_id = uid("phone", rec.id, str(i))
            t["phones"].append(
                {
                    "id": phone_id,
                    "service_id": svc_id,
                    "number": clean,
                    "extension": ext.group(1) if ext else "",
                    "type": ptype,
                    "description": desc,
                }
            )
            if ext:
                t["attributes"].append(attribute("phone", phone_id, "phone_display", f"{clean} {desc.strip()}"))
        t["schedules"].extend(
            H.schedule_rows(
                H.parse(md["hours"]),
                lambda i, r=rec.id: uid("schedule", r) if i == 0 else uid("schedule", r, str(i)),
                {"service_id": svc_id},
            )
        )
        for code, name, note in languages(md.get("languages", "")):
            t["languages"].append(
                {"id": uid("language", rec.id, code), "service_id": svc_id, "name": name, "code": code, "note": note}
            )
        own = rules.get(rec.id, [])
        region = dpj_region(rec, regions)
        decision = decided.get(rec.id)
        if region:
            areas = [A.Area(A.RSS, region, regions[region])]
        else:
            areas = []
            for r in own:
                if r["rule"] == "area":
                    kind, code = r["value"].split(":", 1)
                    areas.append(A.Area(kind, code, A.area_name(corpus_dir, kind, code) or code))
            areas = areas or [A.Area(*PROVINCE_AREA)]
        areas += decision.extra_areas if decision else []
        descriptions = {f"{r['value']}": r["justification"] for r in own if r["rule"] == "area"}
        descriptions.update({f"{a.type}:{a.code}": ROUTE_NOTE for a in (decision.extra_areas if decision else [])})
        if areas == [A.Area(*PROVINCE_AREA)]:  # the id the layer always had
            t["service_areas"].append(
                {
                    "id": uid("service_area", rec.id),
                    "service_id": svc_id,
                    "name": "Québec",
                    "extent": "QC",
                    "extent_type": "province",
                }
            )
        elif region and not (decision and decision.extra_areas):
            t["service_areas"].append(
                {
                    "id": uid("service_area", rec.id),
                    "service_id": svc_id,
                    "name": regions[region],
                    "extent": region,
                    "extent_type": A.RSS,
                }
            )
        else:
            t["service_areas"].extend(area_rows(rec.id, svc_id, areas, descriptions))
        note_fr = note_en = ""
        if not md.get("phone"):
            # (the Info-Social number comes from its own record)
            note_fr = f"Pas de numéro dans la source : composez le {info_social_phone(corpus_dir)}, option 2, pour être orienté."
            note_en = f"No phone number in the source: call {info_social_phone(corpus_dir)}, option 2, to be referred."
        group = next((r["value"] for r in own if r["rule"] == "group"), "dpj" if region else "")
        superseded = next(
            (f"{r['value']} ({r['justification']})" for r in own if r["rule"] == "superseded_by"),
            decision.superseded_by if decision else "",
        )
        attrs = {
            "kind": line_kind(rec),
            "guide_id": rec.id,
            "no_referral": True,
            "phone_verified": bool(md.get("phone_verified")),
            "hours_verified": bool(md.get("hours_verified")),
            "text_sms_verified": bool(md.get("sms_verified")),
            "verification": md.get("verification", ""),
            "note_fr": note_fr,
            "note_en": note_en,
            "source_name": rec.source.name,
            "source_url": rec.source.url,
            "source_file": rec.source.file,
            "source_notes": md.get("notes", ""),
            "verification_status": verification_status(bool(md.get("phone_verified")), md.get("verification", "")),
            "source_date": md.get("source_date") or "",
            "source_quote": md.get("quote") or "",
            "line_group": group,
            "superseded_by": superseded,
            "fallback": any(r["rule"] == "fallback" and r["value"] == "true" for r in own),
        }
        t["attributes"].extend(
            attribute("service", svc_id, k, v)
            for k, v in attrs.items()
            if v not in ("", False)
            or k
            in (
                "phone_verified",
                "hours_verified",
                "text_sms_verified",
                "no_referral",
                "verification",
                "note_fr",
                "note_en",
                "source_notes",
            )
        )
        t["attributes"].extend(need_attribute("service", svc_id, n) for n in needs_of.get(rec.id, []))
    return t, report
