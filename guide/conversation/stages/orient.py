"""Stage 6, orient: where to send the person. The crisis contacts (detected now, or carried over
from earlier in the conversation); the door (the CLSCs of their territory or region, nearest
first, and Info-Social 811 option 2); at most two specific lines, each only when the person's words
hold a cue for it (``corpus/taxonomy/cues.yaml``), youth lines first for a young writer."""

from __future__ import annotations

from guide.conversation.models import Crisis
from guide.triage import PRIORITY

INFO_SOCIAL = "line-info-social-811-option-2"
LINE_211 = "line-211-grand-montreal-quebec-regions"  # superseded (coverage ended 2021): the 211 group instead
GROUP_211 = "211"
GROUP_PREFIX = "group:"
YOUTH_LINES = ("line-tel-jeunes", "line-jeunesse-j-ecoute")
MAX_LINES = 2


def crisis_of(engine, turn) -> Crisis:
    st, triage = turn.state, turn.triage
    now = list(triage.kinds) if triage is not None and triage.detected else []
    now = engine.crisis_desk.with_companions(turn.text, now) if now else now
    st.crisis_kinds = sorted(set(st.crisis_kinds) | set(now), key=lambda k: PRIORITY.index(k) if k in PRIORITY else 99)
    kinds = now or list(st.crisis_kinds)
    if not kinds:
        return Crisis()
    desk = engine.crisis_desk
    contacts = desk.contacts(kinds, region=turn.region, young=turn.young, lang=turn.language)
    return Crisis(detected=True, kind=kinds[0], kinds=kinds, method=triage.method if now else "carried_over",
                  contacts=contacts, urgent=bool(now) and desk.urgent(turn.text, kinds), carried_over=not now)


def masked(engine, text: str) -> str:
    """The message with figures of speech masked ("mourir de rire", "this job is killing me"), as
    crisis triage masks them, so they cue no line either."""
    try:
        return engine.triager.masked(text).replace(" | ", " ")
    except Exception:  # the masks are a refinement; the plain text still works
        return text


def lines_for(engine, turn, exclude: set[str]) -> list[dict]:
    st, desk, region = turn.state, engine.crisis_desk, turn.region
    cued = set(st.cued_lines)
    if turn.text and not turn.place_only:
        cued = set()
    chosen: list[dict] = []
    wanted: list[str] = []
    cued_groups: list[str] = []

    def groups_of(ids) -> set[str]:
        return {desk.by_id.get(i, {}).get("line_group") for i in ids} - {None}

    youth = YOUTH_LINES if turn.language == "fr" else YOUTH_LINES[::-1]  # Kids Help Phone first in English
    if turn.young:
        wanted.append(youth[0])
    cue_src = masked(engine, turn.text)
    for nid in turn.active_needs[:3]:
        need = engine.needs.get(nid)
        wanted += [lid for lid in (need.lines if need else []) if lid not in wanted]
    if turn.language == "en":  # Kids Help Phone answers in English; Tel-jeunes mostly in French
        wanted = [YOUTH_LINES[1] if lid == YOUTH_LINES[0] else lid for lid in wanted]
    for lid in wanted:
        if lid in exclude or lid == INFO_SOCIAL or any(c["id"] == lid for c in chosen):
            continue
        if lid in YOUTH_LINES and any(c["id"] in YOUTH_LINES for c in chosen):
            continue  # one youth line is enough
        group = lid[len(GROUP_PREFIX):] if lid.startswith(GROUP_PREFIX) else None
        if turn.text and not turn.place_only:
            if not engine.cues.line_allowed(lid, cue_src, turn.young, turn.needs[:1], turn.for_whom != "other"):
                continue
            if group:
                cued_groups.append(group)
        elif (lid not in cued) if group is None else (group not in groups_of(cued)):
            continue  # a reply that is only a place: the lines the earlier words called for
        if group:  # the lines of a group serving the person's place (group:dpj, group:211…)
            found = desk.group_lines(group, region, turn.location)
        else:
            found = [desk.line(lid, region, turn.location)]
        for line in found:
            if line is None or not line.get("phone") or (line.get("regional") and not region) \
                    or line["id"] in exclude or any(c["id"] == line["id"] for c in chosen):
                continue
            chosen.append(line)
            if len(chosen) >= MAX_LINES:
                break
        if len(chosen) >= MAX_LINES:
            break
    if turn.text and not turn.place_only:
        # the chosen lines, and one line of each group the words called for (the state holds line ids only):
        # a later reply giving the place then gets that group's lines for the place (the 211 of Laval)
        st.cued_lines = [c["id"] for c in chosen]
        for group in cued_groups:
            marker = next((s["id"] for s in desk.lines if s.get("line_group") == group), None)
            if marker and group not in groups_of(st.cued_lines) and len(st.cued_lines) < 10:
                st.cued_lines.append(marker)
    return chosen


def run(turn, engine) -> None:
    turn.crisis = crisis_of(engine, turn)
    desk = engine.crisis_desk
    turn.info_social = desk.info_social()
    loc = turn.location
    if loc is not None and loc.ok and engine.directory is not None:
        from guide.directory.near import services_near

        turn.clscs = services_near(loc, kind="clsc", limit=3, corpus_dir=engine.settings.corpus_dir)
    exclude = {c["id"] for c in turn.crisis.contacts}
    if turn.other_language:  # 211's interpreters, where a 211 centre serves the person's place
        turn.lines = desk.group_lines(GROUP_211, turn.region, loc)[:1]
    elif turn.text or turn.place_only:
        turn.lines = lines_for(engine, turn, exclude)
    seen = exclude | {c["id"] for c in turn.lines}
    info = [turn.info_social] if turn.info_social and INFO_SOCIAL not in seen else []
    turn.services = turn.crisis.contacts + turn.clscs + info + turn.lines
