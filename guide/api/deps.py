"""Dependencies: the process-wide engine (loaded once, warmed up at start-up)."""

from __future__ import annotations

from fastapi import Request

from guide.engine import Engine


async def get_engine(request: Request) -> Engine:
    """Async: FastAPI runs a sync dependency in its thread pool, a hop per request for an attribute read."""
    return request.app.state.engine


def get_app_settings(request: Request):
    """The settings the face that started the process passed to ``create_app``."""
    return request.app.state.settings
