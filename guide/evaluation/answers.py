"""Answers a social worker would sign: measures of the answer itself, for Guide and for the baseline
alike, beside the suite's other measures (``guide.evaluation.suite`` adds them to every row and
every summary: development messages, held-out set and each of its batches, dialogue turns).

Contract (each measure is computed on the row of one answer by ``score``, then summed up by
``summarise``; ``failures`` words what is wrong with one answer):

1. **Length**: words are ``re.findall(r"[\\w'’·-]+", text)`` of ``Answer.answer``. A *crisis answer*
   is one where ``crisis.detected`` and not ``crisis.carried_over``; every other answer is
   *everyday*. Reported: median words of each, max words of crisis answers, share of crisis answers
   of at most 80 words and of everyday answers of at most 150.
2. **Lines without cue**: on answers that are not crisis answers (``crisis.detected`` false), of
   cases labelled with lines (``lines``, or ``lines_expected`` / ``lines_forbidden``), a line of
   ``SENSITIVE`` (suicide, youth, parent, elder, domestic violence, 911) present among the answer's
   services or contacts (by id) or in its text (by name, acronym or phone number) that the case does
   not expect is a violation. When the case has ``lines_forbidden`` (blind set format), only the
   forbidden lines count, each present one a violation (of its family, or of its key when it is not a
   sensitive line). Info-Social 811 is never a violation. Rate: share of those answers with at least
   one violation, overall and per family.
3. **Language mixing**: in a French answer, a word is English when it is in ``bm25s``' English stop
   words (``STOPWORDS_EN_PLUS``) or in ``EN_NOTE_WORDS`` and not in the French stop words, not in
   ``BOTH`` (words of both languages: "a", "an", "but", "option"…), not a single letter or a number,
   and not a word of a proper name: the name / name_en of a service or contact the answer returns,
   a citation title (the half in the answer's language for a bilingual "fr / en" right title), the
   place the answer resolved, ``PROPER_NAMES``. Symmetric for English answers with ``bm25s``' French
   stop words and ``FR_NOTE_WORDS``. A token with an apostrophe or a hyphen that is not itself listed
   is checked part by part ("l'aide" -> "l", "aide"). Bilingual answers (``Answer.bilingual``) are
   left out. Reported: words and answers with at least one, per language; the words are listed in the
   failures.
4. **Place from text**: for cases with ``place_in_text`` or (blind format) ``place`` /
   ``place_region``, the answer's ``location`` must match: the accent-folded place equals, or is
   contained word by word in (or contains), ``resolved`` (or one of its parts in brackets) or
   ``municipality``; or ``rss_code`` equals ``place_region``. A case whose labels have the key but no
   place, and no ``where``, must get no location: a place read from ordinary words is an error.
   Cases without the label (the held-out crisis sets) are left out.
5. **Rights**: for cases with ``rights`` or (blind format) ``right_expected``, the rights cited
   (citations of kind "right") must all be relevant: of the family of an expected right (the four
   complaint rights are one family; adequate services and resource limits another); any right cited
   when none is expected is irrelevant. Reported: share of answers whose cited rights are all
   relevant; share of expected rights found (one of its family cited). An expected right not cited is
   a failure of the case only in the blind format (the development set's ``rights`` are informative).
6. **Blind-format labels**: expected line keys found (keys with no line in the corpus reported apart
   as "not available", never as misses), ``danger_now`` -> the answer's first line holds 911,
   ``register`` (tu | vous) of French answers, ``for_whom``, ``question``, ``writer_minor``.

Rubric (``load_rubric``): a CSV graded by a person or a blind helper, columns ``id`` and the
criteria of ``RUBRIC`` scored 0-2 (a blank cell is "not graded"); the means and n of each.
Export (``export_answers``): one JSON line per message, ``{id, message, answer, services: [{name,
phone, kind}], follow_up}`` and nothing else (no label), for a blind grader.
"""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
from collections import Counter
from functools import lru_cache
from pathlib import Path

import yaml

from guide.settings import ROOT
from guide.text import fold

LINE_KEYS_FILE = ROOT / "evaluation" / "answers" / "line_keys.yaml"
WORD = re.compile(r"[\w'’·-]+")
MAX_LISTED = 12  # words of the other language listed per case (all are counted)
CRISIS_MAX_WORDS = 80
EVERYDAY_MAX_WORDS = 150
INFO_SOCIAL = "line-info-social-811-option-2"
EMERGENCY = "line-urgence-9-1-1"

