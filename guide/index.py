"""The index: Chroma vectors (through langchain-chroma) + a BM25 lexical index, kept in step
with the corpus records.

- Embedded, persistent Chroma under ``index/chroma`` by default; a Chroma server
  (``chromadb.HttpClient``) when ``GUIDE_CHROMA_HOST`` is set. Telemetry is off, and the
  collection is always given Guide's own embeddings, so Chroma never loads its default model.
- One collection per embedding backend, so backends can be compared side by side.
- ``refresh`` is idempotent: each vector carries its record's content hash; unchanged records are
  left alone, changed ones replaced, deleted ones removed. A manifest records the corpus hash and
  the backend so that an unchanged corpus costs one comparison.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma

from guide.embeddings import backend_id, get_embeddings
from guide.records import Record, corpus_hash, load_records
from guide.settings import Settings
from guide.text import analyze

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class RefreshReport:
    backend: str
    corpus_hash: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    skipped: bool = False  # manifest matched: nothing to do

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def forget_clients() -> None:
    """Drop Chroma's per-process client cache: after a failed open, the cached system is half
    started and every later open in the process would fail with an unrelated error."""
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # an older or newer chromadb without this cache: nothing to forget
        pass


def chroma_client(settings: Settings):
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    settings.chroma_path().mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path()), settings=chroma_settings)


def collection_name(settings: Settings) -> str:
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", backend_id(settings)).strip("-")[:40]
    return f"{settings.chroma_collection}-{slug}"


def _manifest_path(settings: Settings) -> Path:
    return settings.index_dir / f"manifest-{collection_name(settings)}.json"


@dataclass
class Lexical:
    """BM25 over accent-folded, lower-cased, French+English-stemmed text (bm25s)."""

    ids: list[str]
    model: bm25s.BM25 = field(repr=False)

    @classmethod
    def build(cls, records: list[Record]) -> Lexical:
        ids = [r.id for r in records]
        model = bm25s.BM25()
        model.index([analyze(r.index_text()) or ["_"] for r in records], show_progress=False)
        return cls(ids=ids, model=model)

    def scores(self, query: str) -> np.ndarray:
        toks = [t for t in analyze(query) if t in self.model.vocab_dict]
        if not toks:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self.model.get_scores(toks)


class Index:
    """Records + vector store + lexical index, ready for search."""

    def __init__(self, settings: Settings, records: list[Record], store: Chroma, lexical: Lexical):
        self.settings = settings
        self.records = records
        self.by_id = {r.id: r for r in records}
        self.store = store
        self.lexical = lexical

    @classmethod
    def open(cls, settings: Settings, progress: Progress | None = None, refresh: bool = True) -> Index:
        """Open the index, building or refreshing it first when the corpus changed."""
        records = load_records(settings.corpus_dir)
        if not records:
            raise RuntimeError(f"no corpus records under {settings.corpus_dir / 'records'}: run 'guide corpus build'")
        try:
            store = _store(settings)
            if refresh:
                refresh_store(settings, store, records, progress)
        except Exception:
            forget_clients()  # so a retry (or ``rebuild``) in this process really reopens the files
            raise
        return cls(settings, records, store, Lexical.build(records))


def _store(settings: Settings) -> Chroma:
    return Chroma(
        collection_name=collection_name(settings),
        embedding_function=get_embeddings(settings),
        client=chroma_client(settings),
        collection_metadata={"hnsw:space": "cosine"},
    )


def refresh_store(
    settings: Settings, store: Chroma, records: list[Record], progress: Progress | None = None
) -> RefreshReport:
    t0 = time.perf_counter()
    chash = corpus_hash(records)
    report = RefreshReport(backend=backend_id(settings), corpus_hash=chash)
    manifest_path = _manifest_path(settings)
    collection = store._collection
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text())
        except ValueError:
            manifest = {}
        if (
            manifest.get("corpus_hash") == chash
            and manifest.get("backend") == report.backend
            and collection.count() == len(records)
        ):
            report.skipped = True
            report.unchanged = len(records)
            report.seconds = time.perf_counter() - t0
            return report

    existing = collection.get(include=["metadatas"])
    metadatas = existing["metadatas"]
    assert metadatas is not None  # included above
    have = {i: (m or {}).get("hash") for i, m in zip(existing["ids"], metadatas, strict=True)}
    want = {r.id: r.content_hash() for r in records}
    stale = [i for i in have if i not in want or have[i] != want[i]]
    todo = [r for r in records if have.get(r.id) != want[r.id]]
    report.removed = sum(1 for i in stale if i not in want)
    report.updated = sum(1 for i in stale if i in want)
    report.added = len(todo) - report.updated
    report.unchanged = len(records) - len(todo)
    if stale:
        store.delete(ids=stale)
    batch = 64
    total = len(todo)
    if progress:
        progress(0, total)
    for start in range(0, total, batch):
        chunk = todo[start : start + batch]
        store.add_texts(
            texts=[r.index_text() for r in chunk],
            metadatas=[{"kind": r.kind, "hash": want[r.id], "title": r.title[:200]} for r in chunk],
            ids=[r.id for r in chunk],
        )
        if progress:
            progress(min(start + batch, total), total)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(
        json.dumps(
            {
                "corpus_hash": chash,
                "backend": report.backend,
                "collection": collection_name(settings),
                "records": len(records),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
            indent=2,
        )
    )
    report.seconds = time.perf_counter() - t0
    return report


def describe_failure(exc: BaseException) -> str:
    """A short, plain reason why the index could not be opened or written (no path, no trace)."""
    import errno

    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 8:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            return "disk full"
    text = " ".join(f"{type(e).__name__} {e}" for e in chain).lower()
    if "no space left" in text or "disk is full" in text or "database or disk is full" in text:
        return "disk full"
    if any(w in text for w in ("not a database", "malformed", "corrupt", "disk i/o error", "file is encrypted")):
        return "index damaged"
    if any(w in text for w in ("connect", "connection", "timed out", "unreachable", "refused", "resolve")):
        return "Chroma server unreachable"
    if "no corpus records" in text:
        return "no corpus records"
    if isinstance(exc, PermissionError):
        return "index not readable (permissions)"
    return f"index unavailable ({type(exc).__name__})"


def damaged_dir_name(settings: Settings) -> Path:
    return settings.index_dir / f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}"


def rebuild(settings: Settings, progress: Progress | None = None) -> RefreshReport:
    """Set the embedded Chroma store aside (renamed, never deleted) and build it anew.

    For a Chroma server, the collection is dropped and rebuilt. The manifest is removed first so
    nothing trusts the old state."""
    _manifest_path(settings).unlink(missing_ok=True)
    forget_clients()
    if settings.chroma_host:
        client = chroma_client(settings)
        try:
            client.delete_collection(collection_name(settings))
        except Exception:  # the collection may not exist (or be unreadable): it is recreated below
            pass
    elif settings.chroma_path().exists():
        settings.chroma_path().rename(damaged_dir_name(settings))
    records = load_records(settings.corpus_dir)
    store = _store(settings)
    return refresh_store(settings, store, records, progress)
