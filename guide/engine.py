"""The conversation engine: crisis triage -> needs -> place -> services, lines and rights ->
a grounded, bilingual answer. One engine, several faces (CLI, API, UI, evaluation).

Every phone number, address, hours and article number in an answer is taken from a corpus
record that the answer returns in ``services`` or ``citations``; ``grounding_problems`` checks it.
Nothing a person writes is stored or logged: the conversation state returned to the caller holds
only what the engine understood (language, needs, place, what was asked), never the words.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, Field

from guide.directory.near import display_name
from guide.geo import Location
from guide.settings import Settings, get_settings
from guide.text import QC_FORMS, detect_language, fold, tokens

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
TEMPLATES_FILE = "prose/answer_templates.yaml"
INFO_SOCIAL = "line-info-social-811-option-2"
EMERGENCY = "line-urgence-9-1-1"
LINE_211 = "line-211-grand-montreal-quebec-regions"
PRINCIPLE_2 = "decl-principe-2-1"
NEED_FLOOR = 0.58  # cosine with the nearest example of a need (USE)

_INJECTION = re.compile(
    r"(ignore|oublie|forget|disregard)\w* (all |toutes |tes |vos |your |the |les )?(previous |precedentes |prior )?"
    r"(instructions|consignes|regles|rules)|(system|systeme) ?prompt|prompt (systeme|system)|jailbreak|"
    r"(you are|tu es) (now|maintenant) |developer mode|mode developpeur", re.I)
_LOCATION_CUES = r"(?:a|à|au|aux|en|dans|de|pres de|près de|in|at|near|from|around|habite|reste|vis|live|living)"
_OTHER_SCRIPTS = re.compile(r"[\u0600-\u06ff\u0590-\u05ff\u4e00-\u9fff\u3040-\u30ff\u0400-\u04ff\u0900-\u097f\uac00-\ud7af]")
_REL_FR = (r"mere|pere|maman|papa|fils|fille|enfant|enfants|ado|soeur|frere|ami|amie|chum|blonde|conjoint|conjointe|"
           r"voisin|voisine|grand mere|grand pere|grand-mere|grand-pere|grandmere|grandpere|parents|oncle|tante|"
           r"neveu|niece|cousin|cousine|collegue|coloc|eleve|eleves|patient|patiente")
_REL_EN = (r"mom|mother|dad|father|son|daughter|kid|kids|child|children|sister|brother|friend|partner|"
           r"neighbou?r|grandma|grandmother|grandpa|grandfather|parents|uncle|aunt|nephew|niece|cousin|"
           r"coworker|roommate|student|students|teen|teenager|husband|wife|boyfriend|girlfriend")
_ADJ = r"(?:(?:meilleur|meilleure|grand|grande|petit|petite|vieux|vieille|best|older|younger|little|big|old|elderly|teenage|adult|\d+ year old) )?"
_FOR_OTHER = re.compile(rf"\b(?:ma|mon|mes|notre|nos|sa|son|ses) {_ADJ}(?:{_REL_FR})\b"
                        rf"|\b(?:my|our) {_ADJ}(?:{_REL_EN})\b"
                        rf"|\b(?:one of the|one of my|the) (?:kids|children|students|residents)\b"
                        rf"|\b(?:un des|une des|un de mes|une de mes) (?:enfants|eleves|residents|jeunes)\b")
_FIRST_PERSON = re.compile(r"\b(je|j|jai|chu|chus|jsuis|je me|i|i m|im|i am|i ve|ive)\b")
_FOR_SOMEONE = re.compile(r"\b(inquiet|inquiete|peur pour|pour (ma|mon|mes|notre|nos)|aider (ma|mon|mes)|l aider|worried|worry|scared for|for (my|our)|help (my|her|him|them)|how can i help)\b")
_COMPLAINT = re.compile(r"plainte|complain|refus|refuse|attend|attente|waiting|wait list|waitlist|pas de service|no service|mal (servi|traite)")


class ConversationState(BaseModel):
    """What the engine understood so far; the client sends it back with the next message."""

    language: Literal["fr", "en"] | None = None
    needs: list[str] = Field(default_factory=list)
    location: Location | None = None
    asked: list[str] = Field(default_factory=list)
    for_whom: Literal["self", "other"] | None = None
    crisis_kinds: list[str] = Field(default_factory=list)
    turns: int = 0


class Crisis(BaseModel):
    detected: bool = False
    kind: str | None = None
    kinds: list[str] = Field(default_factory=list)
    method: str | None = None
    contacts: list[dict[str, Any]] = Field(default_factory=list)


class Citation(BaseModel):
    id: str
    kind: Literal["declaration", "right", "service"]
    title: str
    reference: str
    excerpt: str
    source: dict[str, Any]


class Answer(BaseModel):
    language: Literal["fr", "en"]
    crisis: Crisis
    answer: str
    services: list[dict[str, Any]]
    citations: list[Citation]
    needs: list[str]
    follow_up: str | None = None
    location: dict[str, Any] | None = None
    state: ConversationState
    notices: list[str] = Field(default_factory=list)
    bilingual: bool = False
    timings_ms: dict[str, float] = Field(default_factory=dict)
    writer: str = "deterministic"


# ---------------------------------------------------------------------------------------------
# Input cleaning and language
# ---------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def clean_message(raw: str | bytes | None) -> tuple[str, bool]:
    """(text, truncated). Bytes are decoded leniently; control characters dropped; cut to 2,000 chars."""
    if raw is None:
        return "", False
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    text = unicodedata.normalize("NFC", raw)
    text = re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()
    if len(text) > MAX_MESSAGE_CHARS:
        return text[:MAX_MESSAGE_CHARS], True
    return text, False


@lru_cache(maxsize=1)
def _world_detector():
    from lingua import Language, LanguageDetectorBuilder

    langs = [Language.FRENCH, Language.ENGLISH, Language.SPANISH, Language.PORTUGUESE, Language.ITALIAN,
             Language.GERMAN, Language.ARABIC, Language.CHINESE, Language.RUSSIAN, Language.VIETNAMESE,
             Language.TAGALOG, Language.PERSIAN, Language.HAITIAN_CREOLE if hasattr(Language, "HAITIAN_CREOLE") else Language.DUTCH]
    return LanguageDetectorBuilder.from_languages(*langs).build()


def is_other_language(text: str) -> bool:
    """True when the message is clearly neither French nor English."""
    if _OTHER_SCRIPTS.search(text) and not re.search(r"[a-zA-Z]{3,}", text):
        return True
    toks = tokens(text)
    if len(toks) < 3:
        return False
    from guide.text import _EN_MARKERS, _FR_MARKERS

    if sum(t in _FR_MARKERS or t in _EN_MARKERS or t in QC_FORMS for t in toks) >= 2:
        return False
    conf = _world_detector().compute_language_confidence_values(text)
    return bool(conf) and conf[0].language.name not in ("FRENCH", "ENGLISH") and conf[0].value > 0.5


# ---------------------------------------------------------------------------------------------
# Needs
# ---------------------------------------------------------------------------------------------


class NeedMatcher:
    """Keywords of the taxonomy, then similarity to its example phrasings."""

    def __init__(self, needs, embeddings=None):
        self.needs = needs
        self.embeddings = embeddings
        self._vecs = None
        self._owner: list[str] = []
        self._kw = {n.id: [fold(k).strip() for k in (n.keywords_fr + n.keywords_en) if k.strip()] for n in needs}

    def _examples(self):
        if self._vecs is None and self.embeddings is not None:
            texts, owner = [], []
            for n in self.needs:
                for ex in n.examples_fr + n.examples_en:
                    texts.append(ex)
                    owner.append(n.id)
            self._vecs = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
            self._owner = owner
        return self._vecs

    def match(self, text: str, limit: int = 3) -> list[str]:
        folded = " " + " ".join(tokens(text)) + " "
        mapped = " " + " ".join(QC_FORMS.get(t, t) for t in tokens(text)) + " "
        scores: dict[str, float] = {}
        for nid, kws in self._kw.items():
            hits = sum(1 for k in kws if f" {k}" in folded or f" {k}" in mapped)
            if hits:
                scores[nid] = hits
        vecs = self._examples()
        if vecs is not None and len(vecs):
            q = np.asarray(self.embeddings.embed_query(text), dtype=np.float32)
            sims = vecs @ q
            best: dict[str, float] = {}
            for nid, s in zip(self._owner, sims):
                best[nid] = max(best.get(nid, -1.0), float(s))
            for nid, s in best.items():
                if s >= NEED_FLOOR:
                    scores[nid] = scores.get(nid, 0) + 2 * s
                elif nid in scores:
                    scores[nid] += s
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        return [nid for nid, _ in ranked[:limit]]


# ---------------------------------------------------------------------------------------------
# Place in free text
# ---------------------------------------------------------------------------------------------


def _capitalised_in(text: str, folded_word: str, position: int) -> bool:
    """True when the word is written with a capital in the message, other than as its first word."""
    if position == 0:
        return False
    for w in re.findall(r"[\w'-]+", text)[1:]:
        if fold(w) == folded_word and w[:1].isupper():
            return True
    return False


def find_place(text: str, corpus_dir: Path):
    """A place named inside a message ("je reste à Rimouski", "H2L 3C3"), resolved, or None."""
    from guide.geo import _PC_IN_TEXT, gazetteer, place_words, resolve

    m = _PC_IN_TEXT.search(text)
    if m:
        return resolve(m.group(0), corpus_dir)
    g = gazetteer(corpus_dir)
    words = place_words(text).split()
    cue_words = set(fold(_LOCATION_CUES).strip("(?:)").split("|"))
    best = None
    for n in (4, 3, 2, 1):
        for i in range(len(words) - n + 1):
            key = "".join(words[i:i + n])
            if key not in g.by_key and key not in g.aliases:
                continue
            cue = i > 0 and words[i - 1] in cue_words
            if key == "quebec" and n == 1 and (i + 1 >= len(words) or words[i + 1] not in ("city", "ville")) \
                    and i > 0 and words[i - 1] in ("au", "du", "in", "of", "to", "en", "le", "partout"):
                continue  # "au Québec", "in Quebec": the province, not Québec City
            if n == 1 and not cue and not _capitalised_in(text, words[i], i):
                continue  # one word without "à/in/near" nor a capital ("je suis nouvelle"): an ordinary word
            best = " ".join(words[i:i + n])
            break
        if best:
            break
    if best:
        loc = resolve(best, corpus_dir)
        return loc if loc.error is None else None
    return None


# ---------------------------------------------------------------------------------------------
# Engine
# ---------------------------------------------------------------------------------------------


class Engine:
    """Loads the index, directory, taxonomies and templates once; answers messages."""

    def __init__(self, settings: Settings | None = None, index=None, writer=None):
        """``writer``: a LangChain chat model for the optional LLM rewrite (default: from settings)."""
        from guide.directory.needs import load_needs
        from guide.embeddings import get_embeddings
        from guide.index import Index
        from guide.triage import Triager

        self.settings = settings or get_settings()
        corpus = self.settings.corpus_dir
        self.index = index or Index.open(self.settings)
        self.records = self.index.by_id
        emb = get_embeddings(self.settings)
        from guide.embeddings import backend_id

        self.triager = Triager(corpus, emb, cache_dir=self.settings.index_dir, backend=backend_id(self.settings))
        self.needs = {n.id: n for n in load_needs(corpus)}
        self.matcher = NeedMatcher(list(self.needs.values()), emb)
        self.templates = yaml.safe_load((corpus / TEMPLATES_FILE).read_text(encoding="utf-8"))
        if writer is None:
            from guide.writer import make_chat_model

            writer = make_chat_model(self.settings)
        self.writer = writer
        from guide.directory.store import directory_path, load_directory

        self.directory = load_directory(directory_path(corpus))
        self.lines_by_id = {e.id: e for e in self.directory.lines}

    def warm_up(self) -> None:
        """Load every lazy part (models, detectors, caches) so the first person waits no longer."""
        self.ask("je me sens seul et epuise", where="Montréal")
        self.ask("I feel alone")
        is_other_language("necesito ayuda por favor con mi familia")

    # -- pieces ---------------------------------------------------------------------------

    def _line(self, line_id: str, region: str | None = None) -> dict | None:
        from guide.directory.near import as_dict

        e = self.lines_by_id.get(line_id)
        if e is None or (e.region is not None and region is not None and e.region != region):
            return None
        return as_dict(e)

    def _dpj_lines(self, region: str | None) -> list[dict]:
        from guide.directory.near import as_dict

        if not region:
            return []
        return [as_dict(e) for e in self.directory.lines if e.region == region and "child_protection" in e.needs]

    def _language(self, text: str, lang: str | None, state: ConversationState, is_place_only: bool) -> str:
        if lang in ("fr", "en"):
            return lang
        if is_place_only and state.language:
            return state.language
        toks = tokens(text)
        if state.language and len(toks) <= 2:
            return state.language
        return detect_language(text, default=state.language or "fr")

    def ask(self, message: str | bytes | None, where: str | None = None, lang: str | None = None,
            state: ConversationState | dict | None = None) -> Answer:
        """Answer one message, given the conversation state so far (or None for a new one)."""
        t_start = time.perf_counter()
        timings: dict[str, float] = {}
        st = ConversationState.model_validate(state) if isinstance(state, dict) else (state or ConversationState())
        st = st.model_copy(deep=True)
        st.turns += 1
        text, truncated = clean_message(message)
        notices: list[str] = []

        # 1. crisis first
        t0 = time.perf_counter()
        triage = self.triager.check(text) if text else None
        timings["triage"] = (time.perf_counter() - t0) * 1000

        # 2. place: explicit, then in the text, then remembered
        t0 = time.perf_counter()
        from guide.geo import resolve

        location = None
        place_only = False
        if where and where.strip():
            location = resolve(where, self.settings.corpus_dir)
        elif text:
            direct = resolve(text, self.settings.corpus_dir) if len(text) <= 60 else None
            if direct is not None and direct.error is None:
                location, place_only = direct, True
            elif direct is not None and direct.error in ("outside_quebec", "invalid_postal_code") and len(tokens(text)) <= 4:
                location, place_only = direct, True
            else:
                location = find_place(text, self.settings.corpus_dir)
        if location is None and st.location is not None and st.location.ok:
            location = st.location
        elif location is not None and location.error is None:
            st.location = location
        timings["locate"] = (time.perf_counter() - t0) * 1000

        language = self._language(text, lang, st, place_only)
        other_language = bool(text) and not lang and not place_only and is_other_language(text)
        if language != st.language:
            st.language = language  # follow the person; switch when they switch
        T = self.templates[language]

        # 3. needs
        t0 = time.perf_counter()
        needs: list[str] = []
        if text and not place_only and not other_language:
            needs = self.matcher.match(text)
        if triage and triage.detected:
            crisis_needs = [self.triager.model.kinds[k].need for k in triage.kinds]
            needs = [n for n in crisis_needs if n in self.needs] + [n for n in needs if n not in crisis_needs]
        for n in needs:
            if n not in st.needs:
                st.needs.append(n)
        active_needs = needs or st.needs
        folded_msg = re.sub(r"[^a-z0-9 ]+", " ", fold(text)) if text else ""
        rel = _FOR_OTHER.search(folded_msg) if text else None
        me = _FIRST_PERSON.search(folded_msg) if text else None
        partner = rel is not None and re.search(r"\b(chum|blonde|conjoint|conjointe|partner|husband|wife|boyfriend|girlfriend)\b", rel.group(0))
        if rel and (_FOR_SOMEONE.search(folded_msg) or (not partner and (me is None or rel.start() < me.start()))):
            st.for_whom = "other"  # the message is about someone else ("my son is...", "worried for my mother")
        elif st.for_whom is None and text and not place_only:
            st.for_whom = "self"
        timings["understand"] = (time.perf_counter() - t0) * 1000

        # 4. retrieve: services, lines, rights, declaration
        t0 = time.perf_counter()
        region = location.rss_code if location is not None and location.error is None else None
        services: list[dict] = []
        crisis = Crisis()
        if triage and triage.detected:
            st.crisis_kinds = sorted(set(st.crisis_kinds) | set(triage.kinds))
            contacts: list[dict] = []
            for k in triage.kinds:
                for cid in self.triager.model.kinds[k].contacts:
                    found = self._dpj_lines(region) if cid == "dpj-regional" else [self._line(cid, region)]
                    for c in found:
                        if c and c["id"] not in {x["id"] for x in contacts}:
                            contacts.append(c)
            crisis = Crisis(detected=True, kind=triage.kind, kinds=triage.kinds, method=triage.method, contacts=contacts)

        clscs: list[dict] = []
        if location is not None and location.ok:
            from guide.directory.near import services_near

            clscs = services_near(location, kind="clsc", limit=3, corpus_dir=self.settings.corpus_dir)
        lines: list[dict] = []
        seen = {c["id"] for c in crisis.contacts}
        for nid in active_needs:
            need = self.needs.get(nid)
            if not need:
                continue
            for lid in need.lines:
                if lid in (INFO_SOCIAL,) or lid in seen:
                    continue
                line = self._line(lid, region)
                if line and (line.get("regional") is False or region):
                    lines.append(line)
                    seen.add(lid)
                if len([x for x in lines if nid in x.get("needs", [])]) >= 2:
                    break
        lines = lines[:4]
        info_social = self._line(INFO_SOCIAL)
        if other_language:
            extra = self._line(LINE_211)
            lines = [extra] if extra else []
        services = crisis.contacts + clscs + ([info_social] if info_social and INFO_SOCIAL not in seen else []) + lines

        rights = self._rights(text, active_needs, language) if text and not other_language else []
        timings["retrieve"] = (time.perf_counter() - t0) * 1000

        # 5. follow-up: ask once where the person lives when it changes the answer
        follow_up = None
        asked_now = False
        if (location is None or location.error is not None) and "location" not in st.asked and text \
                and not other_language and not (triage and triage.kind == "immediate_danger"):
            follow_up = T["follow_up_location"]
            st.asked.append("location")
            asked_now = True

        # 6. compose
        t0 = time.perf_counter()
        if truncated:
            notices.append(T["notice_truncated"])
        body, citations = self._compose(language, T, text, triage, crisis, clscs, info_social, lines, rights,
                                        location, st, other_language, asked_now)
        answer = Answer(language=language, crisis=crisis, answer=body, services=services, citations=citations,
                        needs=active_needs, follow_up=follow_up,
                        location=location.model_dump() if location is not None else None, state=st, notices=notices,
                        bilingual=other_language or not text)
        timings["compose"] = (time.perf_counter() - t0) * 1000
        if self.writer is not None and not crisis.detected:
            from guide.writer import rewrite

            answer = rewrite(self.writer, answer, timeout_s=self.settings.llm_timeout_s)
        timings["total"] = (time.perf_counter() - t_start) * 1000
        answer.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        return answer

    def _rights(self, text: str, needs: list[str], language: str) -> list[str]:
        chosen: list[str] = []
        folded = fold(text)
        if "rights_complaint" in needs or _COMPLAINT.search(folded):
            chosen.append("right-complaint-path")
        else:
            chosen.append("right-info-services")
        from guide.search import search

        try:
            hits = search(self.index, text, kind="right", limit=3)
        except Exception:  # a right is a bonus; never fail an answer for it
            hits = []
        for h in hits:
            # a specific right only when both retrievers put it on top; otherwise the general pair
            if h.id not in chosen and h.rank_bm25 == 1 and h.rank_vector and h.rank_vector <= 3:
                chosen.append(h.id)
                break
        else:
            if "right-adequate-services" not in chosen:
                chosen.append("right-adequate-services")
        return chosen[:2]

    def _compose(self, lang, T, text, triage, crisis, clscs, info_social, lines, rights, location, st,
                 other_language, asked_now) -> tuple[str, list[Citation]]:
        parts: list[str] = []
        citations: list[Citation] = []

        def cite(rec_id: str, kind: str) -> int:
            for i, c in enumerate(citations, 1):
                if c.id == rec_id:
                    return i
            r = self.records[rec_id]
            excerpt = r.metadata.get(f"plain_{lang}") or r.text
            citations.append(Citation(id=r.id, kind=kind, title=r.title, reference=r.reference,
                                      excerpt=excerpt[:400], source=r.source.model_dump()))
            return len(citations)

        def cite_service(s: dict) -> None:
            if any(c.id == s["id"] for c in citations):
                return
            excerpt = ", ".join(x for x in (s.get("name"), s.get("phone"), s.get("address"), s.get("municipality"),
                                            s.get("postal_code"), s.get("hours")) if x)
            citations.append(Citation(id=s["id"], kind="service", title=s["name"], reference=s.get("source_url") or s.get("source", ""),
                                      excerpt=excerpt, source={"name": s.get("source", ""), "url": s.get("source_url") or "",
                                                               "date": s.get("assured_date") or ""}))

        def phone_of(s: dict) -> str:
            return s.get("phone") or ""

        def extra_of(s: dict) -> str:
            alts = s.get("phone_alternates") or []
            return f" / {alts[0]}" if alts else ""

        def hours_of(s: dict) -> str:
            return s.get("hours") or ""

        if not text:
            parts.append(T["empty"])
        elif other_language:
            other = self.templates["en" if lang == "fr" else "fr"]
            parts += [T["other_language"], other["other_language"]]
        if crisis.detected:
            parts.append(T["crisis_open"])
            for c in crisis.contacts:
                cite_service(c)
                if c["kind"] == "emergency":
                    parts.append(T["crisis_emergency"].format(phone=phone_of(c), name=display_name(c, lang)))
                else:
                    label = self.triager.model.kinds[crisis.kind].label_fr if lang == "fr" else self.triager.model.kinds[crisis.kind].label_en
                    parts.append(T["crisis_line"].format(label=label, name=display_name(c, lang), phone=phone_of(c),
                                                         extra=extra_of(c), hours=hours_of(c)))
            if "child_at_risk" in crisis.kinds and not any("child_protection" in c.get("needs", []) for c in crisis.contacts) and info_social:
                parts.append(T["crisis_dpj_unknown"].format(phone=phone_of(info_social)))
                cite_service(info_social)
            parts.append(T["crisis_close"])
        elif text and not other_language:
            parts.append(T["greeting_other"] if st.for_whom == "other" else T["greeting"])
            need0 = next(iter(st.needs[-1:]), None)
            emp = T["empathy"].get(need0 or "", T["empathy"]["default"]) if need0 else T["empathy"]["default"]
            parts.append(emp)

        if text and not other_language:
            n = cite(PRINCIPLE_2, "declaration")
            parts.append(T["clsc_intro"].format(cite=n))
            if clscs:
                place = location.resolved or location.query
                parts.append(T["clsc_near"].format(place=place))
                for s in clscs:
                    cite_service(s)
                    parts.append(T["clsc_item"].format(name=s["name"], address=s["address"] or "",
                                                       municipality=s["municipality"] or "", distance=s["distance_km"]))
                if info_social and any(not s.get("phone") for s in clscs):
                    parts.append(T["clsc_no_phone"].format(phone=phone_of(info_social)))
            elif location is not None and location.error is not None and location.message:
                parts.append(location.message.get(lang) or location.message.get("fr", ""))
        if info_social and not other_language:
            cite_service(info_social)
            parts.append(T["info_social"].format(phone=phone_of(info_social), hours=hours_of(info_social)))
        if lines:
            parts.append(T["lines_intro"])
            for s in lines:
                cite_service(s)
                unverified = T["unverified"] if s.get("verified") and not s["verified"].get("phone", True) else ""
                parts.append(T["line_item"].format(name=display_name(s, lang), phone=phone_of(s) or "—", extra=extra_of(s),
                                                   hours=hours_of(s), unverified=unverified))
        if rights:
            parts.append(T["rights_intro"])
            for rid in rights:
                r = self.records.get(rid)
                if not r:
                    continue
                n = cite(rid, "right")
                title = r.metadata.get(f"title_{lang}", r.title)
                plain = r.metadata.get(f"plain_{lang}", "")
                parts.append(T["right_item"].format(title=title, plain=plain, reference=right_reference(r, lang), cite=n))
        if text and not other_language and not crisis.detected:
            parts.append(T["closing"])
        return "\n".join(p for p in parts if p), citations


_STATUS_LABELS = {
    "fr": {"verified": "vérifié", "partly verified": "en partie vérifié", "secondary source": "source secondaire",
           "unverified": "non vérifié"},
    "en": {"verified": "verified", "partly verified": "partly verified", "secondary source": "secondary source",
           "unverified": "unverified"},
}


def right_reference(record, lang: str) -> str:
    """A right's article references in the person's language, each with its verification label."""
    m = record.metadata
    if "lssss_article" not in m:
        return record.reference
    labels = _STATUS_LABELS[lang]

    def art(a: str) -> str:
        a = a.strip()
        return f"art. {a}" if a[:1].isdigit() else a

    old = f"LSSSS (RLRQ c. S-4.2) {art(m['lssss_article'])}, {labels.get(m.get('lssss_label', ''), m.get('lssss_label', ''))}"
    new = f"G-1.021 {art(m['lgssss_article'])}, {labels.get(m.get('lgssss_label', ''), m.get('lgssss_label', ''))}"
    if lang == "fr":
        return f"ancienne loi : {old} ; loi en vigueur : {new}"
    return f"former Act: {old}; Act in force: {new}"


# ---------------------------------------------------------------------------------------------
# Grounding
# ---------------------------------------------------------------------------------------------

_NUMBERISH = re.compile(r"(?<![\w/])(?:1[ .-]?)?(?:\d{3}[ .-]?\d{3}[ .-]?\d{4}|\d{3})(?![\w])")
_POSTAL = re.compile(r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b")
_ARTICLE = re.compile(r"\bart\. ?(\d+(?:\.\d+)?)")


def grounding_problems(answer: Answer) -> list[str]:
    """Numbers, postal codes and article numbers in the text that no returned record supports."""
    support = " ".join([c.reference + " " + c.excerpt for c in answer.citations] +
                       [" ".join(str(v) for v in s.values() if v is not None) for s in answer.services] +
                       # the place the person gave is echoed back ("Près de H2L 3C3"): theirs, not a fact of ours
                       ([str(answer.location.get("query", "")), str(answer.location.get("resolved", ""))]
                        if answer.location else []))
    digits_support = re.sub(r"\D", " ", support)
    problems = []
    for m in _NUMBERISH.finditer(answer.answer):
        num = re.sub(r"\D", "", m.group(0))
        if num and num not in re.sub(r"\s", "", digits_support) and num not in support:
            problems.append(f"number {m.group(0)!r} not in any returned record")
    for m in _POSTAL.finditer(answer.answer):
        if m.group(0).replace(" ", "") not in support.replace(" ", ""):
            problems.append(f"postal code {m.group(0)!r} not in any returned record")
    for m in _ARTICLE.finditer(answer.answer):
        if m.group(1) not in support:
            problems.append(f"article {m.group(0)!r} not in any cited record")
    return problems


_ENGINES: dict[str, Engine] = {}


def get_engine(settings: Settings | None = None) -> Engine:
    """The process-wide engine for these settings (index, directory and models loaded once)."""
    settings = settings or get_settings()
    key = settings.model_dump_json()
    if key not in _ENGINES:
        _ENGINES[key] = Engine(settings)
    return _ENGINES[key]