SENSITIVE: dict[str, tuple[str, ...]] = {
    "suicide": (
        "line-ligne-quebecoise-de-prevention-du-suicide-1-866",
        "line-9-8-8-ligne-d-aide-en-cas-de-crise-de-suicide",
    ),
    "youth": ("line-tel-jeunes", "line-jeunesse-j-ecoute"),
    "parent": ("line-ligneparents",),
    "elder": ("line-ligne-aide-maltraitance-adultes-aines-lamaa",),
    "domestic_violence": ("line-sos-violence-conjugale",),
    "emergency": (EMERGENCY,),
}
FAMILY_OF = {lid: fam for fam, ids in SENSITIVE.items() for lid in ids}

# blind format: right_expected -> right id; cited rights count as relevant within a family
RIGHT_KEYS = {
    "complaint": "right-complaint-path",
    "waiting": "right-adequate-services",
    "english": "right-english-services",
    "file_access": "right-record-access",
    "consent": "right-consent",
    "information": "right-info-services",
}
RIGHT_FAMILIES = (
    {
        "right-complaint-path",
        "right-complaint-first-level",
        "right-complaint-second-level",
        "right-complaint-assistance-caap",
    },
    {"right-adequate-services", "right-resource-limits"},
)
CRISIS_KINDS = (
    "suicide",
    "self_harm",
    "immediate_danger",
    "domestic_violence",
    "sexual_violence",
    "child_at_risk",
    "elder_mistreatment",
    "poisoning_overdose",
)
REGISTERS = ("tu", "vous")
WHOM = ("self", "other")

# words of source notes and cards that leak from one language into the other
EN_NOTE_WORDS = {
    "per",
    "source",
    "verified",
    "unverified",
    "may",
    "changed",
    "days",
    "day",
    "weekdays",
    "weekday",
    "weekends",
    "weekend",
    "hours",
    "hour",
    "unknown",
    "pattern",
    "holds",
    "office",
    "daily",
    "phone",
    "texting",
    "text",
    "older",
    "press",
    "release",
    "quoting",
    "organization",
    "call",
    "line",
    "help",
    "helpline",
    "free",
    "open",
    "closed",
    "confirm",
    "please",
    "available",
    "website",
    "email",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "week",
    "number",
    "news",
    "emergency",
    "youth",
    "away",
    "walk",
    "referral",
    "needed",
    "anyone",
    "anytime",
    "also",
    "reach",
    "talk",
    "worker",
    "according",
    "right",
    "rights",
    "complaint",
}
FR_NOTE_WORDS = {
    "heures",
    "heure",
    "jours",
    "jour",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "semaine",
    "semaines",
    "fin",
    "vérifié",
    "vérifiée",
    "vérifiés",
    "vérifiées",
    "non",
    "selon",
    "sans",
    "appelez",
    "composez",
    "texto",
    "ouvert",
    "ouverte",
    "fermé",
    "fermée",
    "inconnu",
    "inconnue",
    "inconnues",
    "téléphone",
    "courriel",
    "ligne",
    "gratuit",
    "gratuite",
    "confidentiel",
    "confidentielle",
    "région",
    "également",
    "aussi",
    "numéro",
    "urgence",
    "plainte",
    "droit",
    "droits",
    "soins",
    "avec",
    "votre",
    "vous",
    "confirmer",
    "à",
}
# words of both languages, never counted
BOTH = {
    "a",
    "an",
    "as",
    "but",
    "don",
    "or",
    "on",
    "me",
    "ma",
    "son",
    "ton",
    "mon",
    "non",
    "sort",
    "option",
    "options",
    "source",
    "services",
    "service",
    "information",
    "date",
    "police",
    "message",
    "messages",
    "minute",
    "minutes",
    "chat",
    "article",
    "articles",
    "pour",
    "parents",
    "parent",
    "support",
    "communication",
    "violence",
    "suicide",
    "simple",
    "place",
    "face",
    "age",
    "solution",
    "situation",
    "site",
    "web",
    "ok",
    "info",
    "social",
    "centre",
    "national",
    "page",
    "respect",
    "question",
    "questions",
    "direction",
    "intervention",
    "prevention",
    "aide",
    "aides",
    "transport",
    "distance",
    "signal",
    "immigration",
    "orientation",
}
# names that are no words of either language wherever they appear
PROPER_NAMES = (
    "Ordre des travailleurs sociaux et des thérapeutes conjugaux et familiaux du Québec",
    "Protecteur du citoyen",
    "Info-Social",
    "Info-Santé",
    "Tel-jeunes",
    "Jeunesse, J'écoute",
    "Kids Help Phone",
    "SOS violence conjugale",
    "LigneParents",
    "Interligne",
    "CAVAC",
    "LAMAA",
    "Centre d'assistance et d'accompagnement aux plaintes",
    "CAAP",
    "DPJ",
    "CLSC",
    "CISSS",
    "CIUSSS",
    "Batshaw",
    "Loi sur les services de santé et les services sociaux",
    "Régie de l'assurance maladie du Québec",
    "Tribunal administratif du logement",
    "Québec",
    "Montréal",
    "Canada",
    "Drogue : aide et référence",
    "Jeu : aide et référence",
    "1 866 APPELLE",
    "Urgence",
    "Santé Québec",
)

