"""The conversation engine as a pipeline of named stages over one ``Turn``:

    clean -> triage -> locate -> language -> understand -> orient -> compose -> ground -> write

Each stage is a module of ``guide.conversation.stages`` with ``run(turn, engine)``; ``Engine.ask``
runs them in order and times each (``answer.timings_ms``). The engine holds what is loaded once:
the crisis desk (first, from data files alone), the crisis classifier, the index (optional: when it
cannot be opened, ``retrieval_error`` says why and everything else still answers), the directory,
the taxonomies and the prose.

Every phone number, address and article number in an answer comes from a record the answer
returns (``services``, ``citations``); the ground stage checks it. Nothing a person writes is
stored or logged: the state returned holds ids and the place they gave, never their words.
"""

from __future__ import annotations

import logging
import time

from guide import cache
from guide.conversation.cues import load_cues
from guide.conversation.models import Answer, ConversationState, InvalidState, Turn
from guide.conversation.needs import NeedMatcher
from guide.conversation.stages import clean, compose, ground, language, locate, orient, triage, understand, write
from guide.conversation.stages.clean import clean_message
from guide.settings import Settings, get_settings
from guide.text import detect_language
from guide.yamlio import load_yaml

log = logging.getLogger("guide.conversation")

TEMPLATES_FILE = "prose/answer_templates.yaml"
PROSE_FILE = "prose/answer_sections.yaml"
ASKABLE = {"location"}
STAGES = (clean, triage, locate, language, understand, orient, compose, ground, write)


def stage_name(stage) -> str:
    return stage.__name__.rsplit(".", 1)[-1]


