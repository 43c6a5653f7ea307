"""Fault injection: whatever is broken, a person in danger gets the emergency number and the right
line first, and nobody gets a stack trace.

Faults: a damaged index (the first 100 bytes of ``chroma.sqlite3`` zeroed), a Chroma server that is
down, a full disk (``OSError(ENOSPC)``), missing data files, a classifier that fails, broken
characters (lone UTF-16 surrogates, invalid UTF-8) on every route and command, and the turns after
a crisis.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ports import free_port

from guide.engine import Engine
from guide.settings import ROOT, Settings

CORPUS = ROOT / "corpus"
EMERGENCY = "line-urgence-9-1-1"
SUICIDE = "line-ligne-quebecoise-de-prevention-du-suicide-1-866"
SOS = "line-sos-violence-conjugale"
HALF_EMOJI = "\ud83d"  # what a JavaScript client sends when it cuts an emoji in half
CRISIS_FR = "je veux me tuer ce soir " + HALF_EMOJI


@pytest.fixture()
def damaged_index(tmp_path, index, index_dir) -> Path:
    """A copy of the session's index whose sqlite file has its first 100 bytes zeroed."""
    dst = tmp_path / "index"
    shutil.copytree(index_dir, dst)
    db = dst / "chroma" / "chroma.sqlite3"
    with db.open("r+b") as fh:
        fh.write(b"\0" * 100)
    return dst


def run_cli(*args: str | bytes, env_extra: dict[str, str] | None = None, timeout: int = 240):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env_extra or {})}
    argv = [os.fsencode(sys.executable), b"-m", b"guide.cli"] + [
        a if isinstance(a, bytes) else a.encode() for a in args
    ]
    return subprocess.run(argv, capture_output=True, env=env, timeout=timeout, cwd=ROOT)


def assert_suicide_crisis(a) -> None:
    assert a.crisis.detected and a.crisis.kind == "suicide"
    ids = [c["id"] for c in a.crisis.contacts]
    assert ids[0] == EMERGENCY and SUICIDE in ids
    assert "911" in a.answer.splitlines()[0]
    assert "1 866" in a.answer


# -- the index cannot be opened ------------------------------------------------------------------


def test_damaged_index_engine_still_answers_a_crisis(damaged_index):
    eng = Engine(Settings(index_dir=damaged_index, corpus_dir=CORPUS), writer=None)
    assert eng.retrieval_error == "index damaged"
    a = eng.ask(CRISIS_FR)
    assert_suicide_crisis(a)
    assert any("indisponible" in n for n in a.notices)
    # an everyday message still gets the directory (CLSC, 811) and is told search is down
    b = eng.ask("je me sens seul depuis ma séparation", where="Rimouski")
    assert any(s["kind"] == "clsc" for s in b.services) and any("indisponible" in n for n in b.notices)


def test_damaged_index_cli_ask_answers_and_index_repairs(damaged_index):
    env = {"GUIDE_INDEX_DIR": str(damaged_index)}
    r = run_cli("ask", "--json", "je veux mourir, j'ai les pilules devant moi", env_extra=env)
    assert r.returncode == 0, r.stderr.decode()
    assert b"Traceback" not in r.stderr + r.stdout
    a = json.loads(r.stdout)
    assert a["crisis"]["detected"] and a["crisis"]["contacts"][0]["id"] == EMERGENCY
    # an answer needs no index (only search does): nothing to say about it here

    s = run_cli("search", "porter plainte", env_extra=env)
    assert s.returncode == 1 and b"Traceback" not in s.stderr and b"guide index --rebuild" in s.stderr

    ix = run_cli("index", env_extra=env)  # repairs on its own: the damaged store is set aside, not deleted
    assert ix.returncode == 0, ix.stderr.decode()
    assert b"Traceback" not in ix.stderr
    assert any(p.name.startswith("chroma.damaged-") for p in damaged_index.iterdir())
    s2 = run_cli("search", "--json", "porter plainte", env_extra=env)
    assert s2.returncode == 0 and json.loads(s2.stdout)


def test_dead_chroma_server_degrades_not_fails(tmp_path, settings):
    s = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": free_port(), "index_dir": tmp_path})
    eng = Engine(s, writer=None)
    assert eng.retrieval_error == "Chroma server unreachable"
    a = eng.ask("I want to kill myself tonight")
    assert a.language == "en" and a.crisis.detected and a.crisis.contacts[0]["id"] == EMERGENCY
    assert "Call 911 now." in a.answer


