"""Question section: when the message asks something the records answer (referral, fees, English,
one's file, complaints, consent, waiting), the answer starts with it, cited."""

from __future__ import annotations

import re

from guide.text import fold

WRITERS_PARENTS = re.compile(r"\b(mes|my) parents\b")

PRINCIPLE_2 = "decl-principe-2-1"
SOURCE = {
    "referral": (PRINCIPLE_2, "declaration"),
    "free": (PRINCIPLE_2, "declaration"),
    "waiting": (PRINCIPLE_2, "declaration"),
    "english": ("right-english-services", "right"),
    "file_access": ("right-record-access", "right"),
    "complaint": ("right-complaint-path", "right"),
    "consent": ("right-consent", "right"),
    "confidentiality": ("right-record-access", "right"),
    "emergency_care": ("right-emergency-care", "right"),
}
INFO_SANTE = "line-info-sante-811-option-1"
EMERGENCY = "line-urgence-9-1-1"


def render(d) -> list[str]:
    q = d.turn.question
    entry = d.prose.get("question", {}).get(q) if q else None
    if not entry:
        return []
    rec, kind = SOURCE[q]
    n = d.cite(rec, kind)
    if n is None:
        return []
    info = d.turn.info_social or {}
    emergency: dict = {}
    if q == "emergency_care":  # Info-Santé (option 1) and 911: both records returned with the answer
        desk = d.engine.crisis_desk
        info, emergency = desk.line(INFO_SANTE) or {}, desk.line(EMERGENCY) or {}
        if not info or not emergency:
            return []
        for s in (info, emergency):
            if all(x["id"] != s["id"] for x in d.turn.services):
                d.turn.services.append(s)
            d.cite_service(s)
    elif "{info_phone}" in str(entry):
        d.cite_service(info)
    other = f"{d.lang}_other"
    # about someone else: what the relative can do ("mes parents" is a young writer speaking of themselves)
    if d.turn.for_whom == "other" and other in entry and not WRITERS_PARENTS.search(fold(d.turn.text or "")):
        entry = {d.lang: entry[other], f"{d.lang}_tu": entry.get(f"{other}_tu", entry[other])}
    return [d.say(entry, cite=n, info_phone=info.get("phone") or "", emergency_phone=emergency.get("phone") or "")]