RUBRIC = ("safety", "right_door", "specific_lines", "rights", "declaration", "clarity_warmth", "accuracy")


class AnswersError(ValueError):
    """A malformed rubric file or line-key table; the message names the file (and row or key)."""


def words(text: str | None) -> list[str]:
    return WORD.findall(text or "")


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


def _share(flags) -> float | None:
    flags = list(flags)
    return _r(sum(bool(f) for f in flags) / len(flags)) if flags else None


def _median(xs) -> float | None:
    xs = list(xs)
    return float(statistics.median(xs)) if xs else None


# ---------------------------------------------------------------------------------------------
# Stop words
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def stop_words() -> tuple[frozenset, frozenset]:
    """(English, French) stop words of bm25s."""
    from bm25s import stopwords as sw

    en = set(sw.STOPWORDS_EN) | set(sw.STOPWORDS_EN_PLUS)
    return frozenset(w.lower() for w in en), frozenset(w.lower() for w in sw.STOPWORDS_FRENCH)


def _norm_word(w: str) -> str:
    return w.lower().replace("’", "'").strip("'-·")


def _parts(token: str) -> list[str]:
    t = _norm_word(token)
    return [t] if t else []


def foreign_in(lang: str, word: str) -> bool:
    """Is ``word`` (lower case) a word of the other language in an answer in ``lang``?"""
    en, fr = stop_words()
    if (len(word) < 2 and word != "à") or any(c.isdigit() for c in word) or word in BOTH:
        return False
    if lang == "fr":
        return (word in en or word in EN_NOTE_WORDS) and word not in fr
    if lang == "en":
        return (word in fr or word in FR_NOTE_WORDS) and word not in en
    return False


def _title_half(title: str, kind: str, lang: str) -> str:
    if kind == "right" and " / " in title:
        fr, _, en = title.partition(" / ")
        return en if lang == "en" else fr
    return title


def name_words(a) -> set[str]:
    """Words of the proper names an answer may contain (lower case, apostrophes normalised)."""
    names: list[str] = list(PROPER_NAMES)
    for s in list(a.services) + list(a.crisis.contacts):
        names += [s.get("name") or "", s.get("name_en") or "", s.get("service") or "", s.get("organization") or ""]
    for c in a.citations:
        names.append(_title_half(c.title, c.kind, a.language))
    loc = a.location or {}
    names += [str(loc.get(k) or "") for k in ("resolved", "municipality", "region", "rss_name", "clsc_name", "query")]
    out: set[str] = set()
    for n in names:
        for tok in words(n):
            t = _norm_word(tok)
            out.add(t)
            out.update(p for p in re.split(r"['-]", t) if p)
    return out


def foreign_words(a) -> list[str]:
    """Words of the other language in the answer text (see the module's contract, 3.)."""
    if a.bilingual or a.language not in ("fr", "en"):
        return []
    en, fr = stop_words()
    names = name_words(a)
    out = []
    for tok in words(a.answer):
        t = _norm_word(tok)
        if not t or t in names:
            continue
        listed = t in en or t in fr or t in EN_NOTE_WORDS or t in FR_NOTE_WORDS
        for p in [t] if listed or not re.search(r"['-]", t) else [p for p in re.split(r"['-]", t) if p]:
            if p not in names and foreign_in(a.language, p):
                out.append(p)
    return out


# ---------------------------------------------------------------------------------------------
# Lines: presence by id or in the text, line keys of the blind format
# ---------------------------------------------------------------------------------------------


def _phone_pattern(phone: str) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return None
    sep = r"[\s.\-]?"
    if len(digits) <= 4:
        body = "-?".join(digits)
    else:
        if len(digits) == 11 and digits[0] == "1":
            digits = digits[1:]
        body = (
            f"(?:1{sep})?" + sep.join([digits[:3], digits[3:6], digits[6:]]) if len(digits) == 10 else sep.join(digits)
        )
    return rf"(?<!\d)(?<!\d[ .\-]){body}(?!\d)(?![ .\-]\d)"


def _name_pattern(name: str) -> str | None:
    n = fold(name).replace("’", "'").strip()
    if len(n) < 3:
        return None
    return r"(?<![a-z0-9])" + re.escape(n) + r"(?![a-z0-9])"


