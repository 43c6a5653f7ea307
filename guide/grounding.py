"""Grounding: every fact written in an answer's text must be found in a record that the answer
returns (``services`` or ``citations``).

Contract
- ``grounding_problems(answer) -> list[str]``: one ``"category: detail"`` string per fact of
  ``answer.answer`` that no returned record supports; ``[]`` when the text is grounded. The engine's
  tests and the evaluation suite run it on every deterministic answer, which must always pass; the
  optional LLM writer's guard (``guide.guard``) runs it on every rewrite, which must pass too.
- ``grounding_findings(answer)``: the same problems as ``(category, detail)`` pairs.
- ``scan(text)``: the facts written in a text (phones, addresses, hours…), each with a normalised key;
  the guard uses it to see which service numbers a rewrite keeps.

Categories and what is checked (numbers are compared whole, never as substrings of other digits):
- ``url`` / ``email``: a web address or e-mail address (also "[at]", "arobase", "point ca") must be
  in the text of a returned record;
- ``address``: a civic number followed by a street type ("12 rue Principale", "1705, rue de la
  Visitation", "au 12 de la rue…") must be an address of a returned record;
- ``postal_code``: must be in a returned record;
- ``hours``: opening hours ("24/7", "24 h/24", "7 jours sur 7", "8 h", "9 p.m.", "weekends",
  "en tout temps", weekday names) must be the hours of a record named on the same line (by its
  phone number, its name, its address or its citation mark [n]); "24 h/24" and "24/7" are the same
  hours, "8 h" and "8 a.m." the same time;
- ``article``: article numbers ("art. 4", "article 12", "articles 3 et 4") and law codes
  ("G-1.021") must be in a cited record;
- ``phone``: phone numbers in any format ("(438) 123-4567", "438.123.4567", "+1 438 123 4567",
  "1-800-…"), short codes and SMS numbers ("811", "9-8-8", "535353"), extensions ("poste 1234",
  "option 2") and vanity numbers ("1 866 APPELLE") must be a whole number of a returned record,
  compared as digits (a leading 1 ignored); a number written in words ("cinq un quatre…") never is;
- ``number``: any other number of two digits or more (ages, counts, distances, dates) must be a
  whole number of a returned record; distances must be those of the services returned.

The place the person gave is theirs, not a fact of Guide's: it supports the text too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from guide.text import fold, fold_same_length

# --- patterns (applied to a same-length, accent-folded, lower-cased copy unless said otherwise) ---

_STREET = (
    r"(?:rue|boulevard|boul|bd|blvd|avenue|av|ave|chemin|ch|route|rte|rang|place|montee|cote|promenade|"
    r"grande-allee|allee|croissant|carre|square|terrasse|voie|impasse|quai|esplanade|autoroute|"
    r"sentier|rond-point|street|st|road|rd|drive|dr|way|lane|crescent|highway|circle|court)"
)
# civic number (36, 36-B, 1070A, 12-14), an optional comma, an optional ordinal (1e, 6e, 25th), a street type;
# or "12 de la rue …" / "no 12, rue …"
ADDRESS = re.compile(
    rf"(?<![\w-])(?:no\.?\s?)?\d{{1,6}}(?:-?[a-z](?![\w])|-\d{{1,5}})?,?\s+"
    rf"(?:de la\s+|de l'|du\s+|des\s+)?(?:\d{{1,3}}(?:e|er|re|ere|eme|ieme|th|st|nd|rd)\s+)?"
    rf"{_STREET}\.?(?=[\s,])[^\n,;()•]*"
    # English order: "123 Main Street", "1801 de Maisonneuve Blvd"
    rf"|(?<![\w-])\d{{1,6}}\s+(?:[a-z][\w'-]*\s+){{1,3}}(?:street|st|road|rd|avenue|ave|blvd|boulevard|drive|dr|lane|way)"
    rf"\.?(?![\w])"
)
_CONNECTORS = {"de", "la", "l", "du", "des", "d", "le", "les", "of", "the", "no", "on", "sur"}
POSTAL = re.compile(r"(?<![\w])[abceghj-nprstvxy]\d[abceghj-nprstv-z][ -]?\d[abceghj-nprstv-z]\d(?![\w])")
EMAIL = re.compile(
    r"[\w.+-]+(?:@|\s?\[at\]\s?|\s?\(at\)\s?|\s?\[arobase\]\s?|\s?\(arobase\)\s?|\sarobase\s)"
    r"[\w-]+(?:(?:\.|\s?\[dot\]\s?|\s?\(dot\)\s?|\sdot\s|\spoint\s)[\w-]+)+"
)
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>()\[\]\"']+"
    r"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:ca|com|org|net|info|quebec|gouv|io|fr|co|us|app|ly)"
    r"(?![\w-])(?:/[^\s<>()\[\]\"']*)?"
    r"|(?<![\w-])[a-z0-9-]{2,}(?:\s?\[\.\]\s?|\s?\(\.\)\s?|\s?\[dot\]\s?|\s?\(dot\)\s?|\sdot\s|\spoint\s)"
    r"(?:ca|com|org|net|qc|quebec)(?![\w])"
)
# hours, as canonical keys: ALWAYS (24/7), DAILY (7 days), WEEKEND, WEEKDAYS, DAY0-6, T<minutes>
_ALWAYS = re.compile(
    r"24\s?/\s?7|24\s?h(?:eures?|rs?)?\s?(?:/|sur|par jour)\s?(?:24)?|24\s?hours?\s?(?:a|per|/)\s?day"
    r"|around the clock|jour et nuit|nuit et jour|day and night|night and day|en tout temps"
    r"|at any time|at all times|(?<![\w])anytime|toute la nuit|all night|365 (?:jours|days)"
)
_DAILY = re.compile(
    r"7\s?j(?:ours|rs)?\s?(?:/|sur)\s?7|7\s?days?\s?(?:a|per|/)\s?week|(?<![\w.])7\s?(?:days|jours)(?![\w])"
)
# "tous les jours", "daily" are hours only next to opening words or a time ("ouvert tous les jours", "every day
# from 8 a.m."), not in "la vie de tous les jours", "daily life"
_DAILY_WORDS = re.compile(r"(?<![\w])(?:tous les jours|chaque jour|every day|daily|toute la semaine|all week)(?![\w])")
_OPENING = re.compile(
    r"(?:ouvert\w*|open\w*|joignable|reachable|available|disponible|accessible|accueil\w*|repond\w*|"
    r"answer\w*|en service|staffed|horaires?|hours)[^.\n;]{0,30}$"
)
_TIME_NEXT = re.compile(r"^,?\s?(?:de|from|des|dès|,)?\s?\d{1,2}\s?(?:h|:\d\d|a\.?\s?m|p\.?\s?m)")
_WEEKEND = re.compile(r"week-?ends?|fins? de semaine")
_WEEKDAYS = re.compile(r"weekdays?|en semaine|jours de semaine|jours ouvrables|business days")
_DAYS = [
    "lundi|monday",
    "mardi|tuesday",
    "mercredi|wednesday",
    "jeudi|thursday",
    "vendredi|friday",
    "samedi|saturday",
    "dimanche|sunday",
]
_DAY = re.compile(r"(?<![\w])(" + "|".join(_DAYS) + r")s?(?![\w])")
_TIME_H = re.compile(r"(?<![\w.:/,])(\d{1,2})\s?h\s?(\d{2})?(?![\w])")
_TIME_AMPM = re.compile(r"(?<![\w.:/,])(\d{1,2})(?::(\d{2}))?\s?([ap])\.?\s?m(?![\w])\.?")
_TIME_COLON = re.compile(r"(?<![\w.:/,])(\d{1,2}):(\d{2})(?![\w])")
_TIME_WORD = re.compile(r"(?<![\w])(midi|noon|minuit|midnight)(?![\w])")
ARTICLE = re.compile(
    r"(?<![\w])art(?:icles?|s?\.|s?(?=\s\d))\s?(\d+(?:\.\d+)?)"
    r"((?:\s?(?:,|et|and|a|to|-|–|ou|or)\s?\d+(?:\.\d+)?(?![\w]))*)"
)
LAW_CODE = re.compile(
    r"(?<![\w-])[a-z]-\d+(?:\.\d+)+(?![\w])|(?<![\w])(?:projet de loi|loi|bill|chapitre|chapter)"
    r"\s?(?:n[o°]\s?)?\d+(?![\w])"
)
CITE_MARK = re.compile(r"\[\s?\^?\d+(?:\s?[,;–-]\s?\d+)*\s?\]")
DISTANCE = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?km(?![\w])")
DATE = re.compile(r"(?<![\w])\d{4}-\d{2}-\d{2}(?![\w])|(?<![\w])\d{1,2}/\d{1,2}/\d{2,4}(?![\w])")
EXTENSION = re.compile(r"(?<![\w])(poste|ext\.?|extension|option|#)\s?(\d{1,6})(?![\w])")
PHONE = re.compile(r"(?<![\w+])(?:\+\s?)?(?:1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}(?!\d)")
_NUMBER_WORDS = (
    "zero|un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|"
    "vingt|trente|quarante|cinquante|soixante|septante|huitante|nonante|cent|cents|mille|one|two|three|"
    "four|five|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    "eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand"
)
SPELLED = re.compile(rf"(?<![\w])(?:{_NUMBER_WORDS})(?:[\s,.-]+(?:{_NUMBER_WORDS})){{2,}}(?![\w])")
NUMBER = re.compile(r"(?<![\w.,/:-])\d+(?:[ .-]\d+)*(?![\w/])")
# on the original text (case matters): "1 866 APPELLE"
VANITY = re.compile(r"(?<![\w])(?:1[\s.-]?)?\d{3}[\s.-]?[A-Z]{4,}(?:-[A-Z]+)?(?![\w])")


@dataclass
class Fact:
    """One fact written in a text: its category, where it is, what is written and its key."""

    category: str  # phone, address, postal_code, url, email, hours, article, number, cite
    start: int
    end: int
    raw: str
    key: Any


def _same_len_fold(text: str) -> str:
    """Accent-folded, lower-cased, same length as ``text`` (so that spans map back)."""
    return fold_same_length(text)


def norm(text: str) -> str:
    """Accent-folded, lower-cased words separated by single spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text or "")).split())


