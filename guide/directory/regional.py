"""Regional doors and lines (``sources/regional_lines/regional_lines.csv``) → the ``regional`` HSDS layer.

One row per number, each read on a cited page (``source_url``, the sentence in ``quote``). Every row is
validated (required fields, region code, kind, verification, phone format, the number written in the
quoted sentence, date format, no duplicate) and gets a report line: ``accepted`` with the service it
joined, or ``rejected`` with the reason. Rows of the same service (same region, kind, establishment,
page and name, a "(sans frais)" variant included) become one HSDS service with several phones.

What each row is (its ``role``), by kind:

- ``youth_protection`` → ``dpj`` (the region's DPJ reporting line; need ``child_protection``);
- ``complaints_commissioner`` → ``commissioner``, ``complaints_assistance`` → ``caap`` (need
  ``rights_complaint``); the ``00`` row (the CAAP federation's number, which forwards to the caller's
  regional CAAP) is province-wide and offered only where no regional CAAP is known (``fallback``);
- ``crisis_centre`` → ``crisis_centre`` (needs ``mental_health``, ``suicide``);
- ``psychosocial_intake`` → a door number, not a line:
  ``intake`` (the psychosocial intake of a CLSC, RLS or establishment: ``intake_phone`` of the CLSCs
  it covers), ``clsc_phone`` (a name saying "numéro général du CLSC" or citing a CLSC's listing: a
  switchboard, the CLSC's ``phone``), ``info_social_alternate`` (a name citing 811: the regional
  alternate number of Info-Social, a line), ``health_intake`` (a name saying "Accueil santé": a
  first-line health intake that may not be the psychosocial one — kept, not used as the door).

Service areas: the region (DPJ, CAAP); the establishment's territory (commissioner, crisis centre),
else the region; for door numbers the CLSC installation, CLSC territory or RLS the name gives
("Accueil psychosocial du CLSC – Sherbrooke", "CLSC de Longueuil-Ouest – numéro général"), else
the establishment. A door number that names a CLSC that cannot be found in the M02 file is rejected.

The source rank (``source_rank``) feeds the rule that picks what is shown when rows conflict
(``guide.directory.precedence``): 0 = a current page of the establishment, the organisation or a
government body; 1 = an older official list or page (``OLDER_SOURCES``: the undated CDPDJ list of
before 2015, pages of former establishments); 2 = a secondary source (news, third party).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from guide.directory import areas as A
from guide.directory.areas import Area
from guide.directory.hsds import Tables, empty_tables, uid
from guide.directory.validate import check_phone_with_extension, check_required, digits_in
from guide.geo import place_key
from guide.ingest.helplines import slug

SOURCE_FILE = "sources/regional_lines/regional_lines.csv"
IMPORT_DATE = "2026-12-01"  # date the file entered the corpus (corpus/SOURCES.md)
SOURCE_NAME = "Regional lines compiled for Guide (regional_lines.csv, 2026-11-30)"
REQUIRED = ("region_code", "region_name", "kind", "name_fr", "phone", "source_url", "quote", "verification")
KINDS = {
    "youth_protection": "dpj",
    "complaints_commissioner": "commissioner",
    "complaints_assistance": "caap",
    "crisis_centre": "crisis_centre",
    "psychosocial_intake": "intake",
}
NEEDS = {
    "dpj": ["child_protection"],
    "commissioner": ["rights_complaint"],
    "caap": ["rights_complaint"],
    "crisis_centre": ["mental_health", "suicide"],
}
DOOR_ROLES = ("intake", "clsc_phone", "health_intake")
VERIFICATION = ("verified", "secondary")
#: Older official sources (rank 1), by address prefix, with why (regional_lines/README.md).
OLDER_SOURCES = {
    "http://www.cdpdj.qc.ca/": "the CDPDJ list of DPJ numbers, undated, from before 2015",
    "http://www.santemonteregie.qc.ca/portail/": "a page of the former Centre jeunesse de la Montérégie",
    "http://www.cucssslaval.ca/": "the site of the former CSSS de Laval (before 2015)",
    "http://www.santemonteregie.qc.ca/richelieu-yamaska/": "a page on the old site structure of the CISSS",
}
RANK_NAMES = {
    0: "current page of the establishment, organisation or government",
    1: "older official list or page",
    2: "secondary source (news, third party)",
}
REPORT_FIELDS = (
    "source_line",
    "region_code",
    "kind",
    "name_fr",
    "phone",
    "verification",
    "status",
    "service_id",
    "role",
    "areas",
    "reason",
)


@dataclass
class RowResult:
    line: int
    row: dict[str, str]
    status: str = "accepted"
    reason: str = ""
    service_id: str = ""
    phone: tuple[str, str, str] | None = None  # (number, extension, extension text)


@dataclass
class RegionalService:
    id: str
    region: str
    kind: str
    role: str
    rows: list[RowResult]
    areas: list[Area]
    rank: int
    rank_reason: str
    walk_in_sites: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def first(self) -> dict[str, str]:
        return self.rows[0].row

    @property
    def verified(self) -> bool:
        return all(r.row["verification"] == "verified" for r in self.rows)

    @property
    def fallback(self) -> bool:
        return self.region == "00"

    def numbers(self) -> list[str]:
        return [r.phone[0] for r in self.rows if r.phone]


def base_name(name: str) -> str:
    """The name without its toll-free mark: "CAAP – Lanaudière (sans frais)" → "CAAP – Lanaudière"."""
    return re.sub(r"\s*(?:\((?:ligne )?sans frais\)|[–-]\s*sans frais)\s*$", "", name.strip())


def source_rank(row: dict[str, str]) -> tuple[int, str]:
    if row.get("verification") == "secondary":
        return 2, RANK_NAMES[2]
    for prefix, why in OLDER_SOURCES.items():
        if row.get("source_url", "").startswith(prefix):
            return 1, why
    return 0, RANK_NAMES[0]


def role_of(row: dict[str, str]) -> str:
    role = KINDS[row["kind"]]
    if role != "intake":
        return role
    name = row.get("name_fr", "")
    if re.search(r"numéro général du CLSC|numéro \(fiche", name):
        return "clsc_phone"
    if re.search(r"\b811\b", name + " " + row.get("name_en", "")):
        return "info_social_alternate"
    if re.search(r"\bAccueil santé\b", name):
        return "health_intake"
    return "intake"


# --- territories ---------------------------------------------------------------------------------

_ARTICLES = {"de", "du", "des", "la", "le", "les", "l", "d", "rls", "clsc", "mrc"}


def _core(text: str) -> str:
    """Key of a territory name without articles and "CLSC"/"RLS": "RLS de la Pommeraie" → "pommeraie"."""
    words = re.sub(r"[^\w]+", " ", re.sub(r"\([^()]*\)", " ", text)).split()
    words = [w for w in words if place_key(w) not in _ARTICLES]
    return place_key(" ".join(words))


def establishments(text: str, region: str, corpus_dir: Path) -> list[str]:
    """ETAB codes of the establishment(s) a row names ("CISSS de la Gaspésie / CISSS des Îles"), within its region."""
    t = A.territories(corpus_dir)
    out = []
    for part in re.split(r"\s+/\s+", re.sub(r"\([^()]*\)", " ", text or "")):
        key = place_key(part)
        hits = [c for c, n in t.etab_names.items() if place_key(n) == key and region in t.etab_rss.get(c, ())]
        out += [h for h in hits if h not in out]
    return out


def _door_target(name: str) -> str:
    """The territory or CLSC a door number's name gives (the last " – " part), or ''."""
    parts = re.split(r"\s+[–-]\s+", name)
    if len(parts) < 2:
        return ""
    return re.sub(r"\([^()]*\)", " ", parts[-1]).strip()


