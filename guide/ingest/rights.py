"""Users' rights: facts from ``sources/rights/rights.csv`` + plain-language prose -> ``right`` records.

The article numbers, their verification status and the official links come only from the CSV.
The explanations (French and English) are Guide's own writing, in ``prose/rights_cards.yaml``;
they paraphrase, never copy statute text, and contain no article or phone numbers.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import yaml

from guide.records import Record, Source

SOURCE_FILE = "sources/rights/rights.csv"
PROSE_FILE = "prose/rights_cards.yaml"
IMPORT_DATE = "2026-11-25"

# A right's number counts as verified only when the status says so plainly.
_VERIFIED = re.compile(r"^\s*(partly\s+)?VERIFIED", re.I)


def _status_label(status: str) -> str:
    """Map the table's status text to verified / partly verified / secondary source / unverified.

    Conservative: anything not plainly verified is never presented as verified.
    """
    s = status.strip()
    upper_verified = re.search(r"\bVERIFIED\b", s) is not None  # the word, not UNVERIFIED
    doubt = re.search(r"UNVERIFIED|UNCERTAIN|secondary|unknown", s, re.I) is not None
    if _VERIFIED.match(s) and not s.lower().startswith("partly") and not doubt:
        return "verified"
    if upper_verified:
        return "partly verified"
    if s.lower().startswith("secondary"):
        return "secondary source"
    return "unverified"


def _art(article: str) -> str:
    """'4' -> 'art. 4'; free text ('unknown', 'moved out of ...') is kept as it is."""
    a = article.strip()
    return f"art. {a}" if a[:1].isdigit() else a


def load_prose(corpus_dir: Path) -> dict:
    path = corpus_dir / PROSE_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data


def build(corpus_dir: Path) -> list[Record]:
    prose = load_prose(corpus_dir)
    cards = prose.get("rights", {})
    records: list[Record] = []
    with (corpus_dir / SOURCE_FILE).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        key = row["right_key"]
        card = cards.get(key)
        if not card:
            raise ValueError(f"{PROSE_FILE}: no plain-language card for right {key!r}")
        lssss_label = _status_label(row["lssss_status"])
        lgssss_label = _status_label(row["lgssss_status"])
        ref_fr = (
            f"LSSSS (RLRQ c. S-4.2) {_art(row['lssss_article'])} [{lssss_label}]; "
            f"G-1.021 (2023, c. 34) {_art(row['lgssss_article'])} [{lgssss_label}]"
        )
        text = "\n".join(
            [
                f"{card['title_fr']}. {card['plain_fr'].strip()}",
                f"{card['title_en']}. {card['plain_en'].strip()}",
            ]
        )
        records.append(
            Record(
                id=f"right-{key.replace('_', '-')}",
                kind="right",
                title=f"{card['title_fr']} / {card['title_en']}",
                reference=ref_fr,
                text=text,
                lang="fr+en",
                source=Source(
                    name="Users' rights table compiled for Guide (article numbers and status) + Guide's plain-language cards",
                    url=row["official_source_url"],
                    date=IMPORT_DATE,
                    licence="facts from LégisQuébec and the secondary pages cited; explanations written by Guide",
                    file=f"{SOURCE_FILE}; {PROSE_FILE}",
                ),
                metadata={
                    "right_key": key,
                    "title_fr": card["title_fr"],
                    "title_en": card["title_en"],
                    "plain_fr": card["plain_fr"].strip(),
                    "plain_en": card["plain_en"].strip(),
                    "situations_fr": card.get("situations_fr", []),
                    "situations_en": card.get("situations_en", []),
                    "lssss_article": row["lssss_article"],
                    "lssss_status": row["lssss_status"],
                    "lssss_verified": lssss_label == "verified",
                    "lssss_label": lssss_label,
                    "lgssss_label": lgssss_label,
                    "lgssss_article": row["lgssss_article"],
                    "lgssss_status": row["lgssss_status"],
                    "lgssss_verified": lgssss_label == "verified",
                    "official_source_url": row["official_source_url"],
                    "secondary_sources": row["secondary_sources"],
                    "notes": row["notes"],
                    "gloss_en": " ".join(
                        [card.get("keywords", ""), *card.get("situations_fr", []), *card.get("situations_en", [])]
                    ),
                },
            )
        )
    path_card = prose.get("complaint_path")
    if path_card:
        by_key = {r["right_key"]: r for r in rows}
        steps = path_card.get("steps", [])
        refs = []
        for k in ("complaint_first_level", "complaint_second_level", "complaint_assistance_caap"):
            r = by_key.get(k)
            if r:
                refs.append(f"{r['right_fr']} : LSSSS {r['lssss_article']} ({_status_label(r['lssss_status'])})")
        records.append(
            Record(
                id="right-complaint-path",
                kind="right",
                title=f"{path_card['title_fr']} / {path_card['title_en']}",
                reference="; ".join(refs),
                text=f"{path_card['title_fr']}. {path_card['plain_fr'].strip()}\n{path_card['title_en']}. {path_card['plain_en'].strip()}",
                lang="fr+en",
                source=Source(
                    name="Guide's plain-language summary of the complaint path, from the rights table",
                    url="https://protecteurducitoyen.qc.ca/fr/porter-plainte/formulaires-de-plainte/porter-plainte-en-ligne",
                    date=IMPORT_DATE,
                    licence="explanation written by Guide; facts from the rights and help-line tables",
                    file=f"{SOURCE_FILE}; {PROSE_FILE}",
                ),
                metadata={
                    "right_key": "complaint_path",
                    "title_fr": path_card["title_fr"],
                    "title_en": path_card["title_en"],
                    "plain_fr": path_card["plain_fr"].strip(),
                    "plain_en": path_card["plain_en"].strip(),
                    "related": [
                        "right-complaint-first-level",
                        "right-complaint-second-level",
                        "right-complaint-assistance-caap",
                    ],
                    "related_lines": [
                        "line-protecteur-du-citoyen-2e-recours-plaintes-sante",
                        "line-centre-d-assistance-et-d-accompagnement-aux-plai",
                    ],
                    "steps": steps,
                    "gloss_en": path_card.get("keywords", ""),
                },
            )
        )
    return records
