"""``GET /v1/services/near``: the points of service and lines near a place (postal code, FSA, town),
the person's CLSC territory first."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from guide.api.errors import ApiError
from guide.api.responses import json_response
from guide.api.schemas import ERRORS, NearReply
from guide.settings import Settings

LOCATION_STATUS = {"unknown_place": 404, "outside_quebec": 422, "invalid_postal_code": 400}


def build(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["directory"])

    @router.get("/v1/services/near", response_model=NearReply, responses=ERRORS)
    async def services_near_route(
        where: str = Query(..., min_length=1, max_length=200, description="Postal code, FSA or town"),
        kind: Literal["all", "clsc", "helpline"] = "all",
        need: str | None = Query(None, max_length=64),
        limit: int = Query(5, ge=1, le=50),
        age: int | None = Query(None, ge=0, le=120),
    ):
        from guide.directory.near import InvalidRequest, services_near
        from guide.geo import resolve

        loc = resolve(where, settings.corpus_dir)
        if loc.error:
            msg = loc.message or {}
            raise ApiError(
                LOCATION_STATUS.get(loc.error, 400),
                loc.error,
                " / ".join(x for x in (msg.get("fr"), msg.get("en")) if x) or loc.error,
            )
        try:
            services = services_near(loc, kind=kind, need=need, limit=limit, age=age, corpus_dir=settings.corpus_dir)
        except InvalidRequest as exc:
            raise ApiError(400, exc.code, f"{exc.message['fr']} / {exc.message['en']}") from None
        # ~1 ms of work: answered on the event loop, serialised directly (the schema documents it)
        return json_response({"location": loc, "services": services})

    return router
