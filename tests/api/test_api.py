"""API routes with FastAPI's TestClient: every endpoint, every error, one error shape."""

import json

import pytest
from api_asserts import is_error
from fastapi.testclient import TestClient

from guide.api.app import create_app
from guide.engine import Engine


@pytest.fixture(scope="module")
def client(settings, index):
    s = settings.model_copy(update={"api_rate_limit": "1000/minute"})
    app = create_app(s, engine=Engine(s, index=index, writer=None))
    with TestClient(app) as c:
        yield c


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    d = r.json()
    assert d["status"] == "ok" and d["index_loaded"] and d["records"] > 500 and len(d["corpus_version"]) == 16


def test_openapi_page(client):
    assert client.get("/openapi.json").json()["paths"].keys() >= {
        "/v1/chat",
        "/v1/services/near",
        "/v1/search",
        "/v1/needs",
    }
    page = client.get("/docs")
    assert page.status_code == 200
    # served from the installed bundle: the page works offline (FastAPI's default loads a CDN)
    assert "cdn." not in page.text and "/static-offline-docs/swagger-ui-bundle.js" in page.text
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static-offline-docs/swagger-ui.css").status_code == 200


def test_chat_crisis_first(client):
    r = client.post("/v1/chat", json={"messages": [{"role": "user", "content": "j'ai pus le goût de vivre"}]})
    assert r.status_code == 200
    d = r.json()
    assert d["crisis"]["detected"] and d["crisis"]["contacts"][0]["id"] == "line-urgence-9-1-1"
    assert {
        "language",
        "crisis",
        "answer",
        "services",
        "citations",
        "needs",
        "follow_up",
        "location",
        "state",
    } <= d.keys()


def test_chat_is_stateless_and_state_round_trips(client):
    r1 = client.post(
        "/v1/chat", json={"messages": [{"role": "user", "content": "je suis épuisée avec mon père malade"}]}
    )
    d1 = r1.json()
    assert d1["follow_up"] and d1["state"]["asked"] == ["location"]
    convo = [
        {"role": "user", "content": "je suis épuisée avec mon père malade"},
        {"role": "assistant", "content": d1["answer"]},
        {"role": "user", "content": "Sherbrooke"},
    ]
    r2 = client.post("/v1/chat", json={"messages": convo, "state": d1["state"]})
    d2 = r2.json()
    assert d2["follow_up"] is None and any(
        s["kind"] == "clsc" and s["municipality"] == "Sherbrooke" for s in d2["services"]
    )
    # without the state, the server rebuilds it from the earlier user messages: same result
    r3 = client.post("/v1/chat", json={"messages": convo})
    assert r3.json()["services"] == d2["services"] and r3.json()["state"]["needs"] == d2["state"]["needs"]


def test_chat_where_and_lang(client):
    r = client.post(
        "/v1/chat",
        json={"messages": [{"role": "user", "content": "je me sens seul"}], "where": "H2L 3C3", "lang": "en"},
    )
    d = r.json()
    assert d["language"] == "en" and any(s["kind"] == "clsc" for s in d["services"])


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"messages": []}, 422, "no_message"),
        ({"messages": [{"role": "assistant", "content": "hi"}]}, 422, "last_message_not_user"),
        ({"messages": [{"role": "user", "content": "x" * 10_001}]}, 413, "message_too_long"),
        ({"messages": [{"role": "user", "content": "a"}] * 51}, 413, "too_many_messages"),
        ({"messages": [{"role": "robot", "content": "a"}]}, 422, "invalid_request"),
        ({"messages": [{"role": "user", "content": "a"}], "lang": "es"}, 422, "invalid_request"),
        ({"message": "hello"}, 422, "invalid_request"),
    ],
)
def test_chat_errors(client, body, status, code):
    is_error(client.post("/v1/chat", json=body), status, code)


def test_chat_body_too_large(client):
    big = json.dumps({"messages": [{"role": "user", "content": "a" * 9000}] * 10})
    is_error(
        client.post("/v1/chat", content=big, headers={"content-type": "application/json"}), 413, "payload_too_large"
    )


def test_chat_malformed_json(client):
    is_error(client.post("/v1/chat", content=b"{not json", headers={"content-type": "application/json"}), 422)


def test_services_near(client):
    r = client.get("/v1/services/near", params={"where": "Rimouski", "kind": "clsc", "limit": 2})
    d = r.json()
    assert r.status_code == 200 and d["location"]["municipality"] == "Rimouski"
    assert len(d["services"]) == 2 and d["services"][0]["municipality"] == "Rimouski"
    for key in (
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
    ):
        assert key in d["services"][0]


