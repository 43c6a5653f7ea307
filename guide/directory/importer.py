"""Rerunnable imports into ``corpus/directory`` and the merge of the layers.

``import_m02(file)`` and ``import_hsds(dir)`` each rebuild their own layer (plus the ``core``,
``helplines`` and ``regional`` layers, which are derived from files in the corpus; ``import_lines()``
rebuilds only those), write a report with one line per source row (``reports/*.csv``: accepted,
classified out or rejected, with the reason), and merge every layer into the HSDS tables at the top
of the directory. The same input
gives byte-identical files: identifiers are UUIDv5 of stable keys, rows are in a fixed order, no
timestamp is written.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from guide.directory import community, lines, m02, regional
from guide.directory.common import core_layer
from guide.directory.hsds import TABLES, Tables, read_tables, write_datapackage, write_tables

LAYERS = "layers"
REPORTS = "reports"
FIXED_LAYERS = ("core", "helplines", "regional", "m02")


@dataclass
class ImportSummary:
    layer: str
    total: int
    accepted: int
    classified_out: int
    rejected: int
    reasons: dict[str, int] = field(default_factory=dict)
    report: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    others: list[ImportSummary] = field(default_factory=list)  # the derived layers rebuilt with it

    def lines(self) -> list[str]:
        out = [
            f"{self.layer}: {self.total} rows — {self.accepted} accepted, {self.classified_out} classified out, "
            f"{self.rejected} rejected (report: {self.report})"
        ]
        out += [f"  {n:5d}  {reason}" for reason, n in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
        for other in self.others:
            out += other.lines()
        return out


def _corpus(corpus_dir: Path | None) -> Path:
    from guide.settings import corpus_or_default

    return corpus_or_default(corpus_dir)


def _relative(path: Path, corpus_dir: Path) -> str:
    """``path`` relative to the corpus (as written, then with links resolved), else its name."""
    for p, c in ((path.absolute(), corpus_dir.absolute()), (path.resolve(), corpus_dir.resolve())):
        try:
            return p.relative_to(c).as_posix()
        except ValueError:
            continue
    return path.name


def _write_report(path: Path, header: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(header), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _write_layer(out_dir: Path, layer: str, tables: Tables, corpus_dir: Path, meta: dict[str, str]) -> None:
    target = out_dir / LAYERS / layer
    write_tables(target, tables, corpus_dir, skip_empty=True)
    (target / "layer.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def _derived_layers(corpus_dir: Path, out_dir: Path) -> list[ImportSummary]:
    """Rebuild the layers derived from files of the corpus (taxonomies, help lines, regional lines);
    each help-line and regional source row gets a report line."""
    _write_layer(
        out_dir,
        "core",
        core_layer(corpus_dir),
        corpus_dir,
        {"title": "Guide taxonomies and needs", "path": "taxonomy/needs.yaml"},
    )
    help_tables, help_report = lines.build(corpus_dir)
    _write_layer(
        out_dir,
        "helplines",
        help_tables,
        corpus_dir,
        {
            "title": "Help lines compiled for Guide (each number read on a cited page)",
            "path": "sources/helplines/helplines.csv; sources/helplines/lines_more.csv; "
            "sources/emergency/emergency_lines.csv; rules: sources/helplines/line_rules.csv",
        },
    )
    help_path = out_dir / REPORTS / "helplines_import_report.csv"
    _write_report(help_path, lines.REPORT_FIELDS, help_report)
    reg_tables, reg_report = regional.build(corpus_dir)
    _write_layer(
        out_dir,
        "regional",
        reg_tables,
        corpus_dir,
        {
            "title": "Regional doors and lines compiled for Guide (each number read on a cited page)",
            "path": regional.SOURCE_FILE,
        },
    )
    reg_path = out_dir / REPORTS / "regional_lines_import_report.csv"
    _write_report(reg_path, regional.REPORT_FIELDS, reg_report)
    out = []
    for name, rows, path in (("helplines", help_report, help_path), ("regional", reg_report, reg_path)):
        status = Counter(r["status"] for r in rows)
        reasons = Counter(f"{r['status']}: {r['reason'] if r['status'] != 'accepted' else 'accepted'}" for r in rows)
        out.append(
            ImportSummary(
                name,
                len(rows),
                status["accepted"],
                status["classified_out"],
                status["rejected"],
                dict(reasons),
                _relative(path, corpus_dir),
            )
        )
    return out


def import_lines(corpus_dir: Path | None = None, out_dir: Path | None = None) -> ImportSummary:
    """Rebuild the help-line and regional layers from the corpus's source files, then merge (rerunnable)."""
    corpus_dir = _corpus(corpus_dir)
    out_dir = Path(out_dir) if out_dir else corpus_dir / "directory"
    helplines_summary, regional_summary = _derived_layers(corpus_dir, out_dir)
    counts = merge(out_dir, corpus_dir)
    helplines_summary.counts = counts
    helplines_summary.others = [regional_summary]
    return helplines_summary


