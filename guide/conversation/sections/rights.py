"""Right section: at most one right, only when the situation calls for it (refused, waiting,
complaint, file access, services in English, consent), with the practical next step, cited. Not
repeated when the question section already answered with the same record."""

from __future__ import annotations

from guide.conversation.sections.question import SOURCE

# the question's answer already says what this right would ("no waiting list… ask for a reassessment
# or complain"; "the commissioner, then the CAAP")
SAID_BY_QUESTION = {
    ("waiting", "right-adequate-services"),
    ("waiting", "right-complaint-path"),
    ("complaint", "right-adequate-services"),
    ("file_access", "right-complaint-path"),
}


def render(d) -> list[str]:
    rid = d.turn.right
    entry = d.prose.get("right", {}).get(rid) if rid else None
    if not entry:
        return []
    q = d.turn.question
    if q and (SOURCE.get(q, (None,))[0] == rid or (q, rid) in SAID_BY_QUESTION):
        return []
    n = d.cite(rid, "right")
    return [d.say(entry, cite=n)] if n is not None else []
