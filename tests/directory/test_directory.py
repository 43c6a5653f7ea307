"""Directory: M02 classification, HSDS tables, importers (validation, idempotency), needs, services-near."""

from __future__ import annotations

import csv
import json
import re
import uuid
from pathlib import Path

import pytest

from guide.directory import importer
from guide.directory.hsds import TABLES, fields, read_tables
from guide.directory.m02 import classify, read_m02
from guide.directory.near import InvalidRequest, services_near
from guide.directory.needs import load_needs
from guide.directory.records import build as build_records
from guide.directory.store import load_directory
from guide.geo import resolve
from guide.ingest import helplines
from guide.settings import get_settings

CORPUS = get_settings().corpus_dir
M02 = CORPUS / "sources" / "msss_m02" / "installationscsv.csv"
DIRECTORY = CORPUS / "directory"
CONTRACT = (
    "id",
    "name",
    "kind",
    "phone",
    "address",
    "municipality",
    "postal_code",
    "distance_km",
    "no_referral",
    "hours",
    "source",
    "assured_date",
)
REQUIRED_NEEDS = """separation_grief exhaustion mental_health suicide domestic_violence sexual_violence crime_victims
child_protection parenting youth seniors_isolation elder_mistreatment caregivers addiction gambling poverty_food
housing_homelessness job_loss immigration lgbtq disability_autism disaster school_bullying indigenous poisoning
rights_complaint general_distress""".split()


@pytest.fixture(scope="module")
def m02_rows() -> list[dict[str, str]]:
    return read_m02(M02)[1]


