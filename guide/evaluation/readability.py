"""Readability of answers: a standard score (Flesch reading ease from ``textstat``, with its French
constants — Kandel & Moles — when ``set_lang("fr")``), mean sentence length in words, and length.

Answers are lists as much as prose ("• CLSC …" lines, a line per help line), so each line is a
sentence unless it holds several; numbers with a decimal point and "art." abbreviations are
protected so that they do not count as sentence ends.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from statistics import mean

_SENT_END = re.compile(r"(?<=[.!?…])\s+(?=[\"«(•A-ZÀ-ÖØ-Þ0-9])")
_WORDS = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_LOCK = threading.Lock()  # textstat's language is process-wide state


def sentences(text: str) -> list[str]:
    """Sentences of an answer: each line, split further after . ! ? followed by a capital."""
    out: list[str] = []
    for line in (text or "").split("\n"):
        line = line.strip().lstrip("•").strip()
        if not line:
            continue
        out += [s.strip() for s in _SENT_END.split(line) if _WORDS.search(s)]
    return out


def words(text: str) -> list[str]:
    return _WORDS.findall(text or "")


def _prepared(sents: list[str]) -> str:
    """One sentence per item, each ending with a period, abbreviations and decimals neutralised."""
    fixed = []
    for s in sents:
        s = re.sub(r"(\d)[.,](\d)", r"\1\2", s)
        s = re.sub(r"\b(art|c|p|ss|e\.g|i\.e|ex|av|boul|ch|St|Ste)\.", r"\1", s)
        s = s.replace("…", ".").rstrip(" :;,")
        if not s.endswith((".", "!", "?")):
            s += "."
        fixed.append(s)
    return " ".join(fixed)


def flesch(text: str, lang: str) -> float | None:
    """Flesch reading ease of ``text`` in ``lang`` ("fr" or "en"): higher is easier (0–100 is usual).
    None when ``textstat`` is not installed (the other measures do not need it)."""
    try:
        import textstat
    except ImportError:
        return None

    sents = sentences(text)
    if not sents:
        return None
    with _LOCK:
        textstat.set_lang("fr" if lang == "fr" else "en")
        return float(textstat.flesch_reading_ease(_prepared(sents)))


def measures(text: str, lang: str) -> dict:
    """Readability of one answer."""
    sents = sentences(text)
    n_words = len(words(text))
    return {
        "lang": lang,
        "flesch": flesch(text, lang),
        "sentences": len(sents),
        "words": n_words,
        "chars": len(text or ""),
        "mean_sentence_words": round(n_words / len(sents), 2) if sents else 0.0,
    }


def summarise(rows: Iterable[dict]) -> dict:
    """Mean measures per language: {"fr": {...}, "en": {...}} with n, flesch, sentence length, length."""
    by_lang: dict[str, list[dict]] = {}
    for r in rows:
        if r and r.get("sentences"):
            by_lang.setdefault(r["lang"], []).append(r)
    out = {}
    for lang, group in sorted(by_lang.items()):
        words_ = sorted(r["words"] for r in group)
        scores = [r["flesch"] for r in group if r.get("flesch") is not None]
        out[lang] = {
            "n": len(group),
            "flesch": round(mean(scores), 1) if scores else None,
            "mean_sentence_words": round(mean(r["mean_sentence_words"] for r in group), 1),
            "words_mean": round(mean(words_), 1),
            "words_median": words_[len(words_) // 2],
            "chars_mean": round(mean(r["chars"] for r in group), 1),
        }
    return out
