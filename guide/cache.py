"""Compact caches of what Guide builds from its public source files at start-up (the gazetteer,
the directory): pickled under ``<index dir>/cache/`` and keyed by the SHA-256 of every file they
are built from — the source data *and* the code that builds them — so a changed source file, a
changed builder or a new release builds afresh, never a stale copy.

- ``configure(settings)``: called by the CLI's settings and by ``Engine`` (which the API and the web
  app construct) with the settings they were given; until then nothing is cached (a library call
  that builds no engine, tests that want a cold build).
- ``cached(name, inputs, build)``: the cached value, else ``build()`` (then written atomically:
  a temporary file renamed into place, so a concurrent reader never sees half a file).
- A damaged or unreadable cache file is ignored and rebuilt; a cache directory that cannot be
  written (read-only disk, full disk) only costs the build. Nothing here raises.
- Only public source data is cached. Nothing a person writes ever reaches this module. The files
  are pickles: like the Chroma files beside them, the index directory must be writable only by
  whoever runs Guide.
- The key also holds the versions of the libraries whose objects are pickled (numpy, pydantic);
  directories are walked following symbolic links; a source that changes while it is being read
  (an import running meanwhile) is not cached under the old key.

Measured (``guide services near``): gazetteer 236 ms to build, 7 ms to load; directory 92 ms / 5 ms.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from guide import __version__

log = logging.getLogger("guide.cache")
T = TypeVar("T")

FORMAT = 1  # bump when the layout of the cached files changes
_state: dict[str, Path | None] = {"dir": None}


def configure(settings) -> None:
    """Cache under ``settings.index_dir / "cache"`` (``GUIDE_CACHE=false``: no cache)."""
    _state["dir"] = Path(settings.index_dir) / "cache" if settings.cache else None


def cache_dir() -> Path | None:
    return _state["dir"]


CODE = Path(__file__).resolve().parent  # the guide package: its source is an input of every cache


def fingerprint(inputs: Iterable[Path]) -> str:
    """SHA-256 of the inputs' bytes (files, or every file under a directory, in a stable order),
    of their names, of Guide's source code, version and of this cache's format."""
    h = hashlib.sha256(f"{__version__}|{FORMAT}|{_code_digest()}|{_libraries()}".encode())
    for root in inputs:
        _digest_into(h, Path(root))
    return h.hexdigest()


@lru_cache(maxsize=1)
def _libraries() -> str:
    import numpy
    import pydantic

    return f"numpy {numpy.__version__}, pydantic {pydantic.VERSION}"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The package's ``.py`` files (code does not change while a process runs: computed once)."""
    h = hashlib.sha256()
    _digest_into(h, CODE, suffix=".py")
    return h.hexdigest()


def _digest_into(h, root: Path, suffix: str | None = None) -> None:
    if root.is_dir():
        files = sorted(
            Path(dirpath) / name
            for dirpath, dirnames, names in os.walk(root, followlinks=True)  # a linked data folder too
            if "__pycache__" not in Path(dirpath).parts
            for name in names
            if suffix is None or name.endswith(suffix)
        )
    else:
        files = [root]
    for path in files:
        h.update(str(path.relative_to(root) if path != root else path.name).encode("utf-8", "surrogatepass") + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:  # a missing input: the builder will say so itself
            h.update(b"<missing>")


def cached(name: str, inputs: Iterable[Path], build: Callable[[], T]) -> T:
    """``build()``'s value, loaded from the cache when its inputs have not changed."""
    directory = _state["dir"]
    if directory is None:
        return build()
    inputs = list(inputs)
    key = fingerprint(inputs)
    path = directory / f"{name}-{key[:20]}.pickle"
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except (FileNotFoundError, NotADirectoryError):  # not cached yet (or no usable cache directory)
        pass
    except Exception as exc:  # a damaged or foreign file (any unpickling error): rebuilt below
        log.warning("cache %s unreadable (%s): rebuilt", path.name, type(exc).__name__)
    value = build()
    if fingerprint(inputs) == key:  # else a source changed while it was read: not kept under the old key
        _write(directory, name, path, value)
    return value


def _write(directory: Path, name: str, path: Path, value: object) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(tmp, 0o644)  # readable by the service when an operator's command wrote it
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        for old in directory.glob(f"{name}-*.pickle"):  # earlier versions of the same thing
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # read-only or full disk: the value was built, only the cache is lost
        log.info("cache %s not written (%s)", path.name, type(exc).__name__)
