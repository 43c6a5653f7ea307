"""Groundedness of an answer, checked without any LLM judge.

Every phone number, street address, opening hours, postal code and article number written in an
answer must be found in the corpus records *that the answer cites* — read here from the corpus
(``corpus/records``) and the directory (``corpus/directory``), never from the answer's own copies.
Every citation must point to a real record, and no fact may be presented as more verified than its
record says: a right's article labelled "verified" must be verified in the rights table, and a help
line whose phone (or hours) is flagged unverified must carry a caveat on the line that shows it.

``check_answer(answer, sources)`` returns the problems (each a failure) and how many items of each
sort were checked. It complements ``guide.engine.grounding_problems`` (which the engine runs on
itself, against the records it returns) and is stricter: the support is the cited records as they
are in the corpus, and a number must match a whole number of a record, not a substring of all its
digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from guide.text import fold

# --- patterns ---------------------------------------------------------------------------------

_STREET = (
    r"(?:rue|boulevard|boul|bd|avenue|av|ave|chemin|ch|route|rte|rang|place|mont[ée]e|c[ôo]te|promenade|"
    r"grande-all[ée]e|all[ée]e|croissant|carr[ée]|square|terrasse|voie|impasse|quai|esplanade|autoroute|"
    r"sentier|rond-point|street|st|road|rd|drive|dr|way|lane|crescent|highway|blvd|circle|court)"
)
# civic number (36, 36-B, 1070A, 12-14), an optional comma, an optional ordinal (1e, 6e, 25th), a street type
ADDRESS = re.compile(
    rf"(?<![\w-])\d{{1,6}}(?:-?[A-Za-z](?![\w])|-\d{{1,5}})?,?\s+(?:\d{{1,3}}(?:e|er|re|ere|ère|ème|ieme|ième|th|st|nd|rd)\s+)?"
    rf"{_STREET}\.?(?=[\s,])[^\n,;()•]*",
    re.I,
)
POSTAL = re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d\b", re.I)
HOURS = re.compile(
    r"24\s?/\s?7|24\s?h\s?/\s?24|7\s?j(?:ours)?\s?/\s?7"
    r"|(?<![\w.])\d{1,2}\s?h\s?(?:\d{2})?(?![\w])"
    r"|(?<![\w.])\d{1,2}(?::\d{2})?\s?[ap]\.?\s?m\b\.?"
    r"|(?<![\w.])\d{1,3}\s(?:days|jours)\b",
    re.I,
)
PHONE = re.compile(r"(?<![\w+])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-]?)\d{3}[ .-]?\d{4}(?!\d)")
ARTICLE = re.compile(r"\bart(?:icles?|s?\.)\s?(\d+(?:\.\d+)?)", re.I)
DISTANCE = re.compile(r"\d+(?:[.,]\d+)?\s?km\b", re.I)
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
NUMBER = re.compile(r"(?<![\w.,/:-])\d{3,}(?![\w/:])")

_LABELS = re.compile(
    r"partly verified|en partie verifie|secondary source|source secondaire|non verifie|unverified|"
    r"not verified|verifie|verified",
    re.I,
)
_LABEL_STATUS = {
    "partly verified": "partly verified",
    "en partie verifie": "partly verified",
    "secondary source": "secondary source",
    "source secondaire": "secondary source",
    "non verifie": "unverified",
    "unverified": "unverified",
    "not verified": "unverified",
    "verifie": "verified",
    "verified": "verified",
}
_NOTICE = re.compile(r"non verifie|unverified|not verified|a confirmer|please confirm|to be confirmed", re.I)
_HOURS_CAVEAT = re.compile(
    r"non verifie|unverified|not verified|a confirmer|please confirm|to be confirmed|may have changed|"
    r"not stated|peuvent avoir change|historically|per \d{4}|per older",
    re.I,
)


def _norm(text: str) -> str:
    """Accent-folded, lower-cased words separated by single spaces (for address comparison)."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text or "")).split())


