"""Shared pieces of Guide's web face (Streamlit): labels (``fr.yaml`` / ``en.yaml``, loaded once),
CSS, the engine (loaded once per process), the crisis banner, the service cards and the
"was this useful?" control.

Every phone number, address, hour and name shown comes from a directory record (the engine's
answer, ``services_near``, ``Engine.line``, or the crisis desk for the banner); no number is typed
here. Nothing a person writes is logged or written to disk: the conversation lives in
``st.session_state`` (memory of the browser session) and is forgotten with "Nouvelle conversation
/ New conversation"; the feedback control stores counts only (``guide.feedback``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import streamlit as st

from guide.conversation.crisis import EMERGENCY, INFO_SOCIAL
from guide.conversation.models import Answer, Service
from guide.directory.near import display_name as _display_name
from guide.feedback import REASONS, FeedbackStore, Vote, vote_for
from guide.geo import Location
from guide.yamlio import load_yaml

log = logging.getLogger("guide.ui")

HERE = Path(__file__).resolve().parent
LANGS = ("fr", "en")


@lru_cache(maxsize=1)
def _all_labels() -> dict[str, dict[str, str]]:
    """Both label files, read once per process."""
    return {lang: load_yaml((HERE / f"{lang}.yaml").read_text(encoding="utf-8")) for lang in LANGS}


# Large, calm, readable; phone-friendly. Only styling: every control stays a native widget.
CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 18px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stChatMessage"] p, .stTextInput input, [data-testid="stChatInputTextArea"],
[data-testid="stExpander"] summary p, [data-testid="stCaptionContainer"] p {
  font-size: 1.1rem !important; line-height: 1.6; }
[data-testid="stCaptionContainer"] p { font-size: 1rem !important; }
[data-testid="stLayoutWrapper"]:has(> .st-key-crisis-banner) { position: sticky !important; top: 3.75rem;
  z-index: 99; flex: 0 0 auto !important; }
.st-key-crisis-banner { background: #fff4f2; border: 2px solid #b42318; border-radius: 0.6rem;
  padding: 0.4rem 0.8rem; box-shadow: 0 2px 6px rgba(0, 0, 0, 0.08); }
.st-key-crisis-banner, .st-key-place-flagged, .st-key-place-box { flex: 0 0 auto !important; height: auto !important; }
.st-key-crisis-banner a, [class*="st-key-crisis-contact"] a, [class*="st-key-card-"] a[href^="tel:"] {
  font-weight: 700; color: #b42318 !important; text-decoration: underline; }
[class*="st-key-crisis-answer"] { border: 3px solid #b42318 !important; background: #fff4f2; border-radius: 0.8rem; }
[class*="st-key-crisis-contact"] a[href^="tel:"] { font-size: 1.6rem; }
[class*="st-key-crisis-contact"] strong { font-size: 1.2rem; }
[class*="st-key-card-"] a[href^="tel:"] { font-size: 1.25rem; color: #0b5394 !important; }
[class*="st-key-card-"] { background: #fbfcfe; }
.st-key-place-flagged { border: 3px solid #b45309; border-radius: 0.8rem; padding: 0.4rem 0.6rem; background: #fffbeb; }
.st-key-place-flagged p { font-size: 1rem !important; }
[class*="st-key-feedback-"] { border-top: 1px solid #d0d4dc; padding-top: 0.3rem; }
[class*="st-key-feedback-"] button p { font-size: 1rem !important; }
@media (max-width: 640px) {
  .st-key-crisis-banner { padding: 0.2rem 0.5rem; }
  .st-key-crisis-banner p { font-size: 1rem !important; line-height: 1.45; }
  .st-key-crisis-banner p > strong:first-child { display: none; }
  [data-testid="stBottom"] [data-testid="stCaptionContainer"] p { font-size: 0.9rem !important; }
  h1 { font-size: 1.9rem !important; }
}
a:focus-visible, button:focus-visible, summary:focus-visible, [role="button"]:focus-visible {
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
[data-testid="stChatMessage"] { scroll-margin-top: 10rem; }
</style>
"""

