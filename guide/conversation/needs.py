"""Needs: what a message is about, from the needs taxonomy (``corpus/taxonomy/needs.yaml``):
keywords first, then similarity to the taxonomy's example phrasings. ``match`` returns need ids,
best first; ``keyword_needs`` the ones the person's own words name."""

from __future__ import annotations

import numpy as np

from guide.text import QC_FORMS, fold, tokens

NEED_FLOOR = 0.58  # cosine with the nearest example of a need (USE)


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

    def keyword_needs(self, text: str) -> set[str]:
        folded = " " + " ".join(tokens(text)) + " "
        mapped = " " + " ".join(QC_FORMS.get(t, t) for t in tokens(text)) + " "
        return {nid for nid, kws in self._kw.items() if any(f" {k}" in folded or f" {k}" in mapped for k in kws)}
