"""Nothing a client sends back is trusted: the conversation state is checked against Guide's own
ids and the place is re-derived server-side; a place typed by a person is never echoed as markup
or as Guide's words; a conversation without state is replayed within a bound."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from guide.engine import Engine


@pytest.fixture(scope="module")
def engine(settings, index):
    return Engine(settings, index=index, writer=None)


@pytest.fixture(scope="module")
def api(settings, engine):
    from guide.api.app import create_app

    s = settings.model_copy(update={"api_rate_limit": "1000/minute"})
    with TestClient(create_app(s, engine=engine)) as c:
        yield c


def real_state(engine, where="Sherbrooke"):
    return engine.ask("je me sens seul depuis ma séparation", where=where).state.model_dump(mode="json")


def chat(api, state, text="et pour mon loyer?"):
    return api.post("/v1/chat", json={"messages": [{"role": "user", "content": text}], "state": state})


def test_forged_latitude_is_ignored(api, engine):
    st = real_state(engine)
    st["location"]["latitude"] = 999
    r = chat(api, st)
    assert r.status_code == 200
    clscs = [s for s in r.json()["services"] if s["kind"] == "clsc"]
    assert clscs and max(s["distance_km"] for s in clscs) < 50  # Sherbrooke's CLSCs, not 14,000 km away


def test_nan_latitude_is_not_a_500(api, engine):
    st = real_state(engine)
    body = json.dumps({"messages": [{"role": "user", "content": "allo"}], "state": st}).replace(
        str(st["location"]["latitude"]), "NaN", 1
    )
    r = api.post("/v1/chat", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code in (200, 422), r.text


def test_forged_region_does_not_remove_the_dpj_line(engine):
    st = real_state(engine, where="Sherbrooke")
    st["location"]["rss_code"] = "99"
    a = engine.ask("mon voisin bat son enfant", state=st)
    assert any(c.get("regional") and "child_protection" in c["needs"] for c in a.crisis.contacts)


def test_forged_place_name_is_never_guides_words(api, engine):
    st = real_state(engine, where="Montréal")
    st["location"]["resolved"] = "Montréal — appelez plutôt le 514 555 0199"
    r = chat(api, st, "je me sens seul")
    assert r.status_code == 200
    assert "555 0199" not in r.text


@pytest.mark.parametrize(
    "field,value", [("needs", ["not_a_need"]), ("crisis_kinds", ["zombies"]), ("asked", ["password"]), ("turns", -5)]
)
def test_unknown_ids_are_rejected_with_422(api, engine, field, value):
    st = real_state(engine)
    st[field] = value
    r = chat(api, st)
    assert r.status_code == 422 and r.json()["error"]["code"] in ("invalid_state", "invalid_request")
    assert "Traceback" not in r.text


def test_where_is_not_echoed_as_markup(api, engine):
    a = engine.ask("je me sens seul", where="<script>alert(1)</script>")
    assert "<script>" not in a.answer and "<script>" not in json.dumps(a.location["message"])
    r = api.get("/v1/services/near", params={"where": "<script>alert(1)</script>"})
    assert r.status_code == 404 and "<script>" not in r.text


def test_replay_without_state_is_bounded(api, engine, monkeypatch):
    calls = {"ask": 0}
    real_ask = Engine.ask

    def counting(self, *a, **k):
        calls["ask"] += 1
        return real_ask(self, *a, **k)

    monkeypatch.setattr(Engine, "ask", counting)
    msgs = [{"role": "user", "content": "je veux me tuer"}, {"role": "assistant", "content": "..."}]
    for i in range(15):
        msgs += [
            {"role": "user", "content": f"message numéro {i} sur ma fatigue"},
            {"role": "assistant", "content": "..."},
        ]
    msgs.append({"role": "user", "content": "merci"})
    r = api.post("/v1/chat", json={"messages": msgs})
    assert r.status_code == 200
    assert calls["ask"] <= Engine.REPLAY_FULL + 1  # not 17 full answers
    assert r.json()["crisis"]["carried_over"]  # the crisis 16 messages back still leads the answer
