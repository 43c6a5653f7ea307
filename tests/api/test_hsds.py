"""The read-only HSDS 3.0 API under /hsds/: contract-tested against the official OpenAPI file, plus
paging, errors, search, proximity and verification.

The official ``openapi.json`` names its response schemas by their published URLs
(``https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/service.json``…).
The tests run offline, so those URLs are read from the schema files kept beside it in
``corpus/sources/hsds/schema``: ``compiled/X.json`` is the published bundle of ``X.json``, and
``compiled/X_list.json`` keeps X's one-to-one fields (and the nested one-to-one objects), with the same
definitions and required fields, so both are checked against ``X.json``. What ``X.json`` does not
describe (the ``service`` nested in a service at location) is checked against its own schema in
``test_nested_objects_valid_against_hsds_schemas``.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import time
import types
from collections import Counter

import httpx
import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.jsonschema import resolver as st_resolver
from schemathesis.specs.openapi.checks import response_schema_conformance
from starlette.testclient import TestClient

from guide.api.app import create_app
from guide.directory import hsds_api
from guide.geo import haversine_km, resolve
from guide.settings import ROOT
from guide.text import tokens

SPEC_DIR = ROOT / "corpus" / "sources" / "hsds" / "schema"
SPEC = SPEC_DIR / "openapi.json"
DIRECTORY = ROOT / "corpus" / "directory"
REMOTE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
STATUSES = {"verified", "secondary", "unverified"}
# a deeper, randomised run: GUIDE_HSDS_MAX_EXAMPLES=500 pytest tests/api/test_hsds.py -k contract
MAX_EXAMPLES = int(os.environ.get("GUIDE_HSDS_MAX_EXAMPLES", "50"))
DERANDOMIZE = "GUIDE_HSDS_MAX_EXAMPLES" not in os.environ


def local_schema(uri: str) -> dict:
    """A schema the official openapi.json names by URL, read from the copy beside it."""
    name = uri[len(REMOTE) :].removeprefix("compiled/").replace("_list.json", ".json")
    path = SPEC_DIR / name
    if "/" in name or not path.is_file():
        raise FileNotFoundError(uri)
    return json.loads(path.read_text(encoding="utf-8"))


_original_load_remote = st_resolver.load_remote_uri


def _load_remote(uri: str):
    return local_schema(uri) if uri.startswith(REMOTE) else _original_load_remote(uri)


st_resolver.load_remote_uri = _load_remote  # only the spec's own URLs; anything else as before


def validator(name: str):
    """A JSON Schema validator (formats checked) for one of the spec's schema files."""
    return jsonschema_rs.Draft202012Validator({"$ref": REMOTE + name}, validate_formats=True, retriever=local_schema)


def csv_rows(table: str) -> list[dict]:
    with (DIRECTORY / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def app(settings):
    s = settings.model_copy(update={"api_rate_limit": "1000000/minute", "api_access_log": False})
    # the HSDS routes need no engine: a stub keeps the lifespan from loading models
    return create_app(s, engine=types.SimpleNamespace(warm_up=lambda: None))


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app)


# ---------------------------------------------------------------------------------------------
# Contract: the official OpenAPI file, every operation, in process
# ---------------------------------------------------------------------------------------------


class _AppOfTheFixture:
    """The ASGI app of the ``app`` fixture (built from the shared test settings), for Schemathesis,
    which needs an app when the module is imported."""

    app = None

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


CALLS: Counter = Counter()
contract = schemathesis.openapi.from_path(SPEC)  # the official file, as published
contract.config.update(base_url="http://localhost/hsds")
contract.app = _AppOfTheFixture()  # requests go to the ASGI app, in process


@pytest.fixture(scope="module")
def hsds_schema(app):
    contract.app.app = app
    return contract


DETAIL_TABLES = {
    "/services/{id}": "services",
    "/organizations/{id}": "organizations",
    "/service_at_locations/{id}": "service_at_location",
    "/taxonomies/{id}": "taxonomies",
    "/taxonomy_terms/{id}": "taxonomy_terms",
}


