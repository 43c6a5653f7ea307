"""Text normalisation for matching: accent folding, tokenising, stemming, language detection.

People write "jai pus le gout de vivre", "separation", "Quebec": everything lexical is matched on
lower-cased, accent-folded, stemmed tokens so that the way a person types does not matter.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[a-z0-9]+")
_APOS = re.compile(r"[’'`´]")

# Function words, accent-folded. Kept short: BM25 handles the rest through IDF.
STOP_FR = set(
    """a au aux avec ce ces cet cette d de des du elle elles en et eux il ils j je la le les leur
    leurs l lui m ma mais me mes moi mon n ne nos notre nous on ou par pas pour qu que qui s sa se
    ses son sur t ta te tes toi ton tu un une vos votre vous y est sont etre ai as avons avez ont
    suis es c ca ici la dans plus tres""".split()
)
STOP_EN = set(
    """a an and are as at be by for from has have he her his i in is it its me my of on or our
    she that the their them they this to was we were what when where which who will with you your
    do does did am been can""".split()
)

# Words that mark a language in short, informal messages (accent-folded), incl. Québec French.
_FR_MARKERS = set(
    """je j jai chu chus pis pu pus mon ma mes est suis cest c pas plus avec pour dans sur une des les
    du de la le et ou mais quoi qui que tu vous nous ils elle elles moi toi aide besoin veux peux
    sais fait fais tres trop rien personne tout toute tous depuis encore chez ma mere pere enfant
    enfants blonde chum travail ecole vivre mourir tuer mal peur seul seule maison logement argent
    ou comment pourquoi quand droit droits plainte services clsc ligne numero aider""".split()
)
_EN_MARKERS = set(
    """i im i'm my me you your the and is are was were to of in on at for with not no dont can't cant
    what how where when why who help need want feel alone anymore anything nobody mom dad child
    kids work school live die kill hurt scared home rent money right rights complaint services line
    number please would could should""".split()
)


def _latin_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0xC0, 0x250):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii():
            table[cp] = base
    table.update({ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("Æ"): "ae"})
    return table


_FOLD = _latin_table()
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower-case and strip accents (é -> e, œ -> oe), keep letters/digits/spaces."""
    if not text.isascii():
        text = text.translate(_FOLD)  # the accented Latin letters of French, fast
        if not text.isascii():
            text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return text.lower()


class _SameLengthFold(dict):
    """A ``str.translate`` table mapping each character to the first character of its fold (a
    space when it folds to nothing), filled on first sight: one C-level pass per text instead of
    one ``fold`` call per character."""

    def __missing__(self, code: int) -> str:
        folded = fold(chr(code))
        self[code] = value = folded[0] if folded else " "
        return value


_SAME_LENGTH = _SameLengthFold()


def fold_same_length(text: str) -> str:
    """Accent-folded, lower-cased, one character per character of ``text`` (spans map back)."""
    return text.translate(_SAME_LENGTH)


def tokens(text: str) -> list[str]:
    """Folded word tokens; apostrophes split ("l'accès" -> "l", "acces")."""
    return _WORD.findall(_APOS.sub(" ", fold(text)))


@lru_cache(maxsize=2)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    # no word cache: the words a person wrote must not stay in memory after the request
    return Stemmer.Stemmer("french" if lang == "fr" else "english", maxCacheSize=0)


# Informal Québec spellings and words, mapped to the forms written documents use (folded).
QC_FORMS = {
    "chu": "suis",
    "chus": "suis",
    "jme": "me",
    "jte": "te",
    "pu": "plus",
    "pus": "plus",
    "jai": "ai",
    "jsuis": "suis",
    "chum": "conjoint",
    "blonde": "conjointe",
    "job": "travail",
    "djobbe": "travail",
    "ado": "adolescent",
    "flo": "enfant",
    "flos": "enfants",
    "boute": "bout",
    "tanne": "epuise",
    "icitte": "ici",
    "pantoute": "pas",
    "char": "voiture",
    "loyer": "logement",
    "appart": "logement",
    "daide": "aide",
    "laide": "aide",
    "dargent": "argent",
    "lecole": "ecole",
    "lhopital": "hopital",
}


def stem_tokens(text: str, lang: str) -> list[str]:
    """Folded, stop-worded, stemmed tokens in one language."""
    toks = [QC_FORMS.get(t, t) for t in tokens(text)]
    # both stop lists apply: texts and queries mix the two languages
    toks = [t for t in toks if t not in STOP_FR and t not in STOP_EN and (len(t) > 1 or t.isdigit())]
    return _stemmer(lang).stemWords(toks)


def analyze(text: str) -> list[str]:
    """Bilingual analysis for the lexical index: French stems plus English stems.

    The corpus mixes French and English (rights and lines carry both), and a query may be in
    either language, so every text is analysed with both stemmers; a token shared by both
    analyses is kept once.
    """
    fr = stem_tokens(text, "fr")
    en = stem_tokens(text, "en")
    seen: set[str] = set()
    out: list[str] = []
    for t in fr + en:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


@lru_cache(maxsize=1)
def _lingua():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()


def detect_language(text: str, default: str = "fr") -> str:
    """Return "fr" or "en" for short, unaccented, misspelt text; ``default`` when unsure.

    A vote of marker words (which know Québec spellings such as "pis", "chu", "jai") decides
    clear cases; the Lingua statistical detector, restricted to French and English and
    running offline, decides the rest.
    """
    toks = tokens(text)
    if not toks:
        return default
    fr = sum(t in _FR_MARKERS for t in toks)
    en = sum(t in _EN_MARKERS for t in toks)
    if any(ch in text for ch in "éèêàçùâîôû"):
        fr += 2
    if fr >= en + 2:
        return "fr"
    if en >= fr + 2:
        return "en"
    try:
        conf = _lingua().compute_language_confidence_values(" ".join(toks))
    except Exception:  # pragma: no cover - lingua failure must not break an answer
        return default
    if not conf:
        return default
    best = conf[0]
    lang = "fr" if best.language.name == "FRENCH" else "en"
    if best.value < 0.6 and fr == en:
        return default
    return lang


def clean_text(raw: str | bytes | None) -> str:
    """Text safe to process, from whatever a client or a terminal sent: bytes decoded leniently,
    lone UTF-16 surrogates (half an emoji from a JavaScript client; invalid UTF-8 on a command line,
    which Python keeps as ``\\udcXX``) replaced, then dropped with the other replacement marks."""
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if any("\ud800" <= ch <= "\udfff" for ch in raw):
        # a valid pair written as two surrogates becomes its character; a lone one becomes U+FFFD
        raw = raw.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        if any("\ud800" <= ch <= "\udfff" for ch in raw):  # pragma: no cover - defensive
            raw = "".join(ch for ch in raw if not "\ud800" <= ch <= "\udfff")
    return raw.replace("\ufffd", " ")
