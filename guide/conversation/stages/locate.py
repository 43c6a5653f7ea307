"""Stage 3, locate: where the person is. The place field first; else a reply that is only a place
("H2L 3C3", "chu à Jonquière"); else a place named in the message; else the place remembered."""

from __future__ import annotations

from guide.geo import resolve
from guide.places_in_text import find_place
from guide.text import tokens


def run(turn, engine) -> None:
    corpus = engine.settings.corpus_dir
    st, text = turn.state, turn.text
    location = None
    if turn.where and turn.where.strip():
        location = resolve(turn.where, corpus)
    elif text:
        direct = resolve(text, corpus) if len(text) <= 60 else None
        if direct is not None and direct.error is None:
            location, turn.place_only = direct, True
        elif direct is not None and direct.error in ("outside_quebec", "invalid_postal_code") and len(tokens(text)) <= 4:
            location, turn.place_only = direct, True
        else:
            location = find_place(text, corpus)
            if location is not None and location.ok and len(tokens(text)) <= 5:
                turn.place_only = True  # "chu à Jonquière": an answer to "where do you live?"
    if location is None and st.location is not None and st.location.ok:
        location = st.location
    elif location is not None and location.error is None:
        st.location = location
    turn.location = location
