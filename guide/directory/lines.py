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
    out = []
    for m in re.finditer(r"\b(FR|EN)\b(\??)", raw or ""):
        code, name = _LANG[m.group(1)]
        note = "à confirmer / uncertain" if m.group(2) else ""
        if code not in [c for c, _, _ in out]:
            out.append((code, name, note))
    return out


def build_layer(corpus_dir: Path) -> Tables:
    corpus_dir = Path(corpus_dir)
    t = empty_tables()
    regions = rss_names(corpus_dir)
    needs_of = services_by_need(corpus_dir)
    for rec in helplines.build(corpus_dir):
        md = rec.metadata
        org_id = uid("organization", "line", rec.id)
        svc_id = uid("service", "line", rec.id)
        t["organizations"].append({
            "id": org_id, "name": md["name_fr"],
            "alternate_name": md["name_en"] if md["name_en"] != md["name_fr"] else "",
            "description": f"{md['name_fr']} — {md['audience']}",
        })
        t["services"].append({
            "id": svc_id, "organization_id": org_id, "name": md["name_fr"],
            "alternate_name": md["name_en"] if md["name_en"] != md["name_fr"] else "",
            "description": f"{md['name_fr']} / {md['name_en']}. {md['audience']}.",
            "status": "active", "eligibility_description": md["audience"],
            "assured_date": md["assured_date"],
        })
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
            if err:  # a number the help-line parser produced must be well-formed
                raise ValueError(f"{rec.id}: {err}")
            t["phones"].append({"id": uid("phone", rec.id, str(i)), "service_id": svc_id, "number": clean,
                                "type": ptype, "description": desc})
        t["schedules"].append({"id": uid("schedule", rec.id), "service_id": svc_id, "description": md["hours"]})
        for code, name, note in languages(md.get("languages", "")):
            t["languages"].append({"id": uid("language", rec.id, code), "service_id": svc_id, "name": name,
                                   "code": code, "note": note})
        region = dpj_region(rec, regions)
        area = ("msss_rss_code", region, regions[region]) if region else PROVINCE_AREA
        t["service_areas"].append({"id": uid("service_area", rec.id), "service_id": svc_id, "name": area[2],
                                   "extent": area[1], "extent_type": area[0]})
        note_fr = note_en = ""
        if not md.get("phone"):
            # (the Info-Social number comes from its own record)
            note_fr = f"Pas de numéro dans la source : composez le {info_social_phone(corpus_dir)}, option 2, pour être orienté."
            note_en = f"No phone number in the source: call {info_social_phone(corpus_dir)}, option 2, to be referred."
        attrs = {
            "kind": line_kind(rec), "guide_id": rec.id, "no_referral": True,
            "phone_verified": bool(md.get("phone_verified")), "hours_verified": bool(md.get("hours_verified")),
            "text_sms_verified": bool(md.get("sms_verified")), "verification": md.get("verification", ""),
            "note_fr": note_fr, "note_en": note_en, "source_name": rec.source.name, "source_url": rec.source.url,
            "source_file": rec.source.file, "source_notes": md.get("notes", ""),
        }
        t["attributes"].extend(attribute("service", svc_id, k, v) for k, v in attrs.items())
        t["attributes"].extend(need_attribute("service", svc_id, n) for n in needs_of.get(rec.id, []))
    return t