def test_full_disk_is_named(monkeypatch, tmp_path, settings):
    import guide.index as index_mod

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(index_mod, "refresh_store", full)
    eng = Engine(settings.model_copy(update={"index_dir": tmp_path}), writer=None)
    assert eng.retrieval_error == "disk full"
    assert eng.ask("mon chum me frappe en ce moment").crisis.contacts[1]["id"] == SOS
    assert index_mod.describe_failure(RuntimeError("x")) != "disk full"


def test_full_disk_cli_index_says_so(tmp_path):
    """A real full disk is a tmpfs we cannot mount here; the sqlite error text of a full disk is."""
    from guide.index import describe_failure

    try:
        raise RuntimeError("wrapper") from OSError(errno.ENOSPC, "No space left on device")
    except RuntimeError as exc:
        assert describe_failure(exc) == "disk full"
    assert describe_failure(Exception("database or disk is full")) == "disk full"
    from guide.cli import index_message

    assert "disque est plein" in index_message("disk full") and "disk is full" in index_message("disk full")


def test_classifier_failure_falls_back_to_rules(settings, index, monkeypatch):
    eng = Engine(settings, index=index, writer=None)

    def broken(*a, **k):
        raise RuntimeError("model gone")

    monkeypatch.setattr(eng.triager, "check", broken)
    a = eng.ask("je veux me suicider")
    assert a.crisis.detected and a.crisis.method == "rule" and a.crisis.contacts[0]["id"] == EMERGENCY


def test_pipeline_failure_after_triage_keeps_the_crisis_contacts(settings, index, monkeypatch):
    eng = Engine(settings, index=index, writer=None)

    def broken(*a, **k):
        raise RuntimeError("geo gone")

    monkeypatch.setattr("guide.conversation.stages.locate.resolve", broken)
    a = eng.ask("je veux me tuer", where="Laval")
    assert_suicide_crisis(a)
    assert a.writer == "deterministic (safe)"
    calm = eng.ask("je me sens seul", where="Laval")  # not a crisis: 911 and Info-Social, plainly
    assert {s["id"] for s in calm.services} == {EMERGENCY, "line-info-social-811-option-2"}


def test_missing_directory_crisis_contacts_from_records(tmp_path, settings, index):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("directory"))
    from guide.conversation.crisis import CrisisDesk

    desk = CrisisDesk(corpus)
    contacts = desk.contacts(["suicide"], lang="fr")
    assert [c["id"] for c in contacts][:2] == [EMERGENCY, SUICIDE]
    assert contacts[0]["phone"] == "911" and contacts[1]["label"] == "Prévention du suicide"


# -- broken characters, everywhere ---------------------------------------------------------------


