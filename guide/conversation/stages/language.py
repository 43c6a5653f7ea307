"""Stage 4, language: the language to answer in. The one asked for; else the conversation's when the
message is only a place or a word or two; else the message's (Québec markers, then Lingua). A
message clearly in another language gets a bilingual answer pointing to 211's interpreters."""

from __future__ import annotations

import re
from functools import lru_cache

from guide.text import QC_FORMS, detect_language, tokens

_OTHER_SCRIPTS = re.compile(
    r"[\u0600-\u06ff\u0590-\u05ff\u4e00-\u9fff\u3040-\u30ff\u0400-\u04ff\u0900-\u097f\uac00-\ud7af]"
)


@lru_cache(maxsize=1)
def _world_detector():
    from lingua import Language, LanguageDetectorBuilder

    langs = [
        Language.FRENCH,
        Language.ENGLISH,
        Language.SPANISH,
        Language.PORTUGUESE,
        Language.ITALIAN,
        Language.GERMAN,
        Language.ARABIC,
        Language.CHINESE,
        Language.RUSSIAN,
        Language.VIETNAMESE,
        Language.TAGALOG,
        Language.PERSIAN,
        Language.HAITIAN_CREOLE if hasattr(Language, "HAITIAN_CREOLE") else Language.DUTCH,
    ]
    # low-accuracy mode (trigram models only): the same verdicts on messages of three words or more,
    # about 16 MB instead of 215 MB per process (measured), and a second less to load
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


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


def choose(text: str, lang: str | None, state_lang: str | None, place_only: bool) -> str:
    if lang in ("fr", "en"):
        return lang
    if place_only and state_lang:
        return state_lang
    if state_lang and len(tokens(text)) <= 2:
        return state_lang
    return detect_language(text, default=state_lang or "fr")


def run(turn, engine) -> None:
    st = turn.state
    turn.language = choose(turn.text, turn.lang_requested, st.language, turn.place_only)
    turn.other_language = (
        bool(turn.text) and not turn.lang_requested and not turn.place_only and is_other_language(turn.text)
    )
    st.language = turn.language  # follow the person; switch when they switch
