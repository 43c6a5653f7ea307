"""Directory → search records: one ``Record`` (kind "service") per CLSC intake point.

Ids are ``svc-clsc-<INSTAL_COD>``, the same as ``services_near``'s. Youth-only sites (Aire ouverte)
and imported community services are not indexed: search results are shown to anyone, and the
directory's own ``services_near`` offers them with their age and need filters.
"""

from __future__ import annotations

from pathlib import Path

from guide.directory.m02 import INTAKE
from guide.directory.store import directory_path, load_directory
from guide.records import Record, Source

LICENCE = (
    "MSSS M02 (Données Québec): licence not stated in the mirror; Données Québec MSSS datasets are "
    "normally CC BY 4.0 (not verified)"
)


def build(corpus_dir: Path) -> list[Record]:
    d = load_directory(directory_path(corpus_dir))
    records: list[Record] = []
    for e in sorted(d.located, key=lambda e: e.id):
        if e.kind != "clsc" or e.classification != INTAKE:
            continue
        code = e.id.removeprefix("svc-clsc-")
        territory_fr = f" Territoire de CLSC : {e.clsc_name}." if e.clsc_name else ""
        territory_en = f" CLSC territory: {e.clsc_name}." if e.clsc_name else ""
        text_fr = (
            f"{e.name} : point de service CLSC, accueil psychosocial sans référence (services sociaux "
            f"généraux). Adresse : {e.address}. Municipalité : {e.municipality}.{territory_fr} "
            f"{e.note_fr or ''}"
        ).strip()
        text_en = (
            f"{e.name}: CLSC point of service, psychosocial intake with no referral needed (general social "
            f"services). Address: {e.address}. Municipality: {e.municipality}.{territory_en} "
            f"{e.note_en or ''}"
        ).strip()
        records.append(
            Record(
                id=e.id,
                kind="service",
                title=e.name,
                reference=f"{e.name} — MSSS M02, installation {code}",
                text=f"{text_fr}\n{text_en}",
                lang="fr+en",
                source=Source(
                    name=e.source,
                    url=e.source_url or "",
                    date=e.assured_date or "",
                    licence=LICENCE,
                    file=e.source_file or "",
                ),
                metadata={
                    "kind": "clsc",
                    "instal_cod": code,
                    "organization": e.organization,
                    "service": e.service_name,
                    "address": e.address,
                    "municipality": e.municipality,
                    "postal_code": e.postal_code,
                    "latitude": e.latitude,
                    "longitude": e.longitude,
                    "clsc_code": e.clsc_code,
                    "clsc_name": e.clsc_name,
                    "rls_code": e.rls_code,
                    "rls_name": e.rls_name,
                    "rss_code": e.rss_code,
                    "rss_name": e.rss_name,
                    "needs": list(e.needs),
                    "phone": None,
                    "no_referral": e.no_referral,
                    "note_fr": e.note_fr,
                    "note_en": e.note_en,
                    "assured_date": e.assured_date,
                    "classification": e.classification,
                },
            )
        )
    return records