def merge(out_dir: Path, corpus_dir: Path) -> dict[str, int]:
    """Concatenate every layer (core, helplines, m02, then hsds-* by name) into the top-level tables.

    An id present in two layers must carry the same row; foreign keys must resolve.
    """
    layer_dirs = [out_dir / LAYERS / name for name in FIXED_LAYERS if (out_dir / LAYERS / name).is_dir()]
    layer_dirs += sorted(p for p in (out_dir / LAYERS).glob("hsds-*") if p.is_dir())
    merged: Tables = {t: [] for t in TABLES}
    sources = []
    for d in layer_dirs:
        layer = read_tables(d)
        for table in TABLES:
            known = {r["id"]: r for r in merged[table]}
            for row in layer[table]:
                if row["id"] in known:
                    if known[row["id"]] != row:
                        raise ValueError(f"layer {d.name}: {table} id {row['id']} conflicts with another layer")
                    continue
                merged[table].append(row)
                known[row["id"]] = row
        meta = json.loads((d / "layer.json").read_text(encoding="utf-8")) if (d / "layer.json").exists() else {}
        sources.append({"title": meta.get("title", d.name), "path": meta.get("path", ""), "layer": d.name})
    _check_references(merged)
    write_tables(out_dir, merged, corpus_dir)
    write_datapackage(out_dir, corpus_dir, sources)
    return {t: len(rows) for t, rows in merged.items()}


def _check_references(t: Tables) -> None:
    ids = {table: {r["id"] for r in rows} for table, rows in t.items()}
    entity_table = {
        "service": "services",
        "location": "locations",
        "organization": "organizations",
        "service_at_location": "service_at_location",
        "phone": "phones",
    }
    checks = [
        ("services", "organization_id", "organizations"),
        ("service_at_location", "service_id", "services"),
        ("service_at_location", "location_id", "locations"),
        ("addresses", "location_id", "locations"),
        ("locations", "organization_id", "organizations"),
        ("taxonomy_terms", "taxonomy_id", "taxonomies"),
        ("taxonomy_terms", "parent_id", "taxonomy_terms"),
        ("attributes", "taxonomy_term_id", "taxonomy_terms"),
    ]
    for table in ("phones", "schedules", "languages"):
        checks += [
            (table, ref, target)
            for ref, target in (
                ("service_id", "services"),
                ("location_id", "locations"),
                ("organization_id", "organizations"),
                ("service_at_location_id", "service_at_location"),
            )
        ]
    checks.append(("service_areas", "service_id", "services"))
    checks.append(("services", "program_id", "programs"))
    checks += [
        ("contacts", ref, target)
        for ref, target in (
            ("service_id", "services"),
            ("location_id", "locations"),
            ("organization_id", "organizations"),
        )
    ]
    checks.append(("phones", "contact_id", "contacts"))
    for table, ref, target in checks:
        for row in t[table]:
            if row.get(ref) and row[ref] not in ids[target]:
                raise ValueError(f"{table} {row['id']}: {ref} {row[ref]} not found in {target}")
    for row in t["attributes"]:
        linked_table = entity_table.get(row["link_entity"])
        if linked_table and row["link_id"] not in ids[linked_table]:
            raise ValueError(f"attribute {row['id']}: {row['link_entity']} {row['link_id']} not found")


