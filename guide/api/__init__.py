"""HTTP API (FastAPI): a thin face over the engine. ``guide serve`` runs it."""
