"""Places read from free text (``find_place``), boroughs placed at their own position, First Nations
communities, homonyms, and the order of the points of service (own territory, own region, distance).

The table is what a social worker checked: a message → the place Guide should read, or None. A
message is read as the engine reads it: a short reply (≤ 60 characters) goes to ``resolve`` first,
then the whole message to ``find_place``."""

from __future__ import annotations

import csv

import pytest

from guide.directory.near import services_near
from guide.geo import gazetteer, haversine_km, place_key, resolve
from guide.places_in_text import find_place
from guide.settings import get_settings

CORPUS = get_settings().corpus_dir
GEO = CORPUS / "geo"


def read(message: str):
    """The place in a message, as the conversation's locate stage reads it."""
    if len(message) <= 60:
        direct = resolve(message, CORPUS)
        if direct.error is None:
            return direct
    return find_place(message, CORPUS)


# expected: None, "Municipality", "Municipality (Sector)", optionally followed by "|Region".
CASES: list[tuple[str, str | None]] = [
    # 1. ordinary phrases are not places
    ("la salle à manger est en désordre", None),
    ("je suis au bout du rouleau", None),
    ("je reste à la maison toute la journée", None),
    ("à la maison", None),
    ("on est dans le coin", None),
    ("j'ai un mont de fatigue sur les épaules", None),
    ("il faut une saint patience avec lui", None),
    ("mon fils a des problèmes à l'école", None),
    ("je veux rester en santé", None),
    ("I feel safe at home", None),
    ("we used to go hiking in the mountains", None),
    ("je vais à la pêche pour me changer les idées", None),
    ("j'ai peur de l'avenir", None),
    ("I hope someone can help me", None),
    ("I have a low income and two kids", None),
    ("the price of rent is too high", None),
    ("mon chum Scott me frappe", None),
    ("Ma fille Maria a 15 ans et elle fugue", None),
    ("je suis nouvelle ici et je connais personne", None),
    ("c'est le jeune qui a besoin d'aide", None),
    ("on a fêté la Saint-Jean-Baptiste en famille", None),
    ("pour la Saint-Valentin il m'a frappée", None),
    ("je marche sur la rue Sherbrooke tous les jours", None),
    ("elle habite sur le boulevard Saint-Laurent", None),
    ("mon ange gardien m'a aidée", None),
    ("ma grand-mère est malade", None),
    ("chu à boute pis j'en peux pu", None),
    ("j'ai échappé le plateau à la cafétéria", None),
    ("il est hospitalisé au sacré-coeur depuis hier", None),
    ("je me sens perdue dans la salle d'attente", None),
    ("I live in a small apartment with my mom", None),
    ("je vis dans la peur depuis des mois", None),
    ("je viens d'Irlande et je cherche de l'aide", None),
    ("I live in Richmond, BC but my mother is in Québec", None),
    ("je reste à Sainte-Anne", None),
    ("on se voit à la Saint-Jean", None),
    # a campus is read as its city (aliases.csv, kind landmark): Université Laval is in Québec, not Laval
    ("je travaille à l'Université Laval", "Québec (Université Laval)"),
    ("crazy anxiety before finals at McGill", "Montréal (McGill)"),
    ("Mon fils Amos a 17 ans et joue en ligne toute la nuit", None),
    ("my daughter Alma is 16 and never leaves her room", None),
    ("Je vis à Rouyn avec mon chum", "Rouyn-Noranda (Rouyn)"),
    # a place written alone after the last sentence, nicknames and former towns
    ("je sais pu quoi faire avec mon père. sherby", "Sherbrooke (Sherby)"),
    ("j'ai besoin d'aide pour ma mère, vraiment. la baie", "Saguenay (La Baie)"),
    ("je dors pu depuis des semaines, help. roberval", "Roberval"),
    ("ça va pas à l'école. dolbeau", "Dolbeau-Mistassini (Dolbeau)"),
    ("we just moved near Wakefield with the kids", "La Pêche (Wakefield)"),
    ("I'm on Grosse-Ile for the winter and I feel so alone", "Grosse-Île"),
    ("on vient d'arriver à Lebel pis on connaît personne", "Lebel-sur-Quévillon (Lebel)"),
    ("ça fait 3 ans que je reste à Sainte-Agathe", "Sainte-Agathe-des-Monts (Sainte-Agathe)"),
    ("chu à Havre-Aubert pis la saison de pêche a été mauvaise", "Les Îles-de-la-Madeleine (Havre-Aubert)"),
    ("I got robbed downtown mtl last night", "Montréal (Mtl)"),
    ("merci beaucoup. bonne soirée", None),
    ("je vais à l'école Dolbeau demain", None),
    ("on Monday I called the CLSC", None),
    ("j'habite au bord du fleuve Saint-Laurent", None),
    # 2. Québec French and English cues
    ("jreste à jonquière pis chu tanné", "Saguenay (Jonquière)"),
    ("chu à Chicoutimi depuis l'été", "Saguenay (Chicoutimi)"),
    ("chus à rimouski depuis 2 ans", "Rimouski"),
    ("jsuis à sherbrooke, j'ai besoin d'aide", "Sherbrooke"),
    ("on est dans le coin de Drummondville", "Drummondville"),
    ("proche de Victoriaville", "Victoriaville"),
    ("pas loin de granby", "Granby"),
    ("icitte à Chibougamau y'a rien", "Chibougamau"),
    ("dans le bout de Saint-Hyacinthe", "Saint-Hyacinthe"),
    ("j'habite à Alma avec mes enfants", "Alma"),
    ("j'habite au Lac-Mégantic", "Lac-Mégantic"),
    ("j'habite en Gaspésie, à Gaspé", "Gaspé"),
    ("I'm in Laval and I need help", "Laval"),
    ("we live in Gatineau", "Gatineau"),
    ("I'm from Trois-Rivières and I feel alone", "Trois-Rivières"),
    ("near Sept-Iles, on the north shore", "Sept-Îles"),
    ("je vis à la baie depuis mon divorce", "Saguenay (La Baie)"),
    ("j'habite à lasalle", "Montréal (LaSalle)"),
    ("je reste à La Pêche", "La Pêche"),
    ("je suis à LaSalle, près du canal", "Montréal (LaSalle)"),
    ("on demeure à val d'or", "Val-d'Or"),
    ("chu à trois-rivières", "Trois-Rivières"),
    ("je suis à Rivière-du-Loup", "Rivière-du-Loup"),
    ("j'habite à Grand-Mère", "Shawinigan (Grand-Mère)"),
    ("Rimouski, je cherche un CLSC", "Rimouski"),
    ("I live near Mont-Laurier", "Mont-Laurier"),
    ("on habite à Laval depuis un an", "Laval"),
    # 2b. a plain answer to "Où habitez-vous ?"
    ("à Jonquière", "Saguenay (Jonquière)"),
    ("Jonquière", "Saguenay (Jonquière)"),
    ("chu à Jonquière", "Saguenay (Jonquière)"),
    ("st-jerome", "Saint-Jérôme"),
    ("ste-foy", "Québec (Sainte-Foy)"),
    ("H2L3C3", "Montréal"),
    ("à Lévis", "Lévis"),
    ("dans Rosemont", "Montréal (Rosemont)"),
    ("sur le Plateau", "Montréal (Plateau)"),
    ("à Montréal-Nord", "Montréal (Montréal-Nord)"),
    ("en Abitibi, à Amos", "Amos"),
    # 3. boroughs, sectors and former towns named in a message
    ("je reste à Montréal-Nord avec ma mère", "Montréal (Montréal-Nord)"),
    ("j'habite dans NDG", "Montréal (NDG)"),
    ("on vit à Hochelaga, c'est dur", "Montréal (Hochelaga)"),
    ("I live in Côte-des-Neiges", "Montréal (Côte-des-Neiges)"),
    ("je suis à Limoilou", "Québec (Limoilou)"),
    ("j'habite à Charlesbourg", "Québec (Charlesbourg)"),
    ("chu à Beauport", "Québec (Beauport)"),
    ("je vis à Saint-Romuald", "Lévis (Saint-Romuald)"),
    ("j'habite à Saint-Hubert", "Longueuil (Saint-Hubert)"),
    ("I live in Greenfield Park", "Longueuil (Greenfield Park)"),
    ("je reste à Chomedey", "Laval (Chomedey)"),
    ("j'habite à Lennoxville", "Sherbrooke (Lennoxville)"),
    ("je vis à Fleurimont", "Sherbrooke (Fleurimont)"),
    ("je reste dans le Vieux-Hull, à Hull", "Gatineau (Hull)"),
    ("on habite à Buckingham", "Gatineau (Buckingham)"),
    ("chu à Cap-de-la-Madeleine", "Trois-Rivières (Cap-de-la-Madeleine)"),
    # 5. First Nations and Inuit communities
    ("je vis à Mashteuiatsh", "Mashteuiatsh"),
    ("j'habite à Wendake", "Wendake"),
    ("I live in Kahnawake", "Kahnawake"),
    ("chu à Kanesatake", "Kanesatake"),
    ("Kanesatake", "Kanesatake"),
    ("je reste à Uashat", "Uashat"),
    ("on vit à Mani-utenam", "Mani-utenam"),
    ("Mani-utenam", "Mani-utenam"),
    ("je reste à Pessamit", "Pessamit"),
    ("j'habite à Listuguj", "Listuguj"),
    ("j'habite à Manawan", "Manawan"),
    ("Manawan", "Manawan"),
    ("je suis à Wemotaci", "Wemotaci"),
    ("on reste à Opitciwan", "Opitciwan"),
    ("Opitciwan", "Opitciwan"),
    ("I live in Chisasibi", "Chisasibi"),
    ("je vis à Mistissini", "Mistissini"),
    ("je vis à Waswanipi", "Waswanipi"),
    ("I'm in Kuujjuaq", "Kuujjuaq"),
    ("je reste à Puvirnituq", "Puvirnituq"),
    ("je vis à Kitcisakik", "Kitcisakik"),
    ("Kitcisakik", "Kitcisakik"),
    ("je reste à Lac-Simon près de Val-d'Or", "Lac-Simon|Abitibi-Témiscamingue"),
    ("j'habite à Pikogan", "Pikogan"),
    ("Odanak", "Odanak"),
    ("je vis à Wôlinak", "Wôlinak"),
    ("Essipit", "Essipit"),
    # 5b. homonyms settled by the rest of the message
    ("je vis à L'Ange-Gardien en Outaouais", "L'Ange-Gardien|Outaouais"),
    ("j'habite à L'Ange-Gardien, près de Québec", "L'Ange-Gardien|Capitale-Nationale"),
    ("je reste à Saint-Augustin sur la Côte-Nord", "Saint-Augustin|Côte-Nord"),
    ("je reste à Saint-Augustin au Lac-Saint-Jean", "Saint-Augustin|Saguenay-Lac-Saint-Jean"),
    ("je vis à Sainte-Anne en Gaspésie", "Sainte-Anne-des-Monts"),
    ("je reste à Sainte-Anne, près de Québec", "Sainte-Anne-de-Beaupré"),
    ("je vis à Saint-Georges en Beauce", "Saint-Georges|Chaudière-Appalaches"),
    ("je vis à Saint-Georges, près de Rivière-du-Loup", "Cacouna (Saint-Georges-de-Cacouna)"),
    ("j'habite à Richmond en Estrie", "Richmond|Estrie"),
    ("je vis à Saint-Lambert en Abitibi", "Saint-Lambert|Abitibi-Témiscamingue"),
    ("je reste à Clermont dans Charlevoix", "Clermont|Capitale-Nationale"),
    ("je reste à Clermont en Abitibi", "Clermont|Abitibi-Témiscamingue"),
    ("je vis à Saint-Donat dans le Bas-Saint-Laurent", "Saint-Donat|Bas-Saint-Laurent"),
]


