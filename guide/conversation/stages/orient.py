"""Stage 6, orient: where to send the person. The crisis contacts (detected now, or carried over
from earlier in the conversation); the door (the CLSCs of their territory or region, nearest
first, and Info-Social 811 option 2); at most two specific lines, each only when the person's words
hold a cue for it (``corpus/taxonomy/cues.yaml``), youth lines first for a young writer."""

from __future__ import annotations

import re

from guide.conversation.cues import cue_text
from guide.conversation.models import Crisis
from guide.triage import PRIORITY

INFO_SOCIAL = "line-info-social-811-option-2"
LINE_211 = "line-211-grand-montreal-quebec-regions"  # superseded (coverage ended 2021): the 211 group instead
GROUP_211 = "211"
GROUP_PREFIX = "group:"
YOUTH_LINES = ("line-tel-jeunes", "line-jeunesse-j-ecoute")
MAX_LINES = 2
COMPLAINT_GROUPS = ("group:commissioner", "group:caap")
COMPLAINT_QUESTIONS = ("complaint", "waiting")
COMPLAINT_RIGHTS = ("right-complaint-path", "right-adequate-services")


PARENT_LINE = "line-ligneparents"
FEDERAL_SUICIDE_LINE = "line-9-8-8-ligne-d-aide-en-cas-de-crise-de-suicide"
SUICIDE_LINE = "line-ligne-quebecoise-de-prevention-du-suicide-1-866"
ADULT_AGE = re.compile(r"\b(1[89]|[2-9][0-9]) (ans|years|year old|yo)\b|\b(is|a|age|aged) (1[89]|[2-9][0-9])\b")


# kinds whose lines are for a situation the words must name (a partner's violence, a sexual assault,
# mistreatment, a poisoning); suicide, self-harm, immediate danger and a child at risk are never dropped
CUE_BOUND = ("domestic_violence", "sexual_violence", "elder_mistreatment", "poisoning_overdose")


def cued_kinds(engine, src: str, kinds: list[str]) -> list[str]:
    """The crisis kinds the words bear out. Words of suicide add it ("my husband… better off dead",
    read as partner violence by the classifier); a cue-bound kind whose own lines the words do not call
    for is dropped when another kind remains ("il me frappe" is not sexual violence; "I'm scared FOR
    him" is not partner violence). A crisis detected is never lost. ``src``: the masked text."""
    desk, cues = engine.crisis_desk, engine.cues
    out = list(kinds)
    if not ({"suicide", "self_harm"} & set(out)) and cues.line_allowed(SUICIDE_LINE, src):
        out.append("suicide")

    def borne_out(kind: str) -> bool:
        k = desk.model.kinds.get(kind)
        ruled = [cid for cid in (k.contacts if k else []) if cid in cues.lines and not cues.lines[cid].never_everyday]
        return not ruled or any(cues.line_allowed(cid, src) for cid in ruled)

    keep = [k for k in out if k not in CUE_BOUND or borne_out(k)]
    return keep or out[:1]


def for_parent(engine, turn, kinds: list[str]) -> list[str]:
    """A parent writing about their own child's suicide or self-harm: the youth line for the child and
    LigneParents for the parent (the child's age, when given, is under 18)."""
    if turn.for_whom != "other" or not ({"self_harm", "suicide"} & set(kinds)):
        return []
    rule = engine.cues.lines.get(PARENT_LINE)
    t = cue_text(turn.text)
    if rule is None or not any(p.search(t) for p in rule.mention) or ADULT_AGE.search(t):
        return []
    youth = YOUTH_LINES[1] if turn.language == "en" else YOUTH_LINES[0]
    return [youth, PARENT_LINE]


def crisis_of(engine, turn) -> Crisis:
    st, triage = turn.state, turn.triage
    now = list(triage.kinds) if triage is not None and triage.detected else []
    try:
        now = cued_kinds(engine, masked_of(engine, turn), now) if now else now
    except Exception:  # the cue filter is a refinement: every kind detected is kept
        pass
    now = engine.crisis_desk.with_companions(turn.text, now) if now else now
    st.crisis_kinds = sorted(set(st.crisis_kinds) | set(now), key=lambda k: PRIORITY.index(k) if k in PRIORITY else 99)
    kinds = now or list(st.crisis_kinds)
    if not kinds:
        return Crisis()
    desk = engine.crisis_desk
    contacts = desk.contacts(kinds, region=turn.region, young=turn.young, lang=turn.language)
    if now:
        parent = for_parent(engine, turn, kinds)
        if parent:  # room for the child's and the parent's lines within 80 words: the Québec line stays
            contacts = [c for c in contacts if c["id"] != FEDERAL_SUICIDE_LINE]
        ids = {c["id"] for c in contacts}
        extra = parent + [lid for lid in engine.cues.crisis_lines(masked_of(engine, turn)) if lid not in parent]
        for lid in extra[:2]:
            line = desk.line(lid, turn.region)
            if line and line["id"] not in ids:
                line["label"] = desk.label(line, turn.language)
                contacts.append(line)
    return Crisis(
        detected=True,
        kind=kinds[0],
        kinds=kinds,
        method=triage.method if now else "carried_over",
        contacts=contacts,
        urgent=bool(now) and desk.urgent(turn.text, kinds),
        carried_over=not now,
    )