def _hours_key(text: str) -> str:
    return re.sub(r"[^a-z0-9/]", "", fold(text))


def _phone_key(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _mask(text: str, span: tuple[int, int]) -> str:
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]


from guide.grounding import article_numbers  # noqa: E402,F401  (one definition; re-exported)
from guide.grounding import flatten as _flatten  # noqa: E402  (one definition for both checks)

# --- the corpus as the judge sees it -----------------------------------------------------------


@dataclass
class Sources:
    """Corpus records and directory entries by id, with the text that supports each."""

    support: dict[str, str]
    rights: dict[str, dict]  # right id -> metadata
    lines: dict[str, dict]  # directory line id -> {"phone", "name", "verified", "hours"}
    articles: dict[str, set[str]] = field(default_factory=dict)  # id -> article numbers it supports

    @property
    def ids(self) -> set[str]:
        return set(self.support)

    @classmethod
    def load(cls, corpus_dir: Path) -> Sources:
        return _load_sources(str(corpus_dir))


@lru_cache(maxsize=4)
def _load_sources(corpus_dir: str) -> Sources:
    from guide.directory.store import directory_path, load_directory
    from guide.records import load_records

    support: dict[str, str] = {}
    rights: dict[str, dict] = {}
    articles: dict[str, set[str]] = {}
    for r in load_records(Path(corpus_dir)):
        text = "\n".join([r.title, r.reference, r.text] + _flatten(r.metadata))
        support[r.id] = text
        nums = {m.group(1) for m in ARTICLE.finditer(text)}
        if r.kind == "right":
            rights[r.id] = dict(r.metadata)
            nums |= article_numbers(r.metadata.get("lssss_article")) | article_numbers(r.metadata.get("lgssss_article"))
        articles[r.id] = nums
    d = load_directory(directory_path(Path(corpus_dir)))
    lines: dict[str, dict] = {}
    for e in list(d.located) + list(d.lines):
        parts = [
            e.name,
            e.service_name,
            e.organization,
            e.phone,
            *e.phone_alternates,
            e.text_sms,
            e.address,
            e.municipality,
            e.postal_code,
            e.hours,
            e.note_fr,
            e.note_en,
            e.source,
            e.source_url,
        ]
        text = "\n".join(p for p in parts if p)
        support[e.id] = support[e.id] + "\n" + text if e.id in support else text
        articles.setdefault(e.id, set())
        if e in d.lines:
            lines[e.id] = {
                "name": e.name,
                "phone": e.phone,
                "alternates": list(e.phone_alternates),
                "verified": dict(e.verified or {}),
                "hours": e.hours,
            }
    return Sources(support=support, rights=rights, lines=lines, articles=articles)


# --- the check ---------------------------------------------------------------------------------


@dataclass
class GroundingResult:
    problems: list[dict] = field(default_factory=list)  # {"check": ..., "detail": ...}
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, check: str, detail: str) -> None:
        self.problems.append({"check": check, "detail": detail})

    def count(self, check: str, n: int = 1) -> None:
        self.checked[check] = self.checked.get(check, 0) + n