def _instal_match(target: str, region: str, corpus_dir: Path) -> list[str]:
    t = A.territories(corpus_dir)
    key = _core(target)
    if not key:
        return []
    exact = [c for c, r in t.instal.items() if r["RSS_CODE"] == region and _core(r["INSTAL_NOM"]) == key]
    if exact:
        return exact
    # "… ET CLSC LIONEL-CHAREST": the CLSC named inside a longer installation name
    return [
        c
        for c, r in t.instal.items()
        if r["RSS_CODE"] == region
        and re.search(
            r"\bCLSC\s+(?:DE\s+|DU\s+|DES\s+|D'|DE LA\s+)?" + re.escape(target.upper()) + r"\b", r["INSTAL_NOM"].upper()
        )
    ]


def door_areas(row: dict[str, str], role: str, corpus_dir: Path) -> tuple[list[Area], str | None]:
    """The areas of a door number, or (``[]``, reason) when the name's CLSC cannot be found."""
    t = A.territories(corpus_dir)
    region, name = row["region_code"], row["name_fr"]
    if role == "clsc_phone":
        target = re.split(r"\s+[–-]\s+", name)[0]
        hits = _instal_match(target, region, corpus_dir)
        if len(hits) != 1:
            return [], f"cannot tie the CLSC {target!r} to one M02 installation of region {region} (found {hits})"
        return [Area(A.INSTAL, hits[0], t.instal[hits[0]]["INSTAL_NOM"])], None
    target = _door_target(name)
    if target:
        key = _core(target)
        clsc = [c for c, n in t.clsc_names.items() if t.clsc_rss.get(c) == region and _core(n) == key]
        if len(clsc) == 1:
            return [Area(A.CLSC, clsc[0], t.clsc_names[clsc[0]])], None
        rls = sorted({r for c, r in t.clsc_rls.items() if t.clsc_rss.get(c) == region and _core(t.rls_names[r]) == key})
        if len(rls) == 1:
            return [Area(A.RLS, rls[0], t.rls_names[rls[0]])], None
        inst = _instal_match(
            target.split(" ", 1)[-1] if target.upper().startswith("CLSC ") else target, region, corpus_dir
        )
        codes = sorted({t.instal[i]["CLSC_CODE"] for i in inst})
        if len(codes) == 1:
            return [Area(A.CLSC, codes[0], t.clsc_names[codes[0]])], None
        if "CLSC" in name:
            return [], f"cannot tie {target!r} to one CLSC territory, RLS or installation of region {region}"
    etabs = establishments(row.get("establishment", ""), region, corpus_dir)
    if not etabs:
        return (
            [],
            f"cannot tie the establishment {row.get('establishment')!r} to an M02 establishment of region {region}",
        )
    return [Area(A.ETAB, e, t.etab_names[e]) for e in etabs], None