def _matches(loc, expected: str | None) -> bool:
    if expected is None:
        return loc is None or loc.error is not None
    if loc is None or loc.error is not None:
        return False
    name, _, region = expected.partition("|")
    municipality, _, sector = name.partition(" (")
    if loc.municipality != municipality:
        return False
    if sector and sector.rstrip(")") not in (loc.resolved or ""):
        return False
    return not region or loc.region == region


def test_places_read_from_messages() -> None:
    assert len(CASES) >= 80 and sum(e is None for _, e in CASES) >= 30
    assert len({m for m, _ in CASES}) == len(CASES)
    wrong = []
    for message, expected in CASES:
        loc = read(message)
        if not _matches(loc, expected):
            got = None if loc is None else (loc.error or f"{loc.resolved} [{loc.region}]")
            wrong.append(f"{message!r}: got {got}, expected {expected}")
    assert wrong == [], f"{len(CASES) - len(wrong)}/{len(CASES)} right:\n" + "\n".join(wrong)


# --- 3. boroughs, sectors and former towns at their own position, with their own CLSC territory ---

SECTORS = [
    # (sector, city, its own CLSC territory's name or None when the data does not say)
    ("Montréal-Nord", "Montréal", "Montréal-Nord"),
    ("Verdun", "Montréal", "Verdun"),
    ("Lachine", "Montréal", "Lachine"),
    ("LaSalle", "Montréal", "Lasalle"),
    ("Saint-Laurent", "Montréal", "Saint-Laurent"),
    ("Anjou", "Montréal", "Anjou"),
    ("Rivière-des-Prairies", "Montréal", "Rivière-des-Prairies"),
    ("Pierrefonds", "Montréal", "Pierrefonds"),
    ("Rosemont", "Montréal", "Rosemont"),
    ("Hochelaga", "Montréal", "Hochelaga-Maisonneuve"),
    ("Villeray", "Montréal", "Villeray"),
    ("Ahuntsic", "Montréal", "Ahuntsic"),
    ("Côte-des-Neiges", "Montréal", "Côte-des-Neiges"),
    ("NDG", "Montréal", "Notre-Dame-de-Grâce - Montréal-Ouest"),
    ("Plateau", "Montréal", "Plateau-Mont-Royal"),
    ("Plateau-Mont-Royal", "Montréal", "Plateau-Mont-Royal"),
    ("Charlesbourg", "Québec", "Charlesbourg"),
    ("Beauport", "Québec", "Beauport"),
    ("Sainte-Foy", "Québec", "Sainte-Foy - Sillery"),
    ("Limoilou", "Québec", "Limoilou-Vanier"),
    ("Loretteville", "Québec", "Loretteville - Val-Bélair"),
    ("Val-Bélair", "Québec", "Loretteville - Val-Bélair"),
    ("Jonquière", "Saguenay", "Jonquière"),
    ("Chicoutimi", "Saguenay", "Saguenay"),
    ("La Baie", "Saguenay", "Fjord"),
    ("Hull", "Gatineau", "Hull"),
    ("Aylmer", "Gatineau", "Aylmer"),
    ("Buckingham", "Gatineau", "Vallée-de-la-Lièvre"),
    ("Saint-Romuald", "Lévis", "Les Chutes-de-la-Chaudière"),
    ("Charny", "Lévis", "Les Chutes-de-la-Chaudière"),
    ("Saint-Hubert", "Longueuil", "Saint-Hubert"),
    ("Greenfield Park", "Longueuil", "Brossard - Saint-Lambert"),
    ("Chomedey", "Laval", "Chomedey"),
    ("Sainte-Rose", "Laval", "Sainte-Rose-de-Laval"),
    ("Vimont", "Laval", "Pont-Viau"),
    ("Cap-de-la-Madeleine", "Trois-Rivières", "Cap-de-la-Madeleine"),
    ("Fleurimont", "Sherbrooke", "Sherbrooke"),
    ("Lennoxville", "Sherbrooke", "Sherbrooke"),
]


