"""Needs: what a message is about, from the needs taxonomy (``corpus/taxonomy/needs.yaml``):
keywords first, then similarity to the taxonomy's example phrasings. ``match`` returns need ids,
best first; ``keyword_needs`` the ones the person's own words name."""

from __future__ import annotations

import numpy as np

from guide.text import QC_FORMS, fold, tokens

NEED_FLOOR = 0.58  # former threshold (kept for compatibility of imports)
KEEP_FLOOR = 0.40  # cosine with the nearest example of a need (USE) for the need to be kept
CONFIDENT_FLOOR = 0.50  # ... for the answer to name the situation from it
KEYWORD_BOOST = 0.5
WEAK_WEIGHT = 0.25


class NeedMatcher:
    """Keywords of the taxonomy, then similarity to its example phrasings."""

    def __init__(self, needs, embeddings=None, weak_keywords: frozenset[str] = frozenset()):
        self.needs = needs
        self.weak = weak_keywords
        self.embeddings = embeddings
        self._vecs: np.ndarray | None = None
        self._owner: list[str] = []
        self._groups: list[str] = []  # the needs that have examples, in the order of their rows
        self._starts = np.zeros(0, dtype=np.intp)  # first row of each of them in ``_vecs``
        self._kw = {n.id: [fold(k).strip() for k in (n.keywords_fr + n.keywords_en) if k.strip()] for n in needs}
        # each keyword with its leading space and weight, computed once (the loop runs per message)
        self._kw_checks = {
            nid: [(f" {k}", WEAK_WEIGHT if k in self.weak else 1.0, k in self.weak) for k in kws]
            for nid, kws in self._kw.items()
        }

    def _examples(self) -> np.ndarray | None:
        if self._vecs is None and self.embeddings is not None:
            texts, owner = [], []
            for n in self.needs:
                for ex in n.examples_fr + n.examples_en:
                    texts.append(ex)
                    owner.append(n.id)
            self._vecs = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
            self._owner = owner
            starts = [i for i, nid in enumerate(owner) if i == 0 or owner[i - 1] != nid]
            self._groups = [owner[i] for i in starts]
            self._starts = np.asarray(starts, dtype=np.intp)
        return self._vecs

    def scored(self, text: str, limit: int = 3) -> list[tuple[str, float, bool]]:
        """(need id, score, confident), best first. Similarity to the taxonomy's example phrasings
        leads (3 x the best cosine); keyword hits add a little (0.5 each, at most 2; a weak keyword
        such as a relative or "money" counts a quarter). A need is kept when its similarity reaches
        0.4 or one of its keywords is in the message; it is *confident* when its similarity reaches
        0.5 or a specific (not weak) keyword is there. Chosen on the development set (top-1 need
        96 -> 117 of 146 non-crisis messages)."""
        folded = " " + " ".join(tokens(text)) + " "
        mapped = " " + " ".join(QC_FORMS.get(t, t) for t in tokens(text)) + " "
        kw: dict[str, float] = {}
        strong: set[str] = set()
        for nid, checks in self._kw_checks.items():
            for spaced, weight, weak in checks:
                if spaced in folded or spaced in mapped:
                    kw[nid] = kw.get(nid, 0.0) + weight
                    if not weak:
                        strong.add(nid)
        best: dict[str, float] = {}
        vecs = self._examples()
        if vecs is not None and len(vecs):
            assert self.embeddings is not None  # vectors exist only with a model
            q = np.asarray(self.embeddings.embed_query(text), dtype=np.float32)
            # the best cosine of each need's examples (its rows are contiguous), in one numpy pass
            tops = np.maximum.reduceat(vecs @ q, self._starts)
            for nid, sim in zip(self._groups, tops.tolist(), strict=True):
                best[nid] = max(best.get(nid, -1.0), sim)
        out = []
        for nid in self._kw:
            sim, hits = best.get(nid, 0.0), kw.get(nid, 0.0)
            if sim >= KEEP_FLOOR or hits > 0:
                out.append((nid, 3 * sim + KEYWORD_BOOST * min(hits, 2.0), sim >= CONFIDENT_FLOOR or nid in strong))
        out.sort(key=lambda x: -x[1])
        return out[:limit]

    def match(self, text: str, limit: int = 3) -> list[str]:
        return [nid for nid, _, _ in self.scored(text, limit)]

    def keyword_needs(self, text: str) -> set[str]:
        folded = " " + " ".join(tokens(text)) + " "
        mapped = " " + " ".join(QC_FORMS.get(t, t) for t in tokens(text)) + " "
        return {nid for nid, kws in self._kw.items() if any(f" {k}" in folded or f" {k}" in mapped for k in kws)}
