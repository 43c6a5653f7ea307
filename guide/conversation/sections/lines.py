"""Lines section: at most two specific lines, each called for by the person's words; a line whose
number the source does not confirm is marked "à confirmer" / "to be confirmed"."""

from __future__ import annotations

from guide.directory.near import display_name


def render(d) -> list[str]:
    lines = d.turn.lines
    if not lines:
        return []
    unverified = d.prose.get("unverified", {}).get(d.lang, "")
    out = [d.say(d.prose["lines_intro"])]
    for s in lines:
        d.cite_service(s)
        flag = f" ({unverified})" if s.get("verified") and not s["verified"].get("phone", True) else ""
        sep = " : " if d.lang == "fr" else ": "
        out.append(f"• {display_name(s, d.lang)}{sep}{s.get('phone') or '—'}{flag}")
    return out
