"""Stage 5, understand: what the message is about (needs, best first; a crisis kind's need first),
who it is for (the writer or someone else), whether the writer is young, the question asked, and
the one right the situation calls for."""

from __future__ import annotations

from guide.conversation.whom import for_whom, is_casual, is_young


def run(turn, engine) -> None:
    st, text = turn.state, turn.text
    needs: list[str] = []
    if text and not turn.place_only and not turn.other_language:
        # figures of speech masked as triage masks them ("mourir de rire" names no suicide)
        from guide.conversation.stages.orient import masked

        plain = masked(engine, text)
        # what is left once the figure of speech is out says too little to name a need ("je veux")
        scored = engine.matcher.scored(plain) if len(plain.split()) >= 3 or plain.strip() == text.strip() else []
        needs = [nid for nid, _, _ in scored]
        turn.need_confident = bool(scored) and scored[0][2]
    if turn.triage is not None and turn.triage.detected:
        crisis_needs = [engine.crisis_desk.model.kinds[k].need for k in turn.triage.kinds]
        needs = [n for n in crisis_needs if n in engine.needs] + [n for n in needs if n not in crisis_needs]
    turn.needs = needs
    for n in needs:
        if n not in st.needs:
            st.needs.append(n)
    turn.active_needs = needs or list(st.needs)
    if text and not turn.place_only and not turn.other_language:
        st.for_whom = for_whom(text) or st.for_whom or "self"
        st.young = st.young or is_young(text, engine.settings.corpus_dir)
        st.casual = st.casual or is_casual(text, engine.settings.corpus_dir)
        turn.question = engine.cues.question(text)
        turn.right = engine.cues.right(text)
    turn.for_whom = st.for_whom
    turn.young = st.young
    turn.casual = st.casual
