"""Vocabulary shared by the layers: the Guide taxonomies, their terms, and attribute helpers."""

from __future__ import annotations

from pathlib import Path

from guide.directory.hsds import Row, Tables, empty_tables, uid
from guide.directory.needs import load_needs

NEEDS_TAXONOMY = "guide-needs"
TERRITORY_TAXONOMY = "msss-territories"
ATTRIBUTE_TAXONOMY = "guide-attributes"

#: Guide's service attributes (HSDS ``attributes`` linked to a term of ``guide-attributes``).
ATTRIBUTE_TERMS: dict[str, str] = {
    "kind": "Kind of point of service for Guide: clsc, helpline, emergency, community, or intake (a CLSC's "
    "or establishment's door number, shown with the CLSCs it covers)",
    "guide_id": "Stable readable identifier used by Guide (e.g. svc-clsc-51228484, line-tel-jeunes)",
    "no_referral": "true when the service can be reached without a referral",
    "phone_verified": "true when the phone number was read on a cited page (help-line table)",
    "hours_verified": "true when the hours were read on a cited page and not marked uncertain",
    "text_sms_verified": "true when the text (SMS) number was read on a cited page",
    "verification": "Verification status as written in the source table",
    "note_fr": "Note to show with the service (French)",
    "note_en": "Note to show with the service (English)",
    "source_name": "Source of the facts",
    "source_url": "Page or dataset where the facts were read",
    "source_file": "File under corpus/ the row was imported from",
    "source_notes": "Notes of the source table",
    "intake_classification": "M02 classification: intake_point or youth_only",
    "classification_reason": "Why the installation is offered (M02 classification)",
    "coordinates_source": "How the location's coordinates were obtained",
    "verification_status": "verified (read on a page of the establishment, organisation or government), secondary "
    "(news, third party: shown as to be confirmed) or unverified",
    "source_date": "Date the cited page shows (empty: the page shows none)",
    "source_quote": "The sentence of the cited page that holds the number, copied exactly",
    "source_rank": "0 current page of the establishment, organisation or government; 1 older official list or "
    "page; 2 secondary source (guide.directory.precedence)",
    "line_group": "Lines of one kind of which only some are shown where they serve (dpj, caap, commissioner, "
    "crisis_centre, 211, tal) or door numbers (intake, clsc_phone, health_intake)",
    "role": "What a regional row is (regional_lines.csv): dpj, caap, commissioner, crisis_centre, intake, "
    "clsc_phone, info_social_alternate, health_intake",
    "fallback": "true when the line is offered only where no other line of its group serves the person",
    "superseded_by": "Why the line is not shown and what is shown instead (the row is kept)",
    "walk_in": "In-person access as the source says it (its language)",
    "walk_in_sites": "M02 installation codes (INSTAL_COD) where the walk-in access applies",
    "phone_display": "A phone number with its extension or menu option as the source writes it",
}

TAXONOMIES: dict[str, tuple[str, str]] = {
    NEEDS_TAXONOMY: (
        "Guide — besoins / needs",
        "Needs of people looking for first-line social services (corpus/taxonomy/needs.yaml).",
    ),
    TERRITORY_TAXONOMY: (
        "MSSS — territoires / territories",
        "Health and social-services regions (RSS), establishments (ETAB: CISSS, CIUSSS and "
        "others), local service networks (RLS) and CLSC territories, codes as in the MSSS M02 file.",
    ),
    ATTRIBUTE_TAXONOMY: (
        "Guide — attributs / attributes",
        "Service attributes used by Guide (kind, verification status, notes, provenance).",
    ),
}


def taxonomy_id(name: str) -> str:
    return uid("taxonomy", name)


def need_term_id(need_id: str) -> str:
    return uid("term", NEEDS_TAXONOMY, need_id)


def attribute_term_id(code: str) -> str:
    return uid("term", ATTRIBUTE_TAXONOMY, code)


def territory_term_id(level: str, code: str) -> str:
    return uid("term", TERRITORY_TAXONOMY, level, code)


def attribute(link_entity: str, link_id: str, code: str, value: str | bool | None) -> Row:
    """A Guide attribute row; booleans become "true"/"false"."""
    text = ("true" if value else "false") if isinstance(value, bool) else (value or "")
    return {
        "id": uid("attribute", link_entity, link_id, code),
        "link_id": link_id,
        "taxonomy_term_id": attribute_term_id(code),
        "link_type": code,
        "link_entity": link_entity,
        "value": text,
    }


def need_attribute(link_entity: str, link_id: str, need_id: str) -> Row:
    return {
        "id": uid("attribute", link_entity, link_id, "need", need_id),
        "link_id": link_id,
        "taxonomy_term_id": need_term_id(need_id),
        "link_type": "need",
        "link_entity": link_entity,
        "value": need_id,
    }


def territory_attribute(link_entity: str, link_id: str, level: str, code: str) -> Row:
    return {
        "id": uid("attribute", link_entity, link_id, "territory", level),
        "link_id": link_id,
        "taxonomy_term_id": territory_term_id(level, code),
        "link_type": level.lower(),
        "link_entity": link_entity,
        "value": code,
    }


def core_layer(corpus_dir: Path) -> Tables:
    """Taxonomies, the needs terms (from needs.yaml) and Guide's attribute terms."""
    t = empty_tables()
    for name, (title, description) in TAXONOMIES.items():
        t["taxonomies"].append({"id": taxonomy_id(name), "name": title, "description": description, "version": "1"})
    for need in load_needs(corpus_dir):
        t["taxonomy_terms"].append(
            {
                "id": need_term_id(need.id),
                "code": need.id,
                "name": f"{need.label_fr} / {need.label_en}",
                "description": f"{need.description_fr} / {need.description_en}",
                "taxonomy": NEEDS_TAXONOMY,
                "language": "fr,en",
                "taxonomy_id": taxonomy_id(NEEDS_TAXONOMY),
            }
        )
    for code, description in ATTRIBUTE_TERMS.items():
        t["taxonomy_terms"].append(
            {
                "id": attribute_term_id(code),
                "code": code,
                "name": code,
                "description": description,
                "taxonomy": ATTRIBUTE_TAXONOMY,
                "language": "en",
                "taxonomy_id": taxonomy_id(ATTRIBUTE_TAXONOMY),
            }
        )
    return t


def services_by_need(corpus_dir: Path) -> dict[str, list[str]]:
    """Help-line record id → ids of the needs it serves (needs.yaml order)."""
    out: dict[str, list[str]] = {}
    for need in load_needs(corpus_dir):
        for line in need.lines:
            out.setdefault(line, []).append(need.id)
    return out


def clsc_needs(corpus_dir: Path) -> list[str]:
    return [n.id for n in load_needs(corpus_dir) if n.clsc]
