"""The conversation engine (compatibility module): the engine now lives in
``guide.conversation.pipeline`` as named stages over a ``Turn``; its models in
``guide.conversation.models``; grounding in ``guide.grounding``. This module re-exports them under
their former names, so ``from guide.engine import Engine`` keeps working."""

from __future__ import annotations

from guide.conversation.crisis import EMERGENCY, INFO_SOCIAL  # noqa: F401
from guide.conversation.models import Answer, Citation, ConversationState, Crisis, InvalidState, Turn  # noqa: F401
from guide.conversation.needs import NEED_FLOOR, NeedMatcher  # noqa: F401
from guide.conversation.pipeline import Engine, get_engine  # noqa: F401
from guide.conversation.stages.clean import MAX_MESSAGE_CHARS, clean_message  # noqa: F401
from guide.conversation.stages.language import is_other_language  # noqa: F401
from guide.conversation.stages.orient import LINE_211  # noqa: F401
from guide.grounding import grounding_problems  # noqa: F401
from guide.places_in_text import find_place  # noqa: F401

PRINCIPLE_2 = "decl-principe-2-1"


_STATUS_LABELS = {
    "fr": {
        "verified": "vérifié",
        "partly verified": "en partie vérifié",
        "secondary source": "source secondaire",
        "unverified": "non vérifié",
    },
    "en": {
        "verified": "verified",
        "partly verified": "partly verified",
        "secondary source": "secondary source",
        "unverified": "unverified",
    },
}


def right_reference(record, lang: str) -> str:
    """A right's article references in the person's language, each with its verification label."""
    m = record.metadata
    if "lssss_article" not in m:
        return record.reference
    labels = _STATUS_LABELS[lang]

    def art(a: str) -> str:
        a = a.strip()
        return f"art. {a}" if a[:1].isdigit() else a

    old = f"LSSSS (RLRQ c. S-4.2) {art(m['lssss_article'])}, {labels.get(m.get('lssss_label', ''), m.get('lssss_label', ''))}"
    new = f"G-1.021 {art(m['lgssss_article'])}, {labels.get(m.get('lgssss_label', ''), m.get('lgssss_label', ''))}"
    if lang == "fr":
        return f"ancienne loi : {old} ; loi en vigueur : {new}"
    return f"former Act: {old}; Act in force: {new}"
