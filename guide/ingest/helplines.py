"""Help lines from ``sources/helplines/helplines.csv`` (and ``lines_more.csv``, 9-1-1's
``sources/emergency/emergency_lines.csv``) -> records of kind ``helpline``.

Numbers are parsed from the files, never typed here. Each record keeps the raw fields, the page
each number was read on (and the sentence holding it, ``quote``, with its date when the file gives
them), and whether the number, text line and hours are verified.

``evaluate`` gives every source row a status: ``accepted`` (a record), ``classified_out`` (not a
line of its own, with the reason of ``sources/helplines/line_rules.csv``) or ``rejected`` (a required
field missing or a number that does not parse); the directory importer writes them to its report.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from guide.records import Record, Source

SOURCE_FILES = (
    "sources/emergency/emergency_lines.csv",
    "sources/helplines/helplines.csv",
    "sources/helplines/lines_more.csv",
)
IMPORT_DATE = "2026-11-25"  # date the file was copied into the corpus (see corpus/SOURCES.md)
#: Date each file entered the corpus (``assured_date`` of its lines); the others: ``IMPORT_DATE``.
IMPORT_DATES = {"sources/helplines/lines_more.csv": "2026-12-01"}
RULES_FILE = "sources/helplines/line_rules.csv"
REQUIRED = ("service_fr", "service_en", "phone", "hours", "source_url", "verification")

_NANP = re.compile(r"(?<!\d)(?:1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?!\d)")
_SHORT = re.compile(r"^\s*(\d{3})\b")


def slug(text: str, length: int = 48) -> str:
    from guide.text import fold

    s = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return s[:length].rstrip("-")


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
        note = field[m.end() :].strip(" ()")
        return m.group(1), [], note
    return None, [], field


def _status(verification: str, text_sms: str, hours: str) -> dict[str, bool]:
    v = verification.lower()
    phone_ok = "verified" in v and not re.search(r"(?<!sms )number[s]? (unverified|not)", v)
    sms_ok = (
        bool(text_sms)
        and "not verified" not in text_sms.lower()
        and "sms number unverified" not in v
        and "not verified" not in v.split("text")[-1]
        if text_sms
        else False
    )
    hours_l = hours.lower()
    hours_ok = (
        not any(
            w in hours_l
            for w in (
                "not verified",
                "unverified",
                "may have changed",
                "not stated",
                "per 2013",
                "per 2020",
                "historically",
            )
        )
        and "hours uncertain" not in v
    )
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


def load_rules(corpus_dir: Path) -> dict[str, list[dict[str, str]]]:
    """``line_rules.csv``: line id -> its rules (superseded_by, classify_out, group, area, fallback)."""
    path = Path(corpus_dir) / RULES_FILE
    out: dict[str, list[dict[str, str]]] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["line_id"], []).append(row)
    return out


def build(corpus_dir: Path) -> list[Record]:
    """The records of the accepted rows (every row's status: ``evaluate``)."""
    return [r.record for r in evaluate(corpus_dir) if r.record is not None]


class RowResult:
    __slots__ = ("file", "line", "id", "name", "status", "reason", "record")

    def __init__(
        self, file: str, line: int, id: str, name: str, status: str, reason: str, record: Record | None = None
    ):
        self.file, self.line, self.id, self.name = file, line, id, name
        self.status, self.reason, self.record = status, reason, record


def evaluate(corpus_dir: Path) -> list[RowResult]:
    """Every row of the help-line files, in file order, with its status and reason."""
    corpus_dir = Path(corpus_dir)
    results: list[RowResult] = []
    for source_file in SOURCE_FILES:
        results.extend(_evaluate_file(corpus_dir, source_file))
    rules = load_rules(corpus_dir)
    seen: set[str] = set()
    for r in results:
        if r.status != "accepted":
            continue
        out = [x for x in rules.get(r.id, []) if x["rule"] == "classify_out"]
        if out:
            r.status, r.reason, r.record = "classified_out", out[0]["value"], None
        elif r.id in seen:
            r.status, r.reason, r.record = "rejected", f"duplicate line id {r.id}", None
        seen.add(r.id)
    records = [r.record for r in results if r.record is not None]
    for rec in records:  # where a line is offered and whether it is replaced (the directory holds the same)
        own = rules.get(rec.id, [])
        rec.metadata["areas"] = [x["value"] for x in own if x["rule"] == "area"]
        rec.metadata["superseded_by"] = next((x["value"] for x in own if x["rule"] == "superseded_by"), None)
    _add_needs(corpus_dir, records)
    return results


def _add_needs(corpus_dir: Path, records: list[Record]) -> None:
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


def _ids(rows: list[dict[str, str]]) -> list[str]:
    """Record ids: ``line-`` + the slug of the French name (48 characters); names whose short slugs
    collide ("… (TAL) – renseignements, Montréal/…" and "…, autres régions") get a longer one."""
    short = ["line-" + slug(r.get("service_fr") or "") for r in rows]
    return [
        i if short.count(i) == 1 else "line-" + slug(r.get("service_fr") or "", 96)
        for i, r in zip(short, rows, strict=True)
    ]


def _evaluate_file(corpus_dir: Path, source_file: str) -> list[RowResult]:
    from guide.directory.validate import check_phone, check_required

    results: list[RowResult] = []
    with (corpus_dir / source_file).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for lineno, (row, rid) in enumerate(zip(rows, _ids(rows), strict=True), 2):
        if None in row or any(v is None for v in row.values()):
            raise ValueError(f"{source_file}:{lineno}: wrong number of fields (quote fields that contain commas)")
        name = row.get("service_fr", "")
        errors = check_required(row, [c for c in REQUIRED if c != "phone"])
        phone, alts, note = parse_phones(row.get("phone", ""))
        for number in [phone, *alts]:
            if number:
                _, err = check_phone(number)
                if err:
                    errors.append(err)
        if not phone and re.search(r"\d{3}", row.get("phone", "")):
            errors.append(f"no phone number could be read in {row.get('phone')!r}")
        if errors:
            results.append(RowResult(source_file, lineno, rid, name, "rejected", "; ".join(errors)))
            continue
        rec = _record(row, rid, source_file, phone, alts, note)
        results.append(RowResult(source_file, lineno, rid, name, "accepted", "", rec))
    return results


def _record(row: dict[str, str], rid: str, source_file: str, phone: str | None, alts: list[str], note: str) -> Record:
    date = IMPORT_DATES.get(source_file, IMPORT_DATE)
    status = _status(row["verification"], row["text_sms"], row["hours"])
    text_fr = f"{row['service_fr']}. Pour : {row['audience']}. Heures : {row['hours']}."
    text_en = f"{row['service_en']}. For: {row['audience']}. Hours: {row['hours']}."
    contact = f"Téléphone / Phone: {row['phone']}" + (f". Texto / Text: {row['text_sms']}" if row["text_sms"] else "")
    unverified = [k.split("_")[0] for k, ok in status.items() if not ok and (k != "sms_verified" or row["text_sms"])]
    return Record(
        id=rid,
        kind="helpline",  # 911 included: the directory (issue 3) marks it kind "emergency"
        title=row["service_fr"]
        if row["service_fr"] == row["service_en"]
        else f"{row['service_fr']} / {row['service_en']}",
        reference=f"{row['service_fr']} — {row['source_kind']}: {row['source_url']}",
        text=f"{text_fr}\n{text_en}\n{contact}",
        lang="fr+en",
        source=Source(
            name=f"Help-line table compiled for Guide ({row['source_kind']})",
            url=row["source_url"],
            date=date,
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
            "assured_date": date,
            "quote": row.get("quote") or None,
            "source_date": row.get("source_date") or None,
            **status,
        },
    )
