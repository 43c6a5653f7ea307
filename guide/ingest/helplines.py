"""Help lines from ``sources/helplines/helplines.csv`` -> records of kind ``helpline``.

Numbers are parsed from the file, never typed here. Each record keeps the raw fields, the page
each number was read on, and whether the number, text line and hours are verified.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from guide.records import Record, Source

SOURCE_FILES = ("sources/emergency/emergency_lines.csv", "sources/helplines/helplines.csv")
IMPORT_DATE = "2026-11-25"  # date the file was copied into the corpus (see corpus/SOURCES.md)

_NANP = re.compile(r"(?<!\d)(?:1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?!\d)")
_SHORT = re.compile(r"^\s*(\d{3})\b")


def slug(text: str) -> str:
    from guide.text import fold

    s = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return s[:48].rstrip("-")


def parse_phones(field: str) -> tuple[str | None, list[str], str]:
    """Split a phone field into (primary, alternates, note). No number is ever invented."""
    field = (field or "").strip()
    nums = _NANP.findall(field)
    if nums:
        note = _NANP.sub("", field)
        note = re.sub(r"\(\s*\)", "", note).strip(" ()")
        clean = [n.strip(" ()") for n in nums]
        return clean[0], clean[1:], note
    m = _SHORT.match(field)
    if m:  # 811, 211, 988, 911
        note = field[m.end():].strip(" ()")
        return m.group(1), [], note
    return None, [], field


def _status(verification: str, text_sms: str, hours: str) -> dict[str, bool]:
    v = verification.lower()
    phone_ok = "verified" in v and not re.search(r"(?<!sms )number[s]? (unverified|not)", v)
    sms_ok = bool(text_sms) and "not verified" not in text_sms.lower() and "sms number unverified" not in v \
        and "not verified" not in v.split("text")[-1] if text_sms else False
    hours_l = hours.lower()
    hours_ok = not any(w in hours_l for w in ("not verified", "unverified", "may have changed", "not stated", "per 2013", "per 2020", "historically")) \
        and "hours uncertain" not in v
    return {"phone_verified": phone_ok, "sms_verified": sms_ok, "hours_verified": hours_ok}


TAXONOMY_FILE = "taxonomy/needs.yaml"


def _needs_by_line(corpus_dir: Path) -> dict[str, list[dict]]:
    """Needs (from Guide's taxonomy) that each line serves: used to describe lines for search."""
    import yaml

    path = corpus_dir / TAXONOMY_FILE
    if not path.exists():
        return {}
    out: dict[str, list[dict]] = {}
    for need in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("needs", []):
        for line_id in need.get("lines", []):
            out.setdefault(line_id, []).append(need)
    return out


def build(corpus_dir: Path) -> list[Record]:
    records: list[Record] = []
    for source_file in SOURCE_FILES:
        records.extend(_build_file(corpus_dir, source_file))
    needs = _needs_by_line(corpus_dir)
    for r in records:
        served = needs.get(r.id, [])
        if served:
            r.metadata["needs"] = [n["id"] for n in served]
            # Indexing aid only (never displayed as a fact): the needs this line serves, in the
            # words people use. Lines listed first for a need are the most specific.
            parts = []
            for n in served:
                parts += [n.get("label_fr", ""), n.get("label_en", "")]
                if n.get("lines", [None])[0] == r.id or len(served) <= 2:
                    parts += [*n.get("examples_fr", [])[:4], *n.get("examples_en", [])[:3]]
            if r.metadata.get("notes"):
                parts.append(r.metadata["notes"])
            r.metadata["gloss_en"] = " ".join(p for p in parts if p)
    return records


def _build_file(corpus_dir: Path, source_file: str) -> list[Record]:
    records: list[Record] = []
    with (corpus_dir / source_file).open(encoding="utf-8-sig", newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), 2):
            if None in row or any(v is None for v in row.values()):
                raise ValueError(f"{source_file}:{lineno}: wrong number of fields (quote fields that contain commas)")
            phone, alts, note = parse_phones(row["phone"])
            status = _status(row["verification"], row["text_sms"], row["hours"])
            rid = "line-" + slug(row["service_fr"])
            text_fr = f"{row['service_fr']}. Pour : {row['audience']}. Heures : {row['hours']}."
            text_en = f"{row['service_en']}. For: {row['audience']}. Hours: {row['hours']}."
            contact = f"Téléphone / Phone: {row['phone']}" + (f". Texto / Text: {row['text_sms']}" if row["text_sms"] else "")
            unverified = [k.split("_")[0] for k, ok in status.items() if not ok and (k != "sms_verified" or row["text_sms"])]
            records.append(Record(
                id=rid,
                kind="helpline",  # 911 included: the directory (issue 3) marks it kind "emergency"
                title=row["service_fr"] if row["service_fr"] == row["service_en"] else f"{row['service_fr']} / {row['service_en']}",
                reference=f"{row['service_fr']} — {row['source_kind']}: {row['source_url']}",
                text=f"{text_fr}\n{text_en}\n{contact}",
                lang="fr+en",
                source=Source(
                    name=f"Help-line table compiled for Guide ({row['source_kind']})",
                    url=row["source_url"],
                    date=IMPORT_DATE,
                    licence="facts (phone numbers, hours) read on the cited page; table compiled for this project",
                    file=source_file,
                ),
                metadata={
                    "name_fr": row["service_fr"],
                    "name_en": row["service_en"],
                    "phone": phone,
                    "phone_alternates": alts,
                    "phone_note": note,
                    "phone_raw": row["phone"],
                    "text_sms": row["text_sms"] or None,
                    "hours": row["hours"],
                    "audience": row["audience"],
                    "languages": row["languages"],
                    "verification": row["verification"],
                    "notes": row["notes"],
                    "unverified": unverified,
                    "assured_date": IMPORT_DATE,
                    **status,
                },
            ))
    return records
