"""Who the message is about and who writes it.

``is_young(text)``: cues that the writer is under 18 (an age, school, "mes parents…"), from
``corpus/taxonomy/whom.yaml``. Matched on the folded message; nothing is kept.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from guide.text import fold
from guide.yamlio import load_yaml

WHOM_FILE = "taxonomy/whom.yaml"
_REL_FR = (
    r"mere|pere|maman|papa|fils|fille|gars|garcon|enfant|enfants|ado|soeur|frere|ami|amie|chum|blonde|conjoint|conjointe|"
    r"voisin|voisine|grand mere|grand pere|grand-mere|grand-pere|grandmere|grandpere|parents|oncle|tante|"
    r"neveu|niece|cousin|cousine|collegue|coloc|eleve|eleves|patient|patiente"
)
_REL_EN = (
    r"mom|mother|dad|father|son|daughter|kid|kids|child|children|sister|brother|friend|partner|"
    r"neighbou?r|grandma|grandmother|grandpa|grandfather|parents|uncle|aunt|nephew|niece|cousin|"
    r"coworker|roommate|student|students|teen|teenager|husband|wife|boyfriend|girlfriend"
)
_ADJ = r"(?:(?:meilleur|meilleure|grand|grande|petit|petite|vieux|vieille|best|older|younger|little|big|old|elderly|teenage|adult|\d+ year old) )?"
_FOR_OTHER = re.compile(
    rf"\b(?:ma|mon|mes|notre|nos|sa|son|ses) {_ADJ}(?:{_REL_FR})\b"
    rf"|\b(?:my|our) {_ADJ}(?:{_REL_EN})\b"
    rf"|\b(?:one of the|one of my|the) (?:kids|children|students|residents)\b"
    rf"|\b(?:un des|une des|un de mes|une de mes) (?:enfants|eleves|residents|jeunes)\b"
)
_FIRST_PERSON = re.compile(r"\b(je|j|jai|chu|chus|jsuis|je me|i|i m|im|i am|i ve|ive)\b")
_FOR_SOMEONE = re.compile(
    r"\b(inquiet|inquiete|peur pour|pour (ma|mon|mes|notre|nos)|aider (ma|mon|mes)|l aider|worried|worry|scared for|for (my|our)|help (my|her|him|them)|how can i help)\b"
)
# the writer's own loss ("ma mère est décédée") or a relative acting on the writer ("mes parents m'ont
# mis dehors", "my dad hits me"): the message is about the writer
_GRIEF = re.compile(
    r"\b(decede|decedee|deces|mort|morte|morts|partie|parti|perdu|perte|funerailles|enterrement|"
    r"died|passed away|passed|lost|loss|funeral|dead)\b"
)
_ACTS_ON_ME = re.compile(r"^(?:\w+ ){0,3}?(?:m|me|moi|me)\b|^(?:\w+ ){1,3}?(?:me|my)\b")
# what happens to the partner themself (a drug taken, not breathing, drinking, wanting to die)
_ABOUT_THEM = re.compile(
    r"\b(a pris|a avale|respire|repond (pu|plus|pas)|boit|consomme|veut mourir|veut se tuer|"
    r"va sauter|va se tuer|s est|est en crise|took|swallowed|drinks|is drinking|isn t breathing|"
    r"not breathing|wants to die|is going to (jump|kill himself|kill herself)|overdos\w*)\b"
)
_PARTNER = re.compile(r"\b(chum|blonde|conjoint|conjointe|partner|husband|wife|boyfriend|girlfriend)\b")


@lru_cache(maxsize=4)
def _patterns(corpus_dir: Path) -> dict[str, list[re.Pattern]]:
    data = load_yaml((Path(corpus_dir) / WHOM_FILE).read_text(encoding="utf-8")) or {}
    return {k: [re.compile(p) for p in v] for k, v in data.items() if isinstance(v, list)}


def folded(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", fold(text).replace("’", " ").replace("'", " ")).split())


def is_young(text: str, corpus_dir: Path) -> bool:
    t = folded(text)
    pats = _patterns(Path(corpus_dir))
    if any(p.search(t) for p in pats.get("young", [])):
        return True
    return for_whom(text) != "other" and any(p.search(t) for p in pats.get("young_if_self", []))


def is_casual(text: str, corpus_dir: Path) -> bool:
    """Two or more marks of casual Québec French, or of "tu" said to Guide (``whom.yaml``, ``casual``)."""
    t = folded(text)
    return sum(1 for p in _patterns(Path(corpus_dir)).get("casual", []) if p.search(t)) >= 2


def for_whom(text: str) -> str | None:
    """ "other" when the message is about someone else ("my son is...", "worried for my mother"),
    "self" when it is about the writer, None when it says nothing either way."""
    t = folded(text)
    rel = _FOR_OTHER.search(t)
    me = _FIRST_PERSON.search(t)
    partner = rel is not None and _PARTNER.search(rel.group(0))
    if rel is None:
        # nobody else named: about the writer when they speak of themselves; else it says nothing
        # either way ("merci", "Sherbrooke", "is it free?": a conversation keeps what it knew)
        return "self" if me is not None else None
    worried = _FOR_SOMEONE.search(t)
    after = t[rel.end() :].strip()
    if not worried and (
        _GRIEF.search(after[:30])
        or _GRIEF.search(t[max(0, rel.start() - 25) : rel.start()])
        or _ACTS_ON_ME.search(after)
    ):
        return "self"  # grieving one's own parent; a parent who throws the writer out
    if partner and _ABOUT_THEM.search(after):
        return "other"  # "mon chum a pris du fent, y respire pu": the partner is the one in danger
    if worried or (not partner and (me is None or rel.start() < me.start())):
        return "other"
    return "self"
