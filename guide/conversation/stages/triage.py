"""Stage 2, triage: is this message a crisis, and of which kinds. Never fails: when the classifier
(or its embeddings) breaks, the rules alone run; when a rule cannot run, no rule fired (811 stays
in every answer)."""

from __future__ import annotations

import logging

from guide.triage import PRIORITY, Triage

log = logging.getLogger("guide.conversation")


def check(engine, text: str, masked: str | None = None) -> Triage:
    if not text:
        return Triage(False)
    try:
        return engine.triager.check(text, masked=masked)
    except Exception as exc:  # classifier or embeddings broken: the rules alone still catch crises
        log.error("crisis classifier failed (%s); rules only", type(exc).__name__)
        try:
            fired = engine.triager.rules(text)
        except Exception as exc2:  # a rule that cannot run: treat as no rule fired
            log.error("crisis rules failed (%s)", type(exc2).__name__)
            fired = []
        kinds = sorted(set(fired), key=PRIORITY.index)
        return Triage(bool(kinds), kinds[0] if kinds else None, kinds, "rule" if kinds else None, 1.0 if kinds else 0.0)


def run(turn, engine) -> None:
    masked = None
    if turn.text:
        try:
            masked = engine.triager.masked(turn.text)
        except Exception:  # the masks are a refinement: check() masks again, or falls back to the rules
            masked = None
        if masked is not None and turn.masked is None:
            turn.masked = masked.replace(" | ", " ")  # the same as orient.masked_of: computed once per turn
    turn.triage = check(engine, turn.text, masked=masked)
