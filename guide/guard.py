"""The guard of the optional LLM writer: may a rewrite replace the deterministic answer?

Contract
- ``problems(original, text) -> list[Problem]``: every reason why ``text`` cannot replace
  ``original.answer`` (``[]`` when it may). Each ``Problem`` has a ``category`` (a key of
  ``CATEGORIES``) and a ``detail``. The detail may quote the rewrite: it is for tests and debugging
  only, never for logs nor for the answer; callers log and show the category (and its fixed
  description in ``CATEGORIES``) only.
- ``categories(problems)``: the categories, in order, without repeats.
- It never raises on a string ``text``; ``guide.writer`` still keeps the deterministic answer if it did.

A rewrite is refused when it
- is empty, or much longer than the answer (``length``);
- leaks its instructions or speaks as a model: "As an AI language model", "Voici la réponse
  réécrite", "system prompt", "Règles :", chat-template tokens (``leak``);
- writes a fact that no returned record supports (``guide.grounding``: ``phone``, ``address``,
  ``postal_code``, ``url``, ``email``, ``hours``, ``article``, ``number``);
- drops a phone number of a service that the answer shows, the nearest CLSC or the CLSC itself, or
  tells the person there is no need to call anyone (``services``);
- drops or reorders a crisis contact (``crisis``; crisis answers are never rewritten by the engine,
  the guard refuses it anyway);
- makes a diagnosis (``diagnosis``), names a medication or a dose (``medication``), promises a delay
  or a call-back (``delay``), names an organisation or a name that no record gives (``organisation``);
- adds a citation mark that the answer does not have, or another kind of mark (``citation``);
- is not in the answer's language, in whole or in any sentence of its own (``language``).
Phrases the deterministic answer itself contains ("Je ne pose pas de diagnostic…") are allowed as
many times as the answer has them: each pattern counts against the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from guide.grounding import CITE_MARK, Support, grounding_findings, norm, phone_key, scan
from guide.text import detect_language, fold, tokens

CATEGORIES: dict[str, str] = {
    "empty": "the rewrite is empty",
    "length": "the rewrite is much longer than the answer",
    "leak": "the rewrite leaks its instructions or speaks as a language model",
    "phone": "a phone number, short code or extension that no returned record gives",
    "address": "a street address that no returned record gives",
    "postal_code": "a postal code that no returned record gives",
    "url": "a web address that no returned record gives",
    "email": "an e-mail address that no returned record gives",
    "hours": "opening hours that the records do not give for that service",
    "article": "an article or law number that no cited record gives",
    "number": "a number that no returned record gives",
    "services": "a service of the answer is left out, or calling is discouraged",
    "crisis": "a crisis contact is left out or moved",
    "diagnosis": "the rewrite makes a diagnosis",
    "medication": "the rewrite names a medication or a dose",
    "delay": "the rewrite promises a delay or a call-back",
    "organisation": "an organisation or name that no returned record gives",
    "citation": "a citation mark that the answer does not have",
    "language": "the rewrite is not in the answer's language",
}


@dataclass(frozen=True)
class Problem:
    category: str
    detail: str


def categories(found: list[Problem]) -> list[str]:
    out: list[str] = []
    for p in found:
        if p.category not in out:
            out.append(p.category)
    return out


# --- patterns, on accent-folded lower-cased text; each counts against the deterministic answer ---


def _rx(*parts: str) -> list[re.Pattern]:
    return [re.compile(p) for p in parts]


LEAK = _rx(
    r"\bas an ai\b|\bai language model\b|\blanguage model\b|\bmodele de lang\w*|\blarge language\b|\bllm\b",
    r"\ben tant qu'(?:ia|intelligence artificielle|assistant\w*|modele|ai)\b",
    r"\b(?:je suis|i am|i'm) (?:une? |an? )?(?:ia|ai|intelligence artificielle|assistant\w* (?:virtuel|ia|ai)|"
    r"chatbot|robot|bot|language model|modele)\b",
    r"\bvoici (?:la|une|ma|votre|le|mon|ta) (?:\w+ )?(?:reponse|version|texte|reecriture|reformulation)\b",
    r"\breecri\w*|\breformul\w*|\brewrit\w*|\breworded\b|\brephras\w*|\bparaphras\w*",
    r"\bhere(?:'s| is) (?:the|a|my|your) (?:\w+ )?(?:answer|version|text|response|rewrite)\b",
    r"\b(?:system|systeme) ?prompt\b|\bprompt\b|\binvite (?:systeme|system)\b|\bsystem message\b|\bmessage systeme\b",
    r"(?:^|\n)\s*(?:regles|rules|instructions?|consignes?|system|systeme|assistant|user|utilisateur|human)\s*:",
    r"\bregles\s?:|\brules\s?:|\bconsignes\s?:|\binstructions\s?:",
    r"<\|?/?(?:im_start|im_end|system|assistant|user|s|eos|endoftext)\|?>|\[/?inst\]|<</?sys>>|```",
    r"\bchatgpt\b|\bopenai\b|\bgpt-?\d\w*|\bollama\b|\banthropic\b",
    r"\bignore (?:toute|tout|all|any|previous|prior|les|the)\b|\bprevious instructions\b|\binstructions precedentes\b",
    r"\btu reecris\b|\byou rewrite\b|\bn'ajoute aucun\b|\badd no\b|\bgarde les renvois\b|\bkeep the \[n\]",
    r"\bje ne peux pas (?:repondre|aider|faire) (?:a )?(?:cette|ca)\b|\bi can(?:'|no)t (?:help|assist) with (?:that|this)\b",
    r"\bknowledge cutoff\b|\btraining data\b|\bdonnees d'entrainement\b",
    r"\[n\]|\{[a-z_]+\}",
)
DIAGNOSIS = _rx(
    r"\bdepress\w*",
    r"\bburn[- ]?out\b",
    r"\bepuisement professionnel\b",
    r"\b(?:tspt|sspt|ptsd|tdah|adhd|toc|ocd)\b",
    r"\bstress post-?traumatique\b|\bpost-?traumatic\b",
    r"\btroubles? (?:anxieux|bipolaire|de (?:la )?personnalite|panique|de l'humeur|alimentaire|obsessionnel|"
    r"d'adaptation|du spectre|de stress|mental|psychiatrique|depressif|de l'attention|du sommeil|de sante mentale)",
    r"\bbipolaire\b|\bbipolar\b",
    r"\bschizophren\w*",
    r"\bpsychos[ei]s?\b|\bpsychoti\w*",
    r"\bparanoia\w*",
    r"\b(?:anxiety|panic|personality|eating|mood|adjustment|stress|sleep|mental|attention|bipolar) disorders?\b",
    r"\bdiagnos\w*",
    r"\bautis\w*",
    r"\banorexi\w*|\bboulimi\w*|\bbulimi\w*",
    r"\balcooli(?:que|sme)\b|\balcoholi\w*",
    r"\b(?:vous|tu) (?:souffrez|souffres|etes atteinte?|es atteinte?)\b",
    r"\byou(?: are|'re)? (?:suffering|suffer) from\b",
    r"\b(?:sounds|looks|seems) like (?:you have|a case of)\b|\b(?:il semble|on dirait) que vous (?:avez|faites|souffrez)\b",
    r"\b(?:c'est|il s'agit d') (?:clairement |surement |probablement |sans doute )?(?:une|un) "
    r"(?:crise|episode|trouble|depression|burn)",
    r"\b(?:vous|tu) (?:faites|fais|avez|as) (?:une|un) (?:crise|episode|trouble|depression|burn)",
    r"\byou (?:have|are having|clearly have|probably have) (?:a |an )?(?:\w+ )?"
    r"(?:disorder|episode|breakdown|depression|ptsd|anxiety)",
    r"\bsymptomes? (?:de|d'|du)\b|\bsymptoms? of\b",
    r"\b(?:vous etes|tu es|you are|you're) (?:en )?(?:depressi\w*|bipolaire|bipolar|anxieu\w*|suicidaire|psychoti\w*|"
    r"traumatise\w*|traumatized|addict\w*|dependant\w*)",
    r"\bmaladie mentale\b|\bmental illness\b",
)
MEDICATION = _rx(
    r"\b\d+(?:[.,]\d+)?\s?(?:mg|milligrammes?|milligrams?|mcg|µg|ug|ml|millilitres?|milliliters?|ui|iu|cc)\b",
    r"\b(?:\d+|un|une|deux|trois|one|two|three|half a|demi|la moitie d'un)\s+(?:comprimes?|capsules?|gelules?|pilules?|"
    r"cachets?|tablets?|pills?|gouttes|drops|doses?|caplets?)\b",
    r"\bantidepress\w*|\banxiolyti\w*|\bbenzodiazepin\w*|\bsomniferes?\b|\bsleeping pills?\b|\bsedati\w*|"
    r"\bneuroleptique\w*|\bantipsychoti\w*|\bstabilisateur de l'humeur\b|\bmood stabili[sz]er",
    r"\b(?:sertraline|zoloft|fluoxetine|prozac|citalopram|escitalopram|cipralex|lexapro|paroxetine|paxil|venlafaxine|"
    r"effexor|duloxetine|cymbalta|bupropion|wellbutrin|lorazepam|ativan|alprazolam|xanax|clonazepam|rivotril|diazepam|"
    r"valium|oxazepam|zopiclone|imovane|quetiapine|seroquel|trazodone|desyrel|mirtazapine|remeron|lithium|ritalin|"
    r"methylphenidate|concerta|adderall|vyvanse|melatonine?|acetaminophene?|tylenol|ibuprofene?|advil|aspirine?|"
    r"codeine|gravol|benadryl|nytol|unisom)\b",
    r"\b(?:prenez|prends|prendre|take|taking)\b[^.\n]{0,40}\b(?:medicament|medication|medicine|pilule|comprime|pill|"
    r"tablet|dose|mg)\w*",
    r"\b(?:medicaments?|medications?|medicines?|ordonnances?|prescriptions?|posologie|dosage)\b",
    r"\b(?:augmentez|diminuez|arretez|cessez|doublez|increase|decrease|stop|double) (?:votre|vos|la|le|your|the) "
    r"(?:dose|traitement|medication|medicament|treatment)",
)
DELAY = _rx(
    r"\brappel\w*|\bcall(?:s|ed)? you back\b|\bget back to you\b|\b(?:will|'ll) (?:call|contact|see|phone) you\b",
    r"\b(?:dans|d'ici|en moins de|en|sous|within|in|under|in less than|in under|less than)\s(?:les |un delai de |the next |"
    r"a |an )?\d+\s?(?:h|heures?|hrs?|hours?|jours?|days?|minutes?|mins?|semaines?|weeks?|mois|months?)\b",
    r"\b(?:dans|d'ici|within|in) (?:la|l'|une|un|the|a|an) (?:heure|journee|semaine|hour|day|week)\b",
    r"\bsans (?:attente|delai|rendez-vous|liste d'attente)\b|\baucune? (?:attente|delai)\b|\bpas d'attente\b|"
    r"\bno (?:wait\w*|delay|appointment)\b|\bwithout (?:any )?(?:wait\w*|delay|an appointment)\b",
    r"\bimmediate\w*|\btout de suite\b|\bright away\b|\bsur-le-champ\b|\baussitot\b|\bpromptly\b|\brapidement\b|"
    r"\bquickly\b|\bsoon\b|\bbientot\b|\bsame[- ]day\b|\ble jour meme\b|\baujourd'hui meme\b|"
    r"\bdes (?:demain|aujourd'hui|ce soir)\b|\bdemain\b|\btomorrow\b|\bce soir\b|\btonight\b",
    r"\bgaranti\w*|\bguarantee\w*|\bprom(?:et|is)\w*|\bje vous assure\b|\bi assure you\b|\bwill be seen\b|"
    r"\bserez (?:vu|pris|rappele|servi)\w*",
    r"\bdelais?\b|\bwaiting times?\b|\bwait times?\b|\blistes? d'attente\b|\bwaiting lists?\b|\battente\b|\bwait\b",
)
DISCOURAGE = _rx(
    r"\bpas (?:besoin|necessaire|la peine|utile) d'(?:appeler|contacter|telephoner|consulter|aller|ecrire)",
    r"\binutile d'(?:appeler|contacter|telephoner|consulter|aller)|\bne sert a rien d'(?:appeler|contacter)",
    r"\bn'(?:appelez|contactez|allez|telephonez|ecrivez) (?:pas|personne|jamais|plus)\b|\bne (?:consultez|composez) pas\b",
    r"\b(?:ca|cela) (?:va|devrait) passer (?:tout seul|tout seule|de (?:lui|soi)-meme|avec le temps)\b|"
    r"\b(?:ca|cela) passera\b",
    r"\b(?:vous|tu) (?:n'avez|n'as) pas besoin (?:d'aide|de (?:ces|ce|les|le|la|leur) ?(?:services?|ressources?|clsc|"
    r"lignes?|aide))",
    r"\bno need to (?:call|contact|reach|see|go|talk|phone)\b|\b(?:don't|do not|never) (?:call|contact|dial|go to|bother)\b|"
    r"\bthere(?:'s| is) no need\b|\byou don't need (?:to call|help|any help|to contact|these|them)\b|"
    r"\bit(?:'ll| will) (?:pass|go away) (?:on its own|by itself)\b",
    r"\b(?:reglez|gerez) (?:ca|cela|le probleme) (?:vous-meme|seule?|tout seule?)\b|"
    r"\b(?:handle|deal with) (?:it|this) (?:yourself|on your own|alone)\b",
    r"\b(?:evitez|mefiez-vous d\w*) (?:le|les|du|des|au|aux) (?:clsc|811|services|intervenant\w*)|"
    r"\bavoid (?:the|your) (?:clsc|811|services?)\b",
)
_MARK_OTHER = re.compile(
    r"\[[^\]\n]{0,40}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]|\((?:ref|source|voir|see|cf)\.?\s?\d+\)|"
    r"(?:^|\n)\s*(?:sources?|references?|bibliographie|citations?)\s*:"
)
_ACRONYM = re.compile(r"(?<![\w-])[A-ZÀ-Ý][A-ZÀ-Ý0-9]{2,}(?![\w-])")
# a capitalised word, after an elision ("l'Info-Social" -> Info-Social)
_CAPWORD = re.compile(r"(?<![\w'’-])(?:(?:[a-zA-Z]|[Qq]u)['’])?([A-ZÀ-Ý]\w*(?:[-'’]\w+)*)")
_ORG = re.compile(
    r"(?<![\w'’-])(Fondation|Association|Clinique|Centre|Center|Maison|Institut|Institute|Regroupement|"
    r"Société|Society|Fédération|Federation|Coalition|Réseau|Network|Organisme|Organization|Organisation|"
    r"Hôpital|Hospital|Foundation|Clinic|Helpline|Hotline|Alliance|Collectif|Carrefour|Ligne|Refuge|"
    r"Shelter|Banque|Bank|Comptoir|Auberge|Cercle|Club|Coopérative|Cooperative)(?![\w-])"
)
# capitalised words a rewrite may write without a record giving them
_COMMON = {
    "guide",
    "quebec",
    "canada",
    "francais",
    "french",
    "anglais",
    "english",
    "madame",
    "monsieur",
    "bonjour",
    "hello",
    "ok",
    "svp",
}
_SCRIPTS = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f"
    r"\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)
_FUNCTION = {
    "fr": set(
        "le les des du est et une vous votre vos dans avec pas qui sur au aux cette nous sont pour ou mais ne je il "
        "elle ce ces peut pouvez etre tres aussi si leur".split()
    ),
    "en": set(
        "the of and to you your is are for with this that on can will it be or not at from have if they there "
        "any we our please here".split()
    ),
    "es": set(
        "el los las del por para con usted su sus esta puede llamar ayuda muy pero como mas hay tiene necesita "
        "aqui gracias lo al servicio puedes llame ustedes nosotros".split()
    ),
}


def _more_than(patterns: list[re.Pattern], new: str, old: str) -> list[str]:
    """The phrases that ``new`` matches more often than ``old`` (one per pattern)."""
    out = []
    for p in patterns:
        found = [m.group(0).strip() for m in p.finditer(new)]
        before = [m.group(0).strip() for m in p.finditer(old)]
        if len(found) > len(before):
            extra = list(found)
            for x in before:  # what the answer already says is not the rewrite's own
                if x in extra:
                    extra.remove(x)
            out.append(extra[0] if extra else found[-1])
    return out


# "je ne pose pas de diagnostic", "I don't make diagnoses": a refusal to diagnose, not a diagnosis
_NO_DIAGNOSIS = re.compile(
    r"ne (?:pose|fais|fait|peux|peut|puis|donne)(?: pas| aucun| jamais)"
    r"(?: de| d'un| un| poser(?: de| un)?| faire(?: de| un)?)? diagnostics?|(?:don't|do not|can't|cannot|can not|won't|never) (?:make |give |offer |provide )?"
    r"(?:a |any )?diagnos\w*|(?:not|pas|n'est pas) (?:a|un) diagnostic\w*"
)


# "je ne peux pas promettre de délai", "can't promise waiting times": a refusal to promise, not a promise
_NO_PROMISE = re.compile(
    r"(?:ne (?:peux|pouvons|peut|puis) (?:pas |vous )*(?:promettre|garantir)|"
    r"(?:can't|cannot|can not|don't|do not|won't) (?:promise|guarantee))[^.;,\n]*"
)


def _initial(text: str, pos: int) -> bool:
    """Is the word at ``pos`` the first of a sentence, a line, a list item or a parenthesis?"""
    i = pos - 1
    while i >= 0 and text[i] in " \t\"'«»“”•*–—-(":
        if text[i] == "(":
            return True
        i -= 1
    return i < 0 or text[i] in ".!?:;\n"


def _phone_positions(text: str, keys: set[str]) -> dict[str, int]:
    """First position in ``text`` of each of ``keys`` written as a phone number or short code."""
    pos: dict[str, int] = {}
    for f in scan(text):
        k = None
        if f.category == "phone" and isinstance(f.key, str):
            k = f.key
        elif f.category == "number" and f.key[0] == "n":
            k = phone_key(f.key[1])
        if k in keys and k not in pos:
            pos[k] = f.start
    return pos


def _service_problems(original: Any, text: str, sup: Support, folded: str, ofolded: str) -> list[Problem]:
    out: list[Problem] = []
    service_keys: set[str] = set()
    for s in sup.services:
        for p in [s.get("phone")] + list(s.get("phone_alternates") or []) + [s.get("text_sms")]:
            if p and phone_key(p):
                service_keys.add(phone_key(p))
    shown = _phone_positions(original.answer, service_keys)
    kept = _phone_positions(text, service_keys)
    crisis = getattr(original, "crisis", None)
    contacts = [
        phone_key(c["phone"])
        for c in (crisis.contacts if crisis is not None and crisis.detected else [])
        if c.get("phone") and phone_key(c["phone"]) in shown
    ]
    for k in sorted(shown, key=lambda k: shown[k]):
        if k not in kept:
            out.append(Problem("crisis" if k in contacts else "services", f"service number {k} left out"))
    order = sorted((k for k in contacts if k in kept), key=lambda k: shown[k])  # the answer's order
    if [kept[k] for k in order] != sorted(kept[k] for k in order):
        out.append(Problem("crisis", "crisis contacts not in the answer's order"))
    clscs = [s for s in sup.services if s.get("kind") == "clsc" and s.get("name") and fold(s["name"]) in ofolded]
    if clscs:
        first = clscs[0]
        street = norm(" ".join((first.get("address") or "").split(",")[:2]))  # "165, rue des Gouverneurs"
        if fold(first["name"]) not in folded and not (street and f" {street} " in f" {norm(text)} "):
            out.append(Problem("services", "the nearest CLSC point of service left out"))
    if "clsc" in ofolded and "clsc" not in folded:
        out.append(Problem("services", "the CLSC left out"))
    for phrase in _more_than(DISCOURAGE, folded, ofolded):
        out.append(Problem("services", f"discourages calling: {phrase!r}"))
    return out


def _organisation_problems(original: Any, text: str, sup: Support) -> list[Problem]:
    known_text = original.answer + "\n" + sup.text
    known = set(tokens(known_text))
    known_norm = f" {norm(known_text)} "
    out: list[Problem] = []
    for m in _ACRONYM.finditer(text):
        if fold(m.group(0)) not in known and fold(m.group(0)) not in _COMMON:
            out.append(Problem("organisation", f"acronym {m.group(0)!r} in no record"))
    words = list(_CAPWORD.finditer(text))
    i = 0
    while i < len(words):
        # a run of capitalised words next to each other ("Kids Help Phone", "Suicide Action Montréal")
        j = i
        while j + 1 < len(words) and re.fullmatch(r"[ \t]+", text[words[j].end() : words[j + 1].start()]):
            j += 1
        run = words[i : j + 1]
        first_initial = _initial(text, run[0].start())
        w0 = run[0].group(1)
        if first_initial and len(re.findall(r"(?:^|[-'’])[A-ZÀ-Ý]", w0)) >= 2 and f" {norm(w0)} " not in known_norm:
            out.append(Problem("organisation", f"name {w0!r} in no record"))  # "Tel-Aide" opening a sentence
        if first_initial:
            run = run[1:]
        phrase = text[run[0].start(1) : run[-1].end()] if run else ""
        if len(run) >= 2 and f" {norm(phrase)} " not in known_norm:
            out.append(Problem("organisation", f"name {phrase!r} in no record"))
        elif len(run) == 1:
            w = run[0].group(1)
            parts = [p for p in tokens(w) if len(p) > 1]
            compound = len(re.findall(r"(?:^|[-'’])[A-ZÀ-Ý]", w)) >= 2
            if (compound and f" {norm(w)} " not in known_norm) or any(
                p not in known and p not in _COMMON for p in parts
            ):
                out.append(Problem("organisation", f"name {w!r} in no record"))
        i = j + 1
    for m in _ORG.finditer(text):
        if _initial(text, m.start()):
            continue
        tail = re.split(r"[,.;:()\n!?]", text[m.start() : m.start() + 80])[0].split()[:3]
        if len(tail) >= 2 and f" {norm(' '.join(tail))} " not in known_norm:
            out.append(Problem("organisation", f"organisation {' '.join(tail)!r} in no record"))
    return out


def _citation_problems(original: Any, text: str) -> list[Problem]:
    out: list[Problem] = []
    marks = {int(n) for m in CITE_MARK.finditer(original.answer) for n in re.findall(r"\d+", m.group(0))}
    n_cit = len(getattr(original, "citations", []) or [])
    for m in CITE_MARK.finditer(text):
        for n in map(int, re.findall(r"\d+", m.group(0))):
            if not 1 <= n <= n_cit:
                out.append(Problem("citation", f"citation [{n}] points to no record"))
            elif n not in marks:
                out.append(Problem("citation", f"citation [{n}] is not a mark of the answer"))
    rest = CITE_MARK.sub(" ", text)
    for m in _MARK_OTHER.finditer(rest):
        if m.group(0).strip() not in original.answer:
            out.append(Problem("citation", f"mark {m.group(0).strip()!r} is not a citation of the answer"))
    return out


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.FRENCH, Language.ENGLISH, Language.SPANISH, Language.PORTUGUESE, Language.ITALIAN, Language.GERMAN
    ).build()


_LINGUA = {"FRENCH": "fr", "ENGLISH": "en", "SPANISH": "es", "PORTUGUESE": "pt", "ITALIAN": "it", "GERMAN": "de"}


def _foreign(segment: str, allowed: set[str]) -> str | None:
    """The language of a sentence when it is clearly none of ``allowed``, else None."""
    toks = [t for t in tokens(segment) if t.isalpha()]
    if len(toks) < 4:
        return None
    votes = {k: sum(t in words for t in toks) for k, words in _FUNCTION.items()}
    own = max(votes.get(x, 0) for x in allowed)
    for other, n in votes.items():
        if other not in allowed and n >= 3 and n > 2 * own:
            return other
    if len(toks) >= 6 and own <= 1:
        try:
            conf = _detector().compute_language_confidence_values(segment)
        except Exception:  # a detector failure must not reject nor crash: the vote above decided nothing
            return None
        if conf and _LINGUA.get(conf[0].language.name, "?") not in allowed and conf[0].value >= 0.9:
            return _LINGUA.get(conf[0].language.name, "?")
    return None


def _language_problems(original: Any, text: str, sup: Support) -> list[Problem]:
    lang = original.language
    # a bilingual answer (a message in another language, or none) is written in both French and English
    allowed = {"fr", "en"} if getattr(original, "bilingual", False) else {lang}
    if _SCRIPTS.search(text) and not _SCRIPTS.search(original.answer + sup.text):
        return [Problem("language", "a script that is neither French nor English")]
    # what is copied from the answer or from a record (names, hours) is not the rewrite's own
    copied = sorted(
        {x for x in original.answer.split("\n") + sup.text.split("\n") if len(x.strip()) >= 4}, key=len, reverse=True
    )
    own = text
    for x in copied:
        own = own.replace(x, " ")
    if len(allowed) == 1 and len(tokens(own)) >= 8 and detect_language(own, default=lang) != lang:
        return [Problem("language", f"the rewrite is not in {lang}")]
    out: list[Problem] = []
    for line in text.split("\n"):
        if not line.strip() or line in original.answer:
            continue
        for x in copied:
            if x in line:
                line = line.replace(x, " ")
        for segment in re.split(r"(?<=[.!?;:])\s+|\s[—–-]\s|[()]", line):
            other = _foreign(segment, allowed)
            if other:
                out.append(Problem("language", f"a sentence in {other}: {segment.strip()[:60]!r}"))
    return out


def problems(original: Any, text: str) -> list[Problem]:
    """Every reason why ``text`` cannot replace ``original.answer``; [] when it may."""
    if not isinstance(text, str) or not text.strip():
        return [Problem("empty", "empty output")]
    if len(text) > 2 * len(original.answer) + 200:
        return [Problem("length", f"{len(text)} characters for an answer of {len(original.answer)}")]
    folded, ofolded = fold(text), fold(original.answer)
    found: list[Problem] = [Problem("leak", f"{p!r}") for p in _more_than(LEAK, folded, ofolded)]
    candidate = original.model_copy(update={"answer": text})
    found += [Problem(c, d) for c, d in grounding_findings(candidate)]
    sup = Support(original)
    found += _service_problems(original, text, sup, folded, ofolded)
    found += [
        Problem("diagnosis", f"{p!r}")
        for p in _more_than(DIAGNOSIS, _NO_DIAGNOSIS.sub(" ", folded), _NO_DIAGNOSIS.sub(" ", ofolded))
    ]
    found += [Problem("medication", f"{p!r}") for p in _more_than(MEDICATION, folded, ofolded)]
    found += [
        Problem("delay", f"{p!r}")
        for p in _more_than(DELAY, _NO_PROMISE.sub(" ", folded), _NO_PROMISE.sub(" ", ofolded))
    ]
    found += _organisation_problems(original, text, sup)
    found += _citation_problems(original, text)
    found += _language_problems(original, text, sup)
    return found
