"""Crisis section: the crisis desk's text (instruction, labelled lines, presence), alone in a new
crisis answer; first, marked as carried over, in the later answers of the conversation."""

from __future__ import annotations

from guide.conversation.crisis import CRISIS_MAX_WORDS, EMERGENCY

CARRIED_MAX_WORDS = 30  # the carried-over contacts: 911 and one line, leaving room for the turn's own answer


def render(d) -> list[str]:
    t = d.turn
    c = t.crisis
    if not c.detected:
        return []
    for s in c.contacts:
        d.cite_service(s)
    if "child_at_risk" in c.kinds and t.info_social:
        d.cite_service(t.info_social)
    # carried over: the first line of each kind is enough beside what this turn asks (the cards keep all)
    contacts = c.contacts
    if c.carried_over:
        seen: set[str] = set()
        contacts = []
        for x in c.contacts:
            label = x.get("label") or x["id"]
            if x["id"] == EMERGENCY or label not in seen:
                contacts.append(x)
                seen.add(label)
    return [
        d.engine.crisis_desk.compose(
            c.kinds,
            contacts,
            d.lang,
            c.urgent,
            tu=d.tu,
            for_other=t.for_whom == "other",
            carried_over=c.carried_over,
            degraded=d.engine.degraded,
            region=t.region,
            max_words=CARRIED_MAX_WORDS if c.carried_over else CRISIS_MAX_WORDS,
        )
    ]
