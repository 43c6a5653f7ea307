"""The Streamlit face, driven in-process with ``streamlit.testing.v1.AppTest``.

Each test asserts what a person sees (labels, cards, links, messages), with the expected facts
read from the same records the UI must use (help lines, ``services_near``, ``resolve``).
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from guide.settings import ROOT

WEB = ROOT / "guide" / "web"
APP = str(WEB / "app.py")
TIMEOUT = 180  # the first run loads the index, directory and models (~5-10 s on 2 cores)

SEPARATION = "je viens de me séparer pis je dors pu"
CRISIS = "je veux mourir ce soir, j'ai ramassé toutes mes pilules"


@pytest.fixture(scope="module", autouse=True)
def ui_env(index, index_dir):
    """The app's engine reads the session's index (built once by the ``index`` fixture)."""
    from guide import settings as settings_mod

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GUIDE_INDEX_DIR", str(index_dir))
        settings_mod.get_settings.cache_clear()
        yield
    settings_mod.get_settings.cache_clear()


@pytest.fixture(scope="module")
def lines():
    from guide.directory.near import as_dict
    from guide.directory.store import directory_path, load_directory
    from guide.settings import get_settings

    d = load_directory(directory_path(get_settings().corpus_dir))
    return {e.id: as_dict(e) for e in d.lines}


def tel(phone: str) -> str:
    return "(tel:" + re.sub(r"[^\d+]", "", phone) + ")"


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdowns(at) -> list[str]:
    return [m.value for m in at.markdown]


def send(at: AppTest, text: str) -> AppTest:
    at.chat_input(key="chat").set_value(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def send_place(at: AppTest, place: str) -> AppTest:
    at.text_input(key="place_input").input(place)
    submit = [b for b in at.button if b.label == "OK"]
    assert submit, [b.label for b in at.button]
    submit[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def last_answer(at: AppTest):
    turns = at.session_state["turns"]
    assert turns and turns[-1]["role"] == "assistant" and "answer" in turns[-1], turns
    return turns[-1]["answer"]


# -- citizen chat -------------------------------------------------------------------------------


def test_default_page_is_french_with_crisis_banner(lines):
    from guide.engine import EMERGENCY, INFO_SOCIAL

    at = start()
    assert [t.value for t in at.title] == ["Trouver de l'aide près de chez vous"]
    banner = next(m for m in markdowns(at) if "Besoin d'aide maintenant" in m)
    emergency, info = lines[EMERGENCY], lines[INFO_SOCIAL]
    suicide = lines["line-ligne-quebecoise-de-prevention-du-suicide-1-866"]
    # 911 first, then the suicide-prevention line (its spoken name), then Info-Social 811 option 2
    positions = [banner.index(tel(r["phone"])) for r in (emergency, suicide, info)]
    assert positions == sorted(positions)
    assert f"[{emergency['phone']}]{tel(emergency['phone'])}" in banner
    assert "APPELLE" in banner and "option 2" in banner
    assert at.chat_input(key="chat").placeholder.startswith("Écrivez")
    assert at.text_input(key="place_input").label.startswith("Votre code postal")
    assert at.segmented_control(key="lang").value == "fr"


def test_message_then_place_box_gives_rimouski_clsc_card():
    from guide.directory.near import services_near
    from guide.engine import INFO_SOCIAL

    at = start()
    send(at, SEPARATION)
    a = last_answer(at)
    assert a.language == "fr" and a.follow_up  # Guide asks where the person lives...
    assert any("code postal ou votre ville ici" in m for m in markdowns(at))  # ...and flags the box
    assert not any(s["kind"] == "clsc" for s in a.services)

    send_place(at, "Rimouski")
    a = last_answer(at)
    clscs = [s for s in a.services if s["kind"] == "clsc"]
    assert clscs and clscs[0]["municipality"] == "Rimouski"
    nearest = services_near("Rimouski", kind="clsc", limit=1)[0]
    assert clscs[0]["id"] == nearest["id"]
    cards = [m for m in markdowns(at) if ":gray-badge[CLSC : accueil psychosocial]" in m]
    card = next(m for m in cards if nearest["name"] in m)
    assert "Rimouski" in card and "Sans référence" in card and re.search(r" — à \d+,\d km", card)
    assert nearest["address"].split(",")[0] in card
    # no phone in the M02 source: the card routes to Info-Social with a tel: link from its record
    info = next(s for s in a.services if s["id"] == INFO_SOCIAL)
    assert tel(info["phone"]) in card
    # the place is remembered, the flag is gone, the user bubble shows the place
    assert at.session_state["conv"].model_dump()["location"]["resolved"] == "Rimouski"
    assert not any("code postal ou votre ville ici" in m for m in markdowns(at))
    assert any(c.value == "Lieu retenu : Rimouski" for c in at.caption)
    # sources as expanders, one per citation
    assert len(at.expander) >= len(a.citations) >= 2
    assert any(re.match(r"\[\d+\] Principe 2", e.label) for e in at.expander)


def test_place_in_the_message_gives_a_clsc_card_and_a_map():
    at = start()
    send(at, "je viens de me séparer pis je dors pu, j'habite à Rimouski")
    a = last_answer(at)
    assert [s["municipality"] for s in a.services if s["kind"] == "clsc"][0] == "Rimouski"
    assert any(m.startswith("**1. CLSC") for m in markdowns(at))
    assert len(at.get("deck_gl_json_chart")) == 1  # the map of located services


def test_crisis_message_shows_contacts_first(lines):
    from guide.engine import EMERGENCY

    at = start()
    send(at, CRISIS)
    a = last_answer(at)
    assert a.crisis.detected and a.crisis.contacts[0]["id"] == EMERGENCY
    reply = at.chat_message[1]
    assert reply.name == "assistant"
    md = [m.value for m in reply.markdown]
    assert md[0].startswith("### :material/emergency: Votre sécurité d'abord")
    assert md[1].startswith("**Urgence 9-1-1**") and tel(lines[EMERGENCY]["phone"]) in md[1]
    suicide_line = next(c for c in a.crisis.contacts if c["kind"] == "helpline")
    assert tel(suicide_line["phone"]) in md[2]
    text_at = next(i for i, m in enumerate(md) if "Prévention du suicide :" in m)
    assert text_at > 2  # the engine's text comes after the big contacts


def test_language_toggle_switches_labels_to_english():
    at = start()
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Find help near you"]
    assert any("Need help now?" in m and "Immediate danger" in m for m in markdowns(at))
    assert at.chat_input(key="chat").placeholder.startswith("Type your message")
    assert at.text_input(key="place_input").label == "Your postal code or town (optional)"
    assert not any("Besoin d'aide maintenant" in m for m in markdowns(at))
    # the engine answers in the person's language; the cards follow it
    send(at, "I just broke up with my partner and I can't sleep anymore, I live in Sherbrooke")
    a = last_answer(at)
    assert a.language == "en"
    assert any(":green-badge[:material/check: No referral needed]" in m for m in markdowns(at))


def test_ui_follows_the_person_language():
    at = start()
    send(at, "I just broke up with my partner and I can't sleep anymore")
    assert last_answer(at).language == "en"
    assert at.session_state["lang"] == "en"
    assert [t.value for t in at.title] == ["Find help near you"]


def test_new_conversation_forgets_everything():
    at = start()
    send(at, SEPARATION)
    send_place(at, "Rimouski")
    assert len(at.chat_message) == 4
    at.button(key="new_conversation").click().run()
    assert not at.exception
    assert len(at.chat_message) == 0
    assert at.session_state["turns"] == [] and at.session_state["conv"] is None
    assert at.text_input(key="place_input").value == ""
    # the next message starts a fresh conversation: the place is asked again
    send(at, SEPARATION)
    a = last_answer(at)
    assert a.state.turns == 1 and a.follow_up and not a.state.location


def test_user_text_is_not_rendered_as_markdown_or_html():
    at = start()
    send(at, "**gras** <b>x</b> [lien](http://example.com) $x$ je suis seul")
    shown = at.chat_message[0].markdown[0].value
    assert "\\*\\*gras\\*\\*" in shown and "\\<b\\>" in shown and "\\[lien\\]" in shown and "\\$x\\$" in shown


def test_engine_failure_is_kind_and_logs_no_words(monkeypatch, caplog, lines):
    from guide.engine import INFO_SOCIAL, Engine

    at = start()  # the engine is loaded (and warmed up) before it breaks

    def broken(self, message, **kwargs):
        raise RuntimeError(f"boom: {message}")

    monkeypatch.setattr(Engine, "ask", broken)
    with caplog.at_level("DEBUG"):
        send(at, "mon secret très personnel")
    warning = at.chat_message[1].warning[0].value
    assert "Désolé" in warning and tel(lines[INFO_SOCIAL]["phone"]) in warning
    assert "secret" not in caplog.text and "RuntimeError" in caplog.text
    assert at.session_state["conv"] is None  # nothing understood, nothing kept


# -- staff lookup -------------------------------------------------------------------------------


def staff() -> AppTest:
    at = start()
    at.switch_page("views/staff.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Recherche rapide pour intervenant·e"]
    return at


def test_staff_postal_code_lists_clsc_rows():
    from guide.directory.near import services_near

    at = staff()
    at.text_input(key="staff_place").input("H2L 3C3").run()
    assert not at.exception
    expected = [s["name"] for s in services_near("H2L 3C3", kind="clsc", limit=5)]
    located = at.dataframe[0].value
    assert list(located["Nom"]) == expected and all("CLSC" in n or "services sociaux" in n for n in expected)
    assert (located["Sans référence"] == "oui").all()
    assert located["Distance (km)"].is_monotonic_increasing
    lines_table = at.dataframe[1].value
    assert "Info-Social 811 (option 2)" in list(lines_table["Nom"])
    block = at.code[0].value
    assert expected[0] in block and "Tél." in block
    assert any("H2L 3C3 (Montréal)" in m for m in markdowns(at))


def test_staff_need_filter_changes_lines():
    at = staff()
    at.text_input(key="staff_place").input("Rimouski").run()
    at.selectbox(key="staff_need").set_value("domestic_violence").run()
    assert not at.exception
    names = list(at.dataframe[1].value["Nom"])
    assert any("SOS violence conjugale" in n for n in names), names
    assert any("Rimouski" in n for n in at.dataframe[0].value["Adresse"])


def test_staff_outside_quebec_message():
    from guide.geo import resolve

    at = staff()
    at.text_input(key="staff_place").input("Toronto").run()
    assert [e.value for e in at.error] == [resolve("Toronto").message["fr"]]
    assert "hors du Québec" in at.error[0].value
    assert len(at.dataframe) == 0


def test_staff_malformed_postal_code_message():
    at = staff()
    at.text_input(key="staff_place").input("Z9Z").run()
    assert len(at.error) == 1 and "n'est pas un code postal canadien valide" in at.error[0].value
    assert len(at.dataframe) == 0


def test_staff_unknown_place_offers_suggestions():
    at = staff()
    at.text_input(key="staff_place").input("Rimouskii").run()
    assert "Je ne trouve pas" in at.warning[0].value
    pills = at.pills(key="staff_suggestion")
    assert "Rimouski" in pills.options
    pills.set_value("Rimouski").run()
    assert not at.exception
    assert at.text_input(key="staff_place").value == "Rimouski"
    assert any("Rimouski" in a for a in at.dataframe[0].value["Adresse"])


def test_staff_search_rights():
    at = staff()
    at.text_input(key="staff_query").input("droit de porter plainte").run()
    assert not at.exception
    hits = [m for m in markdowns(at) if ":gray-badge[Droits]" in m]
    assert hits and any("plainte" in h.lower() for h in hits)
    at.text_input(key="staff_query").input("!!!").run()
    assert at.warning and "aucun mot" in at.warning[0].value


def test_staff_page_in_english():
    at = staff()
    at.segmented_control(key="lang").set_value("en").run()
    assert [t.value for t in at.title] == ["Quick lookup for staff"]
    at.text_input(key="staff_place").input("Toronto").run()
    assert "outside Québec" in at.error[0].value


# -- no typed numbers -----------------------------------------------------------------------------


def test_ui_code_types_no_phone_number(lines):
    """Every number shown comes from a record: none of the directory's phone numbers is in guide/web/
    (code or labels)."""
    sources = {
        str(p.relative_to(WEB)): p.read_text(encoding="utf-8")
        for p in sorted(WEB.rglob("*"))
        if p.suffix in (".py", ".yaml")
    }
    assert {"app.py", "components.py", "views/citizen.py", "views/staff.py", "fr.yaml", "en.yaml"} <= set(sources)
    for rec in lines.values():
        for phone in [rec["phone"], *rec["phone_alternates"], rec["text_sms"]]:
            if not phone:
                continue
            digits = re.sub(r"\D", "", phone)
            pattern = re.compile(r"(?<![\w-])" + r"[\s.-]?".join(digits) + r"(?![\w])")
            for name, text in sources.items():
                assert not pattern.search(text), f"{name} types the number {phone} ({rec['id']})"


def test_lang_query_parameter_opens_english():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Find help near you"]
    assert at.segmented_control(key="lang").value == "en"
    at.segmented_control(key="lang").set_value("fr").run()
    assert [t.value for t in at.title] == ["Trouver de l'aide près de chez vous"]


# -- guide app ------------------------------------------------------------------------------------


def test_guide_app_command_runs_streamlit_headless_without_telemetry(monkeypatch):
    import typer
    from typer.testing import CliRunner

    from guide.cli import web as cli_ui

    calls = []
    monkeypatch.setattr(cli_ui.subprocess, "call", lambda cmd, **kw: calls.append((cmd, kw)) or 0)
    app = typer.Typer()
    app.command("app")(cli_ui.app_command)
    app.command("other")(lambda: None)  # two commands: "app" is a sub-command, as when mounted
    result = CliRunner().invoke(app, ["app", "--port", "8599", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    ((cmd, kw),) = calls
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(ROOT / "guide" / "web" / "app.py")
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags["--server.port"] == "8599" and flags["--server.address"] == "0.0.0.0"
    assert flags["--server.headless"] == "true" and flags["--browser.gatherUsageStats"] == "false"
    assert kw["cwd"] == str(ROOT)
    bad = CliRunner().invoke(app, ["app", "--port", "0"])
    assert bad.exit_code == 2


# -- the web face's shape ---------------------------------------------------------------------------


def test_labels_are_two_yaml_files_with_the_same_keys():
    import yaml

    fr = yaml.safe_load((WEB / "fr.yaml").read_text(encoding="utf-8"))
    en = yaml.safe_load((WEB / "en.yaml").read_text(encoding="utf-8"))
    assert fr.keys() == en.keys() and len(fr) > 100
    assert all(isinstance(v, str) and v.strip() for v in [*fr.values(), *en.values()])
    for key in fr:  # the same placeholders in both languages
        assert set(re.findall(r"{(\w+)}", fr[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_web_code_is_a_plain_package_that_uses_public_engine_methods_only():
    """No sys.path tricks, no imports after code (E402), no reaching into the engine's or the crisis desk's insides."""
    code = {str(p.relative_to(WEB)): p.read_text(encoding="utf-8") for p in WEB.rglob("*.py")}
    assert not (ROOT / "ui").exists()
    for name, text in code.items():
        assert "sys.path" not in text and "E402" not in text, name
        for internal in (
            "lines_by_id",
            "triager",
            ".model.kinds",
            "crisis_desk.",
            "._index",
            ".records",
            ".directory.lines",
            ".matcher",
            ".prose",
        ):
            assert internal not in text, f"{name} reaches into {internal}"