# WCAG 2.2 AA contrast (4.5:1 for text) on the light theme, which the colours above assume.
# Streamlit draws captions and quotes (a citation's excerpt) in its text colour at opacity 0.6
# (#828180 on white, 3.9:1; links in them fade too), and a selected segmented
# control / pill writes its label in #c53948 on #f9ebed (4.47:1): captions opaque and quotes in a
# grey of 7:1, the selected label a darker red of 6.4:1. Dark theme: Streamlit's own colours are kept.
CSS_LIGHT_CONTRAST = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stMarkdownContainer"] blockquote {
  opacity: 1 !important; color: #555867 !important; }
[data-testid="stCaptionContainer"] p, [data-testid="stMarkdownContainer"] blockquote p { color: #555867 !important; }
button[data-selected="true"], button[data-selected="true"] p { color: #a3212f !important; }
</style>
"""


# ---------------------------------------------------------------------------------------------
# Language and labels
# ---------------------------------------------------------------------------------------------


def ui_lang() -> str:
    value = st.session_state.get("lang")
    return value if value in LANGS else "fr"


def labels(lang: str | None = None) -> dict[str, str]:
    return _all_labels()[lang if lang in LANGS else ui_lang()]


def apply_pending_language() -> None:
    """Switch the UI language decided during the previous run (before the toggle is drawn)."""
    pending = st.session_state.pop("_pending_lang", None)
    if pending in LANGS:
        st.session_state["lang"] = pending


def _on_language_change() -> None:
    conv = st.session_state.get("conv")
    lang = st.session_state.get("lang")
    if conv is not None and lang in LANGS:
        st.session_state["conv"] = conv.model_copy(update={"language": lang})  # the person chose it


def language_toggle() -> str:
    """French by default, English one click away; ``?lang=en`` in the address opens English and
    the address follows the toggle (so a link can be shared in either language)."""
    if st.session_state.get("lang") not in LANGS:
        asked = st.query_params.get("lang")
        st.session_state["lang"] = asked if asked in LANGS else "fr"
    with st.container(horizontal=True, horizontal_alignment="right", key="lang-row"):
        st.segmented_control(
            labels()["lang_label"],
            options=list(LANGS),
            required=True,
            format_func=lambda v: "Français" if v == "fr" else "English",
            key="lang",
            label_visibility="collapsed",
            on_change=_on_language_change,
        )
    lang = ui_lang()
    if lang == "fr" and "lang" in st.query_params:
        del st.query_params["lang"]
    elif lang == "en" and st.query_params.get("lang") != "en":
        st.query_params["lang"] = "en"
    return lang


def inject_css() -> None:
    theme = getattr(getattr(st, "context", None), "theme", None)
    dark = getattr(theme, "type", None) == "dark"
    st.html(CSS if dark else CSS + CSS_LIGHT_CONTRAST)


# Fixed script (no data from the person): bring the start of the newest exchange into view.
_SCROLL_JS = """<script data-turn="{turn}">
setTimeout(function () {{
  var m = document.querySelectorAll('[data-testid="stChatMessage"]');
  if (m.length >= 2) m[m.length - 2].scrollIntoView({{behavior: "smooth", block: "start"}});
}}, 400);
</script>"""


def scroll_to_latest(turn: int) -> None:
    st.html(_SCROLL_JS.format(turn=int(turn)), unsafe_allow_javascript=True, width="content")


# ---------------------------------------------------------------------------------------------
# Engine (loaded once per process) and settings
# ---------------------------------------------------------------------------------------------


def settings():
    from guide.settings import get_settings

    return get_settings()


@st.cache_resource(show_spinner=False)
def crisis_desk():
    """The crisis contacts, loaded on their own from the data files (no index, no model): the
    banner is drawn from them before anything that can fail is loaded."""
    from guide.conversation.crisis import CrisisDesk

    return CrisisDesk(settings().corpus_dir)


def engine():
    """The process-wide engine: index, directory and models loaded once, warmed up. Without a
    usable index it still answers (crisis first) and ``engine().retrieval_error`` says why."""
    from guide.conversation.pipeline import get_engine

    eng = get_engine(open_index=False)  # the index is opened by the first search only
    eng.warm_up()
    return eng


def banner_line(line_id: str) -> Service | None:
    """A help line for the banner, from the crisis desk alone (drawn before the engine loads)."""
    rec = crisis_desk().line(line_id)
    return as_service(rec) if rec else None


def suicide_line_id() -> str | None:
    """The suicide-prevention line: the first contact of the 'suicide' crisis kind that is not the emergency number."""
    for c in crisis_desk().contacts(["suicide"]):
        if c["id"] != EMERGENCY and c.get("kind") != "emergency":
            return c["id"]
    return None


def line(line_id: str) -> Service | None:
    """A help line (e.g. Info-Social) from the engine, as a typed service."""
    rec = engine().line(line_id)
    return as_service(rec) if rec else None


# ---------------------------------------------------------------------------------------------
# Typed services
# ---------------------------------------------------------------------------------------------


def as_service(s: dict[str, Any] | Service) -> Service:
    """A service dict of an answer or of ``services_near`` as the domain's ``Service`` (the contract's
    fields typed; the directory's other fields in ``model_extra``, read with ``extra``)."""
    return s if isinstance(s, Service) else Service.model_validate(s)


def extra(s: Service, name: str, default: Any = None) -> Any:
    """A field beyond the service contract (coordinates, text line, notes, verification…)."""
    value = (s.model_extra or {}).get(name)
    return default if value is None else value


def display_name(s: Service, lang: str) -> str:
    return _display_name({"name": s.name, "name_en": s.name_en}, lang)


def location_of(obj: Location | dict | None) -> Location | None:
    """A place (the engine's ``Location`` or the answer's dict of it) as a ``Location``; None when absent."""
    if obj is None or isinstance(obj, Location):
        return obj
    return Location.model_validate(obj)


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|$~])")


