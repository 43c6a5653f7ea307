"""Stage 1, clean: the message and the place field, safe to process (broken characters and control
characters dropped, whitespace collapsed, cut to 2,000 characters)."""

from __future__ import annotations

import re
import unicodedata

from guide.text import clean_text

MAX_MESSAGE_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def clean_message(raw) -> tuple[str, bool]:
    """(text, truncated). Bytes decoded leniently, broken characters (lone surrogates, invalid bytes)
    and control characters dropped; cut to 2,000 chars."""
    text = unicodedata.normalize("NFC", clean_text(raw))
    text = re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()
    if len(text) > MAX_MESSAGE_CHARS:
        return text[:MAX_MESSAGE_CHARS], True
    return text, False


def run(turn, engine) -> None:
    turn.text, turn.truncated = clean_message(turn.message)
    turn.message = None  # the raw message is not kept past this stage
    turn.where = clean_message(turn.where_raw)[0] if turn.where_raw is not None else None