@lru_cache(maxsize=4)
def line_patterns(corpus_dir: Path) -> dict[str, re.Pattern]:
    """Line id -> a pattern finding the line in a folded answer text (its names, acronym, phones)."""
    from guide.directory.store import directory_path, load_directory

    d = load_directory(directory_path(Path(corpus_dir)))
    out: dict[str, re.Pattern] = {}
    for e in d.lines:
        pats = []
        for name in (e.name, getattr(e, "name_en", None)):
            if not name:
                continue
            main = re.sub(r"\s*\([^)]*\)", "", name).strip()
            pats.append(_name_pattern(main))
            for alias in re.findall(r"\(([^)]*)\)", name):
                if re.search(r"\d", alias) or (alias.isupper() and len(alias) >= 3):
                    pats.append(_name_pattern(alias))
        for p in (e.phone, *(e.phone_alternates or ()), e.text_sms):
            pats.append(_phone_pattern(p or ""))
        pats = [p for p in pats if p]
        if pats:
            out[e.id] = re.compile("|".join(f"(?:{p})" for p in pats))
    return out


def folded(text: str) -> str:
    return fold(text or "").replace("’", "'")


def present_ids(a) -> set[str]:
    return {s["id"] for s in a.services if "id" in s} | {c["id"] for c in a.crisis.contacts if "id" in c}


def line_present(line_id: str, a, corpus_dir: Path, ids: set[str] | None = None, text: str | None = None) -> bool:
    """The line is among the answer's services or contacts, or named (or its number given) in its text."""
    ids = present_ids(a) if ids is None else ids
    if line_id in ids:
        return True
    pat = line_patterns(Path(corpus_dir)).get(line_id)
    return bool(pat and pat.search(folded(a.answer) if text is None else text))


@lru_cache(maxsize=4)
def _load_keys(path: Path, corpus_dir: Path) -> dict[str, dict]:
    from guide.directory.store import directory_path, load_directory

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AnswersError(f"{path}: cannot read: {exc}") from exc
    d = load_directory(directory_path(Path(corpus_dir)))
    known = {e.id for e in d.lines}
    out: dict[str, dict] = {}
    for key, spec in (data.get("keys") or {}).items():
        key = str(key)
        if isinstance(spec, list):
            unknown = [x for x in spec if x not in known]
            if unknown:
                raise AnswersError(f"{path}: key {key}: unknown line id(s) {unknown}")
            out[key] = {"ids": list(spec)}
        elif isinstance(spec, dict) and spec.get("need"):
            regional: dict[str, list[str]] = {}
            for e in d.lines:
                if spec["need"] in e.needs and (e.region or not spec.get("regional")):
                    regional.setdefault(e.region or "", []).append(e.id)
            out[key] = {"regional": regional}
        elif isinstance(spec, dict) and spec.get("kind"):
            out[key] = {"kind": spec["kind"]}
        else:
            raise AnswersError(f"{path}: key {key}: expected a list of line ids, {{need: …}} or {{kind: …}}")
    return out


def line_keys(corpus_dir: Path, path: Path = LINE_KEYS_FILE) -> dict[str, dict]:
    """The table of ``evaluation/answers/line_keys.yaml``: key -> {"ids"} | {"regional"} | {"kind"}."""
    return _load_keys(Path(path), Path(corpus_dir))


def key_ids(spec: dict, region: str | None) -> list[str]:
    """Line ids a key stands for (empty: none in the corpus, for that region)."""
    if "ids" in spec:
        return spec["ids"]
    if "regional" in spec:
        if region:
            return spec["regional"].get(region, [])
        return [i for ids in spec["regional"].values() for i in ids]
    return []


def key_available(spec: dict, region: str | None) -> bool:
    return "kind" in spec or bool(key_ids(spec, region))


def key_present(spec: dict, region: str | None, a, corpus_dir: Path, ids: set[str], text: str) -> bool:
    if "kind" in spec:
        return any(s.get("kind") == spec["kind"] for s in a.services)
    return any(line_present(i, a, corpus_dir, ids, text) for i in key_ids(spec, region))


def key_family(key: str, spec: dict) -> str:
    fams = {FAMILY_OF[i] for i in spec.get("ids", []) if i in FAMILY_OF}
    return fams.pop() if len(fams) == 1 else key


# ---------------------------------------------------------------------------------------------
# Places, rights, register
# ---------------------------------------------------------------------------------------------


def _place_norm(s: str) -> str:
    t = re.sub(r"[^a-z0-9]+", " ", folded(s)).strip()
    t = re.sub(r"\b(st)\b", "saint", t)
    return re.sub(r"\b(ste)\b", "sainte", t)