def phone_key(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _email_key(text: str) -> str:
    """ "info [at] site point ca" -> "info@site.ca"."""
    text = re.sub(r"\s?(?:\[at\]|\(at\)|\[arobase\]|\(arobase\)|(?<=\s)arobase(?=\s))\s?", "@", text.lower())
    text = re.sub(r"\s?(?:\[dot\]|\(dot\)|(?<=\s)(?:dot|point)(?=\s))\s?", ".", text)
    return re.sub(r"\s", "", text)


def _link_text(text: str) -> str:
    """Lower-cased, accent-folded, without "https://" nor "www." (how links are compared)."""
    return re.sub(r"(?:https?://)?(?:www\.)?", "", fold(text))


def _minutes(h: str, m: str | None, ampm: str | None = None) -> int | None:
    hour, minute = int(h), int(m or 0)
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 24 or minute > 59:
        return None
    return hour * 60 + minute


def _time_key(hour: str, minute: str | None, ampm: str | None = None) -> str | None:
    t = _minutes(hour, minute, ampm)
    return None if t is None else f"T{t}"


def _hours_facts(text: str, folded: str, work: list[str]) -> list[Fact]:
    """Opening hours in ``text`` (``folded``: its same-length folded copy; ``work``: what is left to read,
    where the hours taken are blanked out)."""
    facts: list[Fact] = []

    def take(rx: re.Pattern, key_of) -> None:
        for m in rx.finditer("".join(work)):
            key = key_of(m)
            if key is None:
                continue
            facts.append(Fact("hours", m.start(), m.end(), text[m.start() : m.end()], key))
            work[m.start() : m.end()] = [" "] * (m.end() - m.start())

    take(_ALWAYS, lambda m: "ALWAYS")
    take(_DAILY, lambda m: "DAILY")
    take(
        _DAILY_WORDS,
        lambda m: (
            "DAILY"
            if _OPENING.search(folded[max(0, m.start() - 60) : m.start()])
            or _TIME_NEXT.match(folded[m.end() : m.end() + 20])
            else None
        ),
    )
    take(_WEEKEND, lambda m: "WEEKEND")
    take(_WEEKDAYS, lambda m: "WEEKDAYS")
    take(_DAY, lambda m: f"DAY{next(i for i, d in enumerate(_DAYS) if m.group(1) in d.split('|'))}")
    take(_TIME_AMPM, lambda m: _time_key(m.group(1), m.group(2), m.group(3)))
    take(_TIME_H, lambda m: _time_key(m.group(1), m.group(2)))
    take(_TIME_COLON, lambda m: _time_key(m.group(1), m.group(2)))
    take(_TIME_WORD, lambda m: "T720" if m.group(1) in ("midi", "noon") else "T1440")
    return facts


def _grants(keys: set[str]) -> set[str]:
    """Hours keys a record's hours support: 24/7 covers every day, 7 days covers weekends…"""
    out = set(keys)
    if "ALWAYS" in keys:
        out |= {"DAILY"}
    if "DAILY" in out:
        out |= {"WEEKEND", "WEEKDAYS"} | {f"DAY{i}" for i in range(7)}
    if "WEEKDAYS" in out:
        out |= {f"DAY{i}" for i in range(5)}
    if "WEEKEND" in out:
        out |= {"DAY5", "DAY6"}
    if "T0" in out or "T1440" in out:
        out |= {"T0", "T1440"}
    return out


def scan(text: str) -> list[Fact]:
    """Every fact written in ``text``, in the order of the checks (each span is masked once taken)."""
    folded = _same_len_fold(text)
    work = list(folded)
    facts: list[Fact] = []

    def take(rx: re.Pattern, category: str, key_of=lambda m: m.group(0), source: str | None = None) -> None:
        for m in rx.finditer(source if source is not None else "".join(work)):
            if source is not None and not "".join(work[m.start() : m.end()]).strip():
                continue  # already taken
            facts.append(Fact(category, m.start(), m.end(), text[m.start() : m.end()], key_of(m)))
            work[m.start() : m.end()] = [" "] * (m.end() - m.start())

    take(EMAIL, "email", lambda m: _email_key(m.group(0)))
    take(URL, "url", lambda m: re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group(0)).rstrip("/.,;:!?"))
    take(ADDRESS, "address", lambda m: norm(m.group(0)))
    take(POSTAL, "postal_code", lambda m: re.sub(r"[\s-]", "", m.group(0)))
    facts += _hours_facts(text, folded, work)
    take(ARTICLE, "article", lambda m: [m.group(1)] + re.findall(r"\d+(?:\.\d+)?", m.group(2) or ""))
    take(LAW_CODE, "article", lambda m: norm(m.group(0)))
    take(CITE_MARK, "cite", lambda m: [int(n) for n in re.findall(r"\d+", m.group(0))])
    take(DISTANCE, "number", lambda m: ("km", float(m.group(1).replace(",", "."))))
    take(DATE, "number", lambda m: ("date", m.group(0)))
    take(VANITY, "phone", lambda m: ("vanity", norm(m.group(0))), source=text)
    take(EXTENSION, "phone", lambda m: ("ext", m.group(2)))
    take(PHONE, "phone", lambda m: phone_key(m.group(0)))
    take(SPELLED, "phone", lambda m: ("words", m.group(0)))
    take(NUMBER, "number", lambda m: ("n", m.group(0)))
    facts.sort(key=lambda f: f.start)
    return facts


