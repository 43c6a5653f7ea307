"""``/healthz``: 200 while the process answers; ``status: "degraded"`` (with the ``reason``) when search
is down (damaged index, Chroma server unreachable, disk full)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from guide.api.deps import get_engine
from guide.api.schemas import Health
from guide.engine import Engine
from guide.settings import Settings


def build(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["ops"])
    corpus_versions: dict[int, tuple[object, str]] = {}  # the corpus hash, once per loaded index

    @router.get("/healthz", response_model=Health)
    def healthz(engine: Engine = Depends(get_engine)) -> Health:
        """200 while the process answers; ``status: "degraded"`` (with the ``reason``) when search is down."""
        from guide.records import corpus_hash

        deferred = bool(getattr(engine, "index_deferred", False))  # opened by the first search: not a fault
        index = engine.index_if_open if hasattr(engine, "index_if_open") else getattr(engine, "index", None)
        error = getattr(engine, "retrieval_error", None)
        reason = error or (None if index is not None or deferred else "index not loaded")
        if index is not None:
            records = list(getattr(index, "records", None) or [])
        else:
            records = list((getattr(engine, "records", None) or {}).values()) if deferred and not error else []
        version = ""
        if records:
            cached = corpus_versions.get(id(index))
            if cached is None or cached[0] is not index:
                cached = corpus_versions[id(index)] = (index, corpus_hash(records))
            version = cached[1]
        return Health(
            status="degraded" if reason else "ok",
            reason=reason,
            index_loaded=index is not None,
            corpus_version=version,
            records=len(records),
            embedding_backend=settings.embedding_backend,
        )

    return router