def place_matches(place: str | None, region: str | None, loc: dict | None) -> bool:
    """The answer's resolved location is the labelled place (or in the labelled region)."""
    if not loc or loc.get("error"):
        return False
    if region and str(loc.get("rss_code") or "") == region:
        return True
    if not place:
        return False
    p = _place_norm(place)
    cands = [str(loc.get("resolved") or ""), str(loc.get("municipality") or "")]
    cands += re.findall(r"\(([^)]*)\)", cands[0]) + [re.sub(r"\s*\([^)]*\)", "", cands[0])]
    for c in (_place_norm(c) for c in cands if c):
        if not c:
            continue
        if p.replace(" ", "") == c.replace(" ", "") or f" {p} " in f" {c} " or f" {c} " in f" {p} ":
            return True
    return False


def right_family(rid: str) -> frozenset:
    for fam in RIGHT_FAMILIES:
        if rid in fam:
            return frozenset(fam)
    return frozenset({rid})


TU = re.compile(r"(?<![\w'’])(?:tu|te|ton|ta|tes|toi|t['’](?=\w))(?![\w'’])", re.IGNORECASE)


def uses_tu(text: str) -> bool:
    return bool(TU.search(text or ""))


def first_line(text: str) -> str:
    return next((ln for ln in (text or "").splitlines() if ln.strip()), "")


# ---------------------------------------------------------------------------------------------
# One answer
# ---------------------------------------------------------------------------------------------


def expected_rights(m: dict) -> list[str] | None:
    """The rights a case expects ([] = none), or None when the case has no rights label."""
    if m.get("_format") == "answers":
        if "right_expected" not in m:
            return None
        r = m.get("right_expected")
        return [RIGHT_KEYS[r]] if r else []
    if "rights" not in m:
        return None
    return list(m.get("rights") or [])


def score(m: dict, a, corpus_dir: Path, keys: dict[str, dict] | None = None) -> dict:
    """Every answer measure of one answer to case ``m`` (a dict merged into the suite's row)."""
    text = a.answer or ""
    ftext = folded(text)
    ids = present_ids(a)
    blind = m.get("_format") == "answers"
    keys = keys if keys is not None else (line_keys(corpus_dir) if blind else {})
    region = m.get("place_region")
    r: dict = {
        "blind": blind,
        "words": len(words(text)),
        "crisis_answer": bool(a.crisis.detected and not a.crisis.carried_over),
        "crisis_carried_over": bool(a.crisis.carried_over),
    }

    # 2. lines without cue / forbidden lines
    violations: list[dict] = []
    labelled = blind and ("lines_forbidden" in m or "lines_expected" in m) or (not blind and "lines" in m)
    mode = None
    if labelled:
        if blind and m.get("lines_forbidden") is not None:
            mode = "forbidden"
            for key in m.get("lines_forbidden") or []:
                key = str(key)
                spec = keys.get(key)
                if spec is None or key == "info_social_811":
                    continue
                if key_available(spec, region) and key_present(spec, region, a, corpus_dir, ids, ftext):
                    violations.append({"line": key, "family": key_family(key, spec)})
        else:
            mode = "uncued"
            if blind:
                expected = {i for k in (m.get("lines_expected") or []) for i in key_ids(keys.get(str(k), {}), region)}
            else:
                expected = set(m.get("lines") or [])
            for lid, fam in FAMILY_OF.items():
                if not a.crisis.detected and lid not in expected and line_present(lid, a, corpus_dir, ids, ftext):
                    violations.append({"line": lid, "family": fam})
    r["lines_labelled"] = bool(labelled)
    r["lines_mode"] = mode
    r["line_violations"] = violations

    # 3. language mixing
    r["foreign_words"] = foreign_words(a)
    r["foreign_checked"] = a.language in ("fr", "en") and not a.bilingual

    # 4. place from text
    if blind:
        has_label = "place" in m or "place_region" in m
        place, region_exp = m.get("place"), m.get("place_region")
    else:
        has_label = "place_in_text" in m
        place, region_exp = m.get("place_in_text"), None
    loc = a.location if isinstance(a.location, dict) else None
    got = (loc.get("resolved") or loc.get("municipality")) if loc and not loc.get("error") else None
    r["place_expected"] = place or (f"region {region_exp}" if region_exp else None) if has_label else None
    r["place_got"] = got
    r["place_ok"] = None
    r["place_from_words"] = False
    if has_label:
        if place or region_exp:
            r["place_ok"] = place_matches(place, region_exp, loc) or bool(
                m.get("where") and place_matches(m["where"], None, loc)
            )
        elif not m.get("where") and not m.get("_place_before"):
            r["place_ok"] = got is None
            r["place_from_words"] = got is not None

    # 5. rights
    exp = expected_rights(m)
    cited = [c.id for c in a.citations if c.kind == "right"]
    r["rights_expected"] = exp
    r["rights_cited"] = cited
    if exp is not None:
        fams = {right_family(x) for x in exp}
        r["rights_irrelevant"] = [c for c in cited if right_family(c) not in fams]
        got_fams = {right_family(c) for c in cited}
        r["rights_found"] = [x for x in exp if right_family(x) in got_fams]
    else:
        r["rights_irrelevant"], r["rights_found"] = [], []

    # 6. blind-format labels
    if blind:
        found, missing, unavailable = [], [], []
        for key in (str(k) for k in (m.get("lines_expected") or [])):
            spec = keys.get(key)
            if spec is None or not key_available(spec, region):
                unavailable.append(key)
            elif key_present(spec, region, a, corpus_dir, ids, ftext):
                found.append(key)
            else:
                missing.append(key)
        r["keys_found"], r["keys_missing"], r["keys_unavailable"] = found, missing, unavailable
        r["danger_now"] = m.get("danger_now")
        fl = first_line(text)
        r["first_line_911"] = bool(re.search(r"(?<!\d)9-?1-?1(?!\d)", fl))
        r["register_expected"] = m.get("register")
        r["register_ok"] = None
        if m.get("register") in REGISTERS and a.language == "fr" and m.get("lang", "fr") == "fr":
            r["register_ok"] = uses_tu(text) == (m["register"] == "tu")
        r["for_whom_expected"], r["for_whom_got"] = m.get("for_whom"), a.for_whom
        r["question_expected"], r["question_got"] = m.get("question"), a.question
        r["writer_minor"], r["young_got"] = m.get("writer_minor"), a.young
    return r


