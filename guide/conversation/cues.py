"""Cues a message holds: which help lines it calls for, which question it asks, which right its
situation calls for. Knowledge lives in ``corpus/taxonomy/cues.yaml``; this module only matches it.

Contract: ``Cues.line_allowed(line_id, text, young)`` is False for a line that needs a cue the
message does not hold (the suicide line without any word of suicide, a youth line for an adult,
the mistreatment line without mistreatment); ``question(text)`` is the first question kind asked
(referral, free, english, file_access, complaint, consent, waiting) or None; ``right(text)`` is the
one right id the situation calls for, or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from guide.text import QC_FORMS, fold
from guide.yamlio import load_yaml

CUES_FILE = "taxonomy/cues.yaml"
# When several rights are cued, the most specific first: refused in English is about English.
RIGHT_PRIORITY = (
    "right-english-services",
    "right-record-access",
    "right-consent",
    "right-complaint-path",
    "right-adequate-services",
    "right-accompaniment",
)


def cue_text(text: str) -> str:
    """Folded words, and the same words with Québec forms normalised ("chu" -> "je suis")."""
    t = " ".join(re.sub(r"[^a-z0-9 ]+", " ", fold(text).replace("’", " ").replace("'", " ")).split())
    mapped = " ".join(QC_FORMS.get(w, w) for w in t.split())
    return t if mapped == t else f"{t} | {mapped}"


@dataclass
class LineRule:
    cues: list[re.Pattern] = field(default_factory=list)
    combos: list[list[re.Pattern]] = field(default_factory=list)  # every pattern of one combo must match
    young: bool = False
    not_young: bool = False
    with_needs: frozenset[str] = frozenset()  # or: one of these needs, and a ``mention``
    mention: list[re.Pattern] = field(default_factory=list)
    self_only: bool = False  # the need + mention path only when the message is about the writer
    never_everyday: bool = False
    unless: list[re.Pattern] = field(default_factory=list)  # words that rule the line out (an adult's age)
    place_rss: frozenset[str] = frozenset()  # or: the person's place is in one of these RSS regions
    place_kinds: frozenset[str] = frozenset()  # or: a place of this gazetteer kind (community)
    offer_on_cue: bool = False  # its own cue brings it, even when no need of the message lists it
    in_crisis: bool = False  # its cue also adds it to a crisis answer (Interligne beside SOS violence conjugale)

    def unless_in(self, text: str) -> bool:
        t = cue_text(text)
        return any(p.search(t) for p in self.unless)


@dataclass
class Cues:
    lines: dict[str, LineRule]
    questions: dict[str, list[re.Pattern]]
    rights: dict[str, list[re.Pattern]]
    weak_need_keywords: frozenset[str] = frozenset()

    def line_allowed(
        self,
        line_id: str,
        text: str,
        young: bool = False,
        needs: list[str] | None = None,
        about_self: bool = True,
        place=None,
    ) -> bool:
        rule = self.lines.get(line_id)
        if rule is None:
            return True
        if rule.never_everyday or (rule.not_young and young):
            return False
        t = cue_text(text)
        if any(p.search(t) for p in rule.unless):
            return False
        if rule.young and young:
            return True
        if self.place_calls(rule, place):
            return True
        if any(p.search(t) for p in rule.cues) or any(all(p.search(t) for p in combo) for combo in rule.combos):
            return True
        if rule.self_only and not about_self:
            return False
        return bool(rule.with_needs & set(needs or [])) and any(p.search(t) for p in rule.mention)

    @staticmethod
    def place_calls(rule: LineRule, place) -> bool:
        """The person's resolved place is one the rule names (a region, or a kind of place)."""
        if place is None or not getattr(place, "ok", False):
            return False
        return (place.rss_code in rule.place_rss) or (place.kind in rule.place_kinds)

    def place_lines(self, place) -> list[str]:
        """Lines that the person's place alone calls for (Hope for Wellness in a Cree or Inuit community)."""
        return [lid for lid, rule in self.lines.items() if self.place_calls(rule, place)]

    def cued_lines(self, text: str) -> list[str]:
        """Lines marked ``offer_on_cue`` whose own cue is in the message (Info-aidant for "Alzheimer")."""
        t = cue_text(text)
        return [
            lid
            for lid, r in self.lines.items()
            if r.offer_on_cue
            and not any(p.search(t) for p in r.unless)
            and (any(p.search(t) for p in r.cues) or any(all(p.search(t) for p in c) for c in r.combos))
        ]

    def crisis_lines(self, text: str) -> list[str]:
        """Lines marked ``in_crisis`` whose own cue is in the message."""
        return [lid for lid in self.cued_lines(text) if self.lines[lid].in_crisis]

    def question(self, text: str) -> str | None:
        t = cue_text(text)
        for kind, pats in self.questions.items():
            if any(p.search(t) for p in pats):
                return kind
        return None

    def right(self, text: str) -> str | None:
        t = cue_text(text)
        hits = [rid for rid, pats in self.rights.items() if any(p.search(t) for p in pats)]
        hits.sort(key=lambda r: RIGHT_PRIORITY.index(r) if r in RIGHT_PRIORITY else len(RIGHT_PRIORITY))
        return hits[0] if hits else None


@lru_cache(maxsize=4)
def load_cues(corpus_dir: Path) -> Cues:
    data = load_yaml((Path(corpus_dir) / CUES_FILE).read_text(encoding="utf-8")) or {}
    lines = {
        lid: LineRule(
            cues=[re.compile(p) for p in (r or {}).get("cues", [])],
            combos=[[re.compile(p) for p in c] for c in (r or {}).get("combos", [])],
            young=bool((r or {}).get("young")),
            with_needs=frozenset((r or {}).get("with_needs") or []),
            mention=[re.compile(p) for p in (r or {}).get("mention", [])],
            self_only=bool((r or {}).get("self_only")),
            not_young=bool((r or {}).get("not_young")),
            never_everyday=bool((r or {}).get("never_everyday")),
            unless=[re.compile(p) for p in (r or {}).get("unless", [])],
            place_rss=frozenset(str(x) for x in ((r or {}).get("places") or {}).get("rss", [])),
            place_kinds=frozenset(((r or {}).get("places") or {}).get("kinds", [])),
            offer_on_cue=bool((r or {}).get("offer_on_cue")),
            in_crisis=bool((r or {}).get("in_crisis")),
        )
        for lid, r in (data.get("lines") or {}).items()
    }
    questions = {k: [re.compile(p) for p in v] for k, v in (data.get("questions") or {}).items()}
    rights = {k: [re.compile(p) for p in v] for k, v in (data.get("rights") or {}).items()}
    weak = frozenset(fold(str(w)).strip() for w in data.get("weak_need_keywords") or [])
    return Cues(lines=lines, questions=questions, rights=rights, weak_need_keywords=weak)
