"""``GET /v1/needs``: the needs taxonomy (ids, labels, descriptions, lines)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from guide.api.deps import get_engine
from guide.api.schemas import NeedOut
from guide.engine import Engine
from guide.settings import Settings


def build(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["directory"])

    @router.get("/v1/needs", response_model=list[NeedOut])
    def needs_route(engine: Engine = Depends(get_engine)) -> list[dict]:
        return [
            NeedOut(
                id=n.id,
                label_fr=n.label_fr,
                label_en=n.label_en,
                description_fr=n.description_fr,
                description_en=n.description_en,
                lines=n.lines,
            ).model_dump()
            for n in engine.needs.values()
        ]

    return router