def _get(obj, name, default=None):
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def check_answer(answer, sources: Sources) -> GroundingResult:
    """Problems of one answer (a ``guide.engine.Answer`` or an object with the same fields)."""
    res = GroundingResult()
    text = _get(answer, "answer", "") or ""
    cited: list[str] = []
    for c in _get(answer, "citations", []) or []:
        cid = _get(c, "id")
        res.count("citations")
        if cid not in sources.support:
            res.add("citation", f"citation {cid!r} is not a corpus record nor a directory entry")
        elif cid not in cited:
            cited.append(cid)
    for s in _get(answer, "services", []) or []:
        res.count("services")
        if s.get("id") not in sources.support:
            res.add("service", f"service {s.get('id')!r} is not a directory entry")
    crisis = _get(answer, "crisis")
    for c in (_get(crisis, "contacts", []) or []) if crisis is not None else []:
        if c.get("id") not in sources.support:
            res.add("service", f"crisis contact {c.get('id')!r} is not a directory entry")

    support = "\n".join(sources.support[i] for i in cited)
    loc = _get(answer, "location") or {}
    echo = " ".join(str(loc.get(k) or "") for k in ("query", "resolved")) if isinstance(loc, dict) else ""
    support_norm = f" {_norm(support)} "
    work = text

    # addresses (before numbers: a civic number is part of its address)
    for m in ADDRESS.finditer(text):
        res.count("addresses")
        addr = _norm(m.group(0))
        if f" {addr} " not in support_norm and f" {addr} " not in f" {_norm(echo)} ":
            res.add("address", f"address {m.group(0).strip()!r} not in the cited records")
        work = _mask(work, m.span())
    # postal codes
    support_pc = {re.sub(r"[\s-]", "", p.upper()) for p in POSTAL.findall(support + " " + echo)}
    for m in POSTAL.finditer(work):
        res.count("postal_codes")
        if re.sub(r"[\s-]", "", m.group(0).upper()) not in support_pc:
            res.add("postal_code", f"postal code {m.group(0)!r} not in the cited records")
        work = _mask(work, m.span())
    # hours
    support_hours = {_hours_key(h) for h in HOURS.findall(support)}
    for m in HOURS.finditer(work):
        res.count("hours")
        if _hours_key(m.group(0)) not in support_hours:
            res.add("hours", f"hours {m.group(0)!r} not in the cited records")
        work = _mask(work, m.span())
    # article numbers
    cited_articles = set().union(*(sources.articles.get(i, set()) for i in cited)) if cited else set()
    for m in ARTICLE.finditer(work):
        res.count("articles")
        if m.group(1) not in cited_articles:
            res.add("article", f"article {m.group(0)!r} not in the cited records")
        work = _mask(work, m.span())
    for rx in (DISTANCE, DATE):
        for m in rx.finditer(work):
            work = _mask(work, m.span())
    # phone numbers, then any other number of 3 digits or more
    support_phones = {_phone_key(p) for p in PHONE.findall(support + " " + echo)}
    support_numbers = set(re.findall(r"\d+", support + " " + echo))
    for m in PHONE.finditer(work):
        res.count("phones")
        if _phone_key(m.group(0)) not in support_phones:
            res.add("phone", f"phone number {m.group(0)!r} not in the cited records")
        work = _mask(work, m.span())
    for m in NUMBER.finditer(work):
        res.count("numbers")
        if m.group(0) not in support_numbers:
            res.add("number", f"number {m.group(0)!r} not in the cited records")

    _check_right_labels(text, cited, sources, res)
    _check_unverified_lines(text, cited, sources, res)
    return res


def _check_right_labels(text: str, cited: list[str], sources: Sources, res: GroundingResult) -> None:
    """An article of a cited right must carry its own status; never "verified" when it is not."""
    rights = [sources.rights[i] | {"_id": i} for i in cited if i in sources.rights]
    if not rights:
        return
    folded = "".join((fold(ch) or " ")[0] for ch in text)  # accent-folded, same length as the text
    matches = list(ARTICLE.finditer(folded))
    for k, m in enumerate(matches):
        start = _clause_start(folded, m.start())
        law = "lgssss" if "g-1.021" in folded[start : m.start()] else "lssss"
        stop = matches[k + 1].start() if k + 1 < len(matches) else len(folded)
        for r in rights:
            field_value = str(r.get(f"{law}_article") or "").strip()
            if m.group(1) not in article_numbers(field_value):
                continue
            # the label follows the whole article field ("art. 15 (individual right) ; 348 (…), source secondaire")
            shown = fold(f"art. {field_value}" if field_value[:1].isdigit() else field_value)
            begin = m.start() + len(shown) if folded.startswith(shown, m.start()) else m.end()
            clause = folded[begin : _clause_end(folded, begin, max(stop, begin))]
            while re.search(r"\([^()]*\)", clause):
                clause = re.sub(r"\([^()]*\)", " ", clause)  # "(e.g., 25 … VERIFIED)" speaks of another article
            label = _LABELS.search(clause)
            claimed = _LABEL_STATUS[label.group(0).lower()] if label else None
            res.count("right_labels")
            expected = r.get(f"{law}_label") or ""
            if claimed == "verified" and expected != "verified":
                res.add(
                    "verification",
                    f"{r['_id']}: {m.group(0)} presented as verified but its status is '{expected or 'unknown'}'",
                )
            elif claimed is None and expected != "verified":
                res.add("verification", f"{r['_id']}: {m.group(0)} given without its status '{expected}'")
            elif claimed is not None and claimed != expected:
                res.add("verification", f"{r['_id']}: {m.group(0)} labelled '{claimed}' but its status is '{expected}'")
            break