def test_sectors_are_placed_at_their_own_position_from_a_source() -> None:
    wrong = []
    for sector, city, clsc in SECTORS:
        loc, centre = resolve(sector), resolve(city)
        ok = (
            loc.error is None
            and loc.municipality == city
            and loc.kind == "alias"
            and loc.coordinates_source.split(":")[0] in ("simplemaps", "fsa_centroids", "m02_installations")
            and (loc.latitude, loc.longitude) != (centre.latitude, centre.longitude)
            and loc.clsc_name == clsc
        )
        if not ok:
            wrong.append(f"{sector}: {loc.coordinates_source} ({loc.latitude}, {loc.longitude}) CLSC {loc.clsc_name}")
    assert wrong == []


def test_montreal_nord_gets_its_own_clscs_first() -> None:
    first = services_near("Montréal-Nord", kind="clsc", limit=2)
    assert [s["clsc_name"] for s in first] == ["Montréal-Nord"] * 2
    assert all(s["in_territory"] for s in first) and first[0]["distance_km"] < 3


def test_beauport_is_not_placed_north_of_the_city() -> None:
    # simplemaps' "Beauport" point lies near Lac-Beauport; GeoNames' Beauport FSAs are where people live.
    beauport = resolve("Beauport")
    clsc = [s for s in services_near(beauport, kind="clsc", limit=5) if s["clsc_name"] == "Beauport"]
    assert clsc and min(s["distance_km"] for s in clsc) < 5


