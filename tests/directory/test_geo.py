"""Place resolution: spellings, aliases, errors, coverage of every MAMH municipality."""

from __future__ import annotations

import csv

import pytest

from guide.geo import (
    Location,
    gazetteer,
    in_quebec_bbox,
    normalize_postal_code,
    place_key,
    resolve,
)
from guide.settings import get_settings

CORPUS = get_settings().corpus_dir


def _mamh() -> list[dict[str, str]]:
    with (CORPUS / "sources" / "mamh" / "MUN_geo_columns.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("text", ["H2L 3C3", "h2l3c3", "H2L-3C3", "h2l 3c3", " H2L3C3 ", "H2L"])
def test_postal_code_spellings(text: str) -> None:
    loc = resolve(text)
    assert loc.error is None
    assert loc.fsa == "H2L"
    assert loc.municipality == "Montréal"
    assert loc.latitude == pytest.approx(45.5186, abs=0.01)
    assert loc.kind == ("fsa" if text.strip() == "H2L" else "postal_code")
    if loc.kind == "postal_code":
        assert loc.postal_code == "H2L 3C3"
        assert "H2L" in loc.precision_note["en"] and "approximate" in loc.precision_note["en"].lower()


def test_postal_code_inside_an_address() -> None:
    loc = resolve("1705, rue de la Visitation, Montréal (Québec) H2L 3C3")
    assert loc.postal_code == "H2L 3C3" and loc.error is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Trois-Rivieres", "Trois-Rivières"),
        ("trois rivieres", "Trois-Rivières"),
        ("Three Rivers", "Trois-Rivières"),
        ("TROIS-RIVIÈRES", "Trois-Rivières"),
        ("St-Jerome", "Saint-Jérôme"),
        ("Saint-Jérôme", "Saint-Jérôme"),
        ("st jerome", "Saint-Jérôme"),
        ("St. Jérôme, QC", "Saint-Jérôme"),
        ("Quebec City", "Québec"),
        ("Québec", "Québec"),
        ("Montreal", "Montréal"),
        ("Montréal (Québec)", "Montréal"),
        ("Sept-Iles", "Sept-Îles"),
        ("Val d'Or", "Val-d'Or"),
        ("val dor", "Val-d'Or"),
        ("lancienne lorette", "L'Ancienne-Lorette"),
        ("Ste-Anne-des-Plaines", "Sainte-Anne-des-Plaines"),
        ("Chicoutimi", "Saguenay"),
        ("Jonquière", "Saguenay"),
        ("jonquiere", "Saguenay"),
        ("La Baie", "Saguenay"),
        ("Hull", "Gatineau"),
        ("Aylmer", "Gatineau"),
        ("Sainte-Foy", "Québec"),
        ("Ste-Foy", "Québec"),
        ("Charlesbourg", "Québec"),
        ("Beauport", "Québec"),
        ("Cap-de-la-Madeleine", "Trois-Rivières"),
        ("Fleurimont", "Sherbrooke"),
        ("Verdun", "Montréal"),
        ("Lachine", "Montréal"),
        ("Asbestos", "Val-des-Sources"),
        ("Kuujjuaq", "Kuujjuaq"),
        ("Puvirnituq", "Puvirnituq"),
        ("Povungnituk", "Puvirnituq"),
    ],
)
def test_place_names_resolve(text: str, expected: str) -> None:
    loc = resolve(text)
    assert loc.error is None, loc.message
    assert loc.municipality == expected
    assert loc.ok and in_quebec_bbox(loc.latitude, loc.longitude)


def test_alias_carries_its_justification_and_its_own_position() -> None:
    chicoutimi, jonquiere, saguenay = resolve("Chicoutimi"), resolve("Jonquière"), resolve("Saguenay")
    assert chicoutimi.kind == "alias" and "Saguenay" in chicoutimi.precision_note["en"]
    assert (chicoutimi.latitude, chicoutimi.longitude) != (jonquiere.latitude, jonquiere.longitude)
    assert saguenay.kind == "municipality"


def test_alias_named_after_a_clsc_territory_gets_it() -> None:
    assert resolve("Hull").clsc_name == "Hull"
    assert resolve("Verdun").clsc_name == "Verdun"
    assert resolve("Sainte-Foy").clsc_name == "Sainte-Foy - Sillery"


