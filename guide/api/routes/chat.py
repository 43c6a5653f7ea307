"""``POST /v1/chat``: answer the last user message of a conversation. Stateless: the client sends the
messages and the ``state`` the previous reply returned; without a state the earlier messages are
replayed (bounded); a crisis anywhere in the history is carried over."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from guide.api.deps import get_engine
from guide.api.errors import ApiError
from guide.api.responses import json_response
from guide.api.schemas import ERRORS, ChatReply, ChatRequest
from guide.engine import ConversationState, Engine, InvalidState
from guide.settings import Settings


def build(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["chat"])

    @router.post("/v1/chat", response_model=ChatReply, responses=ERRORS)
    async def chat(req: ChatRequest, engine: Engine = Depends(get_engine)):
        """Answer the last user message of the conversation. Send back ``state`` next time."""
        # One message is answered on the event loop (a few milliseconds of CPU: a thread-pool hop
        # costs more than it frees under load, measured 190 -> 215-233 req/s and p95 88 -> 44-47 ms
        # with 2 workers). A history to replay, or an answer an LLM rewrites (it waits on the
        # network, up to GUIDE_LLM_TIMEOUT_S), goes to the thread pool: the loop keeps serving the
        # other connections, crises included, meanwhile.
        if len(req.messages) > 1 or getattr(engine, "writer", None) is not None:
            return await run_in_threadpool(answer, req, engine)
        return answer(req, engine)

    def answer(req: ChatRequest, engine: Engine) -> Response:
        if not req.messages:
            raise ApiError(422, "no_message", "Envoyez au moins un message. / Send at least one message.")
        if len(req.messages) > settings.api_max_messages:
            raise ApiError(
                413,
                "too_many_messages",
                f"Au plus {settings.api_max_messages} messages. / At most {settings.api_max_messages} messages.",
            )
        if any(len(m.content) > settings.api_max_message_chars for m in req.messages):
            raise ApiError(
                413,
                "message_too_long",
                f"Un message dépasse {settings.api_max_message_chars} caractères. / "
                f"A message is longer than {settings.api_max_message_chars} characters.",
            )
        if req.where is not None and len(req.where) > settings.api_max_where_chars:
            raise ApiError(413, "where_too_long", "Lieu trop long. / Place too long.")
        if req.messages[-1].role != "user":
            raise ApiError(
                422,
                "last_message_not_user",
                "Le dernier message doit venir de la personne. / The last message must be the person's.",
            )
        state: ConversationState | dict | None = req.state
        users = [m.content for m in req.messages if m.role == "user"]
        if state is None and len(users) > 1:
            # Rebuild what was understood from the earlier messages (deterministic, bounded, nothing stored).
            state = engine.replay(users[:-1], where=req.where, lang=req.lang)
        elif state is not None and len(users) > 1:
            # a crisis in the history is carried over even if the state sent back forgot it
            state = engine.carry_crisis(state, users[:-1])
        try:
            answer = engine.ask(users[-1], where=req.where, lang=req.lang, state=state)
        except InvalidState as exc:  # a state Guide could not have produced: never trusted, never echoed
            raise ApiError(422, exc.code, exc.message) from None
        return json_response(answer)

    return router