def test_sector_positions_file_is_sound() -> None:
    g = gazetteer()
    with (GEO / "sector_positions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    m02 = {
        r["INSTAL_COD"]
        for r in csv.DictReader(
            (CORPUS / "sources" / "msss_m02" / "installationscsv.csv").open(encoding="utf-8-sig", newline="")
        )
    }
    assert len(rows) >= 25
    for row in rows:
        assert row["justification"].strip() and row["source"].strip(), row
        alias = g.aliases[place_key(row["alias"])]
        fsas, inst = row["fsas"].split(), row["installations"].split()
        assert fsas or inst, row
        assert all(f in g.fsas for f in fsas), row
        assert all(i in m02 for i in inst), row
        assert alias.coordinates_source.startswith(("fsa_centroids", "m02_installations")), row
        km = float(haversine_km(alias.latitude, alias.longitude, alias.target.latitude, alias.target.longitude))
        assert km < 40, (row["alias"], km)


# --- 4. own territory, then own health region, then distance ---


@pytest.mark.parametrize(
    "place, rss, other",
    [
        ("Lévis", "12", "03"),
        ("Longueuil", "16", "06"),
        ("Brossard", "16", "06"),
        ("Gatineau", "07", None),
        ("Laval", "13", "06"),
    ],
)
def test_clscs_of_the_persons_own_region_come_first(place: str, rss: str, other: str | None) -> None:
    out = services_near(place, kind="clsc", limit=5)
    assert [s["rss_code"] for s in out] == [rss] * 5
    assert all(s["in_region"] for s in out)
    if other:
        # without the region rule a CLSC across the river would come in the first five
        far = services_near(place, kind="clsc", limit=50)
        assert any(s["rss_code"] == other for s in far)