# --- the records an answer returns ---------------------------------------------------------------

_SERVICE_FIELDS = (
    "name",
    "name_en",
    "phone",
    "phone_alternates",
    "text_sms",
    "address",
    "municipality",
    "postal_code",
    "hours",
    "note",
    "note_fr",
    "note_en",
    "service",
    "organization",
    "audience",
    "source",
    "source_url",
    "assured_date",
    "rss_name",
    "rls_name",
    "clsc_name",
)


def _get(obj, name, default=None):
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def flatten(value: Any) -> list[str]:
    """Every leaf of a nested dict / list value, as strings (None gives nothing)."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in flatten(v)]
    if isinstance(value, (list, tuple, set)):
        return [s for v in value for s in flatten(v)]
    return [str(value)]


_flat = flatten


@dataclass
class Record:
    """A returned record as a line of text can name it, and what it supports."""

    text: str
    phones: set[str]
    names: list[str]  # normalised names (to find the record named on a line)
    addresses: list[str]  # normalised street addresses
    cite: int | None = None  # its citation mark, when cited
    hours: set[str] | None = None

    def hours_keys(self) -> set[str]:
        if self.hours is None:
            self.hours = set(_hours_keys_of(self.text))
        return self.hours


@lru_cache(maxsize=4096)
def _hours_keys_of(text: str) -> frozenset[str]:
    """The hours a record's text grants (the same few thousand directory texts come back on every
    answer: computed once each; record text, never a person's words)."""
    folded = _same_len_fold(text)
    return frozenset(_grants({f.key for f in _hours_facts(text, folded, list(folded))}))