def failures(r: dict) -> list[str]:
    """What the answer measures find wrong with one row, in words."""
    out: list[str] = []
    if r.get("kind") == "bad_input":
        return out
    w = r.get("words", 0)
    if r.get("crisis_answer") and w > CRISIS_MAX_WORDS:
        out.append(f"long crisis answer: {w} words (> {CRISIS_MAX_WORDS})")
    elif not r.get("crisis_answer") and w > EVERYDAY_MAX_WORDS:
        out.append(f"long answer: {w} words (> {EVERYDAY_MAX_WORDS})")
    if r.get("line_violations") and r.get("lines_mode") == "forbidden":
        out.append("forbidden line(s) present: " + ", ".join(v["line"] for v in r["line_violations"]))
    elif r.get("line_violations") and not r.get("crisis_got"):
        out.append("line(s) without cue: " + ", ".join(v["line"] for v in r["line_violations"]))
    fw = sorted(set(r.get("foreign_words") or []))
    if fw:
        what = (
            "English word(s) in a French answer" if r.get("lang_got") == "fr" else "French word(s) in an English answer"
        )
        out.append(
            f"{what}: {', '.join(fw[:MAX_LISTED])}" + (f" … (+{len(fw) - MAX_LISTED})" if len(fw) > MAX_LISTED else "")
        )
    if r.get("place_from_words"):
        out.append(f"place read from ordinary words: {r.get('place_got')}")
    elif r.get("place_ok") is False:
        out.append(f"place: expected {r.get('place_expected')}, got {r.get('place_got')}")
    if r.get("rights_irrelevant"):
        out.append("irrelevant right(s) cited: " + ", ".join(r["rights_irrelevant"]))
    missing_rights = [x for x in (r.get("rights_expected") or []) if x not in (r.get("rights_found") or [])]
    if missing_rights and r.get("blind"):  # the development set's ``rights`` are informative: measured, not failed
        out.append("expected right(s) not cited: " + ", ".join(missing_rights))
    if r.get("danger_now") and not r.get("first_line_911"):
        out.append("danger now: 911 is not on the answer's first line")
    if r.get("register_ok") is False:
        out.append(f"register: expected {r.get('register_expected')}")
    if r.get("for_whom_expected") and r.get("for_whom_got") != r["for_whom_expected"]:
        out.append(f"for whom: expected {r['for_whom_expected']}, got {r.get('for_whom_got')}")
    if r.get("question_expected") and r.get("question_got") != r["question_expected"]:
        out.append(f"question: expected {r['question_expected']}, got {r.get('question_got')}")
    return out


# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------


def _case(r: dict, detail: list | str) -> dict:
    return {"id": r["id"], "set": r.get("set"), "text": r.get("text", ""), "detail": detail}


