"""Shared pieces of Guide's Streamlit face: labels (French/English), CSS, the engine (loaded once
per process), the crisis banner and the service cards.

Every phone number, address, hour and name shown comes from a directory record (the engine's
answer, ``services_near`` or ``engine.lines_by_id``); no number is typed here. Nothing a person
writes is logged or written to disk: the conversation lives in ``st.session_state`` (memory of the
browser session) and is forgotten with "Nouvelle conversation / New conversation".
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterable

import streamlit as st

from guide.directory.near import display_name
from guide.engine import EMERGENCY, INFO_SOCIAL

log = logging.getLogger("guide.ui")

LANGS = ("fr", "en")

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "lang_label": "Langue / Language",
        "nav_citizen": "Trouver de l'aide",
        "nav_staff": "Recherche intervenant·e",
        "banner_title": "Besoin d'aide maintenant ?",
        "banner_emergency": "Danger immédiat",
        "banner_suicide": "Idées suicidaires",
        "banner_info_social": "Besoin de parler",
        "citizen_title": "Trouver de l'aide près de chez vous",
        "citizen_intro": "Écrivez, avec vos mots, ce qui se passe pour vous ou pour un proche. "
                         "Guide vous indique les services sociaux que vous pouvez joindre **sans référence**, "
                         "les plus proches de chez vous, et vos droits. Rien de ce que vous écrivez n'est conservé.",
        "new_conversation": "Nouvelle conversation",
        "new_conversation_help": "Tout oublier et recommencer.",
        "chat_placeholder": "Écrivez votre message ici…",
        "place_label": "Votre code postal ou votre ville (facultatif)",
        "place_placeholder": "Code postal ou ville",
        "place_submit": "OK",
        "place_flag": "Pour trouver le CLSC le plus proche, écrivez votre code postal ou votre ville ici :",
        "place_known": "Lieu retenu : {place}",
        "thinking": "Je cherche de l'aide pour vous…",
        "crisis_title": "Votre sécurité d'abord : appelez maintenant",
        "services_title": "Où vous adresser",
        "kind_clsc": "CLSC : accueil psychosocial",
        "kind_helpline": "Ligne d'aide",
        "kind_emergency": "Urgence",
        "kind_community": "Organisme communautaire",
        "no_referral": "Sans référence",
        "distance": "à {km} km",
        "in_territory": "Votre territoire de CLSC",
        "call": "Appeler le",
        "text_sms": "Texto",
        "hours": "Heures",
        "hours_unknown": "Heures non indiquées dans la source.",
        "no_phone_link": "Pour joindre ce CLSC : {link}",
        "unverified_phone": "Numéro non vérifié",
        "unverified_hours": "Heures non vérifiées",
        "unverified_sms": "Texto non vérifié",
        "source": "Source",
        "source_link": "voir la source",
        "sources_title": "Sources",
        "reference": "Référence",
        "map_title": "Sur la carte",
        "map_caption": "Points bleus numérotés : les services ci-dessus ; point rouge : votre position "
                       "approximative. Le fond de carte peut ne pas s'afficher sans connexion.",
        "error_engine": "Désolé, je n'ai pas pu répondre cette fois. Réessayez dans un instant ; "
                        "en tout temps, vous pouvez appeler {link}.",
        "privacy": "Rien n'est conservé : la conversation disparaît quand vous fermez la page "
                   "ou cliquez sur « Nouvelle conversation ».",
        "loading": "Chargement de Guide…",
        "search_unavailable": "La recherche dans les textes est indisponible en ce moment (index inutilisable). "
                              "Les services, les lignes et les réponses, eux, fonctionnent.",
        "engine_down": "Guide est indisponible en ce moment. Les numéros en haut de la page, eux, "
                       "fonctionnent : en cas de danger, appelez-les maintenant.",
        # staff page
        "staff_title": "Recherche rapide pour intervenant·e",
        "staff_intro": "Un code postal ou une ville : les points de service CLSC les plus proches "
                       "(accueil psychosocial sans référence) et les lignes d'aide pertinentes.",
        "staff_place": "Code postal ou ville",
        "staff_place_placeholder": "ex. : Rimouski, Chicoutimi, ou un code postal",
        "staff_need": "Besoin",
        "staff_all_needs": "Tous les besoins",
        "staff_age": "Âge de la personne (facultatif)",
        "staff_age_help": "Avec un âge, les sites réservés à une tranche d'âge (ex. Aire ouverte) "
                          "s'ajoutent s'ils conviennent.",
        "staff_limit": "Résultats par groupe",
        "staff_located": "Points de service CLSC les plus proches",
        "staff_lines": "Lignes d'aide",
        "staff_copy": "À copier",
        "staff_resolved": "Lieu : **{place}**",
        "staff_suggestions": "Vouliez-vous dire :",
        "staff_none_located": "Aucun point de service trouvé pour ce besoin près de ce lieu.",
        "staff_search_title": "Droits, déclaration et lignes",
        "staff_search": "Chercher un passage",
        "staff_search_placeholder": "ex. : droit de porter plainte",
        "staff_search_kind": "Dans",
        "kind_right": "Droits",
        "kind_declaration": "Déclaration",
        "kind_line": "Lignes d'aide",
        "kind_all": "Tout",
        "staff_no_hits": "Aucun passage trouvé.",
        "col_name": "Nom",
        "col_address": "Adresse",
        "col_distance": "Distance (km)",
        "col_phone": "Téléphone",
        "col_text": "Texto",
        "col_hours": "Heures",
        "col_territory": "Territoire CLSC",
        "col_no_referral": "Sans référence",
        "col_verified": "Vérification",
        "col_intake": "Accueil psychosocial",
        "col_walk_in": "Sans rendez-vous",
        "yes": "oui",
        "no": "non",
        "no_phone_staff": "non indiqué dans la source",
        "staff_no_phone_note": "Le fichier M02 du MSSS ne donne pas le numéro des points de service CLSC.",
        "verified_all": "vérifié",
        "copy_phone": "Tél. : {phone}",
    },
    "en": {
        "lang_label": "Langue / Language",
        "nav_citizen": "Find help",
        "nav_staff": "Staff lookup",
        "banner_title": "Need help now?",
        "banner_emergency": "Immediate danger",
        "banner_suicide": "Suicidal thoughts",
        "banner_info_social": "Need to talk",
        "citizen_title": "Find help near you",
        "citizen_intro": "Tell me, in your own words, what is going on for you or someone close to you. "
                         "Guide shows you the social services you can reach **without a referral**, the nearest "
                         "to where you live, and your rights. Nothing you write is kept.",
        "new_conversation": "New conversation",
        "new_conversation_help": "Forget everything and start over.",
        "chat_placeholder": "Type your message here…",
        "place_label": "Your postal code or town (optional)",
        "place_placeholder": "Postal code or town",
        "place_submit": "OK",
        "place_flag": "To find the nearest CLSC, type your postal code or town here:",
        "place_known": "Place: {place}",
        "thinking": "Looking for help for you…",
        "crisis_title": "Your safety first: call now",
        "services_title": "Where to turn",
        "kind_clsc": "CLSC: psychosocial intake",
        "kind_helpline": "Help line",
        "kind_emergency": "Emergency",
        "kind_community": "Community organization",
        "no_referral": "No referral needed",
        "distance": "{km} km away",
        "in_territory": "Your CLSC territory",
        "call": "Call",
        "text_sms": "Text",
        "hours": "Hours",
        "hours_unknown": "Hours not given in the source.",
        "no_phone_link": "To reach this CLSC: {link}",
        "unverified_phone": "Number not verified",
        "unverified_hours": "Hours not verified",
        "unverified_sms": "Text number not verified",
        "source": "Source",
        "source_link": "see the source",
        "sources_title": "Sources",
        "reference": "Reference",
        "map_title": "On the map",
        "map_caption": "Numbered blue dots: the services above; red dot: your approximate position. "
                       "The background map may not show without a connection.",
        "error_engine": "Sorry, I could not answer this time. Please try again in a moment; "
                        "at any time, you can call {link}.",
        "privacy": "Nothing is kept: the conversation disappears when you close the page "
                   "or click “New conversation”.",
        "loading": "Loading Guide…",
        "search_unavailable": "Text search is unavailable right now (the index cannot be used). Services, "
                              "lines and answers still work.",
        "engine_down": "Guide is unavailable right now. The numbers at the top of the page work: "
                       "if anyone is in danger, call them now.",
        "staff_title": "Quick lookup for staff",
        "staff_intro": "A postal code or town: the nearest CLSC points of service (psychosocial intake, "
                       "no referral needed) and the relevant help lines.",
        "staff_place": "Postal code or town",
        "staff_place_placeholder": "e.g. Rimouski, Chicoutimi, or a postal code",
        "staff_need": "Need",
        "staff_all_needs": "All needs",
        "staff_age": "Person's age (optional)",
        "staff_age_help": "With an age, sites reserved for an age group (e.g. Aire ouverte) are added when they fit.",
        "staff_limit": "Results per group",
        "staff_located": "Nearest CLSC points of service",
        "staff_lines": "Help lines",
        "staff_copy": "To copy",
        "staff_resolved": "Place: **{place}**",
        "staff_suggestions": "Did you mean:",
        "staff_none_located": "No point of service found for this need near this place.",
        "staff_search_title": "Rights, declaration and lines",
        "staff_search": "Search a passage",
        "staff_search_placeholder": "e.g. right to complain",
        "staff_search_kind": "In",
        "kind_right": "Rights",
        "kind_declaration": "Declaration",
        "kind_line": "Help lines",
        "kind_all": "All",
        "staff_no_hits": "No passage found.",
        "col_name": "Name",
        "col_address": "Address",
        "col_distance": "Distance (km)",
        "col_phone": "Phone",
        "col_text": "Text",
        "col_hours": "Hours",
        "col_territory": "CLSC territory",
        "col_no_referral": "No referral",
        "col_verified": "Verification",
        "col_intake": "Psychosocial intake",
        "col_walk_in": "Walk-in",
        "yes": "yes",
        "no": "no",
        "no_phone_staff": "not in the source",
        "staff_no_phone_note": "The MSSS M02 file gives no phone number for CLSC points of service.",
        "verified_all": "verified",
        "copy_phone": "Tel.: {phone}",
    },
}

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
@media (max-width: 640px) {
  .st-key-crisis-banner { padding: 0.2rem 0.5rem; }
  .st-key-crisis-banner p { font-size: 1rem !important; line-height: 1.45; }
  .st-key-crisis-banner p > strong:first-child { display: none; }
  [data-testid="stBottom"] [data-testid="stCaptionContainer"] p { font-size: 0.9rem !important; }
  h1 { font-size: 1.9rem !important; }
}
a:focus-visible, button:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
[data-testid="stChatMessage"] { scroll-margin-top: 10rem; }
</style>
"""