def md(text: str | None) -> str:
    """Escape Markdown (and LaTeX ``$``) in text that comes from a person or a record."""
    if not text:
        return ""
    out = _MD_SPECIAL.sub(r"\\\1", str(text))
    return re.sub(
        r"^(\s*)([-+=]|\d+[.)])(\s)", lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), out, flags=re.MULTILINE
    )


def tel_href(phone: str) -> str:
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def tel_link(phone: str | None, text: str | None = None) -> str:
    """A Markdown ``tel:`` link for a phone number taken from a record."""
    if not phone:
        return ""
    return f"[{md(text or phone)}]({tel_href(phone)})"


def sms_link(number: str | None) -> str:
    if not number:
        return ""
    return f"[{md(number)}](sms:{re.sub(r'[^0-9+]', '', number)})"


def name_mnemonic(name: str) -> str | None:
    """The parenthesis ending a record's name (e.g. a spelled-out number)."""
    m = re.search(r"\(([^()]+)\)\s*$", name or "")
    return m.group(1).strip() if m else None


def labelled(label: str, value_md: str, lang: str) -> str:
    """ "Label : value" with the French space before the colon, "Label: value" in English."""
    return f"{md(label)}{' :' if lang == 'fr' else ':'} {value_md}"


def safe_url(url: str | None) -> str:
    """A record's URL made safe inside a Markdown link (http/https only)."""
    if not url or not re.match(r"^https?://", url):
        return ""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def km(value: float | None, lang: str) -> str:
    if value is None:
        return ""
    s = f"{value:.1f}"
    return s.replace(".", ",") if lang == "fr" else s


def link_phones(escaped: str, services: Iterable[dict | Service]) -> str:
    """Turn the phone numbers of the answer's records into ``tel:`` links, in one pass."""
    phones = sorted({s.phone for s in map(as_service, services) if s.phone}, key=len, reverse=True)
    if not phones:
        return escaped
    pattern = re.compile(r"(?<![\w\[/-])(" + "|".join(re.escape(p) for p in phones) + r")(?![\w\]-])")
    return pattern.sub(lambda m: f"[{m.group(1)}]({tel_href(m.group(1))})", escaped)


def answer_markdown(text: str, services: Iterable[dict | Service]) -> str:
    """The engine's answer (lines separated by "\\n") as safe Markdown with hard line breaks."""
    services = list(services)
    lines = [link_phones(md(ln), services) for ln in text.split("\n") if ln.strip()]
    return "  \n".join(lines)