def line_areas(row: dict[str, str], role: str, corpus_dir: Path) -> tuple[list[Area], str]:
    """Areas of a line, and a note when the establishment's territory could not be used."""
    t = A.territories(corpus_dir)
    region = row["region_code"]
    if region == "00":
        return [Area(A.PROVINCE, "QC", "Québec")], ""
    if role in ("commissioner", "crisis_centre", "info_social_alternate"):
        etabs = establishments(row.get("establishment", ""), region, corpus_dir)
        if etabs:
            return [Area(A.ETAB, e, t.etab_names[e]) for e in etabs], ""
        note = (
            (
                f"establishment {row.get('establishment')!r} not matched to an M02 establishment: offered in the "
                f"whole region"
            )
            if row.get("establishment")
            else ""
        )
        return [Area(A.RSS, region, t.rss_names.get(region, ""))], note
    return [Area(A.RSS, region, t.rss_names.get(region, ""))], ""


def walk_in_sites(text: str, region: str, corpus_dir: Path) -> tuple[list[str], list[str]]:
    """Installations named in a walk-in text ("… dans 7 CLSC: des Maskoutains, MRC-d'Acton (mar-ven), …;"):
    (INSTAL_CODs found, names not found)."""
    m = re.search(r"\bCLSC\s*:\s*([^;]+)", text or "")
    if not m:
        return [], []
    t = A.territories(corpus_dir)
    found, missing = [], []
    for name in [n.strip() for n in m.group(1).split(",") if n.strip()]:
        key = _core(name)
        cores = {
            c: _core(r["INSTAL_NOM"])
            for c, r in t.instal.items()
            if r["RSS_CODE"] == region and r["INSTAL_NOM"].upper().startswith("CLSC")
        }
        hits = [c for c, k in cores.items() if k == key] or [c for c, k in cores.items() if key and k.startswith(key)]
        if len(hits) == 1:
            found.append(hits[0])
        else:
            missing.append(name)
    return found, missing


# --- evaluation ----------------------------------------------------------------------------------


def read(corpus_dir: Path, path: Path | None = None) -> list[dict[str, str]]:
    with Path(path or Path(corpus_dir) / SOURCE_FILE).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = []
        for lineno, row in enumerate(reader, 2):
            if None in row or any(v is None for v in row.values()):
                raise ValueError(f"{SOURCE_FILE}:{lineno}: wrong number of fields (quote fields that contain commas)")
            rows.append({k: (v or "").strip() for k, v in row.items()})
        return rows