@lru_cache(maxsize=4096)
def _service_parts(
    text: str, phones_given: tuple[str, ...], names_given: tuple[str, ...], address: str | None
) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """Phones, normalised names and addresses of a service record (cached by its text)."""
    phones = {phone_key(p) for p in phones_given if p}
    phones |= {phone_key(m.group(0)) for m in PHONE.finditer(text)}
    names = tuple(norm(n) for n in names_given if n and len(norm(n)) >= 3)
    addr = (norm(address.split("(")[0]),) if address else ()
    return frozenset(p for p in phones if p), names, addr


@dataclass(frozen=True)
class _TextFacts:
    folded: str
    norm: str
    phones: frozenset[str]
    numbers: frozenset[str]
    articles: frozenset[str]
    postal: frozenset[str]
    vanity: frozenset[str]
    extensions: frozenset[str]
    links: str


@lru_cache(maxsize=8192)
def _text_facts(text: str) -> _TextFacts:
    """What one record's text supports (record and place texts only, never a person's words)."""
    folded = fold(text)
    articles: set[str] = set()
    for m in ARTICLE.finditer(folded):
        articles |= article_numbers(m.group(1) + (m.group(2) or ""))
    return _TextFacts(
        folded=folded,
        norm=norm(text),
        phones=frozenset(phone_key(m.group(0)) for m in PHONE.finditer(text)),
        numbers=frozenset(re.findall(r"\d+", URL.sub(" ", folded))),
        articles=frozenset(articles),
        postal=frozenset(re.sub(r"[\s-]", "", m.group(0)) for m in POSTAL.finditer(folded)),
        vanity=frozenset(norm(m.group(0)) for m in VANITY.finditer(text)),
        extensions=frozenset(m.group(2) for m in EXTENSION.finditer(folded)),
        links=_link_text(text),
    )