# ---------------------------------------------------------------------------------------------
# Language and labels
# ---------------------------------------------------------------------------------------------


def ui_lang() -> str:
    value = st.session_state.get("lang")
    return value if value in LANGS else "fr"


def labels(lang: str | None = None) -> dict[str, str]:
    return LABELS[lang if lang in LANGS else ui_lang()]


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
        st.segmented_control(labels()["lang_label"], options=list(LANGS), required=True,
                             format_func=lambda v: "Français" if v == "fr" else "English", key="lang",
                             label_visibility="collapsed", on_change=_on_language_change)
    lang = ui_lang()
    if lang == "fr" and "lang" in st.query_params:
        del st.query_params["lang"]
    elif lang == "en" and st.query_params.get("lang") != "en":
        st.query_params["lang"] = "en"
    return lang


def inject_css() -> None:
    st.html(CSS)


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
# Engine (loaded once per process)
# ---------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Chargement de Guide… / Loading Guide…")
@st.cache_resource(show_spinner=False)
def crisis_desk():
    """The crisis contacts, loaded on their own from the data files (no index, no model): the
    banner is drawn from them before anything that can fail is loaded."""
    from guide.conversation.crisis import CrisisDesk
    from guide.settings import get_settings

    return CrisisDesk(get_settings().corpus_dir)


