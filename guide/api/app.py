"""FastAPI application: ``/v1/chat``, ``/v1/services/near``, ``/v1/search``, ``/v1/needs``, ``/healthz``.

Stateless: the client sends the conversation (and the state the previous reply returned), so any
number of API processes can serve behind a load balancer. Bodies and messages are size-limited,
clients are rate-limited, every error has the shape ``{"error": {"code", "message"}}``, and no
message content is logged (the access log records method, path without query, status, duration).
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from slowapi.util import get_remote_address

from guide import __version__
from guide.api import errors
from guide.api.deps import get_engine
from guide.api.errors import ApiError, error_response
from guide.api.schemas import ChatReply, ChatRequest, ErrorBody, Health, NearReply, NeedOut
from guide.search import Passage
from guide.engine import ConversationState, Engine
from guide.settings import Settings, get_settings

log = logging.getLogger("guide.api")
ERRORS = {400: {"model": ErrorBody}, 404: {"model": ErrorBody}, 413: {"model": ErrorBody},
          422: {"model": ErrorBody}, 429: {"model": ErrorBody}}
LOCATION_STATUS = {"unknown_place": 404, "outside_quebec": 422, "invalid_postal_code": 400}


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "engine", None) is None:
            app.state.engine = Engine(settings)
        app.state.engine.warm_up()  # the first person should not wait for models to load
        yield

    # FastAPIOffline: the /docs and /redoc pages served from the installed package (FastAPI's default
    # pages load their scripts from a CDN, which leaves a blank page offline)
    app = FastAPIOffline(title="Guide API", version=__version__, lifespan=lifespan,
                  description="Orientation to first-line social services in Québec. Every phone number, "
                              "address and article number comes from a sourced corpus record.")
    app.state.engine = engine
    app.state.settings = settings
    errors.install(app)

    limiter = Limiter(key_func=get_remote_address, default_limits=[settings.api_rate_limit],
                      headers_enabled=False, storage_uri="memory://")
    app.state.limiter = limiter

    @app.exception_handler(RateLimitExceeded)
    async def _rate(request: Request, exc: RateLimitExceeded):
        return error_response(429, "rate_limited", "Trop de requêtes, réessayez dans un moment. / "
                                                   "Too many requests, please retry shortly.", {"Retry-After": "60"})

    from slowapi.middleware import SlowAPIASGIMiddleware

    app.add_middleware(SlowAPIASGIMiddleware)
    app.add_middleware(CORSMiddleware, allow_origins=settings.api_cors_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"])

    @app.middleware("http")
    async def limits_and_log(request: Request, call_next):
        t0 = time.perf_counter()
        length = request.headers.get("content-length")
        if length is not None:
            try:
                too_big = int(length) > settings.api_max_body_bytes
            except ValueError:
                return error_response(400, "invalid_request", "Content-Length invalide / invalid Content-Length")
            if too_big:
                return error_response(413, "payload_too_large",
                                      f"Requête trop grande (max {settings.api_max_body_bytes} octets). / "
                                      f"Request too large (max {settings.api_max_body_bytes} bytes).")
        elif request.method == "POST":
            return error_response(411, "length_required", "Content-Length requis. / Content-Length required.")
        response = await call_next(request)
        # path only: a query string can hold what a person typed (a place, a search)
        log.info("%s %s %s %.1fms", request.method, request.url.path, response.status_code,
                 (time.perf_counter() - t0) * 1000)
        return response

    @app.get("/healthz", response_model=Health, tags=["ops"])
    def healthz(engine: Engine = Depends(get_engine)) -> Health:
        from guide.records import corpus_hash

        return Health(status="ok", index_loaded=engine.index is not None,
                      corpus_version=corpus_hash(engine.index.records), records=len(engine.index.records),
                      embedding_backend=settings.embedding_backend)

    @app.post("/v1/chat", response_model=ChatReply, responses=ERRORS, tags=["chat"])
    def chat(req: ChatRequest, engine: Engine = Depends(get_engine)):
        """Answer the last user message of the conversation. Send back ``state`` next time."""
        if not req.messages:
            raise ApiError(422, "no_message", "Envoyez au moins un message. / Send at least one message.")
        if len(req.messages) > settings.api_max_messages:
            raise ApiError(413, "too_many_messages", f"Au plus {settings.api_max_messages} messages. / "
                                                     f"At most {settings.api_max_messages} messages.")
        if any(len(m.content) > settings.api_max_message_chars for m in req.messages):
            raise ApiError(413, "message_too_long", f"Un message dépasse {settings.api_max_message_chars} caractères. / "
                                                    f"A message is longer than {settings.api_max_message_chars} characters.")
        if req.where is not None and len(req.where) > settings.api_max_where_chars:
            raise ApiError(413, "where_too_long", "Lieu trop long. / Place too long.")
        if req.messages[-1].role != "user":
            raise ApiError(422, "last_message_not_user", "Le dernier message doit venir de la personne. / "
                                                         "The last message must be the person's.")
        state = req.state
        users = [m.content for m in req.messages if m.role == "user"]
        if state is None and len(users) > 1:
            # Rebuild what was understood from the earlier messages (deterministic, nothing stored).
            state = ConversationState()
            for earlier in users[:-1]:
                state = engine.ask(earlier, where=req.where, lang=req.lang, state=state).state
        answer = engine.ask(users[-1], where=req.where, lang=req.lang, state=state)
        return JSONResponse(answer.model_dump(mode="json"))

    @app.get("/v1/services/near", response_model=NearReply, responses=ERRORS, tags=["directory"])
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
            raise ApiError(LOCATION_STATUS.get(loc.error, 400), loc.error,
                           " / ".join(x for x in (msg.get("fr"), msg.get("en")) if x) or loc.error)
        try:
            services = services_near(loc, kind=kind, need=need, limit=limit, age=age, corpus_dir=settings.corpus_dir)
        except InvalidRequest as exc:
            raise ApiError(400, exc.code, f"{exc.message['fr']} / {exc.message['en']}") from None
        # ~1 ms of work: answered on the event loop, serialised directly (the schema documents it)
        return JSONResponse({"location": loc.model_dump(mode="json"), "services": services})

    @app.get("/v1/search", response_model=list[Passage], responses=ERRORS, tags=["search"])
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
        return [h.model_dump(exclude={"metadata", "rank_vector", "rank_bm25"})
                for h in search(engine.index, cq.text, kind=kind, limit=limit)]

    @app.get("/v1/needs", response_model=list[NeedOut], tags=["directory"])
    def needs_route(engine: Engine = Depends(get_engine)) -> list[dict]:
        return [NeedOut(id=n.id, label_fr=n.label_fr, label_en=n.label_en, description_fr=n.description_fr,
                        description_en=n.description_en, lines=n.lines).model_dump() for n in engine.needs.values()]

    return app


def app_factory() -> FastAPI:
    """Factory for ``uvicorn --factory guide.api.app:app_factory`` (several workers)."""
    return create_app()