def _clause_end(text: str, pos: int, stop: int) -> int:
    """End of the clause starting at ``pos``: the next ";" or line break outside parentheses."""
    depth = 0
    for i in range(pos, stop):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                return i  # the clause sits inside an enclosing parenthesis that closes here
            depth -= 1
        elif ch == "\n" or (ch == ";" and depth == 0):
            return i
    return stop


def _clause_start(text: str, pos: int) -> int:
    """Start of the clause ending at ``pos``: after the previous ";" or line break outside parentheses."""
    depth = 0
    for i in range(pos - 1, -1, -1):
        ch = text[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                return i + 1
            depth -= 1
        elif ch == "\n" or (ch == ";" and depth == 0):
            return i + 1
    return 0


def _check_unverified_lines(text: str, cited: list[str], sources: Sources, res: GroundingResult) -> None:
    """Every row showing a phone flagged unverified carries the notice; hours flagged unverified carry a
    caveat where they are shown (in one of the rows, when a source note repeats them)."""
    rows = text.split("\n")
    for lid in cited:
        line = sources.lines.get(lid)
        if not line:
            continue
        phone_key = _phone_key(line["phone"]) if line.get("phone") else None
        by_phone = [row for row in rows if phone_key and any(_phone_key(p) == phone_key for p in PHONE.findall(row))]
        by_name = [row for row in rows if line["name"] and line["name"] in row]
        shown = by_phone or by_name
        if not shown:
            continue
        verified = line.get("verified") or {}
        if verified.get("phone") is False:
            res.count("unverified_lines")
            bare = [row for row in shown if not _NOTICE.search(fold(row))]
            if bare:
                res.add(
                    "unverified_notice",
                    f"{lid}: phone flagged unverified, shown without the notice: {bare[0].strip()[:120]!r}",
                )
        if verified.get("hours") is False and line.get("hours"):
            wanted = {_hours_key(h) for h in HOURS.findall(line["hours"])}
            hours_rows = [
                row
                for row in rows
                if (line["name"] in row or row in shown) and wanted & {_hours_key(x) for x in HOURS.findall(row)}
            ]
            if hours_rows:
                res.count("unverified_hours")
                # the hours may be echoed in a source note; at least one showing must carry the caveat
                if not any(_HOURS_CAVEAT.search(fold(row)) for row in hours_rows):
                    res.add(
                        "unverified_notice",
                        f"{lid}: hours flagged unverified, shown without a caveat: {hours_rows[0].strip()[:120]!r}",
                    )


def address_coverage(corpus_dir: Path) -> tuple[int, int]:
    """(recognised, total): directory addresses whose street part the ADDRESS pattern finds."""
    from guide.directory.store import directory_path, load_directory

    d = load_directory(directory_path(Path(corpus_dir)))
    addrs = [e.address for e in d.located if e.address]
    return sum(1 for a in addrs if ADDRESS.match(a)), len(addrs)