def test_services_near_need_filter(client):
    d = client.get("/v1/services/near", params={"where": "G1R 2B5", "kind": "helpline", "need": "gambling"}).json()
    assert d["services"][0]["id"] == "line-jeu-aide-et-reference"


@pytest.mark.parametrize(
    "params,status,code",
    [
        ({"where": "Atlantide-sur-Mer"}, 404, "unknown_place"),
        ({"where": "Toronto"}, 422, "outside_quebec"),
        ({"where": "M5V 2T6"}, 422, "outside_quebec"),
        ({"where": "H2L 3C"}, 400, "invalid_postal_code"),
        ({"where": "Laval", "need": "unicorns"}, 400, "invalid_need"),
        ({"where": "Laval", "limit": 0}, 422, "invalid_request"),
        ({"where": "Laval", "kind": "bar"}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
        ({"where": "x" * 300}, 422, "invalid_request"),
    ],
)
def test_services_near_errors(client, params, status, code):
    is_error(client.get("/v1/services/near", params=params), status, code)


def test_search(client):
    r = client.get("/v1/search", params={"q": "sans référence liste d'attente", "kind": "declaration", "limit": 3})
    d = r.json()
    assert r.status_code == 200 and len(d) == 3 and all(x["kind"] == "declaration" for x in d)
    assert {"id", "kind", "title", "reference", "text", "score", "source"} <= d[0].keys()


@pytest.mark.parametrize(
    "params,status,code",
    [
        ({"q": "   "}, 400, "empty_query"),
        ({"q": "?!?"}, 400, "no_words"),
        ({"q": "aide", "kind": "x"}, 422, "invalid_request"),
        ({"q": "a" * 2001}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
    ],
)
def test_search_errors(client, params, status, code):
    is_error(client.get("/v1/search", params=params), status, code)


def test_needs(client):
    d = client.get("/v1/needs").json()
    ids = {n["id"] for n in d}
    assert {"suicide", "separation_grief", "poverty_food"} <= ids and all(n["label_fr"] and n["label_en"] for n in d)


def test_unknown_route_and_method(client):
    is_error(client.get("/v1/nope"), 404, "not_found")
    is_error(client.delete("/v1/needs"), 405, "method_not_allowed")


def test_rate_limit(settings, index):
    s = settings.model_copy(update={"api_rate_limit": "3/minute"})
    with TestClient(create_app(s, engine=Engine(s, index=index, writer=None))) as c:
        codes = [c.get("/v1/needs").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429
        is_error(c.get("/v1/needs"), 429, "rate_limited")


def test_no_message_content_in_logs(client, caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        client.post(
            "/v1/chat", json={"messages": [{"role": "user", "content": "ma voisine Josée Pelletier me menace"}]}
        )
        client.get("/v1/services/near", params={"where": "G5L 2Z3"})
        client.get("/v1/search", params={"q": "Pelletier plainte"})
    ours = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith("httpx")
    )  # the test client's own log aside
    assert "GET /v1/search 200" in ours  # the access log is there...
    assert "Pelletier" not in ours and "G5L" not in ours  # ...without what the person wrote


def test_cors_from_settings(client):
    r = client.options("/v1/needs", headers={"Origin": "http://localhost:8501", "Access-Control-Request-Method": "GET"})
    assert r.headers.get("access-control-allow-origin") == "http://localhost:8501"
    r = client.options("/v1/needs", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in r.headers


def test_a_worker_opens_the_search_index_on_its_first_search_only(settings, index):
    # what `guide serve` starts: answers need no index, so a worker stays lean until someone searches
    s = settings.model_copy(update={"api_rate_limit": "1000/minute"})
    engine = Engine(s, open_index=False, writer=None)
    with TestClient(create_app(s, engine=engine)) as c:
        h = c.get("/healthz").json()
        assert h["status"] == "ok" and h["reason"] is None and h["index_loaded"] is False and h["records"] > 0
        assert c.post("/v1/chat", json={"messages": [{"role": "user", "content": "je veux mourir"}]}).status_code == 200
        assert engine.index_if_open is None  # an answer did not open it
        assert c.get("/v1/search", params={"q": "droit de porter plainte"}).status_code == 200
        assert c.get("/healthz").json()["index_loaded"] is True
