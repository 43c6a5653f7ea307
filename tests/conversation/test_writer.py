"""The optional LLM writer: used only when its output passes every check; tested with fakes."""

import time

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from guide.engine import Engine


@pytest.fixture(scope="module")
def base(settings, index):
    return Engine(settings, index=index, writer=None)


def ask_with(base, writer, msg="je suis épuisée avec mes enfants", where="Rimouski", **kw):
    base.writer = writer
    try:
        return base.ask(msg, where=where, **kw)
    finally:
        base.writer = None


def test_faithful_rewrite_is_used(base):
    plain = base.ask("je suis épuisée avec mes enfants", where="Rimouski")
    # keep every fact, change the wording
    first, _, rest = plain.answer.partition("\n")
    rewritten = "Bonjour, merci de votre message.\n" + rest
    a = ask_with(base, FakeListChatModel(responses=[rewritten]))
    assert a.writer == "llm" and a.answer.startswith("Bonjour, merci de votre message.")


def test_invented_phone_number_is_rejected(base):
    a = ask_with(
        base, FakeListChatModel(responses=["Appelez le CLSC de Rimouski au 418 555-0199, ils vont vous aider."])
    )
    assert a.writer.startswith("deterministic (llm rejected: ") and "phone: " in a.writer
    assert "555-0199" not in a.answer and "555-0199" not in a.writer


def test_invented_address_postal_code_is_rejected(base):
    a = ask_with(base, FakeListChatModel(responses=["Allez au 12 rue Principale, G5L 9Z9 [1]."]))
    assert "address: " in a.writer and "postal_code: " in a.writer and "G5L 9Z9" not in a.answer


def test_wrong_language_is_rejected(base):
    a = ask_with(
        base, FakeListChatModel(responses=["Please go to your CLSC, they can help you without a referral [1]."])
    )
    assert "language: " in a.writer


def test_dangling_citation_is_rejected(base):
    a = ask_with(base, FakeListChatModel(responses=["Votre CLSC peut vous aider sans référence [42]."]))
    assert "citation: " in a.writer


class SlowChat(FakeListChatModel):
    def _call(self, *args, **kwargs):
        time.sleep(2)
        return super()._call(*args, **kwargs)


def test_timeout_falls_back(base):
    base.settings = base.settings.model_copy(update={"llm_timeout_s": 0.3})
    try:
        a = ask_with(base, SlowChat(responses=["trop tard"]))
    finally:
        base.settings = base.settings.model_copy(update={"llm_timeout_s": 8.0})
    assert a.writer == "deterministic (llm timeout)" and "trop tard" not in a.answer


def test_crisis_answers_are_never_rewritten(base):
    a = ask_with(base, FakeListChatModel(responses=["Tout va bien aller."]), msg="je veux mourir", where=None)
    assert a.crisis.detected and a.writer == "deterministic" and "Tout va bien aller." not in a.answer


def test_provider_configured_from_settings(settings):
    from guide.writer import make_chat_model

    assert make_chat_model(settings) is None
    chat = make_chat_model(settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "m"}))
    assert chat is not None and chat.model_name == "m"