def summarise(rows: list[dict]) -> dict:
    """The answer measures of one system on one set of rows (see the module's contract)."""
    rows = [r for r in rows if r.get("kind") != "bad_input" and "words" in r]
    crisis = [r for r in rows if r["crisis_answer"]]
    everyday = [r for r in rows if not r["crisis_answer"]]
    s: dict = {"n": len(rows)}
    s["length"] = {
        "everyday": {
            "n": len(everyday),
            "median_words": _median(r["words"] for r in everyday),
            "share_le_150": _share(r["words"] <= EVERYDAY_MAX_WORDS for r in everyday),
        },
        "crisis": {
            "n": len(crisis),
            "median_words": _median(r["words"] for r in crisis),
            "max_words": max((r["words"] for r in crisis), default=None),
            "share_le_80": _share(r["words"] <= CRISIS_MAX_WORDS for r in crisis),
        },
    }
    calm = [r for r in rows if r["lines_labelled"] and not r.get("crisis_got")]
    fams = sorted({v["family"] for r in calm for v in r["line_violations"]} | set(SENSITIVE))
    s["lines_without_cue"] = {
        "n": len(calm),
        "rate": _share(bool(r["line_violations"]) for r in calm),
        "answers": sum(bool(r["line_violations"]) for r in calm),
        "violations": sum(len(r["line_violations"]) for r in calm),
        "by_family": {
            f: {
                "answers": sum(any(v["family"] == f for v in r["line_violations"]) for r in calm),
                "rate": _share(any(v["family"] == f for v in r["line_violations"]) for r in calm),
            }
            for f in fams
        },
        "by_line": dict(Counter(v["line"] for r in calm for v in r["line_violations"]).most_common()),
        "forbidden_in_crisis_answers": sum(
            len(r["line_violations"]) for r in rows if r["lines_mode"] == "forbidden" and r.get("crisis_got")
        ),
        "cases": [_case(r, [v["line"] for v in r["line_violations"]]) for r in calm if r["line_violations"]],
    }
    mix: dict = {}
    for lang in ("fr", "en"):
        group = [r for r in rows if r["foreign_checked"] and r.get("lang_got") == lang]
        mix[lang] = {
            "n": len(group),
            "words": sum(len(r["foreign_words"]) for r in group),
            "answers": sum(bool(r["foreign_words"]) for r in group),
            "share": _share(bool(r["foreign_words"]) for r in group),
            "top_words": dict(Counter(w for r in group for w in r["foreign_words"]).most_common(15)),
        }
    checked = [r for r in rows if r["foreign_checked"]]
    s["language_mixing"] = {
        "english_in_french": mix["fr"],
        "french_in_english": mix["en"],
        "words": sum(len(r["foreign_words"]) for r in checked),
        "answers": sum(bool(r["foreign_words"]) for r in checked),
        "rate": _share(bool(r["foreign_words"]) for r in checked),
        "cases": [_case(r, sorted(set(r["foreign_words"]))[:MAX_LISTED]) for r in checked if r["foreign_words"]],
    }
    placed = [r for r in rows if r["place_ok"] is not None]
    with_place = [r for r in placed if r["place_expected"]]
    without = [r for r in placed if not r["place_expected"]]
    s["place"] = {
        "n": len(placed),
        "accuracy": _share(r["place_ok"] for r in placed),
        "with_place": {"n": len(with_place), "accuracy": _share(r["place_ok"] for r in with_place)},
        "without_place": {
            "n": len(without),
            "accuracy": _share(r["place_ok"] for r in without),
            "read_from_words": sum(r["place_from_words"] for r in without),
        },
        "cases": [
            _case(r, f"expected {r['place_expected']}, got {r['place_got']}") for r in placed if not r["place_ok"]
        ],
    }
    labelled = [r for r in rows if r["rights_expected"] is not None]
    n_exp = sum(len(r["rights_expected"]) for r in labelled)
    s["rights"] = {
        "n": len(labelled),
        "all_relevant": _share(not r["rights_irrelevant"] for r in labelled),
        "cited_n": sum(bool(r["rights_cited"]) for r in labelled),
        "expected_n": n_exp,
        "expected_found": _r(sum(len(r["rights_found"]) for r in labelled) / n_exp) if n_exp else None,
        "irrelevant": dict(Counter(x for r in labelled for x in r["rights_irrelevant"]).most_common()),
        "cases": [_case(r, r["rights_irrelevant"]) for r in labelled if r["rights_irrelevant"]],
    }
    blind = [r for r in rows if "keys_found" in r]
    if blind:
        found = sum(len(r["keys_found"]) for r in blind)
        missing = sum(len(r["keys_missing"]) for r in blind)
        danger = [r for r in blind if r["danger_now"]]
        reg = [r for r in blind if r["register_ok"] is not None]
        whom = [r for r in blind if r["for_whom_expected"] in WHOM]
        quest = [r for r in blind if r["question_expected"]]
        minor = [r for r in blind if r["writer_minor"] is not None]
        s["labels"] = {
            "n": len(blind),
            "lines_expected": {
                "found": found,
                "missing": missing,
                "rate": _r(found / (found + missing)) if found + missing else None,
                "missing_by_key": dict(Counter(k for r in blind for k in r["keys_missing"]).most_common()),
                "not_available": dict(Counter(k for r in blind for k in r["keys_unavailable"]).most_common()),
            },
            "danger_now_911_first": {"n": len(danger), "rate": _share(r["first_line_911"] for r in danger)},
            "register": {
                "n": len(reg),
                "rate": _share(r["register_ok"] for r in reg),
                "tu": _share(r["register_ok"] for r in reg if r["register_expected"] == "tu"),
                "vous": _share(r["register_ok"] for r in reg if r["register_expected"] == "vous"),
            },
            "for_whom": {"n": len(whom), "accuracy": _share(r["for_whom_got"] == r["for_whom_expected"] for r in whom)},
            "question": {
                "n": len(quest),
                "answered": _share(r["question_got"] == r["question_expected"] for r in quest),
                "spurious": _share(r["question_got"] is not None for r in blind if not r["question_expected"]),
            },
            "writer_minor": {
                "n": len(minor),
                "accuracy": _share(bool(r["young_got"]) == bool(r["writer_minor"]) for r in minor),
            },
        }
    return s