def evaluate(corpus_dir: Path, path: Path | None = None) -> tuple[list[RowResult], list[RegionalService]]:
    """Validate every row (file order) and group the accepted ones into services."""
    corpus_dir = Path(corpus_dir)
    t = A.territories(corpus_dir)
    results: list[RowResult] = []
    seen: set[tuple[str, str, str, str]] = set()
    for i, row in enumerate(read(corpus_dir, path)):
        res = RowResult(i + 2, row)
        errors = check_required(row, REQUIRED)
        region = row.get("region_code", "")
        if region and region != "00" and region not in t.rss_names:
            errors.append(f"unknown region code {region!r} (expected an RSS code 01–18, or 00 for province-wide)")
        if row.get("kind") and row["kind"] not in KINDS:
            errors.append(f"unknown kind {row['kind']!r} (expected one of {', '.join(KINDS)})")
        if row.get("verification") and row["verification"] not in VERIFICATION:
            errors.append(f"invalid verification {row['verification']!r} (expected verified or secondary)")
        if row.get("source_date") and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", row["source_date"]):
            errors.append(f"invalid source_date {row['source_date']!r} (expected YYYY, YYYY-MM or YYYY-MM-DD)")
        if row.get("phone"):
            phone, err = check_phone_with_extension(row["phone"])
            if err:
                errors.append(err)
            elif phone is not None and row.get("quote") and not digits_in(row["quote"], phone[0]):
                errors.append(f"the number {phone[0]} is not in the quoted sentence")
            res.phone = phone
        if not errors:
            key = (region, row["kind"], re.sub(r"\D", "", row["phone"]), row["source_url"])
            if key in seen:
                errors.append("duplicate row (same region, kind, number and source)")
            seen.add(key)
        if errors:
            res.status, res.reason = "rejected", "; ".join(errors)
        results.append(res)
    return results, _group(results, corpus_dir)


def _group(results: list[RowResult], corpus_dir: Path) -> list[RegionalService]:
    groups: dict[tuple[str, ...], RegionalService] = {}
    ids: set[str] = set()
    for res in results:
        if res.status != "accepted":
            continue
        row = res.row
        role = role_of(row)
        key = (
            row["region_code"],
            row["kind"],
            role,
            row.get("establishment", ""),
            row["source_url"],
            base_name(row["name_fr"]),
        )
        if key in groups:
            svc = groups[key]
            svc.rows.append(res)
            res.service_id = svc.id
            continue
        if role in DOOR_ROLES:
            areas, err = door_areas(row, role, corpus_dir)
            note = ""
            if err:
                res.status, res.reason = "rejected", err
                continue
        else:
            areas, note = line_areas(row, role, corpus_dir)
        rank, why = source_rank(row)
        base = f"regional-{row['region_code']}-{role.replace('_', '-')}-{slug(base_name(row['name_fr']), 40)}"
        sid, n = base, 2
        while sid in ids:
            sid, n = f"{base}-{n}", n + 1
        ids.add(sid)
        svc = RegionalService(sid, row["region_code"], row["kind"], role, [res], areas, rank, why)
        if note:
            svc.notes.append(note)
        if row.get("walk_in"):
            sites, missing = walk_in_sites(row["walk_in"], row["region_code"], corpus_dir)
            svc.walk_in_sites = sites
            if missing:
                svc.notes.append("walk-in sites not found in M02: " + ", ".join(missing))
        groups[key] = svc
        res.service_id = sid
    for svc in groups.values():  # a later row may have a worse source than the first
        for res in svc.rows[1:]:
            rank, why = source_rank(res.row)
            if rank > svc.rank:
                svc.rank, svc.rank_reason = rank, why
    return list(groups.values())


def report_rows(results: list[RowResult], services: list[RegionalService]) -> list[dict[str, str]]:
    by_id = {s.id: s for s in services}
    out = []
    for r in results:
        svc = by_id.get(r.service_id)
        reason = r.reason
        if svc is not None and r.status == "accepted":
            reason = "; ".join(x for x in [f"source rank {svc.rank} ({svc.rank_reason})", *svc.notes] if x)
        out.append(
            {
                "source_line": str(r.line),
                "region_code": r.row.get("region_code", ""),
                "kind": r.row.get("kind", ""),
                "name_fr": r.row.get("name_fr", ""),
                "phone": r.row.get("phone", ""),
                "verification": r.row.get("verification", ""),
                "status": r.status,
                "service_id": r.service_id if r.status == "accepted" else "",
                "role": svc.role if svc else "",
                "areas": "; ".join(f"{a.type}:{a.code}" for a in svc.areas) if svc else "",
                "reason": reason,
            }
        )
    return out


# --- HSDS layer ----------------------------------------------------------------------------------


