"""Stage 5, understand: what the message is about (needs, best first; a crisis kind's need first),
who it is for (the writer or someone else), whether the writer is young, the question asked, and
the one right the situation calls for."""

from __future__ import annotations

from guide.conversation.whom import for_whom, is_casual, is_young

MASKED_NEEDS = ("suicide",)  # needs a masked figure of speech ("mourir de rire") must not name


def run(turn, engine) -> None:
    st, text = turn.state, turn.text
    needs: list[str] = []
    if text and not turn.place_only and not turn.other_language:
        # the needs read the whole text; a figure of speech about dying ("mourir de rire", "this job
        # is killing me", masked as triage masks it) never names suicide
        from guide.conversation.stages.orient import masked_of
        from guide.triage import normalise

        scored = engine.matcher.scored(text)
        folded = normalise(text).replace(" | ", " ")
        if masked_of(engine, turn).split() != folded.split() and "suicid" not in folded:
            scored = [x for x in scored if x[0] not in MASKED_NEEDS]
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
