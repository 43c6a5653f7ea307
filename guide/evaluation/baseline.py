"""The baseline every report compares Guide with: a plain LangChain + Chroma question-answering
pipeline over the same corpus.

- Retrieval: the top-k passages of the *same* Chroma collection as Guide (same embeddings), through
  langchain-chroma's retriever ``index.store.as_retriever(search_kwargs={"k": 5})``: vector search
  only, over every record (no kind filter, no BM25, no fusion).
- No triage, no geography, no needs, no conversation state, no templates.
- Its "answer" is the retrieved records' text (title, text, reference; Guide's indexing glosses are
  left out), in rank order; its citations are those records; its "services" are the help-line
  records (and CLSC records) among them, as directory entries.
- Crisis is "detected" only when the first passage is a crisis line: a contact of a crisis kind in
  ``corpus/taxonomy/crisis.yaml`` (911, suicide prevention, SOS violence conjugale, …, a regional
  youth-protection line), Info-Social 811 left out (it is the general first-line entry, not a crisis
  line). Its kinds are the kinds that list that line (911 alone means immediate danger).

It answers through the same interface as the engine (``ask`` returning a ``guide.engine.Answer``),
so that the very same scoring code measures both.
"""

from __future__ import annotations

import time

from guide.conversation.models import CitationKind
from guide.engine import INFO_SOCIAL, Answer, Citation, ConversationState, Crisis, clean_message
from guide.records import Kind
from guide.settings import Settings
from guide.text import detect_language

EMERGENCY = "line-urgence-9-1-1"


def _citation_kind(kind: Kind) -> CitationKind:
    """A record's kind as a citation kind: help lines are cited as services."""
    if kind == "declaration" or kind == "right":
        return kind
    return "service"


class _Collection:
    """Just the Chroma collection and the records (what a plain pipeline has): no BM25 index."""

    def __init__(self, settings: Settings):
        from guide.index import _store, refresh_store
        from guide.records import load_records

        records = load_records(settings.corpus_dir)
        self.store = _store(settings)
        refresh_store(settings, self.store, records)  # builds the collection if it is missing; else a no-op
        self.by_id = {r.id: r for r in records}


class BaselineQA:
    """Top-k Chroma passages as the answer; the same ``ask`` interface as ``guide.engine.Engine``."""

    name = "baseline"

    def __init__(self, settings: Settings | None = None, index=None, k: int = 5):
        from guide.directory.near import as_dict
        from guide.directory.store import directory_path, load_directory
        from guide.triage import PRIORITY, load_model

        self.settings = settings or Settings()
        self.index = index or _Collection(self.settings)
        self.k = k
        self.retriever = self.index.store.as_retriever(search_kwargs={"k": k})
        self.directory = load_directory(directory_path(self.settings.corpus_dir))
        self._as_dict = as_dict
        model = load_model(self.settings.corpus_dir)
        dpj = [e.id for e in self.directory.lines if e.region and "child_protection" in e.needs]
        kinds_of: dict[str, list[str]] = {}
        for kid in PRIORITY:
            kind = model.kinds.get(kid)
            if kind is None:
                continue
            for cid in kind.contacts:
                for lid in dpj if cid == "dpj-regional" else [cid]:
                    if lid == INFO_SOCIAL:
                        continue
                    kinds_of.setdefault(lid, []).append(kid)
        kinds_of[EMERGENCY] = ["immediate_danger"] if "immediate_danger" in model.kinds else kinds_of.get(EMERGENCY, [])
        self.crisis_kinds_of = kinds_of

    def warm_up(self) -> None:
        self.retriever.invoke("bonjour, j'ai besoin d'aide")

    def ranked_ids(self, query: str, k: int = 10) -> list[str]:
        """Record ids of the top-k passages (the same retriever, deeper), for the retrieval metrics."""
        retriever = self.index.store.as_retriever(search_kwargs={"k": k})
        return [d.id for d in retriever.invoke(query) if d.id]

    def ask(self, message, where: str | None = None, lang: str | None = None, state=None) -> Answer:
        """The top-k passages for the message; ``where``, ``lang`` and ``state`` are ignored (no
        geography, no language handling, no memory)."""
        t0 = time.perf_counter()
        text, _ = clean_message(message)
        docs = self.retriever.invoke(text) if text else []
        ms = (time.perf_counter() - t0) * 1000
        records = [self.index.by_id[d.id] for d in docs if d.id is not None and d.id in self.index.by_id]
        body = "\n\n".join("\n".join(x for x in (r.title, r.text, r.reference) if x) for r in records)
        citations = [
            Citation(
                id=r.id,
                kind=_citation_kind(r.kind),
                title=r.title,
                reference=r.reference,
                excerpt=r.text,
                source=r.source.model_dump(),
            )
            for r in records
        ]
        services = [
            self._as_dict(self.directory.by_id[r.id])
            for r in records
            if r.kind in ("helpline", "service") and r.id in self.directory.by_id
        ]
        crisis = Crisis()
        if records and records[0].id in self.crisis_kinds_of:
            kinds = self.crisis_kinds_of[records[0].id]
            first = next(s for s in services if s["id"] == records[0].id)
            crisis = Crisis(detected=True, kind=kinds[0], kinds=kinds, method="first passage", contacts=[first])
        language = detect_language(body or text or "", default="fr") if (body or text) else "fr"
        return Answer(
            language="en" if language == "en" else "fr",
            crisis=crisis,
            answer=body,
            services=services,
            citations=citations,
            needs=[],
            follow_up=None,
            location=None,
            state=ConversationState(),
            bilingual=False,
            timings_ms={"retrieve": round(ms, 2), "total": round(ms, 2)},
            writer="baseline",
        )
