"""The needs taxonomy (``corpus/taxonomy/needs.yaml``): what a person may need, in both languages,
and which help lines serve each need."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator

from guide.settings import resolved_dir

NEEDS_FILE = Path("taxonomy") / "needs.yaml"


class Need(BaseModel):
    id: str
    label_fr: str
    label_en: str
    description_fr: str
    description_en: str
    examples_fr: list[str] = Field(min_length=6)
    examples_en: list[str] = Field(min_length=4)
    keywords_fr: list[str] = Field(min_length=1)
    keywords_en: list[str] = Field(min_length=1)
    lines: list[str] = Field(default_factory=list, description="help-line record ids, most relevant first")
    clsc: bool = Field(description="CLSC psychosocial intake is a door for this need")
    urgent: bool = False

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, v: str) -> str:
        if not v.replace("_", "").isalnum() or v != v.lower():
            raise ValueError(f"need id must be lower_snake_case: {v!r}")
        return v


def load_needs(corpus_dir: Path) -> list[Need]:
    """Load and validate the needs taxonomy (ids unique, in file order)."""
    return list(_load(resolved_dir(corpus_dir)))


@lru_cache(maxsize=4)
def _load(corpus_dir: Path) -> tuple[Need, ...]:
    from guide import cache

    return cache.cached("needs", [corpus_dir / NEEDS_FILE], lambda: _parse(corpus_dir))


def _parse(corpus_dir: Path) -> tuple[Need, ...]:
    with (corpus_dir / NEEDS_FILE).open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when present
    needs = tuple(Need.model_validate(n) for n in data["needs"])
    ids = [n.id for n in needs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{NEEDS_FILE}: duplicate need ids {dupes}")
    return needs


def needs_by_id(corpus_dir: Path) -> dict[str, Need]:
    return {n.id: n for n in load_needs(corpus_dir)}
