"""Rebuild every record file from the sources: ``guide corpus build``."""

from __future__ import annotations

from pathlib import Path

from guide.ingest import declaration, helplines, rights
from guide.records import write_records


def build_all(corpus_dir: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name, module in (("declaration", declaration), ("rights", rights), ("helplines", helplines)):
        recs = module.build(corpus_dir)
        write_records(corpus_dir / "records" / f"{name}.jsonl", recs)
        counts[name] = len(recs)
    return counts