def test_engine_cleans_surrogates(settings, index):
    eng = Engine(settings, index=index, writer=None)
    a = eng.ask(CRISIS_FR, where="Montr\udce9al " + HALF_EMOJI)
    assert_suicide_crisis(a)
    json.dumps(a.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")  # serialisable as UTF-8


def test_cli_invalid_utf8_and_surrogates():
    r = run_cli("ask", "--json", b"je veux me tuer ce soir \xed\xa0\xbd \xff")
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert b"Traceback" not in r.stderr
    assert json.loads(r.stdout)["crisis"]["detected"]
    n = run_cli("services", "near", b"Montr\xe9al", "--json")
    assert b"Traceback" not in n.stderr and n.returncode in (0, 2)
    s = run_cli("search", "--json", b"plainte \xed\xa0\xbd")
    assert b"Traceback" not in s.stderr and s.returncode in (0, 2)


@pytest.fixture(scope="module")
def api(settings, index):
    from guide.api.app import create_app

    s = settings.model_copy(update={"api_rate_limit": "1000/minute"})
    with TestClient(create_app(s, engine=Engine(s, index=index, writer=None))) as c:
        yield c


def raw_json(client, path: str, body: str):
    return client.post(path, content=body.encode("utf-8"), headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    "body",
    [
        '{"messages": [{"role": "user", "content": "je veux me tuer ce soir \\ud83d"}]}',
        '{"messages": [{"role": "user", "content": "je veux me tuer ce soir \\udc00"}], "where": "H2L \\ud83d"}',
        '{"messages": [{"role": "user", "content": "\\ud83d\\ude00 je veux me tuer ce soir"}]}',
    ],
)
def test_api_chat_surrogates(api, body):
    r = raw_json(api, "/v1/chat", body)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["crisis"]["detected"] and a["crisis"]["contacts"][0]["id"] == EMERGENCY


@pytest.mark.parametrize(
    "path",
    [
        "/v1/services/near?where=Montr%ED%A0%BDal",
        "/v1/services/near?where=%FF%FE",
        "/v1/search?q=plainte%ED%A0%BD",
        "/v1/search?q=%FF",
    ],
)
def test_api_get_routes_invalid_utf8(api, path):
    r = api.get(path)
    assert r.status_code < 500, r.text
    assert "Traceback" not in r.text


# -- the turns after a crisis --------------------------------------------------------------------


def test_turn_after_crisis_keeps_contacts_first(settings, index):
    eng = Engine(settings, index=index, writer=None)
    first = eng.ask("je veux me tuer")
    assert first.follow_up  # Guide asks where the person lives
    for reply in ("H2L 3C3", "merci, et pour mon loyer?"):
        nxt = eng.ask(reply, state=first.state)
        assert nxt.crisis.detected and nxt.crisis.carried_over and nxt.crisis.kind == "suicide"
        ids = [s["id"] for s in nxt.services]
        assert ids[0] == EMERGENCY and SUICIDE in ids[:3]
        assert "911" in nxt.answer and "1 866" in nxt.answer
        assert nxt.answer.index("911") < 80  # first, not buried under the rest
    # a new conversation (no state) is not a crisis
    assert not eng.ask("merci, et pour mon loyer?").crisis.detected


def test_turn_after_crisis_via_api_without_state(api):
    body = {
        "messages": [
            {"role": "user", "content": "mon chum me frappe, j'ai peur"},
            {"role": "assistant", "content": "..."},
            {"role": "user", "content": "J4K 2T5"},
        ]
    }
    a = api.post("/v1/chat", json=body).json()
    assert a["crisis"]["detected"] and a["crisis"]["carried_over"]
    assert [c["id"] for c in a["crisis"]["contacts"]][:2] == [EMERGENCY, SOS]


# -- a child at risk -----------------------------------------------------------------------------


def test_child_at_risk_without_place_gets_the_dpj_route_and_own_labels(settings, index):
    eng = Engine(settings, index=index, writer=None)
    a = eng.ask("la voisine frappe son enfant tous les soirs, il pleure")
    assert a.crisis.detected and a.crisis.kind == "child_at_risk"
    assert "DPJ" in a.answer and "811" in a.answer
    labels = {c["id"]: c["label"] for c in a.crisis.contacts}
    assert labels[EMERGENCY] == "Urgence"
    assert "line-ligne-aide-maltraitance-adultes-aines-lamaa" not in labels
    assert "Enfant en danger" not in a.answer
    placed = eng.ask("la voisine frappe son enfant tous les soirs, il pleure", where="Sherbrooke")
    assert any(c.get("regional") and "child_protection" in c["needs"] for c in placed.crisis.contacts)
    assert "Dites-moi votre ville" not in placed.answer


def test_crisis_answers_are_short_and_direct(settings, index):
    from guide.conversation.crisis import CRISIS_MAX_WORDS, word_count

    eng = Engine(settings, index=index, writer=None)
    cases = {
        "mon chum me frappe en ce moment, il est dans la cuisine": ("Appelez le 911 maintenant.", SOS),
        "my friend swallowed a whole bottle of pills and won't wake up": (
            "Call 911 now.",
            "line-centre-antipoison-du-quebec",
        ),
        "j'ai pus le gout de vivre": ("Si une vie est en danger, appelez le 911.", SUICIDE),
    }
    for msg, (first_line, line_id) in cases.items():
        a = eng.ask(msg)
        assert a.answer.splitlines()[0] == first_line, (msg, a.answer)
        assert line_id in [c["id"] for c in a.crisis.contacts]
        assert word_count(a.answer) <= CRISIS_MAX_WORDS, a.answer


def test_cli_bad_option_value_with_json_gives_the_error_shape():
    r = run_cli("search", "--json", "droits", "--limit", "-1")
    assert r.returncode == 2 and b"Traceback" not in r.stderr
    assert json.loads(r.stdout)["error"]["code"] == "invalid_usage"