def masked(engine, text: str) -> str:
    """The message with figures of speech masked ("mourir de rire", "this job is killing me"), as
    crisis triage masks them, so they cue no line either."""
    try:
        return engine.triager.masked(text).replace(" | ", " ")
    except Exception:  # the masks are a refinement; the plain text still works
        return text


def masked_of(engine, turn) -> str:
    """The turn's text with its figures of speech masked, computed once per turn (three stages read it)."""
    if turn.masked is None:
        turn.masked = masked(engine, turn.text)
    return turn.masked


def lines_for(engine, turn, exclude: set[str]) -> list[dict]:
    st, desk, region = turn.state, engine.crisis_desk, turn.region
    cued = set(st.cued_lines)
    if turn.text and not turn.place_only:
        cued = set()
    chosen: list[dict] = []
    wanted: list[str] = []
    cued_groups: list[str] = []
    forced: set[str] = set()  # lines the situation calls for whatever the words (a complaint's two doors)

    def groups_of(ids) -> set[str]:
        return {desk.by_id.get(i, {}).get("line_group") for i in ids} - {None}

    youth = YOUTH_LINES if turn.language == "fr" else YOUTH_LINES[::-1]  # Kids Help Phone first in English
    if turn.young:
        wanted.append(youth[0])
    cue_src = masked_of(engine, turn)
    top = engine.needs.get(turn.active_needs[0]) if turn.active_needs else None
    top_lines = set(top.lines) if top else set()  # a line offered on its cue also follows its own best need
    for rank, nid in enumerate(turn.active_needs[:3]):
        need = engine.needs.get(nid)
        # a line with no cue rule follows its need only when that need is the best match: a secondary
        # need ("je paye le loyer" beside a grief) does not bring the housing tribunal
        wanted += [
            lid for lid in (need.lines if need else []) if lid not in wanted and (rank == 0 or lid in engine.cues.lines)
        ]
    # a line the place itself calls for (Hope for Wellness in a Cree or Inuit community): after the
    # need's own line, before the others
    for lid in engine.cues.place_lines(turn.location):
        if lid not in wanted:
            wanted.insert(min(1, len(wanted)), lid)
    if turn.text and not turn.place_only and (turn.question in COMPLAINT_QUESTIONS or turn.right in COMPLAINT_RIGHTS):
        # a complaint, a refusal or a long wait: the establishment's commissioner and the CAAP come first
        wanted = [g for g in COMPLAINT_GROUPS if g not in wanted] + wanted
        forced.update(COMPLAINT_GROUPS)
    if turn.text and not turn.place_only:  # lines the words call for by themselves, after the needs' own
        wanted += [lid for lid in engine.cues.cued_lines(cue_src) if lid not in wanted]
    if turn.language == "en":  # Kids Help Phone answers in English; Tel-jeunes mostly in French
        wanted = [YOUTH_LINES[1] if lid == YOUTH_LINES[0] else lid for lid in wanted]
    for lid in wanted:
        if lid in exclude or lid == INFO_SOCIAL or any(c["id"] == lid for c in chosen):
            continue
        if lid in YOUTH_LINES and any(c["id"] in YOUTH_LINES for c in chosen):
            continue  # one youth line is enough
        group = lid[len(GROUP_PREFIX) :] if lid.startswith(GROUP_PREFIX) else None
        if turn.text and not turn.place_only:
            rule = engine.cues.lines.get(lid)
            own_need = lid in forced or (
                rule is not None
                and rule.offer_on_cue
                and lid in top_lines
                and not rule.unless_in(cue_src)
                and not (rule.not_young and turn.young)
            )
            if not own_need and not engine.cues.line_allowed(
                lid, cue_src, turn.young, turn.needs[:1], turn.for_whom != "other", turn.location
            ):
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
            if (
                line is None
                or not line.get("phone")
                or (line.get("regional") and not region)
                or line["id"] in exclude
                or any(c["id"] == line["id"] for c in chosen)
            ):
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
