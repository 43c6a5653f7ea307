"""Door section: the CLSC of the person's territory (name, distance) and how to reach it (its intake
number when the directory has one, with its hours in the person's language and "à confirmer" when
the source is secondary, then Info-Social 811 option 2 at any time; else Info-Social 811 option 2;
a CLSC's own general number when the sources give one); beyond 50 km, the distance said plainly and
811 first; without a place, 811 and the question of where they live (in ``follow_up``)."""

from __future__ import annotations

FAR_KM = 50.0
# Used when corpus/prose/answer_sections.yaml has no ``door.clsc_phone`` entry.
CLSC_PHONE = {"fr": "Numéro général du CLSC : {phone}.", "en": "The CLSC's general number: {phone}."}


def _flag(d, ok: bool) -> str:
    return "" if ok else f" ({d.prose.get('unverified', {}).get(d.lang, '')})"


def _intake_text(d, s: dict) -> str:
    """ "819 780-2220, poste 48415 (de 8 h 30 à 16 h 30)", "1-833-422-2267 (… ) (à confirmer)"."""
    hours = s.get("hours_fr" if d.lang == "fr" else "hours_en") if s.get("intake_hours") else None
    verified = (s.get("verified") or {}).get("intake_phone", True)
    return s["intake_phone"] + (f" ({hours})" if hours else "") + _flag(d, verified)


def render(d) -> list[str]:
    t = d.turn
    door = d.prose.get("door", {})
    info = t.info_social or {}
    phone = info.get("phone") or ""
    if info:
        d.cite_service(info)
    loc = t.location
    if t.clscs:
        s = t.clscs[0]
        d.cite_service(s)
        km = s.get("distance_km")
        km_text = (
            (f"{km:.0f}" if km is not None and km >= 10 else f"{km:.1f}".replace(".", "," if d.lang == "fr" else "."))
            if km is not None
            else "?"
        )
        if km is not None and km > FAR_KM:
            return [d.say(door["far"], name=s["name"], km=km_text, info_phone=phone)]
        intake = s.get("intake_phone")
        if intake and "near_intake" in door:
            return [
                d.say(door["near_intake"], name=s["name"], km=km_text, intake=_intake_text(d, s), info_phone=phone),
                d.say(door["reach"], info_phone=phone),
            ]
        out = [d.say(door["near"], name=s["name"], km=km_text, info_phone=phone)]
        if s.get("phone"):  # the CLSC's own (switchboard) number: "call or visit the CLSC"
            flag = _flag(d, (s.get("verified") or {}).get("phone", True))
            out.append(d.say(door.get("clsc_phone", CLSC_PHONE), phone=s["phone"] + flag))
        return out + [d.say(door["reach"], info_phone=phone)]
    out = []
    if loc is not None and loc.error is not None and loc.message:
        out.append(loc.message.get(d.lang) or loc.message.get("fr", ""))
    out.append(d.say(door["no_place"], info_phone=phone))
    return out