class Support:
    """The returned records of an answer (its services, its citations) and the place it echoes."""

    def __init__(self, answer: Any):
        services = list(_get(answer, "services", []) or [])
        crisis = _get(answer, "crisis")
        services += [
            c
            for c in (_get(crisis, "contacts", []) or [] if crisis is not None else [])
            if c.get("id") not in {s.get("id") for s in services}
        ]
        self.services = services
        by_id: dict[str, Record] = {}
        self.records: list[Record] = []
        for s in services:
            text = "\n".join(_flat([s.get(k) for k in _SERVICE_FIELDS]))
            phones, names, addr = _service_parts(
                text,
                tuple(str(p) for p in _flat([s.get("phone"), s.get("phone_alternates"), s.get("text_sms")]) if p),
                tuple(str(n) for n in (s.get("name"), s.get("name_en")) if n),
                s.get("address") or None,
            )
            rec = Record(text, set(phones), list(names), list(addr))
            by_id[s.get("id")] = rec
            self.records.append(rec)
        for n, c in enumerate(_get(answer, "citations", []) or [], 1):
            text = "\n".join(str(_get(c, k) or "") for k in ("title", "reference", "excerpt"))
            cited = by_id.get(_get(c, "id"))
            if cited is not None:
                cited.text += "\n" + text
                cited.cite = n
            else:
                self.records.append(Record(text, set(), [], [], cite=n))
        loc = _get(answer, "location") or {}
        self.echo = " ".join(str(loc.get(k) or "") for k in ("query", "resolved")) if isinstance(loc, dict) else ""
        if isinstance(loc, dict) and isinstance(loc.get("message"), dict):
            # the place module's own message ("donnez un code postal (ex. H2L 3C3)"), derived server-side
            self.echo += " " + " ".join(str(v) for v in loc["message"].values())
        parts = [r.text for r in self.records] + [self.echo]
        self.text = "\n".join(parts)
        # each record's facts are computed once per distinct text (the directory's texts come back on
        # every answer) and joined: the same as computing them on the whole text, without its cost
        facts = [_text_facts(t) for t in parts]
        self.folded = "\n".join(f.folded for f in facts)
        self.norm = " " + " ".join(f.norm for f in facts if f.norm) + " "
        self.phones = set().union(*(r.phones for r in self.records)) if self.records else set()
        self.phones |= set().union(*(f.phones for f in facts))
        self.numbers = set().union(*(f.numbers for f in facts))  # not the digits of a link
        self.distances = {float(s["distance_km"]) for s in services if s.get("distance_km") is not None}
        self.articles: set[str] = set().union(*(f.articles for f in facts))
        self.postal = set().union(*(f.postal for f in facts))
        self.vanity = set().union(*(f.vanity for f in facts))
        self.extensions = set().union(*(f.extensions for f in facts))
        self.links = "\n".join(f.links for f in facts)

    def named_on(self, line: str) -> list[Record]:
        """The records a line of text names: by phone number, name, address or citation mark."""
        facts = scan(line)
        keys = {f.key for f in facts if f.category in ("phone", "number") and isinstance(f.key, str)}
        keys |= {phone_key(f.key[1]) for f in facts if f.category == "number" and f.key[0] == "n"}
        marks = {n for f in facts if f.category == "cite" for n in f.key}
        normed = f" {norm(line)} "
        return [
            r
            for r in self.records
            if r.phones & keys
            or (r.cite is not None and r.cite in marks)
            or any(f" {n} " in normed for n in r.names)
            or any(a and f" {a} " in normed for a in r.addresses)
        ]