def engine():
    """The process-wide engine: index, directory and models loaded once, warmed up. Without a
    usable index it still answers (crisis first) and ``engine().retrieval_error`` says why."""
    from guide.engine import get_engine

    eng = get_engine(open_index=False)  # the index is opened by the first search only
    eng.warm_up()
    return eng


def line(line_id: str) -> dict[str, Any] | None:
    """A help-line record as a service dict (from the directory, through the crisis desk)."""
    return crisis_desk().line(line_id)


def suicide_line_id() -> str | None:
    """The suicide-prevention line of the triage model (first non-emergency contact of 'suicide')."""
    kind = crisis_desk().model.kinds.get("suicide")
    for cid in (kind.contacts if kind else []):
        rec = line(cid)
        if rec and rec["kind"] != "emergency":
            return cid
    return None


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|$~])")


def md(text: str | None) -> str:
    """Escape Markdown (and LaTeX ``$``) in text that comes from a person or a record."""
    if not text:
        return ""
    out = _MD_SPECIAL.sub(r"\\\1", str(text))
    return re.sub(r"^(\s*)([-+=]|\d+[.)])(\s)", lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), out,
                  flags=re.M)


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
    """"Label : value" with the French space before the colon, "Label: value" in English."""
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


def link_phones(escaped: str, services: Iterable[dict]) -> str:
    """Turn the phone numbers of the answer's records into ``tel:`` links, in one pass."""
    phones = sorted({s["phone"] for s in services if s.get("phone")}, key=len, reverse=True)
    if not phones:
        return escaped
    pattern = re.compile(r"(?<![\w\[/-])(" + "|".join(re.escape(p) for p in phones) + r")(?![\w\]-])")
    return pattern.sub(lambda m: f"[{m.group(1)}]({tel_href(m.group(1))})", escaped)


