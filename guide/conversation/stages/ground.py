"""Stage 8, ground: every number, postal code and article number of the text must be in a record
the answer returns. A deterministic answer that fails is a defect of Guide's data or templates:
it is logged (the check's name, never the text) so the evaluation and the logs show it."""

from __future__ import annotations

import logging

from guide.grounding import grounding_problems

log = logging.getLogger("guide.conversation")


def run(turn, engine) -> None:
    turn.grounding = grounding_problems(turn.answer)
    if turn.grounding:
        log.error("ungrounded deterministic answer: %d problem(s)", len(turn.grounding))