def article_numbers(field_value: str | None) -> set[str]:
    """Article numbers named in a field ("4", "17–28 (e.g., 25…)", "76.6 ; 212", "3 et 4"); a range
    gives every number in it. Shared with the evaluation's grounding check."""
    if not field_value:
        return set()
    out: set[str] = set()
    for m in re.finditer(r"(\d+(?:\.\d+)?)(?:\s?[–-]\s?(\d+))?", field_value):
        out.add(m.group(1))
        if m.group(2) and "." not in m.group(1):
            lo, hi = int(m.group(1)), int(m.group(2))
            if 0 < hi - lo <= 200:
                out.update(str(i) for i in range(lo, hi + 1))
    return out


# --- the check -----------------------------------------------------------------------------------


_STREET_WORD = re.compile(rf"{_STREET}")


def _address_supported(key: str, sup: Support) -> bool:
    """The address, up to the first word of its street name at least, is one of a returned record
    ("165 rue des gouverneurs a rimouski" is supported by "165, rue des Gouverneurs, Rimouski")."""
    if f" {key} " in sup.norm:
        return True
    words = key.split()
    if words and words[0] == "no":
        words = words[1:]
    street = next((i for i, w in enumerate(words) if i > 0 and _STREET_WORD.fullmatch(w)), None)
    if street is None:
        return False
    if all(w in _CONNECTORS for w in words[1:street]):  # "12 de la rue X" is "12 rue X"
        words = words[:1] + words[street:]
        name = next((i for i in range(2, len(words)) if words[i] not in _CONNECTORS), None)
        if name is None:
            return False
        need = name + 1
    else:
        need = street + 1  # English order: the name comes before the street type
    return any(f" {' '.join(words[:k])} " in sup.norm for k in range(need, len(words) + 1))


