"""Situation section: one sentence that names the person's situation, from the best-matching need
of this message (not the last one remembered), for the writer or for the relative they write about."""

from __future__ import annotations


def render(d) -> list[str]:
    t = d.turn
    if t.place_only or not t.text:
        return []
    situations = d.prose.get("situation", {})
    # a crisis kind's need is certain; otherwise a wrong specific sentence is worse than a general one
    certain = t.need_confident or (t.triage is not None and t.triage.detected)
    need = next((n for n in t.needs if n in situations), None) if certain else None
    if t.question and not (t.triage is not None and t.triage.detected):
        # a question answered first: name a situation only when the person's own words name it
        # ("do I need a referral?" is not about losing a job)
        if need is None or need not in d.engine.matcher.keyword_needs(t.text):
            return []
    entry = situations.get(need) if need else situations.get("default")
    if not entry:
        return []
    if t.for_whom == "other" and f"{d.lang}_other" in entry:
        tu = f"{d.lang}_other_tu"
        out = [entry[tu] if d.tu and tu in entry else entry[f"{d.lang}_other"]]
        if d.prose.get("other_person"):
            out.append(d.say(d.prose["other_person"]))
        return out
    return [d.say(entry)]