def test_order_is_territory_then_region_then_distance() -> None:
    loc = resolve("Charny")
    out = services_near(loc, kind="clsc", limit=15)
    keys = [(not s["in_territory"], not s["in_region"]) for s in out]
    assert keys == sorted(keys)
    for flag in set(keys):
        group = [s["distance_km"] for s, k in zip(out, keys, strict=True) if k == flag]
        assert group == sorted(group)


# --- 6. remote places keep their distance and say they are far ---


def test_far_flag_on_located_services() -> None:
    near = services_near("Rimouski", kind="all", limit=3)
    located = [s for s in near if s["distance_km"] is not None]
    assert located and all(s["far"] is False for s in located)
    assert all(s["far"] is None for s in near if s["distance_km"] is None)
    remote = services_near("Kitcisakik", kind="clsc", limit=20)
    assert any(s["far"] is True and s["distance_km"] > 50 for s in remote)
    assert all(s["far"] == (s["distance_km"] > 50) for s in remote)


# --- 5. First Nations communities resolve to themselves ---

COMMUNITIES = [
    "Mashteuiatsh",
    "Wendake",
    "Kahnawake",
    "Kanesatake",
    "Uashat",
    "Mani-utenam",
    "Pessamit",
    "Listuguj",
    "Manawan",
    "Wemotaci",
    "Opitciwan",
    "Kitcisakik",
    "Pikogan",
    "Odanak",
    "Wôlinak",
    "Essipit",
    "Akwesasne",
    "Gesgapegiag",
    "Kitigan Zibi",
    "Nutashkuan",
    "Oujé-Bougoumou",
]


@pytest.mark.parametrize("name", COMMUNITIES)
def test_first_nations_community_resolves_to_itself(name: str) -> None:
    loc = resolve(name)
    assert loc.error is None and loc.kind == "community" and loc.municipality == name
    assert loc.region and loc.rss_code and loc.coordinates_source
    assert loc.precision_note and loc.precision_note["fr"] and loc.precision_note["en"]


