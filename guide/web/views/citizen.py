"""Citizen chat: a person writes what is going wrong; Guide answers with the services they can
reach without a referral, the nearest CLSC, the right help line and their rights, all cited.
Under each answer, "Cette réponse vous a-t-elle aidé ? / Was this useful?" (counts only).

The conversation (messages shown and the engine's ``ConversationState``) lives only in
``st.session_state``; nothing is logged or written to disk.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from guide.conversation.crisis import INFO_SOCIAL
from guide.conversation.models import Answer, ConversationState
from guide.conversation.stages.clean import MAX_MESSAGE_CHARS
from guide.web import components as g

ss = st.session_state
ss.setdefault("turns", [])  # [{"role": "user", "text": str} | {"role": "assistant", "answer": Answer}]
ss.setdefault("conv", None)  # the engine's ConversationState, passed back each turn
ss.setdefault("awaiting_place", False)
ss.setdefault("conversation", 0)  # bumped by "New conversation": the feedback controls start afresh
ss.setdefault("votes", {})  # "was this useful?" per answer of this conversation (counts are stored, not this)

lang = g.ui_lang()
L = g.labels(lang)
eng = g.engine()


def new_conversation() -> None:
    """Forget everything: messages, what the engine understood, the place, the votes."""
    ss["turns"] = []
    ss["conv"] = None
    ss["awaiting_place"] = False
    ss["place_input"] = ""
    ss["votes"] = {}
    ss["conversation"] += 1


def render_map(services: list, a: Answer) -> None:
    """The located services (numbered as their cards) and the person's approximate position.
    Drawn with deck.gl layers only: without map tiles (offline) the points and numbers still show."""
    import pydeck as pdk

    Ls = g.labels(a.language)
    located = [s for s in services if g.extra(s, "latitude") is not None and g.extra(s, "longitude") is not None]
    if not located:
        return
    pts = [
        {
            "lat": g.extra(s, "latitude"),
            "lon": g.extra(s, "longitude"),
            "name": s.name,
            "label": str(i),
            "color": [29, 78, 216],
        }
        for i, s in enumerate(located, 1)
    ]
    loc = g.location_of(a.location)
    if loc is not None and loc.error is None and loc.latitude is not None and loc.longitude is not None:
        pts.append(
            {"lat": loc.latitude, "lon": loc.longitude, "name": loc.resolved or "", "label": "", "color": [180, 35, 24]}
        )
    df = pd.DataFrame(pts)
    view = pdk.data_utils.compute_view(df[["lon", "lat"]].values.tolist())
    view.zoom = max(4, min(int(view.zoom), 12))
    layers = [
        pdk.Layer(
            "ScatterplotLayer",
            df,
            get_position="[lon, lat]",
            get_fill_color="color",
            get_radius=80,
            radius_min_pixels=8,
            stroked=True,
            get_line_color=[255, 255, 255],
            line_width_min_pixels=2,
            pickable=True,
        ),
        pdk.Layer(
            "TextLayer",
            df,
            get_position="[lon, lat]",
            get_text="label",
            get_size=18,
            get_color=[17, 24, 39],
            get_pixel_offset=[0, -22],
            font_weight=700,
        ),
    ]
    st.markdown(f"**:material/map: {g.md(Ls['map_title'])}**")
    st.pydeck_chart(pdk.Deck(layers=layers, initial_view_state=view, tooltip={"text": "{name}"}), height=300)
    st.caption(Ls["map_caption"])


def render_answer(a: Answer, turn: int) -> None:
    """One answer: crisis contacts first (big), the grounded text, the place question, service
    cards, a map of located services, the sources as expandable citations, and "was this useful?"."""
    lang = a.language
    Ls = g.labels(lang)
    services = [g.as_service(s) for s in a.services]
    info_social = next((s for s in services if s.id == INFO_SOCIAL), None) or g.line(INFO_SOCIAL)
    contacts = [g.as_service(c) for c in a.crisis.contacts]
    contact_ids = {c.id for c in contacts}
    if a.crisis.detected and contacts:
        with st.container(border=True, key=f"crisis-answer-{turn}"):
            st.markdown(f"### :material/emergency: {g.md(Ls['crisis_title'])}")
            for i, c in enumerate(contacts):
                g.crisis_contact(c, lang, key=f"crisis-contact-{turn}-{i}")
    for notice in a.notices:
        st.info(notice)
    st.markdown(g.answer_markdown(a.answer, services))
    if a.follow_up:
        st.markdown(f"**:material/location_on: {g.md(a.follow_up)}**")
    cards = [s for s in services if s.id not in contact_ids]
    if cards:
        st.markdown(f"#### {g.md(Ls['services_title'])}")
        n_located = 0
        for i, s in enumerate(cards):
            number = None
            if g.extra(s, "latitude") is not None:
                n_located += 1
                number = n_located
            g.service_card(s, lang, key=f"card-{turn}-{i}", info_social=info_social, number=number)
        render_map(cards, a)
    if a.citations:
        st.markdown(f"#### {g.md(Ls['sources_title'])}")
        for i, cit in enumerate(a.citations, 1):
            with st.expander(f"[{i}] {cit.title}"):
                st.markdown(g.labelled(Ls["reference"], g.md(cit.reference), lang))
                st.markdown("> " + g.md(cit.excerpt).replace("\n", "\n> "))
                src: dict = cit.source or {}
                bits = [g.md(str(src.get("name") or ""))]
                if src.get("date"):
                    bits.append(g.md(str(src["date"])))
                if g.safe_url(src.get("url")):
                    bits.append(f"[{g.md(Ls['source_link'])}]({g.safe_url(src['url'])})")
                st.caption(" · ".join(b for b in bits if b))
    g.feedback_control(a, f"{ss['conversation']}-{turn}", lang)


def render_error(lang: str) -> None:
    Ls = g.labels(lang)
    rec = g.line(INFO_SOCIAL)
    link = g.tel_link(rec.phone, rec.name) if rec and rec.phone else ""
    st.warning(Ls["error_engine"].format(link=link))


def user_markdown(turn: dict) -> str:
    return (":material/location_on: " if turn.get("place") else "") + g.md(turn["text"])


def run_turn(message: str, where: str | None) -> None:
    """Send one message to the engine and show the exchange (the words are never logged)."""
    turn = {"role": "user", "text": message, "place": where is not None}
    ss["turns"].append(turn)
    with st.chat_message("user"):
        st.markdown(user_markdown(turn))
    with st.chat_message("assistant"):
        try:
            with st.spinner(L["thinking"]):
                state = ss["conv"] or ConversationState(language="en" if lang == "en" else "fr")
                a = eng.ask(message, where=where, state=state)
        except Exception as exc:  # never show or log what the person wrote
            g.log.warning("engine error (%s)", type(exc).__name__)
            render_error(lang)
            ss["turns"].append({"role": "assistant", "error": True, "lang": lang})
            st.rerun()
        ss["conv"] = a.state
        render_answer(a, len(ss["turns"]))
    ss["turns"].append({"role": "assistant", "answer": a})
    ss["awaiting_place"] = bool(a.follow_up)
    loc = g.location_of(a.location)
    if loc is not None and loc.error is None:
        ss["awaiting_place"] = False
    if a.language != lang:
        ss["_pending_lang"] = a.language  # the UI follows the person's language
    ss["_scroll"] = True
    st.rerun()  # redraw with the new state (place flag, "New conversation", labels)


# -- page -----------------------------------------------------------------------------------

st.title(L["citizen_title"])
st.markdown(L["citizen_intro"])
if ss["turns"]:
    st.button(
        f":material/refresh: {L['new_conversation']}",
        on_click=new_conversation,
        help=L["new_conversation_help"],
        key="new_conversation",
    )

for n, turn in enumerate(ss["turns"]):
    if turn["role"] == "user":
        with st.chat_message("user"):
            st.markdown(user_markdown(turn))
    elif turn.get("error"):
        with st.chat_message("assistant"):
            render_error(turn.get("lang", lang))
    else:
        with st.chat_message("assistant"):
            render_answer(turn["answer"], n)

# Bottom: the place box (flagged when Guide asks where the person lives), then the chat input.
known = g.location_of(ss["conv"].location) if ss["conv"] is not None else None
located = known is not None and known.error is None
flagged = ss["awaiting_place"] and not located
with st.bottom:
    with st.container(key="place-flagged" if flagged else "place-box", gap="xsmall"):
        if flagged:  # Guide asked where the person lives: the box says so
            st.markdown(f":orange[**:material/location_on: {g.md(L['place_flag'])}**]")
        elif located and known is not None and known.resolved:
            st.caption(L["place_known"].format(place=g.md(known.resolved)))
        with st.form("place_form", border=False, enter_to_submit=True):
            with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
                st.text_input(
                    L["place_label"],
                    key="place_input",
                    placeholder=L["place_placeholder"],
                    max_chars=120,
                    label_visibility="collapsed",
                    width="stretch",
                )
                place_sent = st.form_submit_button(L["place_submit"], icon=":material/location_on:")
    prompt = st.chat_input(L["chat_placeholder"], max_chars=MAX_MESSAGE_CHARS, key="chat")

place = (ss.get("place_input") or "").strip()
if place_sent and place:
    run_turn(place, where=place)
elif prompt and prompt.strip():
    run_turn(prompt, where=None)

if not ss["turns"]:
    st.caption(L["privacy"])
elif ss.pop("_scroll", False):
    g.scroll_to_latest(len(ss["turns"]))