def check(case, response) -> None:
    CALLS[(case.operation.label, response.status_code // 100)] += 1
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), response.text[:300]


@contract.parametrize()
@hsettings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=DERANDOMIZE)
def test_contract_official_spec(case, hsds_schema):
    """Schemathesis cases (positive and negative) on every operation: no 5xx, every 200 valid
    against the spec's schema, every error in Guide's shape. A generated id names no record, so each
    case on a ``{id}`` path is sent again with a real id picked from the generated one."""
    response = case.call()
    check(case, response)
    table = DETAIL_TABLES.get(case.operation.path)
    generated = (case.path_parameters or {}).get("id")
    if table and response.status_code == 404 and isinstance(generated, str):  # else the request itself was bad
        ids = [r["id"] for r in csv_rows(table)]
        case.path_parameters["id"] = ids[sum(map(ord, generated)) % len(ids)]
        response = case.call()
        assert response.status_code == 200, response.text[:300]
        check(case, response)


def test_contract_every_record_valid_against_official_spec(hsds_schema):
    """Every record of the directory, in every view, is valid against the spec's response schemas."""
    for path, table in DETAIL_TABLES.items():
        op = hsds_schema[path]["GET"]
        queries = [{}, {"full_service": "true"}] if path == "/organizations/{id}" else [{}]
        for row in csv_rows(table):
            for query in queries:
                case = op.Case(path_parameters={"id": row["id"]}, query=query)
                response = case.call()
                assert response.status_code == 200
                check(case, response)
    views = {
        "/services": [{}, {"full": "true"}, {"minimal": "true"}],
        "/organizations": [{}, {"full": "true"}, {"full_service": "true"}],
        "/service_at_locations": [{}, {"full": "true"}, {"postcode": "H2X 1Y4", "proximity": "20000"}],
        "/taxonomies": [{}],
        "/taxonomy_terms": [{}, {"top_only": "true"}],
    }
    for path, queries in views.items():
        op = hsds_schema[path]["GET"]
        for query in queries:
            case = op.Case(query={"per_page": "1000", **query})
            response = case.call()
            assert response.status_code == 200 and response.json()["last_page"]
            check(case, response)
    op = hsds_schema["/"]["GET"]
    check(op.Case(), op.Case().call())


def test_contract_schemas_resolve_and_bite(hsds_schema):
    """Every operation's 200 schema resolves (an unresolvable one would be skipped silently), and a
    response that breaks it is reported."""
    labels = []
    for result in hsds_schema.get_all_operations():
        op = result.ok()
        labels.append(op.label)
        resolved = op.responses.find_by_status_code(200).get_schema("application/json")
        assert resolved.schema is not None and resolved.unresolvable_reference is None, op.label
    assert len(labels) == 11 and "GET /" in labels
    op = hsds_schema["/services/{id}"]["GET"]
    case = op.Case(path_parameters={"id": "x"})
    bad = httpx.Response(
        200,
        json={"id": "not-a-uuid", "name": "x", "status": "closed"},
        request=httpx.Request("GET", "http://localhost/hsds/services/x"),
    )
    bad.elapsed = datetime.timedelta(0)
    with pytest.raises(FailureGroup) as failed:
        case.validate_response(bad, checks=[response_schema_conformance])
    reported = "\n".join(str(e) for e in failed.value.exceptions)
    assert '"closed"' in reported and '"not-a-uuid"' in reported  # enum and uuid format both checked


# ---------------------------------------------------------------------------------------------
# Paging
# ---------------------------------------------------------------------------------------------

PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}


