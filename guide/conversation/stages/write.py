"""Stage 9, write: the optional LLM writer rewrites the everyday answer from the same records; its
output is kept only if the guard accepts it. Crisis answers, carried-over crises and degraded
answers are never rewritten."""

from __future__ import annotations


def run(turn, engine) -> None:
    if engine.writer is None or turn.crisis.detected or engine.degraded or not turn.text:
        return
    from guide.writer import rewrite

    turn.answer = rewrite(engine.writer, turn.answer, timeout_s=engine.settings.llm_timeout_s)
