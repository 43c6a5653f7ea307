"""``guide serve --workers N`` with N > 1: load once, then fork the workers.

gunicorn's arbiter in preload mode is the supervisor. Before it forks, it builds the engine —
embedding model, crisis classifier, gazetteer, directory, taxonomy — warms it with two answers,
builds the application around it, and freezes the garbage collector's view of everything loaded
(``gc.freeze``: the collector would otherwise write to every object's header on its first pass in
each worker and unshare their pages). Each worker is uvicorn (``uvicorn-worker``'s class, with
Guide's protocol and options from ``guide.api.server.server_options``) over the same objects,
copy-on-write: the model weights and tables are in memory once, not once per worker.

Three things are deliberately *not* loaded before the fork: the search index (a Chroma client and
its SQLite handles must not cross a fork; each worker opens its own on its first ``/v1/search``),
the rate-limit storage (the middleware stack is built by each worker on its first request) and the
optional LLM writer (its HTTP connection pool must not be shared: each worker makes its own client
after the fork, in ``post_fork``; the supervisor warms up without it).

Only the default embedding backend (``use``: numpy, no thread runtime) is loaded before the fork,
and only on POSIX: the ``e5`` (OpenMP) and ``st`` (torch, tokenizers) backends start thread pools
that do not survive a fork, so with them ``guide serve`` keeps uvicorn's own workers, each loading
its engine (``supported``).
The index itself is built or refreshed before the supervisor starts, in a child process
(``guide.cli.serve``), so the supervisor does not keep the memory of an index build either.

A worker that dies is replaced by the arbiter, which forks it again from the loaded engine (no
reload). SIGTERM stops gracefully (requests in flight finish within ``graceful_timeout``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import signal
import sys
from typing import Any

from gunicorn.app.base import BaseApplication
from uvicorn_worker import UvicornWorker

from guide.api.server import log_level, server_options
from guide.settings import Settings

log = logging.getLogger("guide.api")


class GuideWorker(UvicornWorker):
    """uvicorn in a forked worker, with Guide's protocol and options (set by ``Prefork``).

    A worker must not outlive its supervisor (killed with SIGKILL, it cannot stop them): on Linux
    the kernel sends the worker SIGTERM when the supervisor dies (``PR_SET_PDEATHSIG``); elsewhere
    the worker notices a new parent at its next heartbeat and stops."""

    CONFIG_KWARGS: dict[str, Any] = {"loop": "auto", "http": "auto"}

    def init_process(self) -> None:
        _die_with_parent()
        if os.getppid() != self.ppid:  # the supervisor died between the fork and the line above
            sys.exit(0)
        super().init_process()

    async def callback_notify(self) -> None:
        if os.getppid() != self.ppid:
            log.warning("supervisor gone: worker %s stops", os.getpid())
            os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's graceful shutdown
            return
        await super().callback_notify()


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the heartbeat check above does it, later
        pass


def supported(settings: Settings) -> bool:
    """Whether the engine can be loaded once and forked (see the module docstring)."""
    return os.name == "posix" and settings.embedding_backend == "use"


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


class Prefork(BaseApplication):
    """The gunicorn application: configuration from Guide's settings, the app loaded once."""

    def __init__(self, settings: Settings, host: str, port: int, workers: int) -> None:
        self.settings = settings
        self.host, self.port, self.workers = host, port, workers
        self.engine: Any = None  # the loaded Engine, once ``load`` ran
        super().__init__()

    def load_config(self) -> None:
        options = server_options(self.settings)
        GuideWorker.CONFIG_KWARGS = {"loop": "auto", **options}
        level = logging.getLevelName(log_level(self.settings)).lower()
        for key, value in {
            "bind": [bind_address(self.host, self.port)],
            "workers": self.workers,
            "worker_class": GuideWorker,
            "preload_app": True,
            "keepalive": self.settings.api_keep_alive_s,
            "graceful_timeout": 20,
            "timeout": 60,  # a worker silent this long (its event loop blocked) is replaced
            "accesslog": None,  # Guide's own access log has no raw path or query string
            "errorlog": "-",
            "loglevel": level if level in ("debug", "info", "warning", "error", "critical") else "warning",
            "proc_name": "guide-api",
            "post_fork": self.post_fork,
        }.items():
            self.cfg.set(key, value)

    def post_fork(self, server, worker) -> None:
        """In each worker, after the fork: its own LLM client (never one shared across processes)."""
        if self.engine is not None:
            from guide.writer import make_chat_model

            self.engine.writer = make_chat_model(self.settings)

    def load(self):
        from guide.api.app import create_app
        from guide.engine import Engine

        engine = Engine(self.settings, open_index=False)
        engine.writer = None  # each worker makes its own client after the fork (post_fork)
        engine.warm_up()
        self.engine = engine
        app = create_app(self.settings, engine=engine)
        gc.collect()
        gc.freeze()  # what is loaded now stays shared with the workers (see the module docstring)
        return app


def run(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve until stopped (SIGINT/SIGTERM)."""
    Prefork(settings, host, port, workers).run()
