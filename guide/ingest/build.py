"""Rebuild every record file from the sources: ``guide corpus build``."""

from __future__ import annotations

from pathlib import Path

from guide.directory import records as directory_records
from guide.ingest import declaration, helplines, rights
from guide.records import write_records


def build_all(corpus_dir: Path) -> dict[str, int]:
    """Write declaration, rights, helplines and services (CLSC intake points from corpus/directory)."""
    counts: dict[str, int] = {}
    for name, module in (
        ("declaration", declaration),
        ("rights", rights),
        ("helplines", helplines),
        ("services", directory_records),
    ):
        recs = module.build(corpus_dir)
        write_records(corpus_dir / "records" / f"{name}.jsonl", recs)
        counts[name] = len(recs)
    return counts
