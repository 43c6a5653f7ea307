"""Stage 3, locate: where the person is. The place field first; else a reply that is only a place
("H2L 3C3", "chu à Jonquière"); else a place named in the message; else the place remembered."""

from __future__ import annotations

import re

from guide.geo import resolve
from guide.places_in_text import find_place
from guide.text import tokens

PLACE_REPLY_TOKENS = 5  # "chu à Jonquière", "H2L 3C3", "à Saint-Jean-sur-Richelieu": a reply that is only a place
_PLAIN_PLACE = re.compile(r"[\w' .,()/-]{1,60}")


def place_query(location, typed: str | None) -> str:
    """What the location keeps of what the person typed: the place only. A place read inside a
    message keeps its postal code, FSA or resolved name, never the sentence ("j'ai besoin d'aide
    pour mon loyer, j'habite à H2L 3C3" -> "H2L 3C3"); a typed place that is not plainly a place
    (markup, a phone number) is not kept."""
    if typed is None or location.query != typed:
        resolved = location.resolved
        inner = re.fullmatch(r"(.+) \((.+)\)", resolved or "")
        if location.kind == "alias" and inner:  # "Québec (Charlesbourg)" -> "Charlesbourg": resolves back to it
            resolved = inner.group(2)
        short = location.postal_code or location.fsa or resolved or location.municipality
        if short:
            return short
    q = (location.query or "").strip()
    return q if _PLAIN_PLACE.fullmatch(q) and not re.search(r"\d{3}.*\d{4}", q) else ""


def run(turn, engine) -> None:
    corpus = engine.settings.corpus_dir
    st, text = turn.state, turn.text
    location = None
    if turn.where and turn.where.strip():
        location = resolve(turn.where, corpus)
    elif text:
        short = len(tokens(text)) <= PLACE_REPLY_TOKENS
        # a probe: is the whole reply a place? (an unknown one falls through to the places in the text)
        direct = resolve(text, corpus, suggest=False) if len(text) <= 60 else None
        if direct is not None and direct.error is None:
            location, turn.place_only = direct, short
        elif (
            direct is not None and direct.error in ("outside_quebec", "invalid_postal_code") and len(tokens(text)) <= 4
        ):
            location, turn.place_only = direct, True
        else:
            location = find_place(text, corpus)
            if location is not None and location.ok and short:
                turn.place_only = True  # "chu à Jonquière": an answer to "where do you live?"
    if location is not None:
        location = location.model_copy(update={"query": place_query(location, typed=turn.where)})
    if location is None and st.location is not None and st.location.ok:
        location = st.location
    elif location is not None and location.error is None:
        st.location = location
    turn.location = location
