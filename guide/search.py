"""Hybrid search: vector (Chroma) + BM25, fused by reciprocal-rank fusion.

Exposed both as a plain function (``search``) and as a LangChain retriever
(``HybridRetriever``) so that the conversation engine and the evaluation baseline use the same
plumbing. Only BM25 hits with a positive score take part in the fusion.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import BaseModel, ConfigDict

from guide.index import Index

Mode = Literal["hybrid", "vector", "bm25"]
KIND_CHOICES = ("declaration", "right", "helpline", "service", "all")
# "all" means the knowledge passages (declaration, rights, lines); the CLSC points of service are
# indexed too but searched with kind="service" (or located with ``guide services near``).
PASSAGE_KINDS = ("declaration", "right", "helpline")


class QueryError(ValueError):
    """A query Guide cannot search, with a kind bilingual message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Passage(BaseModel):
    """A ranked passage: the contract of ``guide search --json`` and ``GET /v1/search``."""

    id: str
    kind: str
    title: str
    reference: str
    text: str
    score: float
    source: dict


class Hit(Passage):
    """A passage with how it was found (ranks in each retriever) and its record's metadata."""

    rank_vector: int | None = None
    rank_bm25: int | None = None
    metadata: dict = {}


class CleanQuery(BaseModel):
    model_config = ConfigDict(frozen=True)
    text: str
    truncated: bool = False
    notice: str | None = None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_query(raw: str | bytes, max_chars: int = 2000) -> CleanQuery:
    """Make any input searchable or refuse it with a clear message (never an exception elsewhere)."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    text = unicodedata.normalize("NFC", raw or "")
    text = _CONTROL.sub(" ", text).replace("\ufffd", " ")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise QueryError("empty_query", "Écrivez quelques mots pour chercher. / Please type a few words to search.")
    if not re.search(r"\w", text):
        raise QueryError("no_words", "Je n'ai trouvé aucun mot dans votre recherche. / Your search has no words in it.")
    letters = sum(ch.isalpha() for ch in text)
    if letters < max(1, len(text) // 10):
        raise QueryError(
            "unreadable_query",
            "Je n'arrive pas à lire ce texte. Écrivez votre question en mots. / "
            "I cannot read this text. Please write your question in words.",
        )
    if len(text) > max_chars:
        return CleanQuery(
            text=text[:max_chars],
            truncated=True,
            notice=f"Recherche raccourcie à {max_chars} caractères. / Search cut to {max_chars} characters.",
        )
    return CleanQuery(text=text)


def _rrf(rankings: list[list[str]], k: int) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, rid in enumerate(ranking, 1):
            fused[rid] = fused.get(rid, 0.0) + 1.0 / (k + rank)
    return fused


def search(
    index: Index, query: str, kind: str = "all", limit: int = 5, mode: Mode = "hybrid", depth: int = 30
) -> list[Hit]:
    """Ranked passages for ``query`` (already cleaned). ``depth``: candidates taken from each retriever."""
    if kind not in KIND_CHOICES:
        raise QueryError("invalid_kind", f"Type inconnu / unknown kind: {kind!r} ({', '.join(KIND_CHOICES)})")
    limit = max(1, min(limit, index.settings.search_limit_max))
    kinds = PASSAGE_KINDS if kind == "all" else (kind,)
    ids_ok = {r.id for r in index.records if r.kind in kinds}

    vec_rank: list[str] = []
    if mode in ("hybrid", "vector"):
        where = {"kind": {"$in": list(kinds)}} if len(kinds) > 1 else {"kind": kind}
        n = min(depth, len(index.records))
        # langchain-chroma annotates `filter` as dict[str, str]; Chroma's where filter also takes operators ($in)
        for doc, _dist in index.store.similarity_search_with_score(query, k=n, filter=where):  # type: ignore[arg-type]
            if doc.id in index.by_id:
                vec_rank.append(doc.id)

    bm_rank: list[str] = []
    if mode in ("hybrid", "bm25"):
        scores = index.lexical.scores(query)
        order = scores.argsort()[::-1]
        for i in order[: depth * 3]:
            if scores[i] <= 0:
                break  # only positive BM25 hits take part
            rid = index.lexical.ids[i]
            if rid in ids_ok:
                bm_rank.append(rid)
            if len(bm_rank) >= depth:
                break

    rankings = [r for r in (vec_rank, bm_rank) if r]
    fused = _rrf(rankings, index.settings.rrf_k)
    top = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    vpos = {rid: i + 1 for i, rid in enumerate(vec_rank)}
    bpos = {rid: i + 1 for i, rid in enumerate(bm_rank)}
    hits = []
    for rid, score in top:
        r = index.by_id[rid]
        hits.append(
            Hit(
                id=r.id,
                kind=r.kind,
                title=r.title,
                reference=r.reference,
                text=r.text,
                score=round(score, 6),
                source=r.source.model_dump(),
                rank_vector=vpos.get(rid),
                rank_bm25=bpos.get(rid),
                metadata=r.metadata,
            )
        )
    return hits


class HybridRetriever(BaseRetriever):
    """LangChain retriever over Guide's hybrid search."""

    index: Index
    kind: str = "all"
    k: int = 5
    mode: Mode = "hybrid"

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = search(self.index, query, kind=self.kind, limit=self.k, mode=self.mode)
        return [
            Document(
                id=h.id,
                page_content=h.text,
                metadata={"id": h.id, "kind": h.kind, "title": h.title, "reference": h.reference, "score": h.score},
            )
            for h in hits
        ]
