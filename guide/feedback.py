"""Feedback counts: "Cette réponse vous a-t-elle aidé ? / Was this useful?" under each answer.

What is stored, and nothing else: how many votes per ``(kind, need, region, useful, reason)``:

- ``kind``: ``crisis`` (the answer detected a crisis) or ``everyday``;
- ``need``: the answer's first need id (from ``corpus/taxonomy``), or ``none``;
- ``region``: the health and social-services region (RSS code, ``01``..``18``) of the answer's
  place, or ``none``;
- ``useful``: yes / no; ``reason``: after "no", one of ``REASONS`` (or none).

Never the words of a message or an answer, never a time, an address, a session or a person: a
vote cannot be tied back to a conversation. The counts live in one small JSON file
(``settings.feedback_path``, by default ``<index_dir>/feedback.json``). Each increment reads,
changes and atomically replaces it under an exclusive lock (``fcntl.flock`` on a side file, plus a
thread lock), so threads and processes (Streamlit sessions, API workers) never lose a vote.
``GUIDE_FEEDBACK=off`` turns the control and ``/v1/feedback`` off: nothing is written.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator

from guide.settings import resolved_dir

try:  # POSIX; elsewhere the thread lock alone serialises one process's writers
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

NONE = "none"
KINDS = ("crisis", "everyday")
REASONS = ("wrong_place", "wrong_line", "too_long", "not_answered", "other")
SCHEMA = "guide-feedback/1"
FILE_NAME = "feedback.json"

Kind = Literal["crisis", "everyday"]
Reason = Literal["wrong_place", "wrong_line", "too_long", "not_answered", "other"]


class Vote(BaseModel):
    """One "was this useful?" vote, as the control or ``POST /v1/feedback`` sends it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind = Field(description="crisis: the answer detected a crisis; everyday: any other answer")
    need: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,63}$", description="the answer's first need id (an id of /v1/needs), or 'none'"
    )
    region: str = Field(
        pattern=r"^(0[1-9]|1[0-8]|none)$",
        description="health and social-services region (RSS code 01..18) of the answer's place, or 'none'",
    )
    useful: StrictBool
    reason: Reason | None = Field(default=None, description="after useful=false only: why")

    @model_validator(mode="after")
    def _reason_only_when_not_useful(self) -> Vote:
        if self.useful and self.reason is not None:
            raise ValueError("a reason is given only when useful is false")
        return self

    def key(self) -> tuple:
        return self.kind, self.need, self.region, self.useful, self.reason


class Count(Vote):
    """How many votes of one kind: the only thing stored."""

    count: int = Field(ge=0)


class Counts(BaseModel):
    """Every count (``GET /v1/feedback``), biggest first, with the totals."""

    total: int
    useful: int
    counts: list[Count]


def counts_path(settings) -> Path:
    """Where the counts live: ``GUIDE_FEEDBACK_PATH``, else ``<index_dir>/feedback.json``."""
    path = settings.feedback_path
    if path is None or str(path) in ("", "."):
        return Path(settings.index_dir) / FILE_NAME
    return Path(path)


@lru_cache(maxsize=8)
def _need_ids(corpus_dir: Path) -> frozenset[str]:
    from guide.directory.needs import load_needs

    return frozenset(n.id for n in load_needs(corpus_dir))


def unknown(vote: Vote, corpus_dir: Path) -> str | None:
    """Why the vote names a need Guide does not know (None when it names none; the region's pattern
    already holds the 18 RSS codes)."""
    if vote.need != NONE and vote.need not in _need_ids(resolved_dir(corpus_dir)):
        return "need: not a need id of the taxonomy (or 'none')"
    return None


def vote_for(answer, useful: bool, reason: Reason | None = None) -> Vote:
    """The vote on an engine ``Answer``: its kind, first need and region only."""
    loc = answer.location or {}
    region = loc.get("rss_code") if isinstance(loc, dict) and loc.get("error") is None else None
    return Vote(
        kind="crisis" if answer.crisis.detected else "everyday",
        need=answer.needs[0] if answer.needs else NONE,
        region=region or NONE,
        useful=useful,
        reason=reason,
    )


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(path: Path) -> threading.Lock:
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(str(path.resolve()), threading.Lock())


class FeedbackStore:
    """The counts file. ``add`` is safe across threads and processes; ``counts`` reads a snapshot."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @classmethod
    def from_settings(cls, settings) -> FeedbackStore:
        return cls(counts_path(settings))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _thread_lock(self.path), open(self.lock_path, "a+b") as fh:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _read(self) -> dict[tuple, int]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.error("feedback counts unreadable (%s); starting a new file", type(exc).__name__)
            return {}
        out: dict[tuple, int] = {}
        for row in data.get("counts", []) if isinstance(data, dict) else []:
            try:
                c = Count.model_validate(row)
            except ValidationError:
                continue  # a row that is not a count is dropped, never carried over
            out[c.key()] = out.get(c.key(), 0) + c.count
        return out

    def _write(self, counts: dict[tuple, int]) -> None:
        rows = [
            Count(kind=k, need=n, region=r, useful=u, reason=why, count=c).model_dump()
            for (k, n, r, u, why), c in sorted(counts.items(), key=lambda kv: tuple(str(x) for x in kv[0]))
            if c > 0
        ]
        text = json.dumps({"schema": SCHEMA, "counts": rows}, ensure_ascii=False, indent=1)
        fd, tmp = tempfile.mkstemp(prefix=".feedback-", suffix=".tmp", dir=str(self.path.parent))
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def add(self, vote: Vote, replaces: Vote | None = None) -> None:
        """Count one vote. ``replaces``: a vote counted earlier for the same answer (a reason chosen
        after "no"), taken back in the same step, so an answer is counted once."""
        with self._locked():
            counts = self._read()
            counts[vote.key()] = counts.get(vote.key(), 0) + 1
            if replaces is not None and counts.get(replaces.key(), 0) > 0:
                counts[replaces.key()] -= 1
            self._write(counts)

    def counts(self) -> Counts:
        """Every count, biggest first (the file is replaced atomically: no lock needed to read)."""
        rows = [
            Count(kind=k, need=n, region=r, useful=u, reason=why, count=c)
            for (k, n, r, u, why), c in self._read().items()
            if c > 0
        ]
        rows.sort(key=lambda c: (-c.count, c.kind, c.need, c.region, not c.useful, c.reason or ""))
        return Counts(total=sum(c.count for c in rows), useful=sum(c.count for c in rows if c.useful), counts=rows)


def summary(counts: Counts) -> list[dict]:
    """One row per (kind, need, region): votes, useful, not useful, useful share, reasons given."""
    groups: dict[tuple[str, str, str], dict] = {}
    for c in counts.counts:
        g = groups.setdefault(
            (c.kind, c.need, c.region),
            {
                "kind": c.kind,
                "need": c.need,
                "region": c.region,
                "votes": 0,
                "useful": 0,
                "not_useful": 0,
                "reasons": {},
            },
        )
        g["votes"] += c.count
        if c.useful:
            g["useful"] += c.count
        else:
            g["not_useful"] += c.count
            if c.reason:
                g["reasons"][c.reason] = g["reasons"].get(c.reason, 0) + c.count
    rows = list(groups.values())
    for g in rows:
        g["share"] = g["useful"] / g["votes"] if g["votes"] else None
    rows.sort(key=lambda g: (-g["votes"], g["kind"], g["need"], g["region"]))
    return rows
