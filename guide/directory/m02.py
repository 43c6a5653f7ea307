"""MSSS M02 installations → CLSC points of service (the ``m02`` HSDS layer).

Holding the CLSC mission does not make an installation a door for the public: birth centres,
"Aire ouverte" youth sites (12–25), residential centres (CHSLD), rehabilitation and youth-protection
centres, a detention facility, hospitals of towns that have a CLSC, day centres... Every row of the
file is therefore classified (``classify``), with a reason:

- ``intake_point``: a CLSC point of service for psychosocial intake without referral;
- ``youth_only``: an Aire ouverte site, offered only to people aged 12 to 25;
- ``not_intake``: not a door for psychosocial intake (the reason says why).

Rows that fail validation are ``rejected``. The M02 file has no phone column: CLSC locations have
no phone, and a note routes people to Info-Social 811, option 2.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from guide.directory.common import (
    TERRITORY_TAXONOMY,
    attribute,
    clsc_needs,
    need_attribute,
    taxonomy_id,
    territory_attribute,
    territory_term_id,
)
from guide.directory.hsds import Tables, empty_tables, fmt_number, uid
from guide.directory.lines import info_social_phone
from guide.directory.validate import check_coordinates, check_postal_code, check_required
from guide.text import fold

MISSIONS = (
    "CHPSY",
    "CHSGS",
    "CHSLD",
    "CLSC",
    "CPEJ",
    "CRDITED",
    "CRDPA",
    "CRDPM",
    "CRDPV",
    "CRDPL",
    "CRJDA",
    "CRMDA",
    "CRD",
)
REQUIRED = (
    "INSTAL_COD",
    "INSTAL_NOM",
    "ETAB_CODE",
    "ETAB_NOM",
    "RSS_CODE",
    "RSS_NOM",
    "ADRESSE",
    "CODE_POSTA",
    "MUN_CODE",
    "MUN_NOM",
    "LONGITUDE",
    "LATITUDE",
    "CLSC",
)
#: Also required of installations that hold the CLSC mission (their territory).
REQUIRED_CLSC = ("CLSC_CODE", "CLSC_NOM")
SOURCE_NAME = (
    "MSSS — Fichier M02 des installations et établissements (installationscsv.csv), "
    "Données Québec dataset 51998b55-7d4c-4381-8c20-0ac1cd9c1b87"
)
SOURCE_URL = "https://www.donneesquebec.ca/recherche/dataset/51998b55-7d4c-4381-8c20-0ac1cd9c1b87"
# The Info-Social number is filled in from its help-line record (never typed here).
NO_PHONE_FR = (
    "Pas de numéro de téléphone dans la source : composez le {phone}, option 2 (Info-Social), "
    "pour joindre l'accueil psychosocial de votre CLSC. Heures d'accueil non indiquées dans la source."
)
NO_PHONE_EN = (
    "No phone number in the source: call {phone}, option 2 (Info-Social), to reach your CLSC's "
    "psychosocial intake. Intake hours are not given in the source."
)
YOUTH_AGES = (12, 25)

INTAKE, YOUTH, NOT_INTAKE, REJECTED = "intake_point", "youth_only", "not_intake", "rejected"

# Name patterns (accent-folded, upper case).
_CLSC = re.compile(r"\bCLSC\b(?!\s*-\s*AIRE OUVERTE)")
_RULES: tuple[tuple[str, str, str, str], ...] = (
    # (pattern, classification, reason_code, reason) — first match wins, after the CLSC-name rules.
    (r"\bDETENTION\b", NOT_INTAKE, "detention", "CLSC services inside a detention facility: not open to the public"),
    (r"\bAIRE OUVERTE\b", YOUTH, "aire_ouverte", "Aire ouverte site: services for young people aged 12 to 25 only"),
    (
        r"\bMAISON DE NAISSANCE\b",
        NOT_INTAKE,
        "birth_centre",
        "Birth centre (maison de naissance): midwifery services, not psychosocial intake",
    ),
    (
        r"^CENTRE MULTISERVICES DE SANTE ET DE SERVICES SOCIAUX\b|^CENTRE DE SANTE ET DE SERVICES SOCIAUX\b",
        INTAKE,
        "multiservice_centre",
        "Multiservice health and social-services centre holding the CLSC mission",
    ),
    (
        r"^CENTRE DE SANTE\b",
        INTAKE,
        "regional_health_centre",
        "Health centre holding the CLSC mission in Nord-du-Québec / Nunavik",
    ),
    (r"^CMC\b", INTAKE, "cree_cmc", "Cree community health centre (CMC) holding the CLSC mission"),
    (
        r"^DISPENSAIRE\b",
        INTAKE,
        "nunavik_dispensary",
        "Nunavik village health centre (dispensaire) holding the CLSC mission",
    ),
    (r"^CLINIQUE COMMUNAUTAIRE\b", INTAKE, "community_clinic", "Community clinic holding the CLSC mission"),
    (r"^MSDC\b", NOT_INTAKE, "day_centre", "Cree multi-service day centre: day programmes, not psychosocial intake"),
    (
        r"\bSANTE MENTALE\b|\bPEDOPSYCHIATRIE\b",
        NOT_INTAKE,
        "specialised",
        "Specialised outpatient site (mental health): reached through intake, not a door",
    ),
    (r"^CHSLD\b|^CENTRE D'HEBERGEMENT\b", NOT_INTAKE, "residential", "Residential and long-term care centre (CHSLD)"),
    (r"^CENTRE DE PROTECTION DE L'ENFANCE\b", NOT_INTAKE, "youth_protection", "Youth-protection centre (CPEJ)"),
    (r"^CENTRE DE READAPTATION\b", NOT_INTAKE, "rehabilitation", "Rehabilitation centre"),
    (
        r"^CLINIQUE\b",
        NOT_INTAKE,
        "medical_clinic",
        "Medical clinic holding the CLSC mission: not a psychosocial intake point",
    ),
    (
        r"^HOPITAL\b|^HOTEL-DIEU\b|\bHEALING CENTRE\b",
        "sole_door",
        "hospital",
        "Hospital or health centre holding the CLSC mission",
    ),
)


@dataclass(frozen=True)
class Classification:
    classification: str  # intake_point | youth_only | not_intake
    reason_code: str
    reason: str


def _missions(row: dict[str, str]) -> list[str]:
    return [m for m in MISSIONS if row.get(m) == "Oui"]


def classify_name(name: str, missions: list[str]) -> Classification:
    """Classify one installation from its name and missions (first pass, without context)."""
    if "CLSC" not in missions:
        return Classification(
            NOT_INTAKE, "no_clsc_mission", "No CLSC mission in M02 (missions: " + (", ".join(missions) or "none") + ")"
        )
    n = fold(name).upper().replace("’", "'")
    if re.search(r"\bDETENTION\b", n):
        return Classification(NOT_INTAKE, "detention", _RULES[0][3])
    if _CLSC.search(n):
        if re.search(r"^CLSC EN SANTE MENTALE\b", n):
            return Classification(NOT_INTAKE, "specialised", "Specialised CLSC site (mental health): not a door")
        also = [
            w
            for w, p in (("Aire ouverte youth site", r"\bAIRE OUVERTE\b"), ("birth centre", r"\bMAISON DE NAISSANCE\b"))
            if re.search(p, n)
        ]
        reason = "CLSC point of service" + (f" (co-located with a {' and a '.join(also)})" if also else "")
        return Classification(INTAKE, "clsc", reason)
    for pattern, cls, code, reason in _RULES[1:]:
        if re.search(pattern, n):
            return Classification(cls, code, reason)
    return Classification(
        NOT_INTAKE, "unclassified", "CLSC mission, but the name does not indicate a point of service open to the public"
    )


def classify(rows: list[dict[str, str]]) -> list[Classification]:
    """Classify all rows. A hospital (or health centre) holding the CLSC mission is the door only
    where its municipality has no other intake point."""
    first = [classify_name(r.get("INSTAL_NOM", ""), _missions(r)) for r in rows]
    intake_towns = {r.get("MUN_CODE") for r, c in zip(rows, first, strict=True) if c.classification == INTAKE}
    out = []
    for r, c in zip(rows, first, strict=True):
        if c.classification == "sole_door":
            if r.get("MUN_CODE") in intake_towns:
                c = Classification(
                    NOT_INTAKE,
                    "hospital",
                    "Hospital holding the CLSC mission; the municipality has a CLSC point of service",
                )
            else:
                c = Classification(
                    INTAKE, "sole_door", f"{c.reason}: the only CLSC-mission point of service in its municipality"
                )
        out.append(c)
    return out


_UPPER_WORDS = frozenset({"CLSC", "CHSLD", "CMC", "MSDC", "GMF", "IPS", "CRD", "CRDI", "CRDP", "TSA", "CPEJ", "II"})
_SMALL_WORDS = frozenset({"de", "du", "des", "la", "le", "les", "et", "en", "à", "au", "aux", "sur", "pour", "d", "l"})
# Common nouns and adjectives of installation names: lower case after the first word, as French writes them.
_COMMON_WORDS = frozenset(
    """
    centre centres santé services service sociaux groupe médecine famille universitaire réadaptation déficience
    intellectuelle physique troubles trouble spectre autisme hébergement protection enfance jeunesse ambulatoires
    multiservices dispensaire hôpital clinique communautaire maison naissance ouverte aire point dépendance externes
    aînés pédiatrie mentale pédopsychiatrie rue boulevard avenue chemin établissement détention pavillon petite
    jeunes difficulté adaptation activités jour foyer healing day
