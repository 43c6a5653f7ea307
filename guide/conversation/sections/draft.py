"""The shared context of the sections: the turn, the prose, and the citations being built."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guide.conversation.models import Citation, CitationKind


@dataclass
class Draft:
    turn: Any
    engine: Any
    prose: dict  # corpus/prose/answer_sections.yaml
    lang: str
    citations: list[Citation] = field(default_factory=list)

    @property
    def tu(self) -> bool:
        return self.lang == "fr" and bool(self.turn.young or getattr(self.turn, "casual", False))

    def say(self, entry: dict | str, **values: Any) -> str:
        """The entry's sentence in the person's language (and register), filled with ``values``."""
        if isinstance(entry, str):
            return entry.format(**values)
        key = f"{self.lang}_tu" if self.tu and f"{self.lang}_tu" in entry else self.lang
        return entry.get(key, entry.get(self.lang, "")).format(**values)

    def cite(self, rec_id: str, kind: CitationKind) -> int | None:
        """The citation number of a corpus record (added on first use), or None when it is absent."""
        for i, c in enumerate(self.citations, 1):
            if c.id == rec_id:
                return i
        r = self.engine.records.get(rec_id)
        if r is None:
            return None
        excerpt = r.metadata.get(f"plain_{self.lang}") or r.text
        self.citations.append(
            Citation(
                id=r.id,
                kind=kind,
                title=r.title,
                reference=r.reference,
                excerpt=excerpt[:400],
                source=r.source.model_dump(),
            )
        )
        return len(self.citations)

    def cite_service(self, s: dict) -> None:
        if any(c.id == s["id"] for c in self.citations):
            return
        excerpt = ", ".join(
            str(x)
            for x in (
                s.get("name"),
                s.get("phone"),
                *(s.get("phone_alternates") or []),
                s.get("address"),
                s.get("municipality"),
                s.get("postal_code"),
                s.get("hours"),
            )
            if x
        )
        self.citations.append(
            Citation(
                id=s["id"],
                kind="service",
                title=s["name"],
                reference=s.get("source_url") or s.get("source", ""),
                excerpt=excerpt,
                source={
                    "name": s.get("source", ""),
                    "url": s.get("source_url") or "",
                    "date": s.get("assured_date") or "",
                },
            )
        )
