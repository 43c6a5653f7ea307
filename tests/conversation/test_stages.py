"""Each stage of the conversation pipeline on its own: given a Turn filled by the stages before it,
it fills its own part."""

from __future__ import annotations

import pytest

from guide.conversation import pipeline
from guide.conversation.models import ConversationState, Turn
from guide.conversation.stages import clean, ground, language, locate, orient, triage, understand, write


@pytest.fixture(scope="module")
def engine(settings, index):
    return pipeline.Engine(settings, index=index, writer=None)


def run_until(engine, stop, message, where=None, lang=None, state=None):
    turn = Turn(message=message, where_raw=where, lang_requested=lang, state=state or ConversationState())
    for stage in pipeline.STAGES:
        stage.run(turn, engine)
        if stage is stop:
            return turn
    return turn


def test_the_pipeline_lists_its_stages_in_order():
    assert [pipeline.stage_name(s) for s in pipeline.STAGES] == [
        "clean",
        "triage",
        "locate",
        "language",
        "understand",
        "orient",
        "compose",
        "ground",
        "write",
    ]


def test_clean_drops_broken_characters_and_forgets_the_raw_message(engine):
    t = run_until(engine, clean, "  je\x00 veux \ud83d  parler ", where="H2L\x07 3C3")
    assert t.text == "je veux parler" and t.where == "H2L 3C3" and t.message is None


def test_triage_alone(engine):
    assert run_until(engine, triage, "je veux me tuer").triage.kind == "suicide"
    assert not run_until(engine, triage, "je suis morte de fatigue").triage.detected


def test_locate_reply_that_is_only_a_place(engine):
    t = run_until(engine, locate, "H2L 3C3")
    assert t.place_only and t.location.ok and t.state.location is not None


def test_language_follows_the_conversation_for_a_place_reply(engine):
    t = run_until(engine, language, "Rimouski", state=ConversationState(language="en"))
    assert t.language == "en"


def test_understand_best_need_first_and_who(engine):
    t = run_until(engine, understand, "mon père vit seul et ne mange plus")
    assert t.needs and t.needs[0] == "seniors_isolation" and t.for_whom == "other" and not t.young
    y = run_until(engine, understand, "j'ai 15 ans et mes parents m'ont mis dehors")
    assert y.young and y.for_whom == "self"


def test_orient_no_uncued_lines(engine):
    t = run_until(engine, orient, "je me sens déprimé depuis des semaines", where="Laval")
    ids = [s["id"] for s in t.services]
    assert "line-ligne-quebecoise-de-prevention-du-suicide-1-866" not in ids
    assert "line-urgence-9-1-1" not in ids
    assert t.clscs and len(t.lines) <= 2


def test_compose_builds_the_answer_and_ground_checks_it(engine):
    t = run_until(engine, ground, "je me sens seul", where="Rimouski")
    assert t.answer is not None and t.answer.answer == t.text_out
    assert t.grounding == []


def test_write_skips_without_a_writer(engine):
    t = run_until(engine, write, "je me sens seul")
    assert t.answer.writer == "deterministic"


def test_ask_times_every_stage(engine):
    a = engine.ask("je me sens seul", where="Rimouski")
    assert set(a.timings_ms) >= {pipeline.stage_name(s) for s in pipeline.STAGES} | {"total"}
