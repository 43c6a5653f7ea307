"""Request and response bodies of the API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guide.conversation.models import Answer, ConversationState, Service
from guide.geo import Location
from guide.text import clean_text


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str

    @field_validator("content")
    @classmethod
    def _clean(cls, v: str) -> str:
        return clean_text(v)  # half an emoji (a lone surrogate) must not break anything downstream


class ChatRequest(BaseModel):
    """The conversation so far; the server keeps nothing between requests."""

    model_config = ConfigDict(extra="forbid")
    messages: list[ChatMessage] = Field(
        ..., description="The conversation so far, oldest first; the last one is the person's new message."
    )
    where: str | None = Field(None, description="Postal code or town, if the person gave one in a form field.")
    lang: Literal["fr", "en"] | None = None
    state: ConversationState | None = Field(
        None,
        description="The state returned by the previous reply; "
        "without it, the state is rebuilt from the earlier user messages.",
    )

    @field_validator("where")
    @classmethod
    def _clean_where(cls, v: str | None) -> str | None:
        return None if v is None else clean_text(v)


class ChatReply(Answer):
    """The answer object of ``guide ask --json`` (its ``state`` is what to send back next time): the
    domain model itself, so the API documents exactly what the engine returns."""


class ServiceOut(Service):
    """A point of service or a line (``services near``); extra fields of the directory are kept."""


class NearReply(BaseModel):
    location: Location
    services: list[ServiceOut]


class NeedOut(BaseModel):
    id: str
    label_fr: str
    label_en: str
    description_fr: str
    description_en: str
    lines: list[str]


class Health(BaseModel):
    """``degraded``: the process answers (crisis lines, directory) but search is down, ``reason`` says why."""

    status: Literal["ok", "degraded"]
    reason: str | None = None
    index_loaded: bool
    corpus_version: str
    records: int
    embedding_backend: str


# the error answers every route documents (all in the shape of ErrorBody)
ERRORS: dict[int | str, dict] = {
    400: {"model": ErrorBody},
    404: {"model": ErrorBody},
    413: {"model": ErrorBody},
    422: {"model": ErrorBody},
    429: {"model": ErrorBody},
}
