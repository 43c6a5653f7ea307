"""Typed models of what crosses a layer: the conversation state a client sends back, the crisis,
citations, services, the answer, and the ``Turn`` that the stages of the pipeline read and fill.

JSON field names are a public contract (``guide ask --json``, ``/v1/chat``): fields are added,
never renamed or dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from guide.geo import Location


class ConversationState(BaseModel):
    """What the engine understood so far; the client sends it back with the next message. It holds
    ids and the place the person gave, never their words."""

    language: Literal["fr", "en"] | None = None
    needs: list[str] = Field(default_factory=list)
    location: Location | None = None
    asked: list[str] = Field(default_factory=list)
    for_whom: Literal["self", "other"] | None = None
    crisis_kinds: list[str] = Field(default_factory=list)
    turns: int = 0
    young: bool = False  # the writer gave cues of being under 18: "tu", youth lines first
    casual: bool = False  # the writer writes casual Québec French or says "tu" to Guide: answered with "tu"
    cued_lines: list[str] = Field(default_factory=list)  # lines the person's words called for (ids)


class InvalidState(ValueError):
    """A conversation state that Guide could not have produced (unknown ids, impossible values)."""

    code = "invalid_state"

    def __init__(self, why: str):
        super().__init__(why)
        self.message = (
            "État de conversation invalide (" + why + ") : recommencez la conversation. / "
            "Invalid conversation state (" + why + "): start the conversation again."
        )


class Service(BaseModel):
    """A point of service or a line, as the directory gives it (``services near --json``)."""

    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    name_en: str | None = None
    kind: str
    phone: str | None = None
    address: str | None = None
    municipality: str | None = None
    postal_code: str | None = None
    distance_km: float | None = None
    no_referral: bool = False
    hours: str | None = None
    source: str = ""
    assured_date: str | None = None
    label: str | None = None  # crisis contacts: what the line is for, in the answer's language


class Crisis(BaseModel):
    detected: bool = False
    kind: str | None = None
    kinds: list[str] = Field(default_factory=list)
    method: str | None = None
    contacts: list[dict[str, Any]] = Field(default_factory=list)
    urgent: bool = False  # the danger is present now: the answer says "call 911 now", not "if"
    carried_over: bool = False  # detected earlier in the conversation; its contacts stay first


CitationKind = Literal["declaration", "right", "service"]


class Citation(BaseModel):
    id: str
    kind: CitationKind
    title: str
    reference: str
    excerpt: str
    source: dict[str, Any]


class Answer(BaseModel):
    language: Literal["fr", "en"]
    crisis: Crisis
    answer: str
    services: list[dict[str, Any]]
    citations: list[Citation]
    needs: list[str]
    follow_up: str | None = None
    location: dict[str, Any] | None = None
    state: ConversationState
    notices: list[str] = Field(default_factory=list)
    bilingual: bool = False
    timings_ms: dict[str, float] = Field(default_factory=dict)
    writer: str = "deterministic"
    # added: what the answer understood, for the faces and the evaluation
    for_whom: Literal["self", "other"] | None = None
    young: bool = False
    question: str | None = None
    right: str | None = None
    degraded: str | None = None  # why part of Guide is unavailable (index damaged, disk full...)


@dataclass
class Turn:
    """One message going through the stages; each stage reads what earlier ones filled."""

    message: Any
    where_raw: str | None
    lang_requested: str | None
    state: ConversationState
    # clean
    text: str = ""
    truncated: bool = False
    where: str | None = None
    # triage
    triage: Any = None
    # locate
    location: Location | None = None
    place_only: bool = False
    # language
    language: str = "fr"
    other_language: bool = False
    # understand
    needs: list[str] = field(default_factory=list)  # this message's needs, best first
    need_confident: bool = False  # the best need is clear enough to name the situation from it
    active_needs: list[str] = field(default_factory=list)
    for_whom: str | None = None
    young: bool = False
    casual: bool = False
    masked: str | None = None  # the text with its figures of speech masked, computed once (stages.orient.masked_of)
    question: str | None = None
    right: str | None = None
    # orient
    crisis: Crisis = field(default_factory=Crisis)
    clscs: list[dict[str, Any]] = field(default_factory=list)
    info_social: dict[str, Any] | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    # compose
    text_out: str = ""
    citations: list[Citation] = field(default_factory=list)
    follow_up: str | None = None
    notices: list[str] = field(default_factory=list)
    # ground / write
    grounding: list[str] = field(default_factory=list)
    answer: Answer | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def region(self) -> str | None:
        loc = self.location
        return loc.rss_code if loc is not None and loc.error is None else None
