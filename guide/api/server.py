"""How ``guide serve`` runs the API: logging (``GUIDE_LOG_LEVEL``, the content-free access log),
uvicorn's options (timeouts, header limits, trusted proxies) and an h11 protocol with a deadline on
the request head and JSON 400s for malformed HTTP. See ``guide.api.app`` for the contract."""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from guide.api.errors import error_body
from guide.settings import Settings, get_settings

log = logging.getLogger("guide.api")
access_log = logging.getLogger("guide.access")

# ---------------------------------------------------------------------------------------------
# Logging and server options (used by ``guide serve`` and by create_app)
# ---------------------------------------------------------------------------------------------


def log_level(settings: Settings) -> int:
    level = logging.getLevelName(str(settings.log_level).strip().upper())
    return level if isinstance(level, int) else logging.WARNING


def configure_logging(settings: Settings) -> None:
    """``GUIDE_LOG_LEVEL`` for the ``guide`` loggers; ``guide.access`` at INFO. Adds one stderr
    handler to ``guide`` unless the host already configured logging (root handlers)."""
    guide_log = logging.getLogger("guide")
    guide_log.setLevel(log_level(settings))
    access_log.setLevel(logging.INFO)
    if not logging.getLogger().handlers and not any(getattr(h, "_guide", False) for h in guide_log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler._guide = True  # type: ignore[attr-defined]
        guide_log.addHandler(handler)


def trusted_proxies(settings: Settings) -> list[str]:
    return [p.strip() for p in settings.api_trusted_proxies.split(",") if p.strip()]


def server_options(settings: Settings) -> dict:
    """Keyword arguments for ``uvicorn.run``/``uvicorn.Config``: timeouts, header limits, proxies."""
    proxies = trusted_proxies(settings)
    uv_level = logging.getLevelName(log_level(settings)).lower()
    return {
        "http": GuideH11Protocol,
        "proxy_headers": bool(proxies),  # otherwise uvicorn believes X-Forwarded-For from 127.0.0.1
        "forwarded_allow_ips": proxies or None,
        "server_header": False,
        "timeout_keep_alive": settings.api_keep_alive_s,
        "h11_max_incomplete_event_size": settings.api_max_header_bytes,
        "access_log": False,  # uvicorn's access log has the raw path and query string: ours has neither
        "log_level": uv_level if uv_level in ("critical", "error", "warning", "info", "debug") else "warning",
    }


class GuideH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on the request head and JSON 400s.

    uvicorn arms no timer until a first response is complete, and a keep-alive timer is cancelled
    by the first byte of the next request: a client trickling its headers held a connection for
    ever. Here a request head must be complete ``header_timeout_s`` after the connection opens or
    after the previous response; else 408 in the error shape, and the connection is closed.
    """

    header_timeout_s: float | None = None  # None: GUIDE_API_HEADER_TIMEOUT_S

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _cancel_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        timeout = self.header_timeout_s if self.header_timeout_s is not None else get_settings().api_header_timeout_s
        self._head_timer = self.loop.call_later(timeout, self._head_timeout, self.cycle)

    def _head_timeout(self, cycle_when_armed) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not cycle_when_armed or (self.cycle is not None and not self.cycle.response_complete):
            return  # a request head arrived (or one is being answered): not idle
        body = error_body("request_timeout", "Requête trop lente. / Request took too long.")
        self.transport.write(_raw_response(408, "Request Timeout", body))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """Malformed HTTP (h11 refused it): the error shape instead of uvicorn's plain text."""
        body = error_body("bad_request", "Requête HTTP invalide. / Invalid HTTP request.")
        headers = [(b"content-type", b"application/json"), (b"connection", b"close"), *_SAFE_RAW_HEADERS]
        try:
            self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
            self.transport.write(self.conn.send(h11.Data(data=body)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:  # h11 cannot frame a response in this state: write it raw
            self.transport.write(_raw_response(400, "Bad Request", body))
        self.transport.close()


_SAFE_RAW_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store")]


def _raw_response(status: int, reason: str, body: bytes) -> bytes:
    head = [
        f"HTTP/1.1 {status} {reason}",
        "content-type: application/json",
        f"content-length: {len(body)}",
        "connection: close",
        "x-content-type-options: nosniff",
        "cache-control: no-store",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body