@pytest.fixture()
def tmp_corpus(tmp_path: Path) -> Path:
    """A corpus whose sources, taxonomy and geo are the real ones, with an empty directory."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("sources", "taxonomy", "geo"):
        (corpus / name).symlink_to(CORPUS / name, target_is_directory=True)
    return corpus


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# --- classification -----------------------------------------------------------------------------


def test_every_installation_is_classified_with_a_reason(m02_rows: list[dict[str, str]]) -> None:
    with (DIRECTORY / "reports" / "m02_import_report.csv").open(encoding="utf-8", newline="") as fh:
        report = list(csv.DictReader(fh))
    assert len(report) == len(m02_rows) == 1592
    assert {r["INSTAL_COD"] for r in report} == {r["INSTAL_COD"] for r in m02_rows}
    for r in report:
        assert r["status"] in ("accepted", "classified_out", "rejected")
        assert r["reason"].strip() and r["reason_code"].strip()
        if r["status"] == "accepted":
            assert r["classification"] in ("intake_point", "youth_only")
    assert sum(r["status"] == "accepted" for r in report) == len(load_directory(DIRECTORY).located)


@pytest.mark.parametrize(
    "code, expected, reason",
    [
        ("51245629", "not_intake", "birth_centre"),  # MAISON DE NAISSANCE ANNE-COURTEMANCHE
        ("51226934", "not_intake", "birth_centre"),  # MAISON DE NAISSANCE COLETTE-JULIEN
        ("55616940", "not_intake", "birth_centre"),  # CENTRE DE SERVICES AMBULATOIRES ET MAISON DE NAISSANCE LOUVAIN
        ("51248920", "youth_only", "aire_ouverte"),  # AIRE OUVERTE DU MÉTRO-BERRI
        ("51246411", "youth_only", "aire_ouverte"),  # CLSC - AIRE OUVERTE (Saguenay)
        ("51229078", "intake_point", "clsc"),  # CENTRE DE SERVICES AMBULATOIRES, CLSC ET AIRE OUVERTE ...
        ("51248482", "intake_point", "clsc"),  # CLSC ET MAISON DE NAISSANCE DE LAURIER
        ("51234490", "not_intake", "detention"),  # CLSC DE L'ÉTABLISSEMENT-DE-DÉTENTION
        ("51217768", "not_intake", "residential"),  # CENTRE D'HÉBERGEMENT VILLA MARIA
        ("51219103", "not_intake", "youth_protection"),  # CPEJ MONT-D'YOUVILLE
        ("51228278", "not_intake", "hospital"),  # HÔPITAL GÉNÉRAL DU LAKESHORE (Pointe-Claire has a CLSC)
        ("51226892", "intake_point", "sole_door"),  # HÔPITAL D'AMQUI (only CLSC-mission point in Amqui)
        ("51235554", "not_intake", "day_centre"),  # MSDC EASTMAIN
        ("51235489", "intake_point", "cree_cmc"),  # CMC MISTISSINI
        ("52573714", "intake_point", "nunavik_dispensary"),
        ("51228484", "intake_point", "clsc"),  # CLSC D'AHUNTSIC
        ("12387692", "not_intake", "no_clsc_mission"),  # CHSLD POLONAIS MARIE-CURIE-SKLODOWSKA
    ],
)
def test_classification(m02_rows: list[dict[str, str]], code: str, expected: str, reason: str) -> None:
    classes = dict(zip((r["INSTAL_COD"] for r in m02_rows), classify(m02_rows), strict=True))
    assert (classes[code].classification, classes[code].reason_code) == (expected, reason)


def test_birth_centres_and_aire_ouverte_are_not_offered_as_general_intake() -> None:
    d = load_directory(DIRECTORY)
    for e in d.located:
        name = e.name.upper()
        if "MAISON DE NAISSANCE" in name:
            assert "CLSC" in name  # only a CLSC co-located with a birth centre
        if "AIRE OUVERTE" in name and e.classification == "youth_only":
            assert (e.min_age, e.max_age) == (12, 25)
    ids = {e.id for e in d.located}
    assert "svc-clsc-51245629" not in ids  # birth centre: not in the directory at all
    montreal = resolve("H2L 3C3")
    adult = [s["id"] for s in services_near(montreal, kind="clsc", limit=50)]
    young = [s["id"] for s in services_near(montreal, kind="clsc", limit=50, age=17)]
    assert "svc-clsc-51248920" not in adult  # Aire ouverte du Métro-Berri
    assert "svc-clsc-51248920" in young
    assert "svc-clsc-51248920" not in [s["id"] for s in services_near(montreal, kind="clsc", limit=50, age=40)]
    assert "svc-clsc-51248920" not in [s["id"] for s in services_near(montreal, kind="clsc", limit=50, age=10)]


# --- HSDS tables --------------------------------------------------------------------------------


def test_tables_follow_the_hsds_schema() -> None:
    spec = fields(CORPUS)
    package = json.loads((DIRECTORY / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in package["resources"]} == {f"{t}.csv" for t in TABLES}
    hsds = json.loads((CORPUS / "sources" / "hsds" / "datapackage.json").read_text(encoding="utf-8"))
    schemas = {r["path"]: r["schema"] for r in hsds["resources"]}
    for table in TABLES:
        with (DIRECTORY / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == spec[table], table
            rows = list(reader)
        for f in schemas[f"{table}.csv"]["fields"]:
            for row in rows:
                value = row[f["name"]]
                if f.get("constraints", {}).get("required"):
                    assert value != "", (table, f["name"], row["id"])
                if value and f.get("format") == "uuid":
                    uuid.UUID(value)
                if value and "enum" in f.get("constraints", {}):
                    assert value in f["constraints"]["enum"], (table, f["name"], value)
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)), table


def test_clsc_points_keep_territory_codes_and_phones_only_from_the_regional_sources() -> None:
    d = load_directory(DIRECTORY)
    clsc = [e for e in d.located if e.kind == "clsc"]
    assert len(clsc) > 400
    switchboards = {
        "svc-clsc-51229003",
        "svc-clsc-51227528",
        "svc-clsc-54583448",
        "svc-clsc-51230431",
        "svc-clsc-51218824",
        "svc-clsc-51229110",
    }  # the six "numéro général du CLSC" rows
    for e in clsc:
        assert (e.phone is not None) == (e.id in switchboards), e.id
        assert e.phone_alternates == () and e.text_sms is None
        assert e.clsc_code and re.fullmatch(r"\d{5}", e.clsc_code)
        assert e.rss_code and re.fullmatch(r"\d{2}", e.rss_code)
        assert e.no_referral is True
        assert "811" in (e.note_fr or "") and "811" in (e.note_en or "")
        if e.intake_phone:
            assert e.intake_phone in (e.note_fr or "") and e.intake_phone in (e.note_en or "")
        assert re.fullmatch(r"[GHJ]\d[A-Z] \d[A-Z]\d", e.postal_code or "")
    assert sum(e.rls_code is None for e in clsc) < 40  # only Nunavik / Cree territory lack an RLS
    t = read_tables(DIRECTORY)
    m02_locations = {r["id"] for r in t["locations"] if r["external_identifier_type"] == "MSSS M02 INSTAL_COD"}
    assert not [p for p in t["phones"] if p.get("location_id") in m02_locations]


SOURCE_FILES = (
    "helplines/helplines.csv",
    "helplines/lines_more.csv",
    "emergency/emergency_lines.csv",
    "regional_lines/regional_lines.csv",
)


def _source_digits() -> set[str]:
    found: set[str] = set()
    for name in SOURCE_FILES:
        text = (CORPUS / "sources" / name).read_text(encoding="utf-8")
        # Ten-digit numbers with an optional leading 1, and standalone 3- to 6-digit numbers (811, 535353).
        for m in re.finditer(
            r"(?<!\d)(?:1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?!\d)|(?<![\d-])\d{3,6}(?![\d-])", text
        ):
            found.add(re.sub(r"\D", "", m.group(0)))
    return found


def test_no_phone_number_absent_from_the_sources() -> None:
    known = _source_digits()
    t = read_tables(DIRECTORY)
    assert t["phones"]
    for p in t["phones"]:
        digits = re.sub(r"\D", "", p["number"])
        assert digits in known, f"phone {p['number']} is not in the source files"
    for p in t["phones"]:  # an extension is written in the source too
        if p.get("extension"):
            assert p["extension"] in known, p
    ext = re.compile(r"[,\s]*(?:poste|ext\.?|option)\s*\d+(?:\s*ou\s*\d+)?$")
    for place in ("Montréal", "Sherbrooke", "Longueuil", "Rimouski", "Mistissini"):
        for s in services_near(place, kind="all", limit=50):
            for number in [s["phone"], s["text_sms"], s["intake_phone"], *s["phone_alternates"]]:
                if number:
                    assert re.sub(r"\D", "", ext.sub("", number)) in known, number
    d = load_directory(DIRECTORY)
    for e in list(d.located) + list(d.lines) + list(d.doors):
        for number in (e.phone, e.intake_phone, *e.phone_alternates):
            if number:
                assert re.sub(r"\D", "", ext.sub("", number)) in known, (e.id, number)


def test_lines_kinds_and_verification() -> None:
    d = load_directory(DIRECTORY)
    lines = {e.id: e for e in d.lines}
    assert {r.id for r in helplines.build(CORPUS)} <= set(lines)
    assert all(i.startswith("regional-") for i in set(lines) - {r.id for r in helplines.build(CORPUS)})
    assert lines["line-urgence-9-1-1"].kind == "emergency"
    assert all(e.kind == "helpline" for i, e in lines.items() if i != "line-urgence-9-1-1")
    assert lines["line-info-social-811-option-2"].phone == "811"
    assert lines["line-sos-violence-conjugale"].text_sms is None  # SMS number unverified in the source
    assert lines["line-ligneparents"].verified["phone"] is False
    assert lines["line-dpj-estrie"].region == "05"
    assert lines["line-dpj-saguenay-lac-saint-jean"].region == "02"
    assert lines["line-dpj-montreal-signalement-francais"].region == "06"
    assert lines["line-tel-jeunes"].region is None
    for e in lines.values():
        assert e.hours_fr and e.hours_en and e.assured_date and e.source
        if not e.id.startswith("regional-"):
            assert e.hours


# --- needs --------------------------------------------------------------------------------------


def test_needs_taxonomy() -> None:
    needs = load_needs(CORPUS)
    ids = [n.id for n in needs]
    assert set(REQUIRED_NEEDS) <= set(ids)
    line_ids = {r.id for r in helplines.build(CORPUS)}
    groups = {e.line_group for e in load_directory(DIRECTORY).lines if e.line_group}
    for n in needs:
        assert len(n.examples_fr) >= 6 and len(n.examples_en) >= 4
        assert n.lines and set(n.lines) <= line_ids | {f"group:{g}" for g in groups}, n.id
        for kw in n.keywords_fr + n.keywords_en:
            assert kw == kw.lower() and not re.search(r"[àâçéèêëîïôûùüÿœ]", kw), (n.id, kw)
    d = load_directory(DIRECTORY)
    listed = {line for n in needs for line in n.lines}
    served = listed | {e.id for e in d.lines if f"group:{e.line_group}" in listed}
    superseded = {e.id for e in d.lines if e.superseded_by}
    assert line_ids - served - superseded <= {"line-info-sante-811-option-1"}


def test_services_are_tagged_with_needs() -> None:
    d = load_directory(DIRECTORY)
    clsc_needs = {n.id for n in load_needs(CORPUS) if n.clsc}
    for e in d.located:
        assert set(e.needs) == clsc_needs
    lines = {e.id: e for e in d.lines}
    assert "suicide" in lines["line-ligne-quebecoise-de-prevention-du-suicide-1-866"].needs
    assert "gambling" in lines["line-jeu-aide-et-reference"].needs
    assert "poisoning" in lines["line-centre-antipoison-du-quebec"].needs


# --- services near ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "place, municipality, instal_cod",
    [
        ("H2L 3C3", "Montréal", "51218170"),  # CLSC de la Visitation, at that very postal code
        ("G1R 2J6", "Québec", None),  # Hôtel-Dieu de Québec's postal code
        ("Rimouski", "Rimouski", "51222933"),
        ("G5L 6J2", "Rimouski", None),
        ("Gaspé", "Gaspé", "51236255"),
        ("G4X 2W2", "Gaspé", None),
        ("Sept-Îles", "Sept-Îles", None),
        ("G4R 5E3", "Sept-Îles", None),
        ("Val-d'Or", "Val-d'Or", None),
        ("J9P 2C9", "Val-d'Or", None),
        ("Gatineau", "Gatineau", None),
        ("J9H 6H9", "Gatineau", None),  # Aylmer sector
        ("Sherbrooke", "Sherbrooke", None),
        ("J1H 5N4", "Sherbrooke", None),
        ("Saguenay", "Saguenay", None),
        ("Jonquière", "Saguenay", "51224558"),  # CLSC de Jonquière
        ("Kuujjuaq", "Kuujjuaq", "51248326"),  # Centre de santé Tulattavik de l'Ungava
        ("Puvirnituq", "Puvirnituq", "51235141"),  # Centre de santé Inuulitsivik
        ("Mistissini", "Mistissini", "51235489"),  # CMC Mistissini
        ("Baie-Comeau", "Baie-Comeau", None),
        ("Trois-Rivières", "Trois-Rivières", None),
    ],
)
def test_nearest_clsc(place: str, municipality: str, instal_cod: str | None) -> None:
    first = services_near(place, kind="clsc", limit=1)[0]
    assert first["municipality"] == municipality
    assert first["kind"] == "clsc" and first["distance_km"] is not None and first["distance_km"] < 15
    if instal_cod:
        assert first["id"] == f"svc-clsc-{instal_cod}"


def test_services_near_contract_and_order() -> None:
    out = services_near("Rimouski", kind="all", limit=5)
    located = [s for s in out if s["distance_km"] is not None]
    lines = [s for s in out if s["distance_km"] is None]
    assert len(located) == 5 and len(lines) == 5
    assert out[:5] == located  # lines after the points of service
    for s in out:
        for key in CONTRACT:
            assert key in s
        assert isinstance(s["no_referral"], bool)
    assert lines[0]["id"] == "line-info-social-811-option-2"
    outside = [s for s in located if not s["in_territory"]]
    assert [s["distance_km"] for s in outside] == sorted(s["distance_km"] for s in outside)
    assert all(s["kind"] in ("helpline", "emergency") for s in services_near("Rimouski", kind="helpline"))
    assert all(s["kind"] == "clsc" for s in services_near("Rimouski", kind="clsc"))


def test_in_territory_points_come_first() -> None:
    out = services_near("Gaspé", kind="clsc", limit=10)
    flags = [s["in_territory"] for s in out]
    assert flags == sorted(flags, reverse=True) and flags[0] is True


def test_need_filters_lines_and_regional_dpj() -> None:
    def ids(place: str, need: str) -> list[str]:
        return [s["id"] for s in services_near(place, kind="helpline", need=need, limit=20)]

    estrie = ids("Sherbrooke", "child_protection")
    assert estrie[0] == "line-dpj-estrie"
    assert not any(i.startswith("line-dpj-montreal") for i in estrie)
    montreal = ids("H2L 3C3", "child_protection")
    assert montreal[:2] == ["line-dpj-montreal-signalement-francais", "line-dpj-montreal-anglais-batshaw"]
    laval = ids("Laval", "child_protection")
    assert laval[0] == "regional-13-dpj-directeur-de-la-protection-de-la-jeuness"  # the CDPDJ list's Laval line
    assert not any(i.startswith(("line-dpj", "regional-06")) for i in laval)
    assert ids("Laval", "gambling")[0] == "line-jeu-aide-et-reference"
    assert ids("Gaspé", "suicide")[:2] == [
        "line-ligne-quebecoise-de-prevention-du-suicide-1-866",
        "line-9-8-8-ligne-d-aide-en-cas-de-crise-de-suicide",
    ]
    poison = services_near("Québec", need="poisoning")
    assert poison[0]["id"] == "line-centre-antipoison-du-quebec"  # no CLSC for a poisoning


def test_bad_requests() -> None:
    with pytest.raises(InvalidRequest) as exc:
        services_near("Rimouski", need="nope")
    assert exc.value.code == "invalid_need"
    with pytest.raises(InvalidRequest):
        services_near("Rimouski", limit=0)
    with pytest.raises(InvalidRequest):
        services_near("Rimouski", kind="hospital")


def test_error_location_still_gets_province_wide_lines() -> None:
    out = services_near(resolve("Toronto"), kind="all")
    assert out and all(s["distance_km"] is None and not s["regional"] for s in out)


# --- records ------------------------------------------------------------------------------------


def test_records_one_per_intake_point() -> None:
    records = build_records(CORPUS)
    d = load_directory(DIRECTORY)
    assert len(records) == sum(e.classification == "intake_point" for e in d.located)
    assert len({r.id for r in records}) == len(records)
    rec = next(r for r in records if r.id == "svc-clsc-51222933")
    assert rec.kind == "service" and "Rimouski" in rec.text and "811" in rec.text
    assert rec.metadata["clsc_code"] == "01151" and rec.metadata["phone"] is None
    assert rec.metadata["latitude"] and rec.source.file.endswith("installationscsv.csv")


# --- importers ----------------------------------------------------------------------------------


def test_committed_directory_is_what_the_importer_writes(tmp_corpus: Path) -> None:
    importer.import_m02(tmp_corpus / M02.relative_to(CORPUS), corpus_dir=tmp_corpus)
    assert _snapshot(tmp_corpus / "directory") == _snapshot(DIRECTORY), (
        "corpus/directory is stale (help lines, needs.yaml or the importer changed): run "
        "`guide directory import-m02 corpus/sources/msss_m02/installationscsv.csv`"
    )


def test_import_is_idempotent(tmp_corpus: Path) -> None:
    importer.import_m02(M02, corpus_dir=tmp_corpus)
    first = _snapshot(tmp_corpus / "directory")
    importer.import_m02(M02, corpus_dir=tmp_corpus)
    assert _snapshot(tmp_corpus / "directory") == first


def _write_m02(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def test_m02_import_rejects_bad_rows_with_reasons(tmp_corpus: Path, tmp_path: Path) -> None:
    header, rows = read_m02(M02)
    good = next(r for r in rows if r["INSTAL_COD"] == "51228484")  # CLSC D'AHUNTSIC
    bad_postal = {**good, "INSTAL_COD": "90000001", "CODE_POSTA": "H2L3C"}
    ontario = {**good, "INSTAL_COD": "90000002", "LATITUDE": "43.6532", "LONGITUDE": "-79.3832"}
    no_name = {**good, "INSTAL_COD": "90000003", "INSTAL_NOM": ""}
    outside_postal = {**good, "INSTAL_COD": "90000004", "CODE_POSTA": "K1A0B1"}
    duplicate = dict(good)
    path = tmp_path / "bad_m02.csv"
    _write_m02(path, header, [good, bad_postal, ontario, no_name, outside_postal, duplicate])
    summary = importer.import_m02(path, corpus_dir=tmp_corpus)
    assert (summary.total, summary.accepted, summary.rejected) == (6, 1, 5)
    with (tmp_corpus / "directory" / "reports" / "m02_import_report.csv").open(encoding="utf-8") as fh:
        report = {r["source_line"]: r for r in csv.DictReader(fh)}
    assert report["2"]["status"] == "accepted"
    assert "invalid postal code" in report["3"]["reason"]
    assert "outside Québec's bounding box" in report["4"]["reason"]
    assert "missing required field INSTAL_NOM" in report["5"]["reason"]
    assert "outside Québec" in report["6"]["reason"]
    assert "duplicate INSTAL_COD" in report["7"]["reason"]
    assert all(report[k]["status"] == "rejected" for k in "34567")
    d = load_directory(tmp_corpus / "directory")
    assert [e.id for e in d.located] == ["svc-clsc-51228484"]
    again = _snapshot(tmp_corpus / "directory")
    importer.import_m02(path, corpus_dir=tmp_corpus)
    assert _snapshot(tmp_corpus / "directory") == again


def test_m02_import_refuses_a_file_that_is_not_m02(tmp_corpus: Path, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not an M02"):
        importer.import_m02(path, corpus_dir=tmp_corpus)


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _hsds_export(root: Path) -> Path:
    d = root / "export-211"
    d.mkdir()
    _write(
        d / "organizations.csv",
        [
            {"id": "org-1", "name": "Maison de la famille du quartier", "description": "Organisme communautaire"},
            {"id": "org-2", "name": "", "description": "no name"},
        ],
    )
    _write(
        d / "services.csv",
        [
            {"id": "svc-1", "organization_id": "org-1", "name": "Halte-répit parents", "status": "active"},
            {"id": "svc-2", "organization_id": "org-2", "name": "Orphan", "status": "active"},
            {"id": "svc-3", "organization_id": "org-1", "name": "Bad status", "status": "open"},
        ],
    )
    _write(
        d / "locations.csv",
        [
            {"id": "loc-1", "name": "Local Plateau", "latitude": "45.5250", "longitude": "-73.5800"},
            {"id": "loc-2", "name": "Toronto office", "latitude": "43.6532", "longitude": "-79.3832"},
            {"id": "loc-3", "name": "No coordinates", "latitude": "", "longitude": ""},
            {"id": "loc-4", "name": "Placed by postal code", "latitude": "", "longitude": ""},
        ],
    )
    _write(
        d / "addresses.csv",
        [
            {
                "id": "a-1",
                "location_id": "loc-1",
                "address_1": "1234, rue Rachel Est",
                "city": "Montréal",
                "state_province": "QC",
                "postal_code": "H2J 2J9",
                "country": "CA",
                "address_type": "physical",
            },
            {
                "id": "a-3",
                "location_id": "loc-3",
                "address_1": "1, rue X",
                "city": "Montréal",
                "state_province": "QC",
                "postal_code": "H2J 2J",
                "country": "CA",
                "address_type": "physical",
            },
            {
                "id": "a-4",
                "location_id": "loc-4",
                "address_1": "2, rue Y",
                "city": "Rimouski",
                "state_province": "QC",
                "postal_code": "G5L 6J2",
                "country": "CA",
                "address_type": "physical",
            },
        ],
    )
    _write(
        d / "service_at_location.csv",
        [
            {"id": "sal-1", "service_id": "svc-1", "location_id": "loc-1"},
            {"id": "sal-2", "service_id": "svc-1", "location_id": "loc-2"},
            {"id": "sal-4", "service_id": "svc-1", "location_id": "loc-4"},
        ],
    )
    _write(
        d / "phones.csv",
        [
            {"id": "p-1", "service_id": "svc-1", "number": "514 555-0199", "type": "voice"},
            {"id": "p-2", "service_id": "svc-1", "number": "555-01", "type": "voice"},
        ],
    )
    _write(d / "taxonomy_terms.csv", [{"id": "t-1", "code": "parenting", "name": "Parents", "description": "x"}])
    _write(
        d / "attributes.csv",
        [{"id": "at-1", "link_id": "svc-1", "taxonomy_term_id": "t-1", "link_entity": "service", "value": ""}],
    )
    return d


def test_hsds_import_validates_merges_and_is_idempotent(tmp_corpus: Path, tmp_path: Path) -> None:
    importer.import_m02(M02, corpus_dir=tmp_corpus)
    export = _hsds_export(tmp_path)
    summary = importer.import_hsds(export, corpus_dir=tmp_corpus)
    with (tmp_corpus / "directory" / "reports" / "hsds-export-211_import_report.csv").open(encoding="utf-8") as fh:
        report = {(r["table"], r["id"]): r for r in csv.DictReader(fh)}
    assert summary.rejected == sum(r["status"] == "rejected" for r in report.values()) > 0
    assert "missing required field name" in report[("organizations", "org-2")]["reason"]
    assert "organization org-2 missing or rejected" in report[("services", "svc-2")]["reason"]
    assert "invalid status" in report[("services", "svc-3")]["reason"]
    assert "bounding box" in report[("locations", "loc-2")]["reason"]
    assert "no coordinates" in report[("locations", "loc-3")]["reason"]
    assert "invalid postal code" in report[("addresses", "a-3")]["reason"]
    assert "location_id loc-2 missing or rejected" in report[("service_at_location", "sal-2")]["reason"]
    assert "invalid phone number" in report[("phones", "p-2")]["reason"]
    assert report[("locations", "loc-4")]["status"] == "accepted"

    out = services_near(resolve("H2J 2J9", tmp_corpus), kind="all", need="parenting", limit=3, corpus_dir=tmp_corpus)
    community = [s for s in out if s["kind"] == "community"]
    assert community and community[0]["name"] == "Local Plateau" and community[0]["phone"] == "514 555-0199"
    assert community[0]["no_referral"] is False and "parenting" in community[0]["needs"]
    assert any(s["kind"] == "clsc" for s in out)  # merged, not replacing the CLSCs

    first = _snapshot(tmp_corpus / "directory")
    importer.import_hsds(export, corpus_dir=tmp_corpus)
    assert _snapshot(tmp_corpus / "directory") == first
    importer.import_m02(M02, corpus_dir=tmp_corpus)  # re-importing M02 keeps the community layer
    assert _snapshot(tmp_corpus / "directory") == first


def test_english_display_name_keeps_the_official_name():
    from guide.directory.near import display_name

    line = {
        "name": "Ligne québécoise de prévention du suicide (1 866 APPELLE)",
        "name_en": "Quebec suicide prevention line",
    }
    assert display_name(line, "fr") == line["name"]
    assert (
        display_name(line, "en")
        == "Ligne québécoise de prévention du suicide (1 866 APPELLE) — Quebec suicide prevention line"
    )
    sos = {"name": "SOS violence conjugale", "name_en": "SOS violence conjugale (domestic violence)"}
    assert display_name(sos, "en") == "SOS violence conjugale (domestic violence)"
    assert display_name({"name": "CLSC de Hull", "name_en": None}, "en") == "CLSC de Hull"


def test_lines_carry_their_english_name_from_the_source(settings):
    from guide.directory.near import services_near
    from guide.geo import resolve

    out = services_near(
        resolve("Laval", settings.corpus_dir), kind="helpline", need="suicide", corpus_dir=settings.corpus_dir
    )
    suicide_line = next(s for s in out if "APPELLE" in s["name"])
    assert suicide_line["name_en"] and "suicide" in suicide_line["name_en"].lower()