@pytest.mark.parametrize(
    "path",
    ["/hsds/services", "/hsds/organizations", "/hsds/service_at_locations", "/hsds/taxonomies", "/hsds/taxonomy_terms"],
)
def test_paging_walks_every_record_once(client, path):
    first = client.get(path, params={"per_page": 7}).json()
    assert set(first) == PAGE_KEYS
    assert first["page_number"] == 1 and first["first_page"] and first["size"] == len(first["contents"])
    total, pages = first["total_items"], first["total_pages"]
    assert pages == -(-total // 7)
    seen = []
    for page in range(1, pages + 1):
        body = client.get(path, params={"per_page": 7, "page": page}).json()
        assert body["page_number"] == page and body["first_page"] == (page == 1)
        assert body["last_page"] == (page == pages) and not body["empty"]
        seen += [x["id"] for x in body["contents"]]
    assert len(seen) == len(set(seen)) == total
    after = client.get(path, params={"per_page": 7, "page": pages + 1}).json()
    assert after["contents"] == [] and after["empty"] and after["size"] == 0 and after["last_page"]


def test_paging_defaults_and_counts(client):
    body = client.get("/hsds/services").json()
    assert body["total_items"] == len(csv_rows("services"))
    assert body["size"] == len(body["contents"]) == 50  # default per_page
    everything = client.get("/hsds/services", params={"per_page": 1000}).json()
    assert everything["total_pages"] == 1 and everything["last_page"]


def test_ndjson_streams_every_result_without_paging(client):
    r = client.get("/hsds/taxonomy_terms", params={"format": "ndjson", "per_page": 1})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert len(lines) == len(csv_rows("taxonomy_terms"))


# ---------------------------------------------------------------------------------------------
# Errors in Guide's shape
# ---------------------------------------------------------------------------------------------


def assert_error(r: httpx.Response, status: int, code: str | None = None) -> None:
    assert r.status_code == status, r.text[:300]
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert code is None or body["error"]["code"] == code


@pytest.mark.parametrize("path", ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"])
def test_unknown_id_is_404_in_guide_shape(client, path):
    r = client.get(f"/hsds/{path}/00000000-0000-0000-0000-000000000000")
    assert_error(r, 404, "not_found")
    assert "00000000" not in r.text  # the id is not echoed


@pytest.mark.parametrize(
    "query, status, code",
    [
        ({"foo": "1"}, 400, "unknown_parameter"),
        ({"search": "a" * 20_000}, 422, "invalid_request"),
        ({"search": "abc\x00def"}, 400, "invalid_characters"),
        ({"search": "\u202e\x1b[31m"}, 400, "invalid_characters"),
        ({"search": "!!! ???"}, 400, "no_words"),
        ({"page": "0"}, 400, "invalid_page"),
        ({"page": "-3"}, 400, "invalid_page"),
        ({"page": "1e3"}, 422, "invalid_request"),
        ({"per_page": "10" * 30}, 400, "invalid_per_page"),
        ({"per_page": "abc"}, 422, "invalid_request"),
        ({"format": "xml"}, 400, "invalid_format"),
        ({"minimal": "perhaps"}, 422, "invalid_request"),
        ({"modified_after": "yesterday"}, 400, "invalid_modified_after"),
        ({"taxonomy_id": "x" * 5000}, 422, "invalid_request"),
    ],
)
def test_bad_input_is_a_clear_4xx(client, query, status, code):
    assert_error(client.get("/hsds/services", params=query), status, code)


def test_broken_bytes_repeated_and_misplaced_parameters(client):
    assert_error(client.get("/hsds/services?search=%FF%FE"), 400, "invalid_characters")
    assert_error(client.get("/hsds/services?search=caf%C3"), 400, "invalid_characters")
    assert_error(client.get("/hsds/services?page=1&page=2"), 400, "repeated_parameter")
    assert_error(client.get("/hsds/services/abc?full=true"), 400, "unknown_parameter")  # not a parameter of {id}
    assert_error(client.get("/hsds/taxonomies?postcode=H2X1Y4"), 400, "unknown_parameter")
    assert_error(client.get("/hsds/services/%00%01"), 400, "invalid_characters")
    assert_error(client.get("/hsds/organizations/%FF"), 400, "invalid_characters")
    head = client.head("/hsds/services")
    assert head.status_code == 200 and head.content == b""
    assert_error(client.get("/hsds/services/" + "x" * 5000), 404, "not_found")
    assert_error(
        client.get("/hsds/service_at_locations", params={"proximity": "1000"}), 400, "proximity_without_postcode"
    )
    for bad in ("-5", "0", "nan", "inf", "far"):
        assert_error(
            client.get("/hsds/service_at_locations", params={"postcode": "H2X 1Y4", "proximity": bad}),
            400,
            "invalid_proximity",
        )
    r = client.get("/hsds/service_at_locations", params={"postcode": "Zqxwv Nowhere"})
    assert 400 <= r.status_code < 500 and r.json()["error"]["code"] == "unknown_place"
    r = client.get("/hsds/service_at_locations", params={"postcode": "Toronto"})
    assert 400 <= r.status_code < 500 and r.json()["error"]["code"] == "outside_quebec"


# ---------------------------------------------------------------------------------------------
# Search and filters
# ---------------------------------------------------------------------------------------------


def all_items(client, path, **params) -> list[dict]:
    return client.get(path, params={"per_page": 1000, **params}).json()["contents"]


def test_search_is_word_prefix_accent_and_case_insensitive(client):
    found = all_items(client, "/hsds/services", search="Suicide")
    assert found and all("suicide" in json.dumps(s, ensure_ascii=False).lower() for s in found)
    assert len(found) < len(csv_rows("services"))
    accented = {s["id"] for s in all_items(client, "/hsds/services", search="prévention")}
    folded = {s["id"] for s in all_items(client, "/hsds/services", search="PREVENTION")}
    assert accented and accented == folded
    prefix = {s["id"] for s in all_items(client, "/hsds/services", search="suic")}
    assert {s["id"] for s in found} <= prefix
    both = all_items(client, "/hsds/services", search="suicide prevention")
    assert 0 < len(both) <= len(found)
    assert all_items(client, "/hsds/services", search="zzqxw") == []
    assert all_items(client, "/hsds/services", search="مساعدة") == []  # words, but none the directory has
    orgs = all_items(client, "/hsds/organizations", search="CISSS")
    assert orgs and all("cisss" in (o["name"] + o.get("alternate_name", "") + o["description"]).lower() for o in orgs)
    sal = all_items(client, "/hsds/service_at_locations", search="Chibougamau")
    assert sal and all("chibougamau" in json.dumps(x, ensure_ascii=False).lower() for x in sal)
    assert all_items(client, "/hsds/taxonomies", search="besoins")[0]["name"].startswith("Guide — besoins")
    terms = all_items(client, "/hsds/taxonomy_terms", search="épuisement")
    assert "exhaustion" in [t["code"] for t in terms]
    assert all("epuisement" in tokens(t["name"] + " " + t["description"]) for t in terms)


def test_filters_are_cumulative(client):
    need = next(t for t in csv_rows("taxonomy_terms") if t["taxonomy"] == "guide-needs")
    with_need = {a["link_id"] for a in csv_rows("attributes") if a["taxonomy_term_id"] == need["id"]}
    by_term = all_items(client, "/hsds/services", taxonomy_term_id=need["id"])
    assert by_term and {s["id"] for s in by_term} == with_need & {s["id"] for s in csv_rows("services")}
    org = by_term[0]["organization_id"]
    both = all_items(client, "/hsds/services", taxonomy_term_id=need["id"], organization_id=org)
    assert both and all(s["organization_id"] == org and s["id"] in with_need for s in both)
    by_tax = all_items(client, "/hsds/services", taxonomy_id=need["taxonomy_id"])
    assert {s["id"] for s in by_term} <= {s["id"] for s in by_tax}
    assert all_items(client, "/hsds/services", taxonomy_id="no-such-taxonomy") == []
    later = all_items(client, "/hsds/services", modified_after="2026-12-01")
    assert later and all(s["assured_date"] >= "2026-12-01" for s in later)
    assert all_items(client, "/hsds/services", modified_after="2999-01-01T00:00:00Z") == []
    rss = next(t for t in csv_rows("taxonomy_terms") if t["code"] == "RSS:10")
    north = all_items(client, "/hsds/service_at_locations", taxonomy_term_id=rss["id"])
    assert north and all(x["location"]["description"].endswith("Nord-du-Québec.") for x in north)
    children = all_items(client, "/hsds/taxonomy_terms", parent_id=rss["id"])
    assert children and all(t["parent_id"] == rss["id"] for t in children)
    top = all_items(client, "/hsds/taxonomy_terms", top_only="true")
    assert top and all("parent_id" not in t for t in top)


def test_minimal_and_full_views(client):
    minimal = all_items(client, "/hsds/services", minimal="true")
    assert all(set(s) <= {"id", "name", "status", "assured_date", "last_modified", "attributes"} for s in minimal)
    full = all_items(client, "/hsds/services", full="true")
    located = [s for s in full if s["service_at_locations"]]
    assert located and all("addresses" in x["location"] for s in located for x in s["service_at_locations"])
    assert sum(len(s["service_at_locations"]) for s in full) == len(csv_rows("service_at_location"))
    org = client.get("/hsds/organizations", params={"search": "Urgence", "full_service": "true"}).json()["contents"][0]
    assert org["services"] and "phones" in org["services"][0]


# ---------------------------------------------------------------------------------------------
# Proximity (postcode + proximity on /service_at_locations)
# ---------------------------------------------------------------------------------------------


def test_proximity_filter_by_place(client, settings):
    place = resolve("H2X 1Y4", settings.corpus_dir)
    assert place.ok

    def km(x):
        return float(
            haversine_km(place.latitude, place.longitude, x["location"]["latitude"], x["location"]["longitude"])
        )

    near = all_items(client, "/hsds/service_at_locations", postcode="H2X 1Y4", proximity="3000")
    assert near
    dists = [km(x) for x in near]
    assert all(d <= 3.0 for d in dists) and dists == sorted(dists)
    wider = all_items(client, "/hsds/service_at_locations", postcode="H2X 1Y4", proximity="15000")
    assert {x["id"] for x in near} < {x["id"] for x in wider}
    # without proximity: every service whose service area serves the place, nearest first
    served = all_items(client, "/hsds/service_at_locations", postcode="H2X1Y4")
    assert {x["id"] for x in wider} <= {x["id"] for x in served}
    assert served[0]["id"] == near[0]["id"]
    # a town resolves too, and filters cumulate with search
    town = resolve("Rimouski", settings.corpus_dir)
    rimouski = all_items(client, "/hsds/service_at_locations", postcode="Rimouski", proximity="50000", search="CLSC")
    assert rimouski and all("clsc" in json.dumps(x, ensure_ascii=False).lower() for x in rimouski)
    assert all(
        haversine_km(town.latitude, town.longitude, x["location"]["latitude"], x["location"]["longitude"]) <= 50
        for x in rimouski
    )
    far = all_items(client, "/hsds/service_at_locations", postcode="Rimouski", proximity="1")
    assert far == []


# ---------------------------------------------------------------------------------------------
# Verification status and assured_date on every record
# ---------------------------------------------------------------------------------------------


def statuses(attrs: list[dict]) -> list[str]:
    return [a["value"] for a in attrs if a["link_type"] == "verification_status"]


def test_every_service_carries_verification_and_assured_date(client):
    stored = {a["link_id"]: a["value"] for a in csv_rows("attributes") if a["link_type"] == "verification_status"}
    dates = {s["id"]: s["assured_date"] for s in csv_rows("services")}
    for view in ({}, {"minimal": "true"}, {"full": "true"}):
        items = all_items(client, "/hsds/services", **view)
        assert len(items) == len(dates)
        for s in items:
            assert s["assured_date"] == dates[s["id"]]
            (status,) = statuses(s["attributes"])
            assert status == stored.get(s["id"], "unverified")
    # the stored evidence comes with it (read on a cited page, its date and URL)
    line = next(s for s in all_items(client, "/hsds/services", search="suicide") if s["id"] in stored)
    kinds = {a["link_type"] for a in line["attributes"]}
    assert {"verification_status", "phone_verified", "source_url"} <= kinds
    detail = client.get(f"/hsds/services/{line['id']}").json()
    vs = next(a for a in detail["attributes"] if a["link_type"] == "verification_status")
    assert vs["taxonomy_term"]["code"] == "verification_status"


def test_services_at_location_and_organizations_carry_verification(client):
    sal = all_items(client, "/hsds/service_at_locations")
    assert len(sal) == len(csv_rows("service_at_location"))
    for x in sal:
        (status,) = statuses(x["attributes"])
        assert status in STATUSES
        assert statuses(x["service"]["attributes"]) == [status] and x["service"]["assured_date"]
    detail = client.get(f"/hsds/service_at_locations/{sal[0]['id']}").json()
    assert detail["assured_date"] == sal[0]["service"]["assured_date"]
    assert len(statuses(detail["attributes"])) == 1
    orgs = all_items(client, "/hsds/organizations")
    assert all(len(statuses(o["attributes"])) == 1 and statuses(o["attributes"])[0] in STATUSES for o in orgs)
    org = client.get(f"/hsds/organizations/{orgs[0]['id']}").json()
    assert org["services"] and all(s["assured_date"] and statuses(s["attributes"]) for s in org["services"])


def test_nested_objects_valid_against_hsds_schemas(client):
    """What the spec's own response schemas leave unchecked (a service at location's nested service;
    the service at location behind /service_at_locations/{id}) is checked against HSDS's schemas."""
    service, sal_schema, location = (
        validator("service.json"),
        validator("service_at_location.json"),
        validator("location.json"),
    )
    for x in all_items(client, "/hsds/service_at_locations", full="true"):
        service.validate(x["service"])
        sal_schema.validate(x)
        location.validate(x["location"])
    sal_id = csv_rows("service_at_location")[0]["id"]
    detail = client.get(f"/hsds/service_at_locations/{sal_id}").json()
    sal_schema.validate(detail)
    service.validate(detail["service"])
    org = client.get("/hsds/organizations", params={"full": "true", "full_service": "true"}).json()["contents"]
    for o in org:
        for s in o["services"]:
            service.validate(s)


def test_tables_loaded_once_per_process(client):
    client.get("/hsds/services")
    before = hsds_api._load.cache_info()
    for path in ("/hsds/services", "/hsds/organizations", "/hsds/taxonomies", "/hsds/service_at_locations"):
        assert client.get(path).status_code == 200
    after = hsds_api._load.cache_info()
    assert after.misses == before.misses and after.hits >= before.hits + 4
    t0 = time.perf_counter()
    client.get("/hsds/services", params={"full": "true", "per_page": 1000})
    assert time.perf_counter() - t0 < 2.0


def test_root_describes_the_api(client):
    body = client.get("/hsds/").json()
    assert body["version"].startswith("3.0") and body["openapi_url"].endswith("openapi.json")
    assert client.get("/hsds").status_code in (200, 307)
    guide_spec = client.get("/openapi.json").json()  # Guide's own description lists the routes too
    assert {"/hsds/", "/hsds/services", "/hsds/service_at_locations/{id}"} <= set(guide_spec["paths"])


@pytest.fixture(scope="module", autouse=True)
def _report_contract_calls():
    yield
    if CALLS:
        ops = sorted({op for op, _ in CALLS})
        print(f"\nSchemathesis (official HSDS 3.0 openapi.json): {len(ops)} operations, {sum(CALLS.values())} requests")
        for op in ops:
            print(f"  {op}: " + ", ".join(f"{k}xx={CALLS[(op, k)]}" for k in (2, 4, 5) if CALLS[(op, k)]))
