"""Door section: the CLSC of the person's territory (name, distance) and how to reach it (its intake
number when the directory has one, else Info-Social 811 option 2); beyond 50 km, the distance said
plainly and 811 first; without a place, 811 and the question of where they live (in ``follow_up``)."""

from __future__ import annotations

FAR_KM = 50.0


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
        km_text = (f"{km:.0f}" if km is not None and km >= 10 else f"{km:.1f}".replace(".", "," if d.lang == "fr" else ".")) if km is not None else "?"
        if km is not None and km > FAR_KM:
            return [d.say(door["far"], name=s["name"], km=km_text, info_phone=phone)]
        intake = s.get("intake_phone")
        if intake and "near_intake" in door:
            return [d.say(door["near_intake"], name=s["name"], km=km_text, intake=intake, info_phone=phone)]
        return [d.say(door["near"], name=s["name"], km=km_text, info_phone=phone),
                d.say(door["reach"], info_phone=phone)]
    out = []
    if loc is not None and loc.error is not None and loc.message:
        out.append(loc.message.get(d.lang) or loc.message.get("fr", ""))
    out.append(d.say(door["no_place"], info_phone=phone))
    return out
