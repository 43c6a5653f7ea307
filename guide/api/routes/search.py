"""``GET /v1/search``: passages of the corpus (declaration, rights, lines, services) for a query;
503 ``search_unavailable`` in degraded mode."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query

from guide.api.deps import get_engine
from guide.api.errors import ApiError
from guide.api.schemas import ERRORS, ErrorBody
from guide.engine import Engine
from guide.search import Passage
from guide.settings import Settings


def build(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["search"])

    @router.get(
        "/v1/search",
        response_model=list[Passage],
        responses={**ERRORS, 503: {"model": ErrorBody, "description": "search is down (degraded mode)"}},
    )
    def search_route(
        q: str = Query(..., max_length=settings.api_max_query_chars),
        kind: Literal["declaration", "right", "helpline", "service", "all"] = "all",
        limit: int = Query(5, ge=1, le=50),
        engine: Engine = Depends(get_engine),
    ) -> list[dict]:
        from guide.search import QueryError, clean_query, search

        try:
            cq = clean_query(q, settings.query_max_chars)
        except QueryError as exc:
            raise ApiError(400, exc.code, exc.message) from None
        if getattr(engine, "retrieval_error", None) or getattr(engine, "index", None) is None:
            raise ApiError(
                503,
                "search_unavailable",
                "La recherche est indisponible pour le moment; réessayez plus tard. / "
                "Search is unavailable at the moment; please try again later.",
                {"Retry-After": "60"},
            )
        return [
            h.model_dump(exclude={"metadata", "rank_vector", "rank_bm25"})
            for h in search(engine.index, cq.text, kind=kind, limit=limit)
        ]

    return router
