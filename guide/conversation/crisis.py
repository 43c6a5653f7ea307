"""The crisis answer: contacts and text for a person in danger, from data files alone.

Contract:
- Needs no vector index, no embedding model, no network: it reads ``corpus/taxonomy/crisis.yaml``
  (which contacts each crisis kind calls for), ``corpus/prose/crisis_answers.yaml`` (labels and
  sentences) and the help lines of the HSDS directory (``corpus/directory``), falling back to the
  help-line records (``corpus/records/helplines.jsonl``) when the directory cannot be read. It is
  loaded first, before anything that can fail, so a crisis is answered whatever else is broken.
- Every contact carries its own label ("Prévention du suicide", "Urgence"), never the crisis
  kind's: 911 is not "Enfant en danger".
- The text is short (at most 80 words): a direct instruction when the danger is present ("Appelez
  le 911 maintenant."), a condition only when it is not; then each line with what it is for; one
  sentence of presence. Hours, sources and verification details live in the cards (``services``).
- A child at risk with no known region gets how to reach the DPJ (no number is invented).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guide.triage import PRIORITY, CrisisModel, load_model, normalise
from guide.yamlio import load_yaml

log = logging.getLogger(__name__)

PROSE_FILE = "prose/crisis_answers.yaml"
EMERGENCY = "line-urgence-9-1-1"
INFO_SOCIAL = "line-info-social-811-option-2"
SUICIDE_LINE = "line-ligne-quebecoise-de-prevention-du-suicide-1-866"
YOUTH_LINE = "line-tel-jeunes"
DPJ_REGIONAL = "dpj-regional"
CRISIS_MAX_WORDS = 80


def _record_as_service(rec: dict[str, Any]) -> dict[str, Any]:
    """A help-line record (``records/helplines.jsonl``) in the shape of a directory service: the
    fallback when the directory cannot be read."""
    m = rec.get("metadata", {})
    src = rec.get("source", {})
    return {
        "id": rec["id"],
        "name": m.get("name_fr") or rec.get("title", ""),
        "name_en": m.get("name_en"),
        "kind": "emergency" if rec["id"] == EMERGENCY else "helpline",
        "phone": m.get("phone"),
        "phone_alternates": list(m.get("phone_alternates") or []),
        "text_sms": m.get("text_sms"),
        "hours": m.get("hours"),
        "needs": list(m.get("needs") or []),
        "source": src.get("name", ""),
        "source_url": src.get("url"),
        "assured_date": m.get("assured_date"),
        "regional": False,
        "no_referral": True,
        "verified": {"phone": bool(m.get("phone_verified")), "hours": bool(m.get("hours_verified"))},
        "address": None,
        "municipality": None,
        "postal_code": None,
        "distance_km": None,
        "rss_code": None,
        "service_areas": [dict(zip(("type", "code"), a.split(":", 1), strict=False)) for a in m.get("areas") or []],
        "superseded_by": m.get("superseded_by"),
    }


def load_lines(corpus_dir: Path) -> list[dict[str, Any]]:
    """Every help line as a service dict: from the directory, else from the help-line records."""
    try:
        from guide.directory.near import as_dict
        from guide.directory.store import directory_path, load_directory

        return [as_dict(e) for e in load_directory(directory_path(corpus_dir)).lines if not e.superseded_by]
    except Exception as exc:  # a damaged or missing directory must not cost a crisis answer
        log.error("crisis contacts: directory unreadable (%s); using the help-line records", type(exc).__name__)
    lines = []
    path = corpus_dir / "records" / "helplines.jsonl"
    try:
        with path.open(encoding="utf-8") as fh:
            for raw in fh:
                try:
                    lines.append(_record_as_service(json.loads(raw)))
                except (ValueError, KeyError):
                    continue  # one damaged line; keep the others
            lines = [s for s in lines if not s.get("superseded_by")]
    except OSError as exc:
        log.error("crisis contacts: help-line records unreadable (%s)", type(exc).__name__)
    return lines


@dataclass
class CrisisText:
    text: str
    contacts: list[dict[str, Any]]
    urgent: bool


class CrisisDesk:
    """Crisis contacts and crisis text. Construct it before anything else; it never needs the index."""

    def __init__(self, corpus_dir: Path):
        self.corpus_dir = Path(corpus_dir)
        self.model: CrisisModel = load_model(self.corpus_dir)
        self.prose = load_yaml((self.corpus_dir / PROSE_FILE).read_text(encoding="utf-8"))
        self.urgent_patterns = [re.compile(p) for p in self.prose.get("urgent", [])]
        self.always_urgent = set(self.prose.get("always_urgent", []))
        self.companions = [
            (c["when"], c["add"], [re.compile(p) for p in c.get("patterns", [])])
            for c in self.prose.get("companions", [])
        ]
        self.lines = load_lines(self.corpus_dir)
        self.by_id = {s["id"]: s for s in self.lines}

    # -- contacts ---------------------------------------------------------------------------------

    def label(self, service: dict[str, Any], lang: str) -> str:
        labels = self.prose["labels"]
        if service["id"] in labels:
            return labels[service["id"]][lang]
        if "child_protection" in (service.get("needs") or []) and service.get("regional"):
            return labels["child_protection"][lang]
        return labels["default"][lang]

    def _codes(self, region: str | None, location: Any = None) -> dict[str, set[str]]:
        from guide.directory.areas import place_codes, region_codes

        try:
            codes = place_codes(location, self.corpus_dir) if location is not None else {}
        except Exception:  # the gazetteer's files unreadable: fall back on the region alone
            codes = {}
        return codes or region_codes(region)

    def line(self, line_id: str, region: str | None = None, location: Any = None) -> dict[str, Any] | None:
        """A line by id, if it serves the person's place (its service areas; the region alone when the
        town is not known). A regional DPJ line of another region is never returned."""
        from guide.directory.areas import serves

        s = self.by_id.get(line_id)
        if s is None:
            return None
        if s.get("service_areas"):
            if not serves(s, self._codes(region, location)):
                return None
        elif s.get("regional") and s.get("rss_code") not in (None, region):
            return None
        return dict(s)

    def group_lines(self, group: str, region: str | None = None, location: Any = None) -> list[dict[str, Any]]:
        """The lines of a group (dpj, 211, caap, commissioner, tal…) offered at the person's place: those
        whose area serves it, a fallback line only where no other line of the group does."""
        from guide.directory.near import offered

        mine = [s for s in self.lines if s.get("line_group") == group]
        return [dict(s) for s in offered(mine, self._codes(region, location))]

    def dpj_lines(self, region: str | None) -> list[dict[str, Any]]:
        """The DPJ lines of a health region (a region without its own number gets the lines its source
        routes it to: Nord-du-Québec → Abitibi-Témiscamingue, Saguenay–Lac-Saint-Jean)."""
        if not region:
            return []
        return [
            dict(s)
            for s in self.lines
            if s.get("regional")
            and region in (s.get("rss_codes") or [s.get("rss_code")])
            and "child_protection" in (s.get("needs") or [])
        ]

    def contacts(
        self, kinds: list[str], region: str | None = None, young: bool = False, lang: str = "fr"
    ) -> list[dict[str, Any]]:
        """The contacts of these crisis kinds (most urgent kind first), each with its own ``label``;
        911 first. A young person's suicide or self-harm also gets the youth line."""
        ids: list[str] = []
        out: list[dict[str, Any]] = []
        for kind in sorted(kinds, key=lambda k: PRIORITY.index(k) if k in PRIORITY else len(PRIORITY)):
            k = self.model.kinds.get(kind)
            if k is None:
                continue
            wanted = list(k.contacts)
            if young and kind in ("self_harm", "suicide") and YOUTH_LINE not in wanted:
                wanted.insert(1, YOUTH_LINE)
                if SUICIDE_LINE not in wanted:
                    wanted.insert(2, SUICIDE_LINE)
            for cid in wanted:
                found = self.dpj_lines(region) if cid == DPJ_REGIONAL else [self.line(cid, region)]
                for c in found:
                    if c and c["id"] not in ids:
                        ids.append(c["id"])
                        c["label"] = self.label(c, lang)
                        out.append(c)
        extra = (self.prose.get("regional_emergency") or {}).get(region or "")
        if extra and any(c["id"] == EMERGENCY for c in out):
            out = [c for c in out if c["id"] not in set(extra.get("drop", []))]
            for cid in extra.get("add", []):  # where 911 does not answer everywhere: lines that do
                c = self.line(cid, region)
                if c and c["id"] not in ids:
                    ids.append(c["id"])
                    c["label"] = self.label(c, lang)
                    out.append(c)
        out.sort(key=lambda c: c["id"] != EMERGENCY)  # 911 first, the rest in the kinds' order
        return out

    def with_companions(self, text: str, kinds: list[str]) -> list[str]:
        """The kinds, plus a companion kind whose lines the message also calls for."""
        t = normalise(text) if text else ""
        out = list(kinds)
        for when, add, pats in self.companions:
            if when in out and add not in out and any(p.search(t) for p in pats):
                out.insert(out.index(when) + 1, add)
        return out

    def urgent(self, text: str, kinds: list[str]) -> bool:
        """True when the danger is present now (direct instruction to call 911)."""
        if any(k in self.always_urgent for k in kinds):
            return True
        t = normalise(text) if text else ""
        return any(p.search(t) for p in self.urgent_patterns)

    # -- text -------------------------------------------------------------------------------------

    def compose(
        self,
        kinds: list[str],
        contacts: list[dict[str, Any]],
        lang: str,
        urgent: bool,
        tu: bool = False,
        for_other: bool = False,
        carried_over: bool = False,
        degraded: bool = False,
        region: str | None = None,
        max_words: int = CRISIS_MAX_WORDS,
    ) -> str:
        """The crisis text (at most ``max_words``, 80 by default): instruction, labelled lines, presence.
        Carried over from an earlier turn, its first line still holds 911. Over the limit, alternate
        numbers go first, then the last lines (never 911, never the first line of the first kind):
        every contact stays in the answer's cards."""
        contacts = list(contacts)
        alternates = True
        while True:
            text = self._compose(
                kinds, contacts, lang, urgent, tu, for_other, carried_over, degraded, region, alternates
            )
            if word_count(text) <= max_words:
                return text
            lines = [c for c in contacts if c["id"] != EMERGENCY]
            # never dropped: the first line, and a child's youth-protection lines of the region
            droppable = [c for c in lines[1:] if not ("child_at_risk" in kinds and self._is_dpj(c))]
            if alternates:
                alternates = False
            elif droppable:
                contacts.remove(droppable[-1])
            else:
                return text

    @staticmethod
    def _is_dpj(c: dict[str, Any]) -> bool:
        return "child_protection" in (c.get("needs") or []) and bool(c.get("regional"))

    def _compose(
        self,
        kinds: list[str],
        contacts: list[dict[str, Any]],
        lang: str,
        urgent: bool,
        tu: bool,
        for_other: bool,
        carried_over: bool,
        degraded: bool,
        region: str | None,
        alternates: bool = True,
    ) -> str:
        from guide.directory.near import display_name

        T = self.prose[lang]
        sfx = "_tu" if tu else ""
        parts: list[str] = []
        emergency = next((c for c in contacts if c["id"] == EMERGENCY), None)
        regional = (self.prose.get("regional_emergency") or {}).get(region or "")
        if carried_over:
            parts.append(
                T["carried_over_911" + sfx].format(phone=emergency.get("phone") or "")
                if emergency
                else T["carried_over"]
            )
        for c in contacts:
            if c["id"] == EMERGENCY:
                if not carried_over:
                    parts.append(T[("call_now" if urgent else "call_if") + sfx].format(phone=c.get("phone") or ""))
                if regional:
                    parts.append(regional[lang].format(phone=c.get("phone") or ""))
                continue
            alts = (c.get("phone_alternates") or []) if alternates else []
            unverified = T["unverified"] if (c.get("verified") and not c["verified"].get("phone", True)) else ""
            # a youth-protection line is named by its label alone (its name repeats it)
            template = T.get("line_unnamed", T["line"]) if self._is_dpj(c) else T["line"]
            parts.append(
                template.format(
                    label=c.get("label") or self.label(c, lang),
                    name=display_name(c, lang),
                    phone=c.get("phone") or "",
                    extra=f" / {alts[0]}" if alts else "",
                    unverified=unverified,
                )
            )
        if "child_at_risk" in kinds and not any(
            "child_protection" in (c.get("needs") or []) and c.get("regional") for c in contacts
        ):
            info = self.by_id.get(INFO_SOCIAL)
            if info:
                parts.append(T["dpj_unknown" + sfx].format(phone=info.get("phone") or ""))
        if not carried_over:
            parts.append(T["presence_tu"] if tu else T["presence_other"] if for_other else T["presence"])
        if degraded:
            parts.append(T["degraded"])
        return "\n".join(parts)

    def info_social(self) -> dict[str, Any] | None:
        s = self.by_id.get(INFO_SOCIAL)
        return dict(s) if s else None


def word_count(text: str) -> int:
    """Words as a reader counts them (a phone number's groups count as one word each)."""
    return len(re.findall(r"[\w'’·-]+", text))