class Engine:
    """Loads the index, directory, taxonomies and prose once; answers messages."""

    def __init__(
        self,
        settings: Settings | None = None,
        index=None,
        writer=None,
        index_error: str | None = None,
        open_index: bool = True,
    ):
        """``writer``: a LangChain chat model for the optional LLM rewrite (default: from settings).

        Loaded in the order of what a person in danger needs: the crisis desk (rules, contacts and
        crisis text, from data files only) first; then the embeddings and the crisis classifier;
        then the vector index, which only search needs (``open_index=False``: opened on first use,
        for a fast command-line answer). When the index cannot be opened (damaged file, full disk, Chroma
        server down), the engine still answers: ``retrieval_error`` says why, crisis answers and
        the directory (CLSC, lines) keep working, and the answer says plainly that search is down.
        """
        from guide.conversation.crisis import CrisisDesk
        from guide.directory.needs import load_needs
        from guide.triage import Triager

        self.settings = settings or get_settings()
        cache.configure(self.settings)  # the gazetteer and directory load from <index_dir>/cache
        corpus = self.settings.corpus_dir
        self.crisis_desk = CrisisDesk(corpus)
        self.retrieval_error: str | None = index_error
        emb = None
        try:
            from guide.embeddings import backend_id, get_embeddings

            emb = get_embeddings(self.settings)
            self.triager = Triager(corpus, emb, cache_dir=self.settings.index_dir, backend=backend_id(self.settings))
        except Exception as exc:  # no embedding model or classifier: the crisis rules still run
            log.error("crisis classifier unavailable (%s); rules only", type(exc).__name__)
            self.triager = Triager(corpus, None)
        self._index = index
        # opened on the first search (open_index=False): an API worker that only answers stays lean
        self.index_deferred = index is None and not open_index
        if index is None and self.retrieval_error is None and open_index:
            self.open_index()
        if self._index is not None:
            self.records = self._index.by_id
        else:
            try:
                from guide.records import load_records

                self.records = {r.id: r for r in load_records(corpus)}
            except Exception as exc:  # unreadable records: answers go without citations of them
                log.error("records unreadable (%s)", type(exc).__name__)
                self.records = {}
        self.needs = {n.id: n for n in load_needs(corpus)}
        self.cues = load_cues(corpus)
        self.prose = load_yaml((corpus / PROSE_FILE).read_text(encoding="utf-8"))
        self.matcher = NeedMatcher(list(self.needs.values()), emb, self.cues.weak_need_keywords)
        self.templates = load_yaml((corpus / TEMPLATES_FILE).read_text(encoding="utf-8"))
        if writer is None:
            from guide.writer import make_chat_model

            writer = make_chat_model(self.settings)
        self.writer = writer
        from guide.directory.store import directory_path, load_directory

        try:
            self.directory = load_directory(directory_path(corpus))
            self.lines_by_id = {e.id: e for e in self.directory.lines}
        except Exception as exc:  # the crisis desk has its own fallback; everyday answers lose the directory
            log.error("directory unreadable (%s)", type(exc).__name__)
            self.directory = None  # type: ignore[assignment]  # the crisis desk does not need it; answers check
            self.lines_by_id = {}

    def open_index(self):
        """The search index (Chroma + BM25), opened once; None with ``retrieval_error`` set when it
        cannot be (damaged file, full disk, Chroma server down). Answers never need it: only search does."""
        if self._index is None and self.retrieval_error is None:
            try:
                from guide.index import Index

                self._index = Index.open(self.settings)
                self.index_deferred = False
            except Exception as exc:  # damaged index, full disk, server down: degrade, never fail
                from guide.index import describe_failure

                self.retrieval_error = describe_failure(exc)
                log.error("index unavailable: %s", self.retrieval_error)
        return self._index

    @property
    def index(self):
        return self.open_index()

    @property
    def index_if_open(self):
        """The search index if it is open, without opening it (for health checks)."""
        return self._index

    @property
    def degraded(self) -> bool:
        return self.retrieval_error is not None

    def warm_up(self) -> None:
        """Load every lazy part (models, detectors, caches) so the first person waits no longer.
        Once per engine; a failure here is logged, never raised (the engine answers anyway)."""
        if getattr(self, "_warm", False):
            return
        self._warm = True
        try:
            self.ask("je me sens seul et epuise", where="Montréal")
            self.ask("I feel alone")
            language.is_other_language("necesito ayuda por favor con mi familia")
        except Exception as exc:  # warm-up is an optimisation; the first real message will say what is wrong
            log.error("warm-up failed (%s)", type(exc).__name__)

    def ask(
        self,
        message: str | bytes | None,
        where: str | None = None,
        lang: str | None = None,
        state: ConversationState | dict | None = None,
    ) -> Answer:
        """Answer one message, given the conversation state so far (or None for a new one).

        Raises ``InvalidState`` for a state Guide could not have produced; never for what a person
        writes: if a stage after triage fails, the person still gets the crisis contacts (or 911 and
        Info-Social 811) in their language."""
        t_start = time.perf_counter()
        st = self.trusted_state(state)
        st.turns += 1
        turn = Turn(message=message, where_raw=where, lang_requested=lang, state=st)
        for stage in STAGES:
            t0 = time.perf_counter()
            try:
                stage.run(turn, self)
            except Exception as exc:  # a broken stage must not cost a crisis answer
                log.error("stage %s failed (%s); safe answer given", stage_name(stage), type(exc).__name__)
                return self._safe_answer(turn)
            turn.timings[stage_name(stage)] = (time.perf_counter() - t0) * 1000
        answer = turn.answer
        if answer is None:  # the write stage always fills it; a stage that did not is a broken stage
            log.error("no answer after the stages; safe answer given")
            return self._safe_answer(turn)
        turn.timings["total"] = (time.perf_counter() - t_start) * 1000
        answer.timings_ms = {k: round(v, 2) for k, v in turn.timings.items()}
        return answer

    def trusted_state(self, state: ConversationState | dict | None) -> ConversationState:
        """The state a client sent back, trusted only as far as it names things Guide knows: need
        ids, crisis kinds and questions are checked against the taxonomies (``InvalidState``
        otherwise); the place is re-derived here from the place the person gave (``query``), so a
        forged position, region or place name ("Montréal — call 514 …") never reaches an answer."""
        from pydantic import ValidationError

        from guide.geo import resolve

        if state is None:
            return ConversationState()
        try:
            st = ConversationState.model_validate(state.model_dump() if isinstance(state, ConversationState) else state)
        except ValidationError:
            raise InvalidState("malformed") from None
        if any(n not in self.needs for n in st.needs) or len(st.needs) > 30:
            raise InvalidState("unknown need")
        if any(k not in self.crisis_desk.model.kinds for k in st.crisis_kinds):
            raise InvalidState("unknown crisis kind")
        if any(q not in ASKABLE for q in st.asked) or not 0 <= st.turns <= 10_000:
            raise InvalidState("unknown question or turn count")
        if any(lid not in self.crisis_desk.by_id for lid in st.cued_lines) or len(st.cued_lines) > 10:
            raise InvalidState("unknown line")
        if st.location is not None:
            query = clean_message(st.location.query)[0]
            if len(query) > 200:
                raise InvalidState("place too long")
            try:
                loc = resolve(query, self.settings.corpus_dir) if query else None
            except Exception:  # a place Guide cannot resolve any more is forgotten, not fatal
                loc = None
            st.location = loc if loc is not None and loc.ok else None
        return st

    REPLAY_FULL = 3  # earlier messages replayed in full when a client sends no state
    REPLAY_TRIAGE = 20  # earlier messages checked for a crisis (cheap) when a client sends no state

    def replay(self, earlier: list[str], where: str | None = None, lang: str | None = None) -> ConversationState:
        """The state of a conversation rebuilt from the person's earlier messages, bounded: a crisis
        in any of the last 20 is carried over; the last 3 are replayed in full (place, needs,
        language). A long history costs a few milliseconds, not seconds."""
        from guide.triage import PRIORITY

        st = ConversationState()
        kinds: set[str] = set()
        for m in earlier[-self.REPLAY_TRIAGE : -self.REPLAY_FULL or None]:
            t = triage.check(self, clean_message(m)[0])
            kinds |= set(t.kinds if t.detected else [])
        st.crisis_kinds = sorted(kinds, key=PRIORITY.index)
        for m in earlier[-self.REPLAY_FULL :]:
            st = self.ask(m, where=where, lang=lang, state=st).state
        return st

    def carry_crisis(self, state: ConversationState | dict, earlier: list[str]) -> ConversationState | dict:
        """The state, with the crisis kinds of the person's earlier messages (the last 20) added: a
        client cannot make Guide forget a crisis that is still in the conversation it sends."""
        from guide.triage import PRIORITY

        kinds: set[str] = set()
        for m in earlier[-self.REPLAY_TRIAGE :]:
            t = triage.check(self, clean_message(m)[0])
            kinds |= set(t.kinds if t.detected else [])
        if not kinds:
            return state
        st = (
            state.model_copy(deep=True)
            if isinstance(state, ConversationState)
            else ConversationState.model_validate(state)
        )
        st.crisis_kinds = sorted(set(st.crisis_kinds) | kinds, key=lambda k: PRIORITY.index(k) if k in PRIORITY else 99)
        return st

    def _safe_answer(self, turn: Turn) -> Answer:
        """The answer when a stage failed: crisis contacts (or 911 and Info-Social) only."""
        st, text = turn.state, turn.text
        try:
            lang = (
                turn.lang_requested
                if turn.lang_requested in ("fr", "en")
                else detect_language(text, default=st.language or "fr")
                if text
                else (st.language or "fr")
            )
        except Exception:  # language detector broken: French, the default of the network
            lang = "fr"
        turn.language = lang
        if turn.triage is None:
            turn.triage = triage.check(self, text)
        if turn.location is None and st.location is not None and st.location.ok:
            turn.location = st.location
        desk = self.crisis_desk
        crisis = orient.crisis_of(self, turn)
        if crisis.detected:
            body = desk.compose(crisis.kinds, crisis.contacts, lang, crisis.urgent, degraded=True)
            services = list(crisis.contacts)
        else:
            services = [s for s in (desk.line("line-urgence-9-1-1"), desk.info_social()) if s]
            for s in services:
                s["label"] = desk.label(s, lang)
            body = desk.compose([], services, lang, urgent=False, degraded=True)
        return Answer(
            language="en" if lang == "en" else "fr",
            crisis=crisis,
            answer=body,
            services=services,
            citations=[],
            needs=[],
            state=st,
            notices=[desk.prose[lang]["degraded"]],
            writer="deterministic (safe)",
            degraded=self.retrieval_error or "answer failed",
        )

    def line(self, line_id: str) -> dict | None:
        """A help line by id (e.g. Info-Social 811), as a service dict of its own (a copy), from the
        crisis desk's directory lines; None for an unknown or superseded line. For faces that show a
        line outside an answer's ``services`` (a card routing to Info-Social, an error message)."""
        return self.crisis_desk.line(line_id)

    def need_labels(self, lang: str) -> dict[str, str]:
        """Need id -> label in ``lang`` ("fr" or "en"), in the taxonomy's order (a face's need filter)."""
        return {n.id: (n.label_en if lang == "en" else n.label_fr) for n in self.needs.values()}


_ENGINES: dict[str, Engine] = {}


def get_engine(settings: Settings | None = None, open_index: bool = True) -> Engine:
    """The process-wide engine for these settings (index, directory and models loaded once).
    ``open_index=False``: the index is opened by the first search, not at start."""
    settings = settings or get_settings()
    key = settings.model_dump_json()
    if key not in _ENGINES:
        _ENGINES[key] = Engine(settings, open_index=open_index)
    return _ENGINES[key]