def verified_flags(s: Service, L: dict[str, str]) -> list[str]:
    v = extra(s, "verified", {})
    flags = []
    if s.phone and v.get("phone") is False:
        flags.append(L["unverified_phone"])
    if s.hours and v.get("hours") is False:
        flags.append(L["unverified_hours"])
    if extra(s, "text_sms") and v.get("text_sms") is False:
        flags.append(L["unverified_sms"])
    return flags


# ---------------------------------------------------------------------------------------------
# Crisis banner (every page)
# ---------------------------------------------------------------------------------------------


def banner_items(lang: str) -> list[tuple[str, Service]]:
    """(label, line) for the emergency number, the suicide-prevention line and Info-Social, from the records."""
    L = labels(lang)
    items = []
    for label, lid in (
        (L["banner_emergency"], EMERGENCY),
        (L["banner_suicide"], suicide_line_id()),
        (L["banner_info_social"], INFO_SOCIAL),
    ):
        rec = banner_line(lid) if lid else None
        if rec and rec.phone:
            items.append((label, rec))
    return items


def phone_text(rec: Service) -> str:
    """How a line is spoken: its number, with the words of its name's parenthesis when they belong to
    it (a spelled-out number such as "… APPELLE", or the menu option of Info-Social)."""
    phone = rec.phone or ""
    words = name_mnemonic(rec.name)
    if words and words != phone and re.search(r"\d", words):
        if re.sub(r"\D", "", words)[:4] == re.sub(r"\D", "", phone)[:4]:
            return f"{words} ({phone})"  # the spoken form of the number first
        return f"{phone} ({words})"
    return phone


def crisis_banner(lang: str) -> None:
    """The banner's text, drawn in the current container (``app.py`` gives it the key
    ``crisis-banner`` that the CSS keeps at the top of the screen)."""
    L = labels(lang)
    parts = [labelled(label, tel_link(rec.phone, phone_text(rec)), lang) for label, rec in banner_items(lang)]
    st.markdown(f"**:material/emergency: {md(L['banner_title'])}** " + " · ".join(parts))


# ---------------------------------------------------------------------------------------------
# Service cards
# ---------------------------------------------------------------------------------------------


def hours_text(s: Service, lang: str) -> str:
    """A service's hours in the person's language, rendered from its HSDS schedules (``hours_fr`` /
    ``hours_en``); the source's own text only when no schedule could be read from it."""
    return extra(s, f"hours_{lang}") or s.hours or ""


def service_card(
    s: Service, lang: str, key: str, info_social: Service | None = None, number: int | None = None
) -> None:
    """One service: name, kind, no-referral badge, address and distance, phone (tel: link) or the
    record's no-phone note with Info-Social's link, hours, text line, verification flags, source."""
    L = labels(lang)
    kind_label = L.get(f"kind_{s.kind}", s.kind or "")
    with st.container(border=True, key=key):
        badges = [f":gray-badge[{md(kind_label)}]"]
        if s.no_referral:
            badges.append(f":green-badge[:material/check: {md(L['no_referral'])}]")
        if extra(s, "in_territory"):
            badges.append(f":blue-badge[{md(L['in_territory'])}]")
        badges += [f":orange-badge[:material/warning: {md(f)}]" for f in verified_flags(s, L)]
        name = md(display_name(s, lang))
        title = f"{number}. {name}" if number else name
        rows = [f"**{title}**", " ".join(badges)]
        place = s.address or ""
        if s.municipality and s.municipality not in place:
            place = f"{place}, {s.municipality}" if place else s.municipality
        if place:
            dist = ""
            if s.distance_km is not None:
                dist = " — " + L["distance"].format(km=km(s.distance_km, lang))
            rows.append(f":material/location_on: {md(place)}{md(dist)}")
        if s.phone:
            links = [tel_link(s.phone, phone_text(s))] + [tel_link(p) for p in extra(s, "phone_alternates", [])]
            rows.append(f":material/call: {md(L['call'])} " + " / ".join(links))
        note = extra(s, f"note_{lang}") or extra(s, "note_fr")
        if not s.phone:
            linked = link_phones(md(note), [info_social]) if note and info_social else md(note)
            if note:
                rows.append(f":material/call: {linked}")
            if info_social and info_social.phone and linked == md(note):  # the note gives no number
                rows.append(
                    ":material/call: " + L["no_phone_link"].format(link=tel_link(info_social.phone, info_social.name))
                )
        elif note:
            rows.append(f":material/info: {md(note)}")
        if extra(s, "text_sms"):
            rows.append(":material/sms: " + labelled(L["text_sms"], sms_link(extra(s, "text_sms")), lang))
        if hours_text(s, lang):
            rows.append(":material/schedule: " + labelled(L["hours"], md(hours_text(s, lang)), lang))
        elif not note:
            rows.append(f":material/schedule: {md(L['hours_unknown'])}")
        st.markdown("  \n".join(rows))
        src = md(s.source or "")
        if s.assured_date:
            src += f" ({md(s.assured_date)})"
        if safe_url(extra(s, "source_url")):
            src += f" · [{md(L['source_link'])}]({safe_url(extra(s, 'source_url'))})"
        if src:
            st.caption(labelled(L["source"], src, lang))


