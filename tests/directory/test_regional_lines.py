"""Regional doors and lines (issue 12): DPJ, intake numbers, 211 by area, hours in both languages, the
importers' validation, the precedence rule, and the HSDS package's validity."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from guide.directory import hours as H
from guide.directory import importer, regional
from guide.directory.near import services_near
from guide.directory.store import load_directory
from guide.geo import resolve
from guide.grounding import PHONE, grounding_problems, phone_key
from guide.settings import get_settings

CORPUS = get_settings().corpus_dir
DIRECTORY = CORPUS / "directory"
CHILD_AT_RISK = "mon voisin bat son enfant tous les soirs, je l'entends crier"
#: A town of each health region.
TOWNS = {
    "01": "Rimouski",
    "02": "Jonquière",
    "03": "Québec",
    "04": "Trois-Rivières",
    "05": "Sherbrooke",
    "06": "Montréal",
    "07": "Gatineau",
    "08": "Rouyn-Noranda",
    "09": "Sept-Îles",
    "10": "Chibougamau",
    "11": "Gaspé",
    "12": "Lévis",
    "13": "Laval",
    "14": "Joliette",
    "15": "Saint-Jérôme",
    "16": "Saint-Hyacinthe",
    "17": "Kuujjuaq",
    "18": "Mistissini",
}


@pytest.fixture(scope="module")
def engine(settings, index):
    from guide.engine import Engine

    return Engine(settings, index=index, writer=None)


def _dpj_by_region() -> dict[str, list]:
    d = load_directory(DIRECTORY)
    out: dict[str, list] = {}
    for e in d.shown_lines:
        if e.line_group == "dpj":
            for code in e.rss_codes:
                out.setdefault(code, []).append(e)
    return out


def _digits(text: str) -> set[str]:
    return {phone_key(m.group(0)) for m in PHONE.finditer(text or "")}


# --- youth protection -----------------------------------------------------------------------------


def test_every_region_has_a_dpj_route() -> None:
    by_region = _dpj_by_region()
    assert set(by_region) == set(TOWNS)  # 17 regions with their own number, Nord-du-Québec routed
    assert {e.region for e in by_region["10"]} == {"02", "08"}


@pytest.mark.parametrize("region", sorted(TOWNS))
def test_child_at_risk_gets_the_regions_dpj_first(engine, region: str) -> None:
    town = TOWNS[region]
    assert resolve(town).rss_code == region
    a = engine.ask(CHILD_AT_RISK, where=town)
    assert a.crisis.detected and "child_at_risk" in a.crisis.kinds, a.crisis
    expected = _dpj_by_region()[region]
    contacts = [c for c in a.crisis.contacts if c["id"] != "line-urgence-9-1-1"]
    assert [c["id"] for c in contacts[: len(expected)]] == [e.id for e in expected]  # the DPJ first
    for e in expected:
        assert e.phone in a.answer, (town, e.id, e.phone)
        if e.verification != "verified":
            assert "à confirmer" in a.answer
    assert grounding_problems(a) == []


def test_dpj_precedence_prefers_the_establishments_current_page() -> None:
    shown = {
        phone_key(n)
        for r, lines in _dpj_by_region().items()
        for e in lines
        for n in (e.phone, *e.phone_alternates)
        if n
    }
    assert {"4185433006", "8197766060", "8003615310"} <= shown
    # the older list's numbers stay in the data, not shown
    assert not {"4185494853", "8197716631", "4506790140", "5147211811"} & shown
    phones = {phone_key(r["number"]) for r in csv.DictReader((DIRECTORY / "phones.csv").open(encoding="utf-8"))}
    assert {"4185494853", "8197716631", "4506790140", "5147211811"} <= phones
    d = load_directory(DIRECTORY)
    old = next(e for e in d.lines if e.phone == "418 549-4853")
    assert old.superseded_by and "gives way" in old.superseded_by


# --- the door ------------------------------------------------------------------------------------


def test_intake_number_on_the_clscs_it_covers() -> None:
    sherbrooke = services_near("Sherbrooke", kind="clsc", limit=1)[0]
    assert sherbrooke["intake_phone"] == "819 780-2220, poste 48415"
    assert sherbrooke["hours_fr"] == "de 8 h 30 à 16 h 30" and sherbrooke["hours_en"] == "8:30 a.m. to 4:30 p.m."
    assert sherbrooke["verification"] == "verified" and sherbrooke["phone"] is None
    # a switchboard ("numéro général du CLSC") is the CLSC's phone, never its intake number
    d = load_directory(DIRECTORY)
    longueuil = d.by_id["svc-clsc-51229003"]
    assert longueuil.phone == "450 651-9830" and longueuil.intake_phone == "1 833 771-3716"
    assert longueuil.verified == {"phone": False, "intake_phone": True, "hours": True}
    assert all(
        e.intake_phone
        not in ("450 651-9830", "450 463-2850", "450 746-4545", "450 778-2572", "450 536-2572", "450 371-0143")
        for e in d.located
    )
    # walk-in intake only at the seven CLSCs the release names
    assert d.by_id["svc-clsc-51218824"].walk_in  # CLSC des Patriotes
    assert d.by_id["svc-clsc-51234821"].walk_in is None  # CLSC de Varennes (same establishment)
    # Laval's "accueil santé première ligne" is not presented as the psychosocial intake
    assert not any(e.intake_phone for e in d.located if e.rss_code == "13")
    # the 811 alternate number of the Outaouais is not a CLSC's intake
    assert not any(e.intake_phone for e in d.located if e.rss_code == "07")


def test_door_shows_the_intake_number_with_its_hours(engine) -> None:
    a = engine.ask("je me sens déprimé depuis des semaines", where="Sherbrooke")
    door = next(line for line in a.answer.splitlines() if line.startswith("Votre CLSC"))
    assert "819 780-2220, poste 48415 (de 8 h 30 à 16 h 30)" in door
    assert "811, option 2" in a.answer and grounding_problems(a) == []
    en = engine.ask("I have been feeling depressed for weeks", where="Sherbrooke", lang="en")
    assert "819 780-2220, poste 48415 (8:30 a.m. to 4:30 p.m.)" in en.answer
    secondary = engine.ask("je me sens déprimé depuis des semaines", where="Rimouski")
    assert "1-833-422-2267" in secondary.answer and "(à confirmer)" in secondary.answer
    assert grounding_problems(secondary) == []


def test_no_intake_number_means_811_and_no_invented_number(engine) -> None:
    a = engine.ask("je me sens déprimé depuis des semaines", where="Trois-Rivières")
    clscs = [s for s in a.services if s["kind"] == "clsc"]
    assert clscs and not any(s["intake_phone"] or s["phone"] for s in clscs)
    assert "Info-Social 811, option 2" in a.answer
    returned = set().union(
        *(
            _digits(" ".join(filter(None, [s.get("phone"), s.get("intake_phone"), *(s.get("phone_alternates") or [])])))
            for s in a.services
        )
    )
    assert _digits(a.answer) <= returned
    door = next(line for line in a.answer.splitlines() if line.startswith("Votre CLSC"))
    assert not _digits(door)
    assert grounding_problems(a) == []


# --- 211 and other area-limited lines -------------------------------------------------------------


@pytest.mark.parametrize(
    "place, expected",
    [
        ("Montréal", "line-211-grand-montreal-centre-de-reference-du-grand"),
        ("Laval", "line-211-grand-montreal-centre-de-reference-du-grand"),
        ("Vaudreuil-Dorion", "line-211-grand-montreal-centre-de-reference-du-grand"),  # MRC Vaudreuil-Soulanges
        ("Saint-Rémi", "line-211-grand-montreal-centre-de-reference-du-grand"),  # MRC Jardins-de-Napierville
        ("Gatineau", "line-211-gatineau-opere-par-le-centre-de-reference-du"),
        ("J9H 6H9", "line-211-gatineau-opere-par-le-centre-de-reference-du"),  # Aylmer sector
        ("Québec", "line-211-quebec-regions-centre-d-information-et-de-re"),
        ("Lévis", "line-211-quebec-regions-centre-d-information-et-de-re"),
        ("Rimouski", "line-211-quebec-regions-centre-d-information-et-de-re"),
        ("Granby", "line-211-quebec-regions-centre-d-information-et-de-re"),  # MRC La Haute-Yamaska
        ("Rouyn-Noranda", None),
        ("Sherbrooke", None),
        ("Val-des-Monts", None),
        ("Saguenay", None),
        ("Trois-Rivières", None),
        ("Sept-Îles", None),
        ("Gaspé", None),
        ("Joliette", None),
        ("Kuujjuaq", None),
    ],
)
def test_211_only_where_a_centre_serves(place: str, expected: str | None) -> None:
    ids = [s["id"] for s in services_near(place, kind="helpline", need="poverty_food", limit=20)]
    found = [i for i in ids if i.startswith("line-211")]
    assert found == ([expected] if expected else []), (place, found)


def test_211_has_its_centres_hours_and_the_old_province_wide_row_is_not_shown() -> None:
    d = load_directory(DIRECTORY)
    old = d.by_id["line-211-grand-montreal-quebec-regions"]
    assert old.superseded_by and "2021-12-31" in old.superseded_by
    quebec = d.by_id["line-211-quebec-regions-centre-d-information-et-de-re"]
    assert quebec.hours_fr == (
        "du lundi au vendredi, de 8 h à 19 h ; samedi, dimanche et jours fériés, de 8 h à 15 h 30"
    )
    assert all(s["id"] != old.id for s in services_near("Montréal", kind="helpline", limit=50))


def test_other_language_gets_211_only_where_a_centre_serves(engine) -> None:
    msg = "necesito ayuda con mi renta, no tengo dinero"
    assert not [s for s in engine.ask(msg).services if s["id"].startswith("line-211")]
    assert not [s for s in engine.ask(msg, where="Sherbrooke").services if s["id"].startswith("line-211")]
    montreal = [s["id"] for s in engine.ask(msg, where="Montréal").services]
    assert "line-211-grand-montreal-centre-de-reference-du-grand" in montreal


def test_complaint_gives_the_regions_commissioner_and_caap_or_the_federation(engine) -> None:
    msg = "je veux porter plainte contre le CLSC, on m'a mal traité"
    laval = engine.ask(msg, where="Laval")
    assert "450 668-1010, poste 23628" in laval.answer and "450 662-6022" in laval.answer
    assert laval.answer.count("(à confirmer)") >= 2  # both from the former CSSS de Laval's site
    rouyn = engine.ask(msg, where="Rouyn-Noranda")
    assert "1 877 767-2227" in rouyn.answer  # no regional CAAP known: the federation's routing number
    lanaudiere = [s["id"] for s in services_near("Joliette", kind="helpline", need="rights_complaint")]
    assert lanaudiere[:2] == [
        "regional-14-commissioner-commissaire-aux-plaintes-et-a-la-qualite",
        "regional-14-caap-caap-lanaudiere",
    ]
    assert "regional-00-caap-joindre-le-caap-de-votre-region-fcaap" not in lanaudiere
    for answer in (laval, rouyn):
        assert grounding_problems(answer) == []


def test_new_province_wide_lines_serve_their_needs() -> None:
    def ids(place: str, need: str) -> list[str]:
        return [s["id"] for s in services_near(place, kind="helpline", need=need, limit=10)]

    assert ids("Sherbrooke", "caregivers")[0] == "line-info-aidant-l-appui-pour-les-proches-aidants"
    assert ids("Gaspé", "indigenous")[0] == "line-ligne-d-ecoute-d-espoir-pour-le-mieux-etre-premi"
    assert "line-centre-hospitalier-kateri-memorial-kahnawa-ke" in ids("Kahnawake", "indigenous")
    assert "line-centre-hospitalier-kateri-memorial-kahnawa-ke" not in ids("Gaspé", "indigenous")
    montreal = ids("Montréal", "housing_homelessness")
    assert "line-tribunal-administratif-du-logement-tal-renseignements-montreal-laval-longueuil" in montreal
    assert "line-tribunal-administratif-du-logement-tal-renseignements-autres-regions" not in montreal
    assert "line-tribunal-administratif-du-logement-tal-renseignements-autres-regions" in ids(
        "Rimouski", "housing_homelessness"
    )
    assert "line-tel-ecoute" not in ids("Québec", "general_distress")


# --- hours ---------------------------------------------------------------------------------------

_ENGLISH = re.compile(r"\b(a\.m\.|p\.m\.|days?|daily|weekdays?|weekends?|Mon|Fri|hours|noon|Office|to|and)\b")
_FRENCH = re.compile(r"\b(jours?|lundi|vendredi|samedi|dimanche|heures|sur|de \d+ h|fériés|à)\b|\d h\b")


def test_hours_render_in_each_language() -> None:
    d = load_directory(DIRECTORY)
    services = list(d.lines) + list(d.doors) + [e for e in d.located if e.hours_fr]
    assert len([e for e in services if e.hours_fr]) > 100
    for e in services:
        if e.hours:
            assert e.hours_fr and e.hours_en, e.id
            assert not _ENGLISH.search(e.hours_fr), (e.id, e.hours_fr)
            assert not _FRENCH.search(e.hours_en), (e.id, e.hours_en)
    lamaa = d.by_id["line-ligne-aide-maltraitance-adultes-aines-lamaa"]
    assert lamaa.hours == "7 days, 8 a.m.-8 p.m."  # kept as the source writes it
    assert lamaa.hours_fr == "7 jours sur 7, de 8 h à 20 h" and lamaa.hours_en == "7 days a week, 8 a.m. to 8 p.m."


@pytest.mark.parametrize(
    "text, fr, en, kind",
    [
        ("24/7", "24 h sur 24, 7 jours sur 7", "24 hours a day, 7 days a week", "structured"),
        (
            "Lundi à vendredi 8 h à 20 h; samedi, dimanche et fériés 8 h à 16 h",
            "du lundi au vendredi, de 8 h à 20 h ; samedi, dimanche et jours fériés, de 8 h à 16 h",
            "Monday to Friday, 8 a.m. to 8 p.m.; Saturday, Sunday and holidays, 8 a.m. to 4 p.m.",
            "structured",
        ),
        (
            "lundi au jeudi 8 h–12 h et 12 h 30–16 h 30; vendredi 8 h–12 h et 12 h 30–14 h 30",
            "du lundi au jeudi, de 8 h à 12 h et de 12 h 30 à 16 h 30 ; vendredi, de 8 h à 12 h et de 12 h 30 à 14 h 30",
            "Monday to Thursday, 8 a.m. to noon and 12:30 p.m. to 4:30 p.m.; Friday, 8 a.m. to noon and 12:30 p.m. "
            "to 2:30 p.m.",
            "structured",
        ),
        (
            "7 jours sur 7: 8 h à 16 h 30 en semaine, 8 h à 16 h la fin de semaine; le 811 prend le relais en soirée",
            "du lundi au vendredi, de 8 h à 16 h 30 ; samedi et dimanche, de 8 h à 16 h",
            "Monday to Friday, 8 a.m. to 4:30 p.m.; Saturday and Sunday, 8 a.m. to 4 p.m.",
            "structured",
        ),
        # hours about another number, historical or uncertain are not structured
        (
            "ligne d'intervention; 1 866 APPELLE acheminé au CPSL (24/7 per provincial line)",
            "Heures non indiquées dans la source",
            "Hours not given in the source",
            "unknown",
        ),
        (
            "Historically 24/7; night line threatened with closure March 2023 — current hours UNVERIFIED",
            "Heures actuelles non confirmées",
            "Current hours not confirmed",
            "uncertain",
        ),
        (
            "Office hours (not verified)",
            "Heures de bureau (heures précises non indiquées dans la source)",
            "Office hours (exact hours not given in the source)",
            "office",
        ),
    ],
)
def test_hours_parser(text: str, fr: str, en: str, kind: str) -> None:
    parsed = H.parse(text)
    assert parsed.kind == kind
    assert H.text_for(parsed, "fr") == fr and H.text_for(parsed, "en") == en
    rows = H.schedule_rows(parsed, lambda i: f"s{i}", {"service_id": "x"})
    assert rows[0]["description"] == text  # the source's text, kept
    assert H.render(H.slots_from_rows(rows), "fr") == (fr if kind == "structured" else None)


def test_schedules_are_structured_in_hsds() -> None:
    rows = list(csv.DictReader((DIRECTORY / "schedules.csv").open(encoding="utf-8")))
    always = [r for r in rows if r["notes"] == "24/7"]
    assert always and all(r["byday"] == "MO,TU,WE,TH,FR,SA,SU" and r["opens_at"] == "00:00:00" for r in always)
    assert any(
        r["byday"] == "MO,TU,WE,TH,FR" and r["opens_at"] == "08:30:00" and r["closes_at"] == "16:30:00" for r in rows
    )


# --- importers -----------------------------------------------------------------------------------


def _corpus_with_regional(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "sources").mkdir(parents=True)
    for p in (CORPUS / "sources").iterdir():
        if p.name != "regional_lines":
            (corpus / "sources" / p.name).symlink_to(p, target_is_directory=p.is_dir())
    for name in ("taxonomy", "geo"):
        (corpus / name).symlink_to(CORPUS / name, target_is_directory=True)
    target = corpus / "sources" / "regional_lines"
    target.mkdir()
    with (target / "regional_lines.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return corpus


def test_regional_import_rejects_malformed_rows_with_reasons_and_is_idempotent(tmp_path: Path) -> None:
    source = list(csv.DictReader((CORPUS / regional.SOURCE_FILE).open(encoding="utf-8")))
    good = next(r for r in source if r["name_fr"] == "CAAP Bas-Saint-Laurent")
    bad = [
        {**good, "phone": "418 724-65"},
        {**good, "region_code": "19"},
        {**good, "source_url": ""},
        {**good, "phone": "418 555-0101"},
        {**good, "kind": "hospital"},
        dict(good),
        {
            **good,
            "kind": "psychosocial_intake",
            "name_fr": "Accueil psychosocial – CLSC de Nulle-Part",
            "establishment": "CISSS du Bas-Saint-Laurent",
        },
        {**good, "verification": "maybe"},
        {**good, "source_date": "2025/01/02", "phone": "1 877 767-2227"},
    ]
    corpus = _corpus_with_regional(tmp_path, [good, *bad])
    summary = importer.import_lines(corpus_dir=corpus)
    reg = summary.others[0]
    assert (reg.total, reg.accepted, reg.rejected) == (10, 1, 9)
    report = list(
        csv.DictReader((corpus / "directory" / "reports" / "regional_lines_import_report.csv").open(encoding="utf-8"))
    )
    reasons = [r["reason"] for r in report]
    assert report[0]["status"] == "accepted" and all(r["status"] == "rejected" for r in report[1:])
    for i, expected in enumerate(
        [
            "invalid phone number",
            "unknown region code '19'",
            "missing required field source_url",
            "not in the quoted sentence",
            "unknown kind 'hospital'",
            "duplicate row",
            "cannot tie 'CLSC de Nulle-Part'",
            "invalid verification 'maybe'",
            "invalid source_date",
        ],
        1,
    ):
        assert expected in reasons[i], (i, reasons[i])
    first = {
        p.relative_to(corpus / "directory").as_posix(): p.read_bytes()
        for p in sorted((corpus / "directory").rglob("*"))
        if p.is_file()
    }
    importer.import_lines(corpus_dir=corpus)
    again = {
        p.relative_to(corpus / "directory").as_posix(): p.read_bytes()
        for p in sorted((corpus / "directory").rglob("*"))
        if p.is_file()
    }
    assert again == first


def test_every_source_row_has_a_report_line() -> None:
    reports = DIRECTORY / "reports"
    reg = list(csv.DictReader((reports / "regional_lines_import_report.csv").open(encoding="utf-8")))
    assert len(reg) == 97 and all(r["status"] == "accepted" and r["service_id"] for r in reg)
    helplines = list(csv.DictReader((reports / "helplines_import_report.csv").open(encoding="utf-8")))
    assert len(helplines) == 1 + 24 + 20
    out = {r["line_id"]: r for r in helplines if r["status"] != "accepted"}
    assert set(out) == {
        "line-sos-violence-conjugale-texto-et-clavardage",
        "line-nunavik-9-1-1-centre-d-appels-d-urgence-de-saint",
    }
    assert all(r["status"] == "classified_out" and r["reason"] for r in out.values())


def test_every_service_carries_its_verification_and_source() -> None:
    d = load_directory(DIRECTORY)
    for e in list(d.lines) + list(d.doors):
        assert e.verification in ("verified", "secondary", "unverified"), e.id
        assert e.source and e.source_url and e.assured_date, e.id
    dated = d.by_id["regional-16-intake-accueil-telephonique-sante-mentale-prise"]
    assert dated.source_date == "2025-09-12"


# --- HSDS package --------------------------------------------------------------------------------


def test_hsds_package_is_valid() -> None:
    import frictionless  # the "test" extra installs it

    report = frictionless.validate(str(DIRECTORY / "datapackage.json"))
    errors = [e.message for task in report.tasks for e in task.errors] + [e.message for e in report.errors]
    assert report.valid, errors[:5]
    package = json.loads((DIRECTORY / "datapackage.json").read_text(encoding="utf-8"))
    assert {"programs.csv", "contacts.csv"} <= {r["path"] for r in package["resources"]}


# --- CLI -----------------------------------------------------------------------------------------


def test_services_near_json_and_coverage_command() -> None:
    from guide.cli.directory import directory_app
    from guide.cli.services import services_app

    app = typer.Typer()
    app.add_typer(services_app, name="services")
    app.add_typer(directory_app, name="directory")
    runner = CliRunner()
    res = runner.invoke(app, ["services", "near", "Sherbrooke", "--json", "--limit", "2"])
    assert res.exit_code == 0, res.output
    first = json.loads(res.stdout)["services"][0]
    assert first["intake_phone"] == "819 780-2220, poste 48415" and first["verification"] == "verified"
    assert "walk_in" in first and "hours_fr" in first
    res = runner.invoke(app, ["directory", "coverage"])
    assert res.exit_code == 0, res.output
    rows = [line for line in res.stdout.splitlines() if re.match(r"\| \d\d \|", line)]
    assert len(rows) == 18
    assert "routed to 02, 08" in next(r for r in rows if r.startswith("| 10 |"))


def test_coverage_script_runs() -> None:
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "scripts" / "coverage.py"
    out = subprocess.run([sys.executable, str(script), "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert len(data["regions"]) == 18 and data["summary"]["dpj"]["none"] == 0