def grounding_findings(answer: Any) -> list[tuple[str, str]]:
    """(category, detail) for every fact of the answer's text that no returned record supports."""
    text = _get(answer, "answer", "") or ""
    sup = Support(answer)
    problems: list[tuple[str, str]] = []
    lines = text.split("\n")
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln) + 1)
    named_cache: dict[int, set[str]] = {}

    def hours_of_line(pos: int) -> set[str]:
        i = max(k for k in range(len(lines)) if offsets[k] <= pos)
        if i not in named_cache:
            named_cache[i] = set().union(*(r.hours_keys() for r in sup.named_on(lines[i]))) if lines[i] else set()
        return named_cache[i]

    for f in scan(text):
        raw = f.raw.strip()
        if f.category == "email":
            if not re.search(rf"(?<![\w.+-]){re.escape(f.key)}(?![\w-])", sup.links):
                problems.append(("email", f"e-mail address {raw!r} is in no returned record"))
        elif f.category == "url":
            # a whole host name of a record, or a page of it ("211qc.ca", "211qc.ca/a-propos/faq"), not a part of one
            if not re.search(rf"(?<![\w.@-]){re.escape(_link_text(f.key))}(?![\w-])", sup.links):
                problems.append(("url", f"web address {raw!r} is in no returned record"))
        elif f.category == "address":
            if not _address_supported(f.key, sup):
                problems.append(("address", f"address {raw!r} is in no returned record"))
        elif f.category == "postal_code":
            if f.key not in sup.postal:
                problems.append(("postal_code", f"postal code {raw!r} is in no returned record"))
        elif f.category == "hours":
            if f.key not in hours_of_line(f.start):
                problems.append(("hours", f"hours {raw!r} are not those of a record named on the same line"))
        elif f.category == "article":
            if isinstance(f.key, list):
                missing = [n for n in f.key if n not in sup.articles]
                if missing:
                    problems.append(("article", f"article {raw!r} is in no cited record"))
            elif f" {f.key} " not in sup.norm:
                problems.append(("article", f"law reference {raw!r} is in no cited record"))
        elif f.category == "phone":
            kind = f.key[0] if isinstance(f.key, tuple) else "phone"
            ok = (
                f.key[1] in sup.vanity
                if kind == "vanity"
                else f.key[1] in sup.extensions
                if kind == "ext"
                else False
                if kind == "words"
                else f.key in sup.phones
            )
            if not ok:
                what = {
                    "vanity": "phone number",
                    "ext": "extension",
                    "words": "number written in words",
                    "phone": "phone number",
                }[kind]
                problems.append(("phone", f"{what} {raw!r} is not a number of any returned record"))
        elif f.category == "number":
            kind, value = f.key
            if kind == "km":
                tolerance = 0.05 if re.search(r"[.,]\d", raw) else 0.5  # "12 km" is 12.3 km rounded
                if not any(abs(value - d) <= tolerance for d in sup.distances):
                    problems.append(("number", f"distance {raw!r} is not that of a returned service"))
            elif kind == "date":
                if value not in sup.text:
                    problems.append(("number", f"date {raw!r} is in no returned record"))
            else:
                digits = re.sub(r"\D", "", value)
                if phone_key(value) in sup.phones or digits in sup.phones:
                    continue
                groups = re.findall(r"\d+", value)
                if len(groups) == 1 and (len(digits) < 2 or digits in sup.numbers):
                    continue
                if len(groups) > 1 and f" {norm(value)} " in sup.norm:
                    continue
                year = len(digits) == 4 and 1900 <= int(digits) <= 2099
                category = "phone" if len(digits) >= 3 and not year else "number"
                problems.append((category, f"number {raw!r} is not a number of any returned record"))
    return problems


def grounding_problems(answer: Any) -> list[str]:
    """Facts of the text (numbers, addresses, hours, links…) that no returned record supports."""
    return [f"{c}: {d}" for c, d in grounding_findings(answer)]