def build(corpus_dir: Path, path: Path | None = None) -> tuple[Tables, list[dict[str, str]]]:
    """The ``regional`` layer and its report (one line per source row)."""
    from guide.directory import hours as H
    from guide.directory.common import attribute, need_attribute
    from guide.directory.lines import area_rows
    from guide.directory.precedence import ROUTE_NOTE, decisions

    corpus_dir = Path(corpus_dir)
    results, services = evaluate(corpus_dir, path)
    decided = decisions(corpus_dir) if path is None else {}
    source_file = SOURCE_FILE if path is None else Path(path).name
    t = empty_tables()
    orgs: set[str] = set()
    for svc in services:
        row = svc.first
        org_name = row.get("establishment") or base_name(row["name_fr"])
        org_id = uid("organization", "regional", org_name)
        if org_id not in orgs:
            orgs.add(org_id)
            t["organizations"].append(
                {"id": org_id, "name": org_name, "description": f"{org_name} — {row['region_name']}"}
            )
        svc_id = uid("service", "regional", svc.id)
        name = base_name(row["name_fr"])
        name_en = base_name(next((r.row["name_en"] for r in svc.rows if r.row.get("name_en")), ""))
        t["services"].append(
            {
                "id": svc_id,
                "organization_id": org_id,
                "name": name,
                "alternate_name": name_en,
                "description": f"{name} — {row.get('establishment') or org_name} ({row['region_name']})",
                "status": "active",
                "assured_date": IMPORT_DATE,
            }
        )
        for i, r in enumerate(svc.rows):
            number, ext, ext_text = r.phone or ("", "", "")
            qualifiers = [
                q
                for q in (
                    ext_text,
                    "sans frais / toll-free" if re.search(r"sans frais", r.row["name_fr"]) else "",
                    r.row["hours"] if r.row["hours"] in ("jour", "soir") else "",
                )
                if q
            ]
            phone_id = uid("phone", "regional", svc.id, str(i))
            t["phones"].append(
                {
                    "id": phone_id,
                    "service_id": svc_id,
                    "number": number,
                    "extension": ext,
                    "type": "voice",
                    "description": "; ".join(qualifiers),
                }
            )
            if ext_text:
                t["attributes"].append(attribute("phone", phone_id, "phone_display", f"{number}, {ext_text}"))
        texts = list(dict.fromkeys(r.row["hours"] for r in svc.rows))

        def make_id(i: int, s: str = svc.id) -> str:
            return uid("schedule", "regional", s, str(i))

        if len(texts) == 1 and texts[0] not in ("jour", "soir"):
            parsed = H.parse(texts[0])
            t["schedules"].extend(H.schedule_rows(parsed, make_id, {"service_id": svc_id}))
        else:
            parsed = H.parse("")
            joined = "; ".join(f"{r.row['phone']} : {r.row['hours'] or '—'}" for r in svc.rows)
            t["schedules"].append({"id": make_id(0), "service_id": svc_id, "description": joined, "notes": ""})
        decision = decided.get(svc.id)
        areas = svc.areas + (decision.extra_areas if decision else [])
        t["service_areas"].extend(
            area_rows(
                f"regional|{svc.id}",
                svc_id,
                areas,
                {f"{a.type}:{a.code}": ROUTE_NOTE for a in (decision.extra_areas if decision else [])},
            )
        )
        line = svc.role not in DOOR_ROLES
        dates = [r.row["source_date"] for r in svc.rows if r.row.get("source_date")]
        walk = next((r.row["walk_in"] for r in svc.rows if r.row.get("walk_in")), "")
        attrs: dict[str, str | bool] = {
            "kind": "helpline" if line else "intake",
            "guide_id": svc.id,
            "no_referral": True,
            "phone_verified": svc.verified,
            "hours_verified": svc.verified and parsed.structured,
            "text_sms_verified": False,
            "verification": "; ".join(dict.fromkeys(r.row["verification"] for r in svc.rows)),
            "verification_status": "verified" if svc.verified else "secondary",
            "source_date": dates[0] if dates else "",
            "source_quote": " / ".join(dict.fromkeys(r.row["quote"] for r in svc.rows)),
            "source_name": SOURCE_NAME,
            "source_url": row["source_url"],
            "source_file": source_file,
            "source_notes": "; ".join(svc.notes),
            "role": svc.role,
            "line_group": svc.role,
            "source_rank": str(svc.rank),
            "fallback": svc.fallback,
            "superseded_by": decision.superseded_by if decision else "",
            "walk_in": walk,
            "walk_in_sites": ",".join(svc.walk_in_sites),
        }
        t["attributes"].extend(
            attribute("service", svc_id, k, v)
            for k, v in attrs.items()
            if v not in ("", False) or k in ("phone_verified", "hours_verified", "no_referral")
        )
        t["attributes"].extend(need_attribute("service", svc_id, n) for n in NEEDS.get(svc.role, []))
    return t, report_rows(results, services)