def answer_markdown(text: str, services: Iterable[dict]) -> str:
    """The engine's answer (lines separated by "\\n") as safe Markdown with hard line breaks."""
    services = list(services)
    lines = [link_phones(md(ln), services) for ln in text.split("\n") if ln.strip()]
    return "  \n".join(lines)


def verified_flags(s: dict, L: dict[str, str]) -> list[str]:
    v = s.get("verified") or {}
    flags = []
    if s.get("phone") and v.get("phone") is False:
        flags.append(L["unverified_phone"])
    if s.get("hours") and v.get("hours") is False:
        flags.append(L["unverified_hours"])
    if s.get("text_sms") and v.get("text_sms") is False:
        flags.append(L["unverified_sms"])
    return flags


# ---------------------------------------------------------------------------------------------
# Crisis banner (every page)
# ---------------------------------------------------------------------------------------------


def banner_items(lang: str) -> list[tuple[str, dict]]:
    """(label, record) for the emergency number, the suicide-prevention line and Info-Social, from the records."""
    L = labels(lang)
    items = []
    for label, lid in ((L["banner_emergency"], EMERGENCY), (L["banner_suicide"], suicide_line_id()),
                       (L["banner_info_social"], INFO_SOCIAL)):
        rec = line(lid) if lid else None
        if rec and rec.get("phone"):
            items.append((label, rec))
    return items


def phone_text(rec: dict) -> str:
    """How a line is spoken: its number, with the words of its name's parenthesis when they belong to
    it (a spelled-out number such as "… APPELLE", or the menu option of Info-Social)."""
    phone = rec["phone"]
    extra = name_mnemonic(rec["name"])
    if extra and extra != phone and re.search(r"\d", extra):
        if re.sub(r"\D", "", extra)[:4] == re.sub(r"\D", "", phone)[:4]:
            return f"{extra} ({phone})"  # the spoken form of the number first
        return f"{phone} ({extra})"
    return phone


def crisis_banner(lang: str) -> None:
    """The banner's text, drawn in the current container (``app.py`` gives it the key
    ``crisis-banner`` that the CSS keeps at the top of the screen)."""
    L = labels(lang)
    parts = [labelled(label, tel_link(rec["phone"], phone_text(rec)), lang) for label, rec in banner_items(lang)]
    st.markdown(f"**:material/emergency: {md(L['banner_title'])}** " + " · ".join(parts))


# ---------------------------------------------------------------------------------------------
# Service cards
# ---------------------------------------------------------------------------------------------


