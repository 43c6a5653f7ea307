"""Staff lookup for Info-Social workers: one screen, a place → the nearest CLSC points of
service and the relevant lines (a table and a block to copy), a need filter, and a search over
rights, declaration passages and help lines."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from guide.directory.near import InvalidRequest, services_near
from guide.geo import resolve
from guide.search import QueryError, clean_query, search
from guide.web import components as g

ss = st.session_state
lang = g.ui_lang()
L = g.labels(lang)
eng = g.engine()
settings = g.settings()
corpus = settings.corpus_dir
need_label = eng.need_labels(lang)


def use_suggestion() -> None:
    choice = ss.get("staff_suggestion")
    if choice:
        ss["staff_place"] = choice
    ss["staff_suggestion"] = None


def phone_cell(s) -> str:
    return s.phone if s.phone else L["no_phone_staff"]


def verification_cell(s) -> str:
    flags = g.verified_flags(s, L)
    return "; ".join(flags) if flags else (L["verified_all"] if g.extra(s, "verified") else "")


def where_cell(s) -> str:
    return s.address or s.municipality or ""


st.title(L["staff_title"])
st.caption(L["staff_intro"])

c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
place = c1.text_input(L["staff_place"], key="staff_place", placeholder=L["staff_place_placeholder"], max_chars=120)
need = c2.selectbox(
    L["staff_need"],
    options=[None, *need_label],
    key="staff_need",
    format_func=lambda v: L["staff_all_needs"] if v is None else need_label.get(v, v),
)
c3, c4 = st.columns(2)
age = c3.number_input(
    L["staff_age"], min_value=0, max_value=130, value=None, step=1, key="staff_age", help=L["staff_age_help"]
)
limit = c4.number_input(L["staff_limit"], min_value=1, max_value=20, value=5, step=1, key="staff_limit")

if place and place.strip():
    loc = resolve(place.strip(), corpus)
    if loc.error is not None:
        msg = (loc.message or {}).get(lang) or (loc.message or {}).get("fr") or loc.error
        if loc.error == "unknown_place":
            st.warning(msg, icon=":material/help:")
        else:
            st.error(msg, icon=":material/error:")
        if loc.suggestions:
            st.pills(L["staff_suggestions"], options=loc.suggestions, key="staff_suggestion", on_change=use_suggestion)
    else:
        try:
            found = [
                g.as_service(s)
                for s in services_near(
                    loc,
                    kind="all",
                    need=need,
                    limit=int(limit),
                    age=None if age is None else int(age),
                    corpus_dir=corpus,
                )
            ]
        except InvalidRequest as exc:
            st.error(exc.message.get(lang, exc.message["fr"]))
            found = []
        where = loc.resolved or loc.query
        extra = [x for x in (loc.region, loc.clsc_name and f"CLSC {loc.clsc_name}") if x]
        st.markdown(" · ".join([L["staff_resolved"].format(place=g.md(where))] + [g.md(x) for x in extra]))
        if loc.precision_note:
            st.caption(loc.precision_note.get(lang) or loc.precision_note.get("fr", ""))
        located = [s for s in found if g.extra(s, "latitude") is not None]
        lines = [s for s in found if g.extra(s, "latitude") is None]

        st.subheader(L["staff_located"])
        if located:
            with_phone = any(s.phone for s in located)  # the M02 file has none: no empty column
            with_intake = any(g.extra(s, "intake_phone") for s in located)
            with_walk_in = any(g.extra(s, "walk_in") for s in located)
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            L["col_name"]: s.name,
                            L["col_address"]: where_cell(s),
                            L["col_distance"]: s.distance_km,
                            **({L["col_phone"]: phone_cell(s)} if with_phone else {}),
                            **({L["col_intake"]: g.extra(s, "intake_phone", "")} if with_intake else {}),
                            **({L["col_walk_in"]: g.extra(s, "walk_in", "")} if with_walk_in else {}),
                            **({L["col_verified"]: str(g.extra(s, "verification", ""))} if with_intake else {}),
                            L["col_territory"]: L["yes"] if g.extra(s, "in_territory") else "",
                            L["col_no_referral"]: L["yes"] if s.no_referral else L["no"],
                        }
                        for s in located
                    ]
                ),
                hide_index=True,
                width="stretch",
                key="staff_located_table",
                column_config={
                    L["col_name"]: st.column_config.TextColumn(width=380),
                    L["col_address"]: st.column_config.TextColumn(width=350),
                    L["col_distance"]: st.column_config.NumberColumn(width=110, format="%.1f"),
                    L["col_phone"]: st.column_config.TextColumn(width="medium"),
                    L["col_territory"]: st.column_config.TextColumn(width=120),
                    L["col_no_referral"]: st.column_config.TextColumn(width=120),
                },
            )
            if not all(s.phone for s in located):
                st.caption(L["staff_no_phone_note"])
        else:
            st.info(L["staff_none_located"])

        st.subheader(L["staff_lines"])
        if lines:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            L["col_name"]: g.display_name(s, lang),
                            L["col_phone"]: " / ".join([phone_cell(s), *g.extra(s, "phone_alternates", [])]),
                            L["col_text"]: g.extra(s, "text_sms", ""),
                            L["col_hours"]: g.hours_text(s, lang),
                            L["col_verified"]: verification_cell(s),
                        }
                        for s in lines
                    ]
                ),
                hide_index=True,
                width="stretch",
                key="staff_lines_table",
                column_config={
                    L["col_name"]: st.column_config.TextColumn(width="large"),
                    L["col_phone"]: st.column_config.TextColumn(width="medium"),
                    L["col_text"]: st.column_config.TextColumn(width="small"),
                    L["col_hours"]: st.column_config.TextColumn(width="medium"),
                    L["col_verified"]: st.column_config.TextColumn(width="medium"),
                },
            )

        copy_lines = []
        for s in located:
            bits = [s.name, where_cell(s), L["copy_phone"].format(phone=s.phone) if s.phone else ""]
            if s.distance_km is not None:
                bits.append(f"{g.km(s.distance_km, lang)} km")
            if g.extra(s, "intake_phone"):
                bits.append(g.labelled(L["col_intake"], g.extra(s, "intake_phone"), lang))
            copy_lines.append(" — ".join(b for b in bits if b))
        for s in lines:
            bits = [s.name, L["copy_phone"].format(phone=phone_cell(s))]
            if g.hours_text(s, lang):
                bits.append(g.hours_text(s, lang))
            copy_lines.append(" — ".join(bits))
        if copy_lines:
            st.markdown(f"**{g.md(L['staff_copy'])}**")
            st.code("\n".join(copy_lines), language=None, wrap_lines=True)

st.divider()
st.subheader(L["staff_search_title"])
kinds = {
    "right": L["kind_right"],
    "declaration": L["kind_declaration"],
    "helpline": L["kind_line"],
    "all": L["kind_all"],
}
s1, s2 = st.columns([3, 2], vertical_alignment="bottom")
query = s1.text_input(L["staff_search"], key="staff_query", placeholder=L["staff_search_placeholder"], max_chars=500)
kind: str = (
    s2.selectbox(L["staff_search_kind"], options=list(kinds.keys()), format_func=lambda k: kinds[k], key="staff_kind")
    or "all"
)
if query and query.strip():
    hits = None
    try:
        cleaned = clean_query(query, max_chars=settings.query_max_chars)
        if cleaned.notice:
            st.caption(cleaned.notice)
        with st.spinner(L["loading"]):
            index = eng.index  # opened on the first search (answers never need it)
        if index is None:
            st.warning(L["search_unavailable"])
        else:
            hits = search(index, cleaned.text, kind=kind, limit=5)
    except QueryError as exc:
        st.warning(exc.message)
    if hits == []:
        st.caption(L["staff_no_hits"])
    for h in hits or []:
        meta = h.metadata or {}
        title = meta.get(f"title_{lang}") or h.title
        text = meta.get(f"plain_{lang}") or (meta.get("gloss_en") if lang == "en" else None) or h.text
        excerpt = text if len(text) <= 420 else text[:420].rsplit(" ", 1)[0] + " …"
        with st.container(border=True, key=f"hit-{h.id}"):
            st.markdown(f"**{g.md(title)}** · :gray-badge[{g.md(kinds.get(h.kind, h.kind))}]  \n{g.md(h.reference)}")
            st.markdown(g.md(excerpt))
            src = h.source or {}
            bits = [g.md(str(src.get("name") or ""))]
            if g.safe_url(src.get("url")):
                bits.append(f"[{g.md(L['source_link'])}]({g.safe_url(src['url'])})")
            st.caption(" · ".join(b for b in bits if b))
