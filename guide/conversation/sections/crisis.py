"""Crisis section: the crisis desk's text (instruction, labelled lines, presence), alone in a new
crisis answer; first, marked as carried over, in the later answers of the conversation."""

from __future__ import annotations


def render(d) -> list[str]:
    t = d.turn
    c = t.crisis
    if not c.detected:
        return []
    for s in c.contacts:
        d.cite_service(s)
    if "child_at_risk" in c.kinds and t.info_social:
        d.cite_service(t.info_social)
    return [d.engine.crisis_desk.compose(c.kinds, c.contacts, d.lang, c.urgent, tu=d.tu,
                                         for_other=t.for_whom == "other", carried_over=c.carried_over,
                                         degraded=d.engine.degraded, region=t.region)]