def crisis_contact(s: Service, lang: str, key: str) -> None:
    """A crisis contact: big, first, one tap to call."""
    L = labels(lang)
    with st.container(key=key):
        rows = [f"**{md(display_name(s, lang))}**"]
        if s.phone:
            rows.append(f":material/call: {tel_link(s.phone, phone_text(s))}")
        if extra(s, "text_sms"):
            rows.append(":material/sms: " + labelled(L["text_sms"], sms_link(extra(s, "text_sms")), lang))
        if hours_text(s, lang):
            rows.append(f":material/schedule: {md(hours_text(s, lang))}")
        flags = verified_flags(s, L)
        if flags:
            rows.append(" ".join(f":orange-badge[:material/warning: {md(f)}]" for f in flags))
        st.markdown("  \n".join(rows))


# ---------------------------------------------------------------------------------------------
# "Was this useful?" (counts only: guide.feedback)
# ---------------------------------------------------------------------------------------------


def feedback_on() -> bool:
    return bool(settings().feedback)


def _count(vote: Vote, replaces: Vote | None = None) -> None:
    try:
        FeedbackStore.from_settings(settings()).add(vote, replaces=replaces)
    except Exception as exc:  # a full disk must not break the conversation; the vote is simply lost
        log.warning("feedback not counted (%s)", type(exc).__name__)


def _on_vote(answer: Answer, key: str, useful: bool) -> None:
    votes = st.session_state.setdefault("votes", {})
    if key in votes:
        return  # one vote per answer
    vote = vote_for(answer, useful)
    votes[key] = vote
    _count(vote)


def _on_reason(key: str) -> None:
    votes = st.session_state.setdefault("votes", {})
    old = votes.get(key)
    reason = st.session_state.get(f"fb-reason-{key}")
    if old is None or old.useful or reason == old.reason or (reason is not None and reason not in REASONS):
        return
    new = old.model_copy(update={"reason": reason})
    votes[key] = new
    _count(new, replaces=old)  # the "no" counted at the click moves to its reason: one vote per answer


def feedback_control(answer: Answer, key: str, lang: str) -> None:
    """Under an answer: "Cette réponse vous a-t-elle aidé ? / Was this useful?" yes / no; after
    "no", a short list of reasons. Counted per answer kind, first need and region only."""
    if not feedback_on():
        return
    L = labels(lang)
    vote = st.session_state.get("votes", {}).get(key)
    with st.container(key=f"feedback-{key}", gap="small"):
        if vote is None:
            with st.container(horizontal=True, vertical_alignment="center", gap="small"):
                st.markdown(md(L["feedback_question"]))
                st.button(
                    L["feedback_yes"],
                    icon=":material/thumb_up:",
                    key=f"fb-yes-{key}",
                    on_click=_on_vote,
                    args=(answer, key, True),
                )
                st.button(
                    L["feedback_no"],
                    icon=":material/thumb_down:",
                    key=f"fb-no-{key}",
                    on_click=_on_vote,
                    args=(answer, key, False),
                )
        elif vote.useful:
            st.caption(L["feedback_thanks"])
        else:
            st.pills(
                L["feedback_why"],
                options=list(REASONS),
                key=f"fb-reason-{key}",
                format_func=lambda r: L[f"feedback_reason_{r}"],
                on_change=_on_reason,
                args=(key,),
            )
            st.caption(L["feedback_noted"] if vote.reason else L["feedback_privacy"])