""".split()
)


def display_name(name: str) -> str:
    """``"CLSC DE L'ÎLE-DES-SŒURS"`` → ``"CLSC de l'Île-des-Sœurs"`` (acronyms stay upper case)."""
    parts = re.split(r"([^\w]+)", name.strip())
    out: list[str] = []
    for i, w in enumerate(parts):
        if not w or not w[0].isalnum():
            out.append(w)
        elif w in _UPPER_WORDS or any(ch.isdigit() for ch in w):
            out.append(w)
        elif i > 0 and (
            w.lower() in _SMALL_WORDS
            or (w.lower() in _COMMON_WORDS and not (i + 1 < len(parts) and parts[i + 1].startswith("-")))
        ):
            out.append(w.lower())  # a common noun, unless it starts a hyphenated name (Centre-de-la-Mauricie)
        else:
            out.append(w[:1].upper() + w[1:].lower())
    return "".join(out)


@dataclass
class RowResult:
    line: int
    row: dict[str, str]
    status: str  # accepted | classified_out | rejected
    classification: str
    reason_code: str
    reason: str
    postal_code: str | None = None
    coordinates: tuple[float, float] | None = None


def read_m02(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
        return list(reader.fieldnames or []), rows


def evaluate(rows: list[dict[str, str]]) -> list[RowResult]:
    """Validate and classify every row (file order); every row gets a status and a reason."""
    classes = classify(rows)
    seen: set[str] = set()
    results = []
    for i, (row, c) in enumerate(zip(rows, classes, strict=True)):
        errors = check_required(row, REQUIRED + (REQUIRED_CLSC if row.get("CLSC") == "Oui" else ()))
        postal, err = check_postal_code(row.get("CODE_POSTA", ""))
        if err and row.get("CODE_POSTA"):
            errors.append(err)
        coords, err = check_coordinates(row.get("LATITUDE", ""), row.get("LONGITUDE", ""))
        if err and row.get("LATITUDE") and row.get("LONGITUDE"):
            errors.append(err)
        code = row.get("INSTAL_COD", "")
        if code and not re.fullmatch(r"\d{8}", code):
            errors.append(f"invalid INSTAL_COD {code!r} (expected 8 digits)")
        if code in seen:
            errors.append(f"duplicate INSTAL_COD {code}")
        seen.add(code)
        if row.get("CLSC") not in ("Oui", "Non"):
            errors.append(f"invalid CLSC mission flag {row.get('CLSC')!r} (expected Oui/Non)")
        if errors:
            results.append(RowResult(i + 2, row, "rejected", c.classification, "invalid_row", "; ".join(errors)))
            continue
        status = "accepted" if c.classification in (INTAKE, YOUTH) else "classified_out"
        results.append(RowResult(i + 2, row, status, c.classification, c.reason_code, c.reason, postal, coords))
    return results


REPORT_FIELDS = (
    "source_line",
    "INSTAL_COD",
    "INSTAL_NOM",
    "MUN_NOM",
    "clsc_mission",
    "status",
    "classification",
    "reason_code",
    "reason",
)


def report_rows(results: list[RowResult]) -> list[dict[str, str]]:
    return [
        {
            "source_line": str(r.line),
            "INSTAL_COD": r.row.get("INSTAL_COD", ""),
            "INSTAL_NOM": r.row.get("INSTAL_NOM", ""),
            "MUN_NOM": r.row.get("MUN_NOM", ""),
            "clsc_mission": r.row.get("CLSC", ""),
            "status": r.status,
            "classification": r.classification,
            "reason_code": r.reason_code,
            "reason": r.reason,
        }
        for r in results
    ]


def service_label(kind: str) -> dict[str, str]:
    if kind == YOUTH:
        lo, hi = YOUTH_AGES
        return {
            "name": f"Aire ouverte — services pour les jeunes de {lo} à {hi} ans",
            "alternate_name": f"Aire ouverte — services for young people aged {lo} to {hi}",
            "description": (
                f"Lieu d'accueil pour les jeunes de {lo} à {hi} ans (santé, services psychosociaux). / "
                f"Drop-in place for young people aged {lo} to {hi} (health and psychosocial services)."
            ),
            "eligibility_description": f"Jeunes de {lo} à {hi} ans / Young people aged {lo} to {hi}",
        }
    return {
        "name": "Accueil psychosocial du CLSC — sans référence",
        "alternate_name": "CLSC psychosocial intake — no referral needed",
        "description": (
            "Services sociaux généraux : accueil, analyse et orientation pour toute difficulté "
            "psychosociale, sans référence. / General social services: intake, assessment and "
            "referral for any psychosocial difficulty, no referral needed."
        ),
        "eligibility_description": "Toute personne, sans référence / Anyone, no referral needed",
    }


def build_layer(results: list[RowResult], corpus_dir: Path, source_file: str) -> Tables:
    """HSDS tables for the accepted rows (intake points and youth-only sites), in INSTAL_COD order."""
    t = empty_tables()
    accepted = sorted((r for r in results if r.status == "accepted"), key=lambda r: r.row["INSTAL_COD"])
    needs = clsc_needs(corpus_dir)
    no_phone_fr = NO_PHONE_FR.format(phone=info_social_phone(corpus_dir))
    no_phone_en = NO_PHONE_EN.format(phone=info_social_phone(corpus_dir))

    # Territory terms: RSS > RLS > CLSC, for every territory of an accepted row.
    terms: dict[tuple[str, str], dict[str, str]] = {}
    for r in accepted:
        row = r.row
        terms[("RSS", row["RSS_CODE"])] = {"name": row["RSS_NOM"], "parent": ""}
        terms[("ETAB", row["ETAB_CODE"])] = {"name": row.get("ETAB_NOM_A") or row["ETAB_NOM"], "parent": ""}
        parent = territory_term_id("RSS", row["RSS_CODE"])
        if row.get("RLS_CODE"):
            terms[("RLS", row["RLS_CODE"])] = {"name": row.get("RLS_NOM", ""), "parent": parent}
            parent = territory_term_id("RLS", row["RLS_CODE"])
        terms[("CLSC", row["CLSC_CODE"])] = {"name": row["CLSC_NOM"], "parent": parent}
    order = {"RSS": 0, "ETAB": 1, "RLS": 2, "CLSC": 3}
    for (level, code), term in sorted(terms.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        t["taxonomy_terms"].append(
            {
                "id": territory_term_id(level, code),
                "code": f"{level}:{code}",
                "name": term["name"],
                "description": f"{level} {code} — {term['name']}",
                "parent_id": term["parent"],
                "taxonomy": TERRITORY_TAXONOMY,
                "language": "fr",
                "taxonomy_id": taxonomy_id(TERRITORY_TAXONOMY),
            }
        )

    by_etab: dict[str, list[RowResult]] = defaultdict(list)
    for r in accepted:
        by_etab[r.row["ETAB_CODE"]].append(r)
    assured = max((r.row.get("DATE_MAJ", "") for r in accepted), default="")
    for etab in sorted(by_etab):
        group = by_etab[etab]
        first = group[0].row
        org_id = uid("organization", "m02", etab)
        t["organizations"].append(
            {
                "id": org_id,
                "name": first["ETAB_NOM"],
                "alternate_name": first.get("ETAB_NOM_A", ""),
                "description": (
                    "Établissement public du réseau de la santé et des services sociaux (nom d'avant "
                    "Santé Québec, tel qu'il figure dans le fichier M02). / Public health and social-services "
                    "establishment (pre-Santé Québec name, as in the M02 file)."
                ),
            }
        )
        for kind in (INTAKE, YOUTH):
            members = [r for r in group if r.classification == kind]
            if not members:
                continue
            svc_id = uid("service", "m02", etab, kind)
            label = service_label(kind)
            lo, hi = YOUTH_AGES if kind == YOUTH else ("", "")
            t["services"].append(
                {
                    "id": svc_id,
                    "organization_id": org_id,
                    **label,
                    "status": "active",
                    "minimum_age": str(lo),
                    "maximum_age": str(hi),
                    "assured_date": assured,
                }
            )
            attrs: dict[str, str | bool | None] = {
                "kind": "clsc",
                "no_referral": True,
                "note_fr": no_phone_fr,
                "note_en": no_phone_en,
                "source_name": SOURCE_NAME,
                "source_url": SOURCE_URL,
                "source_file": source_file,
            }
            t["attributes"].extend(attribute("service", svc_id, k, v) for k, v in attrs.items())
            t["attributes"].extend(need_attribute("service", svc_id, n) for n in needs)
            t["service_areas"].append(
                {
                    "id": uid("service_area", "m02", etab, kind),
                    "service_id": svc_id,
                    "name": first["RSS_NOM"],
                    "extent": first["RSS_CODE"],
                    "extent_type": "msss_rss_code",
                }
            )
            for r in members:
                _add_location(t, r, org_id, svc_id)
    return t


def _add_location(t: Tables, r: RowResult, org_id: str, svc_id: str) -> None:
    row = r.row
    code = row["INSTAL_COD"]
    loc_id = uid("location", "m02", code)
    sal_id = uid("service_at_location", "m02", code)
    name = display_name(row["INSTAL_NOM"])
    lat, lon = r.coordinates or (None, None)
    assert r.postal_code is not None  # accepted rows have one (CODE_POSTA is required and checked)
    address = f"{row['ADRESSE']}, {row['MUN_NOM']} (Québec) {r.postal_code}"
    t["locations"].append(
        {
            "id": loc_id,
            "location_type": "physical",
            "organization_id": org_id,
            "name": name,
            "alternate_name": row["INSTAL_NOM"],
            "description": (
                f"{name} — {address}. Territoire de CLSC / CLSC territory: {row['CLSC_NOM']} "
                f"({row['CLSC_CODE']}); {row.get('RLS_NOM') or 'RLS —'}; région / region {row['RSS_CODE']} "
                f"{row['RSS_NOM']}."
            ),
            "latitude": fmt_number(lat),
            "longitude": fmt_number(lon),
            "external_identifier": code,
            "external_identifier_type": "MSSS M02 INSTAL_COD",
        }
    )
    t["addresses"].append(
        {
            "id": uid("address", "m02", code),
            "location_id": loc_id,
            "address_1": row["ADRESSE"],
            "city": row["MUN_NOM"],
            "region": row["RSS_NOM"],
            "state_province": "QC",
            "postal_code": r.postal_code,
            "country": "CA",
            "address_type": "physical",
        }
    )
    t["service_at_location"].append(
        {
            "id": sal_id,
            "service_id": svc_id,
            "location_id": loc_id,
            "description": f"{name} ({row['MUN_NOM']})",
        }
    )
    t["attributes"].append(attribute("service_at_location", sal_id, "guide_id", f"svc-clsc-{code}"))
    t["attributes"].append(attribute("service_at_location", sal_id, "intake_classification", r.classification))
    t["attributes"].append(attribute("service_at_location", sal_id, "classification_reason", r.reason))
    t["attributes"].append(territory_attribute("location", loc_id, "RSS", row["RSS_CODE"]))
    t["attributes"].append(territory_attribute("location", loc_id, "ETAB", row["ETAB_CODE"]))
    if row.get("RLS_CODE"):
        t["attributes"].append(territory_attribute("location", loc_id, "RLS", row["RLS_CODE"]))
    t["attributes"].append(territory_attribute("location", loc_id, "CLSC", row["CLSC_CODE"]))
