"""Opening hours of the line tables → structured HSDS ``schedules`` and French / English text.

The source tables write hours as free text, in French or English ("7 days, 8 a.m.-8 p.m.",
"Lundi à vendredi 8 h à 20 h; samedi, dimanche et fériés 8 h à 16 h", "24/7 (14 ans et plus)").
``parse`` reads what a text states about the line itself into ``Slot``s (days, opening and closing
time, 24/7, holidays) and keeps the rest as a note in the source's language; ``render`` writes the
slots in French or in English (French never reads "7 days, 8 a.m.-8 p.m.").

Only what is stated for the line's own number is structured. A text is left unstructured (its
``kind`` says why) when it gives office hours without times, says the hours are not stated, or when
its hours are historical, uncertain or about another number ("earlier 8h-18h", "Historically 24/7",
"1 866 APPELLE … 24/7", "which number reaches the emergency service not stated").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from guide.text import fold

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAYS = DAYS[:5]
WEEKEND = DAYS[5:]
_DAY_FR = {
    "MO": "lundi",
    "TU": "mardi",
    "WE": "mercredi",
    "TH": "jeudi",
    "FR": "vendredi",
    "SA": "samedi",
    "SU": "dimanche",
}
_DAY_EN = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_DAY_WORDS = {
    "lundi": "MO",
    "mardi": "TU",
    "mercredi": "WE",
    "jeudi": "TH",
    "vendredi": "FR",
    "samedi": "SA",
    "dimanche": "SU",
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
    "mon": "MO",
    "tue": "TU",
    "wed": "WE",
    "thu": "TH",
    "fri": "FR",
    "sat": "SA",
    "sun": "SU",
}
HOLIDAYS_NOTE = "jours fériés / public holidays"

# Texts (accent-folded, lower case) that are not structured, with the kind they get.
_UNSTRUCTURED: tuple[tuple[str, str], ...] = (
    (r"\bhistorically\b|\bunverified\b|hours may have changed(?!\))|\bcurrent hours\b", "uncertain"),
    (r"which number|\bappointment|\bclinics?\b", "unknown"),
    (r"grand montreal\s*:|quebec regions\s*:", "unknown"),  # hours of two centres in one text
    (r"office hours|heures de bureau", "office"),
)
_NOT_STATED = re.compile(r"^\s*(not stated|non indiqu|$)")
# Segments that speak of another number, of an earlier state or of a text line: not the line's hours.
_SKIP_SEGMENT = re.compile(
    r"\b(earlier|historically|before|formerly|auparavant|texting|text/chat|sms)\b|\b811\b"
    r"|1 866|appelle|\bsoirs?/|\bselon clsc\b"
)
_ALWAYS = re.compile(
    r"24\s*/\s*7|24\s*h(?:eures?)?\s*(?:/|sur|par)\s*(?:24|jour)|24 hours a day"
    r"|7 jours sur 7\s*,\s*24 heures sur 24|24 heures sur 24"
)
_EVERY_DAY = re.compile(
    r"7 jours (?:sur|/) ?7|7 jours/semaine|7 jours par semaine|7 days(?: a week)?|\bdaily\b"
    r"|365 days|365 jours|tous les jours"
)
_HOL = r"(?:\s*(?:,|et|and)\s*(?:les\s+)?(?:jours\s+)?(?:feries|holidays)\b)?"
_DAYSPEC = re.compile(
    r"(?P<range>\b(?:du |de )?(?P<d1>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|mon|tue|wed|thu|fri|sat|sun"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s*(?:-|–|\ba\b|\bau\b|\bto\b)\s*"
    r"(?P<d2>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|mon|tue|wed|thu|fri|sat|sun|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday)\b)"
    r"|(?P<weekdays>\bweekdays\b|\ben semaine\b|\bjours de semaine\b)"
    r"|(?P<weekend>(?:\bweekends?\b|\b(?:les |la )?fins? de semaine\b)" + _HOL + r")"
    r"|(?P<list>\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|mon|tue|wed|thu|fri|sat|sun)"
    r"(?:\s*(?:,|et|and)\s*(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|mon|tue|wed|thu|fri|sat|sun"
    r"|(?:jours )?feries|holidays))*\b)"
    r"|(?P<every>" + _EVERY_DAY.pattern + r")"
)
_HOLIDAY = re.compile(r"\b(?:(?:les |et |and |, )*(?:jours )?feries|holidays)\b")
_T = r"(\d{1,2})\s*(?:h\s*(\d{2})?|:(\d{2}))?\s*(a\.m\.|p\.m\.|am|pm)?"
_RANGE = re.compile(
    r"(?:\bentre\s+"
    + _T
    + r"\s+et\s+"
    + _T
    + r")|(?:(?:\bde |\bfrom )?"
    + _T
    + r"\s*(?:-|–|\ba\b|\bto\b)\s*"
    + _T
    + r")"
)


@dataclass(frozen=True)
class Slot:
    """One opening: ``days`` (None = days not stated), ``opens``/``closes`` "HH:MM" (both None = all day)."""

    days: tuple[str, ...] | None
    opens: str | None = None
    closes: str | None = None
    holidays: bool = False

    @property
    def always(self) -> bool:
        return self.days == DAYS and self.opens is None and self.closes is None


@dataclass
class Hours:
    text: str  # the source's text, as written
    slots: list[Slot] = field(default_factory=list)
    kind: str = "structured"  # structured | office | not_stated | uncertain | unknown
    note: str = ""  # what the structure does not hold, in the source's language

    @property
    def structured(self) -> bool:
        return bool(self.slots)


def _time(h: str | None, m1: str | None, m2: str | None, ampm: str | None, bare_ok: bool) -> str | None:
    if h is None:
        return None
    hour, minute = int(h), int(m1 or m2 or 0)
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    if hour > 24 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _ranges(seg: str) -> list[tuple[int, int, str, str]]:
    """(start, end, opens, closes) of the time ranges of a segment; a range needs an "h", ":" or am/pm."""
    out = []
    for m in _RANGE.finditer(seg):
        g = m.groups()
        a, b = (g[0:4], g[4:8]) if m.group(1) is not None else (g[8:12], g[12:16])
        if not any(x for x in (*a[1:], *b[1:])) and "h" not in m.group(0):
            continue  # "2020-2021": not a time range
        if m.group(1) is None and not re.search(r"\d\s*(h|:|a\.m|p\.m|am|pm)", m.group(0)):
            continue
        ampm_b = b[3]
        ampm_a = a[3] or (ampm_b if ampm_b and int(a[0]) <= int(b[0]) else None)
        opens = _time(a[0], a[1], a[2], ampm_a, True)
        closes = _time(b[0], b[1], b[2], ampm_b, True)
        if opens and closes:
            out.append((m.start(), m.end(), opens, closes))
    return out


def _days_of(m: re.Match) -> tuple[tuple[str, ...], bool]:
    text = m.group(0)
    holidays = bool(_HOLIDAY.search(text))
    if m.group("range"):
        a, b = DAYS.index(_DAY_WORDS[m.group("d1")]), DAYS.index(_DAY_WORDS[m.group("d2")])
        return (DAYS[a : b + 1] if a <= b else DAYS[a:] + DAYS[: b + 1]), holidays
    if m.group("weekdays"):
        return WEEKDAYS, holidays
    if m.group("weekend"):
        return WEEKEND, holidays
    if m.group("every"):
        return DAYS, holidays
    found = [_DAY_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in _DAY_WORDS]
    return tuple(d for d in DAYS if d in found), holidays


def _segment_slots(seg: str) -> list[Slot]:
    if _ALWAYS.search(seg):
        return [Slot(DAYS)]
    specs = [(m.start(), m.end(), *_days_of(m)) for m in _DAYSPEC.finditer(seg)]
    ranges = _ranges(seg)
    if not ranges:
        return []
    # A range takes the day spec written right after it ("8 h à 16 h 30 en semaine"), else the last one before.
    slots: list[Slot] = []
    for start, end, opens, closes in ranges:
        after = [s for s in specs if s[0] >= end and not seg[end : s[0]].strip(" ,")]
        after = after or [s for s in specs if s[0] >= end and re.fullmatch(r"[\s,]*(?:la|le|les)?\s*", seg[end : s[0]])]
        before = [s for s in specs if s[1] <= start]
        spec = after[0] if after else (before[-1] if before else None)
        days, holidays = (spec[2], spec[3]) if spec else (None, False)
        slots.append(Slot(days, opens, closes, holidays))
    return slots


def parse(text: str | None) -> Hours:
    """Structure an hours text of the line tables (see the module docstring)."""
    raw = (text or "").strip()
    folded = fold(raw).replace("’", "'")
    if _NOT_STATED.match(folded):
        return Hours(raw, [], "not_stated", raw)
    for pattern, kind in _UNSTRUCTURED:
        if re.search(pattern, folded):
            return Hours(raw, [], kind, raw)
    # Parenthesised remarks are notes ("(14 ans et plus)", "(2018)", "(annual report 2020-2021; …)").
    body = re.sub(r"\([^()]*\)", " ", folded)
    slots: list[Slot] = []
    for seg in re.split(r";| — ", body):
        if not seg.strip() or _SKIP_SEGMENT.search(seg):
            continue
        slots += [s for s in _segment_slots(seg) if s not in slots]
    if not slots:
        return Hours(raw, [], "unknown", raw)
    if any(s.always for s in slots):
        slots = [s for s in slots if s.always][:1]
    # The note: parenthesised remarks and skipped segments, as written in the source.
    parts = re.split(r";| — ", raw)
    skipped = [p.strip() for p in parts if _SKIP_SEGMENT.search(fold(re.sub(r"\([^()]*\)", " ", p)))]
    notes = [n for p in parts if p.strip() not in skipped for n in re.findall(r"\(([^()]*)\)", p)]
    note = "; ".join(x.strip() for x in [*skipped, *notes] if x.strip())
    return Hours(raw, slots, "structured", note)


# --- rendering -----------------------------------------------------------------------------------


def _fr_time(t: str) -> str:
    h, m = t.split(":")
    return f"{int(h)} h" + (f" {m}" if m != "00" else "")


def _en_time(t: str) -> str:
    h, m = int(t[:2]), t[3:]
    if h in (0, 24) and m == "00":
        return "midnight"
    if h == 12 and m == "00":
        return "noon"
    suffix = "a.m." if h < 12 else "p.m."
    h12 = h % 12 or 12
    return f"{h12}{':' + m if m != '00' else ''} {suffix}"


def _fr_days(days: tuple[str, ...], holidays: bool) -> str:
    if days == DAYS:
        text = "7 jours sur 7"
    elif days == WEEKDAYS:
        text = "du lundi au vendredi"
    elif days == WEEKEND:
        text = "samedi et dimanche" if not holidays else "samedi, dimanche"
    elif len(days) > 2 and all(DAYS.index(b) - DAYS.index(a) == 1 for a, b in pairwise(days)):
        text = f"du {_DAY_FR[days[0]]} au {_DAY_FR[days[-1]]}"
    else:
        names = [_DAY_FR[d] for d in days]
        text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + (" et " if not holidays else ", ") + names[-1]
    return text + (" et jours fériés" if holidays else "")


def _en_days(days: tuple[str, ...], holidays: bool) -> str:
    if days == DAYS:
        text = "7 days a week"
    elif days == WEEKDAYS:
        text = "Monday to Friday"
    elif days == WEEKEND:
        text = "Saturday and Sunday" if not holidays else "Saturday, Sunday"
    elif len(days) > 2 and all(DAYS.index(b) - DAYS.index(a) == 1 for a, b in pairwise(days)):
        text = f"{_DAY_EN[days[0]]} to {_DAY_EN[days[-1]]}"
    else:
        names = [_DAY_EN[d] for d in days]
        text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + (" and " if not holidays else ", ") + names[-1]
    return text + (" and holidays" if holidays else "")


def _group(slots: list[Slot]) -> list[tuple[tuple[str, ...] | None, bool, list[tuple[str, str]]]]:
    """Slots of the same days together: [(days, holidays, [(opens, closes), …])]."""
    out: list[tuple[tuple[str, ...] | None, bool, list[tuple[str, str]]]] = []
    for s in slots:
        for days, hol, times in out:
            if days == s.days and hol == s.holidays:
                times.append((s.opens or "", s.closes or ""))
                break
        else:
            out.append((s.days, s.holidays, [(s.opens or "", s.closes or "")]))
    return out


def render(slots: list[Slot], lang: str) -> str | None:
    """The slots in French or English ("du lundi au vendredi, de 8 h 30 à 16 h 30" / "Monday to Friday,
    8:30 a.m. to 4:30 p.m."); None without slots."""
    if not slots:
        return None
    if any(s.always for s in slots):
        return "24 h sur 24, 7 jours sur 7" if lang == "fr" else "24 hours a day, 7 days a week"
    parts = []
    for days, holidays, times in _group(slots):
        if lang == "fr":
            span = " et ".join(f"de {_fr_time(a)} à {_fr_time(b)}" for a, b in times)
            parts.append(f"{_fr_days(days, holidays)}, {span}" if days else span)
        else:
            span = " and ".join(f"{_en_time(a)} to {_en_time(b)}" for a, b in times)
            parts.append(f"{_en_days(days, holidays)}, {span}" if days else span)
    return " ; ".join(parts) if lang == "fr" else "; ".join(parts)


_FALLBACK = {
    "office": (
        "Heures de bureau (heures précises non indiquées dans la source)",
        "Office hours (exact hours not given in the source)",
    ),
    "not_stated": ("Heures non indiquées dans la source", "Hours not given in the source"),
    "uncertain": ("Heures actuelles non confirmées", "Current hours not confirmed"),
    "unknown": ("Heures non indiquées dans la source", "Hours not given in the source"),
}


def text_for(hours: Hours, lang: str) -> str:
    """What to show for these hours in ``lang``: the rendered slots, else a plain statement of what the
    source says (office hours, not stated, not confirmed) — never the source's text in the other language."""
    rendered = render(hours.slots, lang)
    if rendered:
        return rendered
    fr, en = _FALLBACK.get(hours.kind, _FALLBACK["unknown"])
    return fr if lang == "fr" else en


# --- HSDS schedules ------------------------------------------------------------------------------


def schedule_rows(hours: Hours, make_id, link: dict[str, str]) -> list[dict[str, str]]:
    """HSDS ``schedules`` rows: one row holding the source's text (``description``) and the note
    (``notes``, source language), then one row per slot (``freq`` WEEKLY, ``byday``, ``opens_at`` /
    ``closes_at``; 24/7 = every day 00:00–23:59:59, holidays in ``notes``). ``make_id(i)`` gives ids."""
    rows = [{"id": make_id(0), **link, "description": hours.text, "notes": hours.note}]
    for i, s in enumerate(hours.slots, 1):
        always = s.always
        rows.append(
            {
                "id": make_id(i),
                **link,
                "freq": "WEEKLY" if s.days else "",
                "byday": ",".join(s.days) if s.days else "",
                "opens_at": "00:00:00" if always else (f"{s.opens}:00" if s.opens else ""),
                "closes_at": "23:59:59" if always else (f"{s.closes}:00" if s.closes else ""),
                "notes": "24/7" if always else (HOLIDAYS_NOTE if s.holidays else ""),
            }
        )
    return rows


def slots_from_rows(rows: list[dict[str, str]]) -> list[Slot]:
    """The slots written by ``schedule_rows`` (rows with ``opens_at``), back."""
    out = []
    for r in rows:
        if not r.get("opens_at"):
            continue
        days = tuple(d for d in (r.get("byday") or "").split(",") if d in DAYS) or None
        if r.get("notes") == "24/7":
            out.append(Slot(DAYS))
            continue
        out.append(
            Slot(
                days, r["opens_at"][:5], (r.get("closes_at") or "")[:5] or None, HOLIDAYS_NOTE in (r.get("notes") or "")
            )
        )
    return out


def kind_of(text: str | None) -> str:
    return parse(text).kind
