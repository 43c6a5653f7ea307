"""Stage 7, compose: the answer's text, section by section, in the person's language.

- A new crisis: the crisis text alone (at most 80 words); the cards carry 811 and the CLSC.
- Otherwise, in order: the crisis contacts carried over (if any), the answer to the question asked,
  one sentence naming the situation, the door (CLSC and how to reach it), at most two cued lines,
  at most one right, the declaration sentence. Hours, verification details and article numbers
  live in the cards and citations, not in the prose.
"""

from __future__ import annotations

from guide.conversation.crisis import CRISIS_MAX_WORDS, word_count
from guide.conversation.models import Answer
from guide.conversation.sections import crisis, declaration, door, lines, question, rights, situation
from guide.conversation.sections.draft import Draft

EVERYDAY = (crisis, question, situation, door, lines, rights, declaration)
# after a crisis, the contacts stay first and the rest is only what this turn asks: short enough to read
AFTER_CRISIS = (crisis, question, door, rights)


def run(turn, engine) -> None:
    lang = turn.language
    T = engine.templates[lang]
    d = Draft(turn=turn, engine=engine, prose=engine.prose, lang=lang)
    st = turn.state
    c = turn.crisis
    parts: list[str] = []
    if turn.truncated:
        turn.notices.append(T["notice_truncated"])
    if engine.degraded:
        turn.notices.append(engine.crisis_desk.prose[lang]["degraded"])

    # ask once where the person lives, when it changes the answer (never before a call to 911)
    if (
        (turn.location is None or turn.location.error is not None)
        and "location" not in st.asked
        and turn.text
        and not turn.other_language
        and not (c.detected and c.urgent)
    ):
        turn.follow_up = d.say(engine.prose["follow_up_location"])
        st.asked.append("location")

    if c.detected and not c.carried_over:
        parts = crisis.render(d)
    elif turn.other_language:
        other = engine.templates["en" if lang == "fr" else "fr"]
        parts = [T["other_language"], other["other_language"]]
        if not turn.lines:  # no 211 centre serves the person's place (or it is unknown): drop the 211 sentence
            parts = [p.rsplit(". ", 1)[0] + "." if "211" in p.rsplit(". ", 1)[-1] else p for p in parts]
        for s in turn.lines:
            d.cite_service(s)
            parts.append(f"• {s['name']}: {s.get('phone') or ''}")
    else:
        if not turn.text:
            parts.append(T["empty"])
        after = c.detected and c.carried_over
        rendered: list[tuple[object, list[str]]] = []
        for section in AFTER_CRISIS if after else EVERYDAY:
            out = section.render(d)
            if after and section is door and turn.question:
                out = out[:1]  # the question's answer already says how to reach Info-Social
            rendered.append((section, out))
        if after:  # after a crisis the whole answer stays within the crisis length: trim from the end
            trim = [(rights, None), (door, 1), (door, 0)]
            while word_count("\n".join(p for _, out in rendered for p in out)) > CRISIS_MAX_WORDS and trim:
                section, keep = trim.pop(0)
                for i, (sec, out) in enumerate(rendered):
                    if sec is section:
                        rendered[i] = (sec, out[:keep] if keep else [])
        parts += [p for _, out in rendered for p in out]
    turn.text_out = "\n".join(p for p in parts if p)
    turn.citations = d.citations
    loc = turn.location
    turn.answer = Answer(
        language=lang,
        crisis=c,
        answer=turn.text_out,
        services=turn.services,
        citations=turn.citations,
        needs=turn.active_needs,
        follow_up=turn.follow_up,
        location=loc.model_dump() if loc is not None else None,
        state=st,
        notices=turn.notices,
        bilingual=turn.other_language or not turn.text,
        for_whom=turn.for_whom,
        young=turn.young,
        question=turn.question,
        right=turn.right,
        degraded=engine.retrieval_error,
    )
