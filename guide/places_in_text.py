"""Places named inside a message ("je reste à Rimouski", "chu à Jonquière", "H2L 3C3").

``find_place(text, corpus_dir)`` returns a resolved ``Location`` or None. A single ordinary word is
not a place unless a location cue ("à", "in", "near", "jreste à"…) or a capital marks it.
"""

from __future__ import annotations

import re
from pathlib import Path

from guide.text import fold

_LOCATION_CUES = r"(?:a|à|au|aux|en|dans|de|pres de|près de|in|at|near|from|around|habite|reste|vis|live|living)"


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


