"""Crisis triage: every message is checked for danger before anything else.

Method (measurable, see ``guide evaluate``): rules first, then similarity.
1. The message is folded (lower case, no accents) and Québec forms are normalised.
2. Figures of speech ("morte de fatigue", "this job is killing me") are masked out.
3. Each crisis kind's patterns are matched. A request for information (a number for a poster,
   statistics for a school project, a question about rights) cancels a match unless the person
   also speaks of themselves.
4. If no rule fired, the message is compared with labelled crisis examples and trap examples
   (multilingual sentence embeddings): it fires when its nearest crisis example is close and
   closer than any trap.

Recall matters more than precision: when in doubt between two kinds, all are kept, the most
urgent first. The patterns and examples live in ``corpus/taxonomy/crisis.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from guide.text import QC_FORMS, fold

CRISIS_FILE = "taxonomy/crisis.yaml"
# Most urgent first: when several kinds fire, the answer opens with the first one's contacts.
PRIORITY = ("immediate_danger", "poisoning_overdose", "suicide", "self_harm", "child_at_risk", "domestic_violence",
            "sexual_violence", "elder_mistreatment")
SIMILARITY_FLOOR = 0.70  # cosine with the nearest crisis example (USE); tuned on the examples, not the test set


@dataclass
class Triage:
    detected: bool
    kind: str | None = None
    kinds: list[str] = field(default_factory=list)
    method: str | None = None  # "rule" | "similarity"
    score: float = 0.0


@dataclass
class CrisisKind:
    id: str
    label_fr: str
    label_en: str
    contacts: list[str]
    need: str
    patterns: list[re.Pattern]
    combos: list[list[re.Pattern]]  # fires when every pattern of one combo matches somewhere
    examples: list[str]

    def fires(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns) or \
            any(all(p.search(text) for p in combo) for combo in self.combos)


@dataclass
class CrisisModel:
    kinds: dict[str, CrisisKind]
    masks: list[re.Pattern]
    information: list[re.Pattern]
    first_person: list[re.Pattern]
    traps: list[str]


def normalise(text: str) -> str:
    """Folded text with punctuation as spaces and Québec forms mapped (``jai`` -> ``ai``)."""
    t = re.sub(r"[^a-z0-9 ]+", " ", fold(text).replace("’", " ").replace("'", " "))
    words = t.split()
    base = " ".join(words)
    mapped = " ".join(QC_FORMS.get(w, w) for w in words)
    return base if mapped == base else f"{base} | {mapped}"


@lru_cache(maxsize=4)
def load_model(corpus_dir: Path) -> CrisisModel:
    data = yaml.safe_load((corpus_dir / CRISIS_FILE).read_text(encoding="utf-8"))
    kinds = {
        kid: CrisisKind(id=kid, label_fr=k["label_fr"], label_en=k["label_en"], contacts=list(k["contacts"]),
                        need=k.get("need", ""), patterns=[re.compile(p) for p in k.get("patterns", [])],
                        combos=[[re.compile(p) for p in combo] for combo in k.get("combos", [])],
                        examples=list(k.get("examples", [])))
        for kid, k in data["kinds"].items()
    }
    return CrisisModel(
        kinds=kinds,
        masks=[re.compile(p) for p in data.get("masks", [])],
        information=[re.compile(p) for p in data.get("information", [])],
        first_person=[re.compile(p) for p in data.get("first_person", [])],
        traps=list(data.get("traps", [])),
    )


class Triager:
    """Crisis detection with an optional embedding model for the similarity step."""

    def __init__(self, corpus_dir: Path, embeddings=None):
        self.model = load_model(corpus_dir)
        self.embeddings = embeddings
        self._ex_vecs: np.ndarray | None = None
        self._ex_kinds: list[str] = []
        self._trap_vecs: np.ndarray | None = None

    def _vectors(self):
        if self._ex_vecs is None and self.embeddings is not None:
            texts, kinds = [], []
            for k in self.model.kinds.values():
                texts += k.examples
                kinds += [k.id] * len(k.examples)
            self._ex_vecs = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
            self._ex_kinds = kinds
            self._trap_vecs = np.asarray(self.embeddings.embed_documents(self.model.traps), dtype=np.float32)
        return self._ex_vecs, self._trap_vecs

    def rules(self, text: str) -> list[str]:
        t = normalise(text)
        for m in self.model.masks:
            t = m.sub(" ", t)
        fired = [k.id for k in self.model.kinds.values() if k.fires(t)]
        if fired and any(p.search(t) for p in self.model.information):
            if not any(p.search(t) for p in self.model.first_person):
                return []
        return fired

    def check(self, text: str) -> Triage:
        fired = self.rules(text)
        if fired:
            kinds = sorted(set(fired), key=PRIORITY.index)
            return Triage(True, kinds[0], kinds, "rule", 1.0)
        ex, traps = self._vectors()
        if ex is None or not len(ex):
            return Triage(False)
        q = np.asarray(self.embeddings.embed_query(text), dtype=np.float32)
        sims = ex @ q
        best = int(sims.argmax())
        trap_best = float((traps @ q).max()) if traps is not None and len(traps) else -1.0
        if sims[best] >= SIMILARITY_FLOOR and sims[best] > trap_best:
            kind = self._ex_kinds[best]
            return Triage(True, kind, [kind], "similarity", round(float(sims[best]), 3))
        return Triage(False, score=round(float(sims[best]), 3))
