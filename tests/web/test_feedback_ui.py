""" "Cette réponse vous a-t-elle aidé ? / Was this useful?" under each answer of the citizen chat
(AppTest): a vote adds one count per (kind, need, region, useful, reason) and nothing else."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from guide.settings import ROOT

APP = str(ROOT / "guide" / "web" / "app.py")
TIMEOUT = 180
PLACE_MESSAGE = "je viens de me séparer pis je dors pu, j'habite à Rimouski"
CRISIS = "je veux mourir ce soir, j'ai ramassé toutes mes pilules"
ROW_KEYS = {"kind", "need", "region", "useful", "reason", "count"}


@pytest.fixture(scope="module", autouse=True)
def ui_env(index, index_dir):
    from guide import settings as settings_mod

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GUIDE_INDEX_DIR", str(index_dir))
        mp.delenv("GUIDE_FEEDBACK", raising=False)
        mp.delenv("GUIDE_FEEDBACK_PATH", raising=False)
        settings_mod.get_settings.cache_clear()
        yield
    settings_mod.get_settings.cache_clear()


@pytest.fixture()
def counts_file():
    """The counts file the app writes (default: <index_dir>/feedback.json), emptied for each test."""
    from guide.feedback import counts_path
    from guide.settings import get_settings

    path = counts_path(get_settings())
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def send(at: AppTest, text: str) -> AppTest:
    at.chat_input(key="chat").set_value(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rows(path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"schema", "counts"}
    assert all(set(r) == ROW_KEYS for r in data["counts"]), data
    return data["counts"]


def test_yes_counts_once_and_stores_no_words(counts_file):
    at = start()
    send(at, PLACE_MESSAGE)
    answer = at.session_state["turns"][-1]["answer"]
    assert "Cette réponse vous a-t-elle aidé ?" in [m.value for m in at.chat_message[1].markdown]
    assert not counts_file.exists()  # nothing written until a person votes
    at.button(key="fb-yes-0-1").click().run()
    assert not at.exception
    assert rows(counts_file) == [
        {"kind": "everyday", "need": answer.needs[0], "region": "01", "useful": True, "reason": None, "count": 1}
    ]
    assert any(c.value == "Merci pour votre avis." for c in at.chat_message[1].caption)
    assert not [b for b in at.button if b.key and b.key.startswith("fb-")]  # one vote per answer
    text = counts_file.read_text(encoding="utf-8")
    for words in ("séparer", "dors", "Rimouski", "habite", answer.answer[:30]):
        assert words not in text
    # a second answer, a second vote: the same combination counts 2
    send(at, PLACE_MESSAGE)
    at.button(key="fb-yes-0-3").click().run()
    assert [r["count"] for r in rows(counts_file)] == [2]


def test_no_then_a_reason_moves_the_count(counts_file):
    at = start()
    send(at, CRISIS)
    answer = at.session_state["turns"][-1]["answer"]
    assert answer.crisis.detected
    at.button(key="fb-no-0-1").click().run()
    first = {"kind": "crisis", "need": answer.needs[0] if answer.needs else "none", "region": "none", "useful": False}
    assert rows(counts_file) == [{**first, "reason": None, "count": 1}]
    reasons = at.pills(key="fb-reason-0-1")
    assert reasons.options == [
        "Mauvais endroit",
        "Mauvaise ligne d'aide",
        "Trop long",
        "Ne répond pas à ma question",
        "Autre",
    ]
    reasons.set_value("wrong_line").run()
    assert not at.exception
    assert rows(counts_file) == [{**first, "reason": "wrong_line", "count": 1}]  # still one vote
    assert any(c.value == "C'est noté, merci." for c in at.chat_message[1].caption)
    assert "mourir" not in counts_file.read_text(encoding="utf-8")


def test_new_conversation_offers_the_question_again(counts_file):
    at = start()
    send(at, PLACE_MESSAGE)
    at.button(key="fb-yes-0-1").click().run()
    at.button(key="new_conversation").click().run()
    assert at.session_state["votes"] == {}
    send(at, PLACE_MESSAGE)
    assert at.button(key="fb-yes-1-1").label == "Oui"
    assert rows(counts_file)[0]["count"] == 1  # forgetting the conversation does not touch the counts


def test_english_labels():
    at = start()
    send(at, "I just broke up with my partner and I can't sleep anymore")
    assert "Was this useful?" in [m.value for m in at.chat_message[1].markdown]
    assert [at.button(key="fb-yes-0-1").label, at.button(key="fb-no-0-1").label] == ["Yes", "No"]


def test_feedback_off_shows_no_control_and_writes_nothing(monkeypatch, counts_file):
    from guide import settings as settings_mod

    monkeypatch.setenv("GUIDE_FEEDBACK", "off")
    settings_mod.get_settings.cache_clear()
    try:
        at = start()
        send(at, PLACE_MESSAGE)
        assert not [b for b in at.button if b.key and b.key.startswith("fb-")]
        assert "Cette réponse vous a-t-elle aidé ?" not in [m.value for m in at.markdown]
        assert not counts_file.exists()
    finally:
        monkeypatch.delenv("GUIDE_FEEDBACK")
        settings_mod.get_settings.cache_clear()
