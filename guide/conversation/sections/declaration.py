"""Declaration section: one sentence of the Ordre's declaration (general social services accessible
without referral, close to where people live), with its citation."""

from __future__ import annotations

PRINCIPLE_2 = "decl-principe-2-1"


def render(d) -> list[str]:
    if any(c.id == PRINCIPLE_2 for c in d.citations):
        return []  # the answer to the question already quoted the declaration ("pas besoin de référence")
    entry = d.prose.get("declaration")
    n = d.cite(PRINCIPLE_2, "declaration") if entry else None
    return [d.say(entry, cite=n)] if n is not None else []