@pytest.mark.parametrize(
    "text", ["K1A 0B1", "M5V 2T6", "m5v2t6", "T2P", "Toronto", "Ottawa", "Vancouver", "Ontario", "Moncton, NB"]
)
def test_outside_quebec(text: str) -> None:
    loc = resolve(text)
    assert loc.error == "outside_quebec"
    assert loc.latitude is None and loc.longitude is None
    assert loc.message and "hors du Québec" in loc.message["fr"] and "outside Québec" in loc.message["en"]


@pytest.mark.parametrize(
    "text", ["H2L 3C", "Z9Z 9Z9", "D1A 1A1", "123456", "H2L 3C33", "HHH 3C3", "W1A 1A1", "H2D-9O9"]
)
def test_invalid_postal_codes(text: str) -> None:
    loc = resolve(text)
    assert loc.error == "invalid_postal_code"
    assert loc.message["fr"] and loc.message["en"]
    assert loc.latitude is None


def test_unknown_place_suggests_close_names() -> None:
    loc = resolve("Montrael")
    assert loc.error == "unknown_place"
    assert "Montréal" in loc.suggestions
    assert "Montréal" in loc.message["en"]
    assert resolve("Rimouksi").suggestions[:1] == ["Rimouski"]
    nothing = resolve("zzzqqqxxx")
    assert nothing.error == "unknown_place" and nothing.suggestions == []
    assert resolve("").error == "unknown_place"


def test_santa_claus_code_is_not_a_place() -> None:
    assert resolve("H0H 0H0").error == "unknown_place"


def test_normalize_postal_code() -> None:
    assert normalize_postal_code("h2l-3c3") == "H2L 3C3"
    assert normalize_postal_code("g5l") == "G5L"
    assert normalize_postal_code("H2L 3C") is None
    assert normalize_postal_code("D1A 1A1") is None


def test_every_mamh_municipality_resolves_to_itself() -> None:
    rows = _mamh()
    assert len(rows) == 1130
    by_key: dict[str, set[str]] = {}
    for r in rows:
        by_key.setdefault(place_key(r["munnom"]), set()).add(r["mcode"])
    failures = []
    for r in rows:
        loc = resolve(r["munnom"])
        if (
            loc.error
            or loc.mun_code not in by_key[place_key(r["munnom"])]
            or not in_quebec_bbox(loc.latitude, loc.longitude)
        ):
            failures.append(r["munnom"])
    assert failures == []


def test_homonyms_resolve_to_the_most_populous_and_list_the_other() -> None:
    loc = resolve("Saint-Lambert")
    assert loc.region == "Montérégie"
    assert any("Abitibi" in s for s in loc.suggestions)


def test_alias_table_is_sound() -> None:
    g = gazetteer()
    with (CORPUS / "geo" / "aliases.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    mamh_keys = {place_key(r["munnom"]) for r in _mamh()}
    assert len(rows) >= 150
    for row in rows:
        assert row["justification"].strip(), row
        assert place_key(row["municipality"]) in mamh_keys, row
        assert place_key(row["alias"]) not in mamh_keys, f"alias shadowed by a MAMH name: {row['alias']}"
        assert place_key(row["alias"]) in g.aliases


def test_misplaced_geonames_centroids_are_repaired() -> None:
    # GeoNames puts G4Z ("Baie-Comeau Northeast") 210 km away from Baie-Comeau.
    fsa, town = resolve("G4Z 1A1"), resolve("Baie-Comeau")
    from guide.geo import haversine_km

    assert float(haversine_km(fsa.latitude, fsa.longitude, town.latitude, town.longitude)) < 15
    assert resolve("J5N 1A1").error is None  # FSA missing from GeoNames, placed with M02 addresses


def test_health_region_and_clsc_territory() -> None:
    rimouski = resolve("Rimouski")
    assert rimouski.rss_code == "01" and rimouski.clsc_code == "01151"
    assert resolve("Sherbrooke").rss_code == "05"
    assert resolve("Kuujjuaq").rss_code == "17"
    assert resolve("Mistissini").rss_code == "18"
    assert resolve("Montréal").clsc_code is None  # several territories: none is assumed


def test_location_contract() -> None:
    loc = resolve("Gaspé")
    data = loc.model_dump()
    for key in ("query", "resolved", "latitude", "longitude", "error"):
        assert key in data
    assert Location.model_validate(data) == loc
