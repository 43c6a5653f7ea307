"""The unit of knowledge: a ``Record`` with its provenance, and the corpus loader.

Records are produced by ``guide.ingest`` from the source files in ``corpus/sources`` and stored
as JSON Lines under ``corpus/records``. Everything Guide shows (a phone number, an address,
an article number) comes from a record's fields, and every record carries its source.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Kind = Literal["declaration", "right", "helpline", "service"]
KINDS: tuple[str, ...] = ("declaration", "right", "helpline", "service")


class Source(BaseModel):
    name: str
    url: str = ""
    date: str = ""
    licence: str = ""
    file: str = ""


class Record(BaseModel):
    id: str
    kind: Kind
    title: str
    reference: str
    text: str
    lang: str = "fr"
    source: Source
    metadata: dict[str, Any] = Field(default_factory=dict)

    def index_text(self) -> str:
        """Text that is embedded and indexed (title, text, and any indexing gloss)."""
        parts = [self.title, self.text]
        if self.kind == "right" or self.metadata.get("quote"):
            parts.append(self.reference)  # "LSSSS art. 5" must find the quotation / the right
        gloss = self.metadata.get("gloss_en")
        if gloss:
            parts.append(gloss)
        return "\n".join(p for p in parts if p)

    def content_hash(self) -> str:
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


RECORD_FILES = ("declaration.jsonl", "rights.jsonl", "helplines.jsonl", "services.jsonl")


def write_records(path: Path, records: list[Record]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = [r.id for r in records]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate record ids in {path.name}: {sorted(dupes)}")
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r.model_dump(mode="json"), ensure_ascii=False, sort_keys=True) + "\n")


def load_records(corpus_dir: Path) -> list[Record]:
    """Load every record file present under ``corpus_dir/records`` (missing files are skipped)."""
    out: list[Record] = []
    rec_dir = corpus_dir / "records"
    for name in RECORD_FILES:
        path = rec_dir / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    out.append(Record.model_validate_json(line))
                except ValueError as exc:  # pragma: no cover - corrupt corpus file
                    raise ValueError(f"{path}:{lineno}: invalid record: {exc}") from exc
    return out


def corpus_hash(records: list[Record]) -> str:
    h = hashlib.sha256()
    for r in sorted(records, key=lambda r: r.id):
        h.update(r.id.encode())
        h.update(r.content_hash().encode())
    return h.hexdigest()[:16]