def import_m02(path: Path, corpus_dir: Path | None = None, out_dir: Path | None = None) -> ImportSummary:
    """Import an MSSS M02 installations CSV (the whole file replaces the ``m02`` layer)."""
    corpus_dir = _corpus(corpus_dir)
    out_dir = Path(out_dir) if out_dir else corpus_dir / "directory"
    path = Path(path)
    header, rows = m02.read_m02(path)
    missing = [c for c in m02.REQUIRED if c not in header]
    if missing:
        raise ValueError(f"{path.name}: not an M02 installations file (missing columns {missing})")
    results = m02.evaluate(rows)
    source_file = _relative(path, corpus_dir)
    others = _derived_layers(corpus_dir, out_dir)
    _write_layer(
        out_dir,
        "m02",
        m02.build_layer(results, corpus_dir, source_file),
        corpus_dir,
        {"title": m02.SOURCE_NAME, "path": source_file},
    )
    report = out_dir / REPORTS / "m02_import_report.csv"
    _write_report(report, m02.REPORT_FIELDS, m02.report_rows(results))
    counts = merge(out_dir, corpus_dir)
    status = Counter(r.status for r in results)
    reasons = Counter(f"{r.status}: {r.classification} / {r.reason_code}" for r in results if r.status != "rejected")
    reasons.update(f"rejected: {r.reason}" for r in results if r.status == "rejected")
    return ImportSummary(
        "m02",
        len(results),
        status["accepted"],
        status["classified_out"],
        status["rejected"],
        dict(reasons),
        _relative(report, corpus_dir),
        counts,
        others,
    )


def import_hsds(
    path: Path, corpus_dir: Path | None = None, out_dir: Path | None = None, name: str | None = None
) -> ImportSummary:
    """Import (or re-import) an external HSDS CSV directory as the ``hsds-<name>`` layer."""
    corpus_dir = _corpus(corpus_dir)
    out_dir = Path(out_dir) if out_dir else corpus_dir / "directory"
    path = Path(path)
    if not path.is_dir():
        raise NotADirectoryError(f"{path}: not a directory of HSDS CSV files")
    layer = "hsds-" + community._slug(name or path.name)
    tables, report_rows = community.build_layer(path, corpus_dir, layer)
    others = _derived_layers(corpus_dir, out_dir)
    _write_layer(
        out_dir, layer, tables, corpus_dir, {"title": f"HSDS import {path.name}", "path": _relative(path, corpus_dir)}
    )
    report = out_dir / REPORTS / f"{layer}_import_report.csv"
    _write_report(report, community.REPORT_FIELDS, report_rows)
    counts = merge(out_dir, corpus_dir)
    status = Counter(r["status"] for r in report_rows)
    reasons = Counter(f"{r['table']}: {r['reason'] or 'accepted'}" for r in report_rows)
    return ImportSummary(
        layer,
        len(report_rows),
        status["accepted"],
        0,
        status["rejected"],
        dict(reasons),
        _relative(report, corpus_dir),
        counts,
        others,
    )


def remove_layer(out_dir: Path, layer: str, corpus_dir: Path | None = None) -> None:
    """Drop an imported ``hsds-*`` layer and re-merge."""
    corpus_dir = _corpus(corpus_dir)
    if not layer.startswith("hsds-"):
        raise ValueError("only hsds-* layers can be removed")
    shutil.rmtree(out_dir / LAYERS / layer, ignore_errors=True)
    (out_dir / REPORTS / f"{layer}_import_report.csv").unlink(missing_ok=True)
    merge(out_dir, corpus_dir)