@pytest.mark.parametrize(
    "other, name",
    [
        ("Maliotenam", "Mani-utenam"),
        ("Manouane", "Manawan"),
        ("Obedjiwan", "Opitciwan"),
        ("Betsiamites", "Pessamit"),
        ("Pointe-Bleue", "Mashteuiatsh"),
        ("Kanehsatake", "Kanesatake"),
    ],
)
def test_community_answers_to_its_other_names(other: str, name: str) -> None:
    assert resolve(other).municipality == name


def test_lac_simon_is_ambiguous_and_names_the_community() -> None:
    loc = resolve("Lac-Simon")
    assert loc.error is None and loc.ambiguous
    assert any("Abitibi" in s for s in loc.suggestions)
    assert resolve("Lac-Simon, Abitibi-Témiscamingue").region == "Abitibi-Témiscamingue"
    assert resolve("Lac-Simon (Outaouais)").region == "Outaouais"


def test_community_placed_at_a_neighbour_says_so() -> None:
    loc = resolve("Kanesatake")
    oka = resolve("Oka")
    assert (loc.latitude, loc.longitude) == (oka.latitude, oka.longitude)
    assert "Oka" in loc.precision_note["fr"] and "Oka" in loc.precision_note["en"]
    assert loc.region == "Laurentides" and loc.rss_code == oka.rss_code


def test_communities_file_is_sound() -> None:
    with (GEO / "communities.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    regions = {p.region for p in gazetteer().places if p.region}
    assert len(rows) >= 20
    for row in rows:
        assert row["justification"].strip() and row["source"].strip() and row["nation"].strip(), row
        assert row["region"] in regions, row
        assert row["position"].split(":")[0] in ("m02", "simplemaps", "municipality"), row


# --- 5b. homonyms: most populous, said to be ambiguous, the others suggested ---


def test_homonyms_are_flagged_ambiguous() -> None:
    loc = resolve("L'Ange-Gardien")
    assert loc.ambiguous and loc.suggestions
    assert resolve("L'Ange-Gardien (Outaouais)").region == "Outaouais"
    assert resolve("L'Ange-Gardien, Capitale-Nationale").region == "Capitale-Nationale"
    assert not resolve("Rimouski").ambiguous


def test_a_saint_name_shared_by_many_towns_is_ambiguous_not_outside_quebec() -> None:
    loc = resolve("Sainte-Anne")
    assert loc.error == "unknown_place" and loc.ambiguous
    assert loc.suggestions and all(s.startswith("Sainte-Anne-") for s in loc.suggestions)


# --- the stoplist and the region names are data files with their sources ---


def test_common_words_file_is_sound() -> None:
    g = gazetteer()
    with (GEO / "common_words.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 80
    for row in rows:
        assert row["kind"] in ("word", "name", "elsewhere") and row["lang"] in ("fr", "en"), row
        assert row["meaning"].strip() and row["source"].strip(), row
        key = place_key(row["phrase"])
        assert key in g.by_key or key in g.aliases, row


def test_region_names_file_is_sound() -> None:
    regions = {p.region for p in gazetteer().places if p.region}
    with (GEO / "region_names.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        assert row["region"] in regions and row["justification"].strip() and row["source"].strip(), row


@pytest.mark.parametrize(
    "text,region",
    [
        ("chu dans le coin de J9X pis j'aurais besoin de voir une TS", "08"),  # an FSA in capitals
        ("jhabite a st-hyacinte et jai besoin daide", "16"),  # misspelt, after a residence cue
        ("chu à Hochelag, jme sens tout seul", "06"),  # colloquial sector name
        ("mon père est tout seul à Thetford depuis un mois", "12"),  # usual short name
    ],
)
def test_more_places_read_from_text(text, region):
    from guide.places_in_text import find_place

    loc = find_place(text, CORPUS)
    assert loc is not None and loc.rss_code == region


@pytest.mark.parametrize(
    "text", ["je reste a la maison tout le temps", "I got an H2O bottle", "je vis au jour le jour"]
)
def test_no_fuzzy_place_from_ordinary_words(text):
    from guide.places_in_text import find_place

    assert find_place(text, CORPUS) is None
