"""JSON bodies written by pydantic-core (Rust) rather than ``json.dumps``: the same document
(UTF-8, compact), measured 15 % of a ``/v1/services/near`` request's CPU with the standard library."""

from __future__ import annotations

from typing import Any

import pydantic_core
from fastapi.responses import Response


def json_response(content: Any, status_code: int = 200) -> Response:
    """A JSON response for a pydantic model or plain data (dicts, lists, numbers, strings)."""
    return Response(pydantic_core.to_json(content), status_code=status_code, media_type="application/json")