def hours_text(s: dict, lang: str) -> str:
    """A service's hours in the person's language, rendered from its HSDS schedules (``hours_fr`` /
    ``hours_en``); the source's own text only when no schedule could be read from it."""
    return s.get(f"hours_{lang}") or s.get("hours") or ""


def service_card(s: dict, lang: str, key: str, info_social: dict | None = None, number: int | None = None) -> None:
    """One service: name, kind, no-referral badge, address and distance, phone (tel: link) or the
    record's no-phone note with Info-Social's link, hours, text line, verification flags, source."""
    L = labels(lang)
    kind_label = L.get(f"kind_{s.get('kind')}", s.get("kind") or "")
    with st.container(border=True, key=key):
        badges = [f":gray-badge[{md(kind_label)}]"]
        if s.get("no_referral"):
            badges.append(f":green-badge[:material/check: {md(L['no_referral'])}]")
        if s.get("in_territory"):
            badges.append(f":blue-badge[{md(L['in_territory'])}]")
        badges += [f":orange-badge[:material/warning: {md(f)}]" for f in verified_flags(s, L)]
        name = md(display_name(s, lang))
        title = f"{number}. {name}" if number else name
        rows = [f"**{title}**", " ".join(badges)]
        place = s.get("address") or ""
        if s.get("municipality") and s["municipality"] not in place:
            place = f"{place}, {s['municipality']}" if place else s["municipality"]
        if place:
            dist = ""
            if s.get("distance_km") is not None:
                dist = " — " + L["distance"].format(km=km(s["distance_km"], lang))
            rows.append(f":material/location_on: {md(place)}{md(dist)}")
        if s.get("phone"):
            links = [tel_link(s["phone"], phone_text(s))] + [tel_link(p) for p in s.get("phone_alternates") or []]
            rows.append(f":material/call: {md(L['call'])} " + " / ".join(links))
        note = s.get(f"note_{lang}") or s.get("note_fr")
        if not s.get("phone"):
            linked = link_phones(md(note), [info_social]) if note and info_social else md(note)
            if note:
                rows.append(f":material/call: {linked}")
            if info_social and info_social.get("phone") and linked == md(note):  # the note gives no number
                rows.append(":material/call: " + L["no_phone_link"].format(
                    link=tel_link(info_social["phone"], info_social["name"])))
        elif note:
            rows.append(f":material/info: {md(note)}")
        if s.get("text_sms"):
            rows.append(":material/sms: " + labelled(L["text_sms"], sms_link(s["text_sms"]), lang))
        if hours_text(s, lang):
            rows.append(":material/schedule: " + labelled(L["hours"], md(hours_text(s, lang)), lang))
        elif not note:
            rows.append(f":material/schedule: {md(L['hours_unknown'])}")
        st.markdown("  \n".join(rows))
        src = md(s.get("source") or "")
        if s.get("assured_date"):
            src += f" ({md(s['assured_date'])})"
        if safe_url(s.get("source_url")):
            src += f" · [{md(L['source_link'])}]({safe_url(s['source_url'])})"
        if src:
            st.caption(labelled(L["source"], src, lang))


def crisis_contact(s: dict, lang: str, key: str) -> None:
    """A crisis contact: big, first, one tap to call."""
    L = labels(lang)
    with st.container(key=key):
        rows = [f"**{md(display_name(s, lang))}**"]
        if s.get("phone"):
            rows.append(f":material/call: {tel_link(s['phone'], phone_text(s))}")
        if s.get("text_sms"):
            rows.append(":material/sms: " + labelled(L["text_sms"], sms_link(s["text_sms"]), lang))
        if hours_text(s, lang):
            rows.append(f":material/schedule: {md(hours_text(s, lang))}")
        flags = verified_flags(s, L)
        if flags:
            rows.append(" ".join(f":orange-badge[:material/warning: {md(f)}]" for f in flags))
        st.markdown("  \n".join(rows))


def as_plain(obj: Any) -> dict[str, Any]:
    """A location (pydantic model or dict, as the engine returns it) as a dict; {} for None."""
    if obj is None:
        return {}
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    return dict(obj)