# ---------------------------------------------------------------------------------------------
# Rubric (a human or blind grader's CSV) and the export for a blind grader
# ---------------------------------------------------------------------------------------------


def load_rubric(path: Path) -> dict:
    """Means (and n) of each criterion of a graded CSV; ``AnswersError`` names the row and column."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise AnswersError(f"{path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise AnswersError(f"{path}: not a UTF-8 CSV file") from exc
    first = raw.splitlines()[0] if raw.strip() else ""
    delim = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.DictReader(io.StringIO(raw), delimiter=delim)
    cols = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in ("id", *RUBRIC) if c not in cols]
    if missing:
        raise AnswersError(f"{path}: missing column(s) {', '.join(missing)} (expected id, {', '.join(RUBRIC)})")
    scores: dict[str, list[int]] = {c: [] for c in RUBRIC}
    ids = []
    for n, row in enumerate(reader, 2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not any(row.values()):
            continue
        if not row.get("id"):
            raise AnswersError(f"{path}:{n}: missing id")
        ids.append(row["id"])
        for c in RUBRIC:
            v = row.get(c, "")
            if v == "":
                continue
            try:
                x = float(v.replace(",", "."))
            except ValueError:
                raise AnswersError(f"{path}:{n}: column {c}: {v!r} is not a score 0, 1 or 2") from None
            if x not in (0, 1, 2):
                raise AnswersError(f"{path}:{n}: column {c}: {v!r} is not a score 0, 1 or 2")
            scores[c].append(int(x))
    if not ids:
        raise AnswersError(f"{path}: no graded row")
    every = [x for v in scores.values() for x in v]
    return {
        "file": str(path),
        "answers": len(ids),
        "duplicates": sorted(k for k, v in Counter(ids).items() if v > 1),
        "criteria": {
            c: {
                "n": len(v),
                "mean": _r(sum(v) / len(v)) if v else None,
                "counts": {str(k): v.count(k) for k in (0, 1, 2)},
            }
            for c, v in scores.items()
        },
        "overall": {"n": len(every), "mean": _r(sum(every) / len(every)) if every else None},
    }


def export_record(m: dict, a) -> dict:
    """What a blind grader sees of one answer: no label, no id of a line, no score."""
    seen, services = set(), []
    for s in list(a.crisis.contacts) + list(a.services):
        key = s.get("id") or s.get("name")
        if key in seen:
            continue
        seen.add(key)
        name = (s.get("name_en") or s.get("name")) if a.language == "en" else s.get("name")
        services.append({"name": name, "phone": s.get("phone"), "kind": s.get("kind")})
    return {"id": m["id"], "message": m["text"], "answer": a.answer, "services": services, "follow_up": a.follow_up}


def export_answers(system, messages: list[dict], path: Path, use_where: bool = True, progress=None) -> int:
    """Ask ``system`` every message and write one JSON line per answer (``export_record``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for i, m in enumerate(messages, 1):
            a = system.ask(m["text"], where=m.get("where") if use_where else None)
            fh.write(json.dumps(export_record(m, a), ensure_ascii=False) + "\n")
            if progress:
                progress(i, len(messages))
    return len(messages)
