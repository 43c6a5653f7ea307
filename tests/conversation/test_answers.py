"""Answers a social worker would sign: one test per class of defect the Ordre's reviewer found
(our own examples, not the reviewer's messages)."""

from __future__ import annotations

import re

import pytest

from guide.conversation.crisis import CRISIS_MAX_WORDS, word_count
from guide.engine import Engine

SUICIDE_LINES = {
    "line-ligne-quebecoise-de-prevention-du-suicide-1-866",
    "line-9-8-8-ligne-d-aide-en-cas-de-crise-de-suicide",
}
YOUTH = {"line-tel-jeunes", "line-jeunesse-j-ecoute"}
PARENT = "line-ligneparents"
ELDER = "line-ligne-aide-maltraitance-adultes-aines-lamaa"
SOS = "line-sos-violence-conjugale"
EMERGENCY = "line-urgence-9-1-1"
ENGLISH_NOTES = re.compile(
    r"\b(per|source|verified|VERIFIED|may have changed|days|weekdays|weekends|hours|"
    r"Office|unknown|pattern|holds|daily|a\.m\.|p\.m\.)\b|G-1\.021|\bart\."
)


@pytest.fixture(scope="module")
def engine(settings, index):
    return Engine(settings, index=index, writer=None)


def ids(a) -> set[str]:
    return {s["id"] for s in a.services}


# 1. lines without a cue ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "msg,forbidden",
    [
        ("je viens de me séparer pis je dors pu", SUICIDE_LINES | {SOS, EMERGENCY}),
        ("ma blonde pis moi on se sépare, c'est calme mais triste", {SOS, EMERGENCY}),
        ("je me sens déprimé depuis des semaines, j'ai pu d'énergie", SUICIDE_LINES | {EMERGENCY}),
        ("my dad lives alone and stopped eating", {ELDER, EMERGENCY} | YOUTH),
        ("mon fils et moi on a déménagé, je cherche de l'aide pour mon budget", YOUTH | SUICIDE_LINES),
        ("je m'occupe de ma mère qui a l'alzheimer et je suis épuisée", {ELDER} | YOUTH | SUICIDE_LINES),
        ("I lost my job and I can't pay rent", SUICIDE_LINES | YOUTH | {PARENT, EMERGENCY}),
    ],
)
def test_no_line_without_a_cue(engine, msg, forbidden):
    a = engine.ask(msg, where="Sherbrooke")
    assert not a.crisis.detected
    assert not (ids(a) & forbidden), (msg, ids(a) & forbidden)
    assert (
        len([s for s in a.services if s["kind"] in ("helpline",) and s["id"] != "line-info-social-811-option-2"]) <= 2
    )


@pytest.mark.parametrize(
    "msg,line",
    [
        ("ma mère se fait voler son argent par mon frère", ELDER),
        ("mon ado de 14 ans fait des crises et je suis à bout comme parent", PARENT),
        ("j'ai 15 ans et je me sens tout seul à l'école", "line-tel-jeunes"),
    ],
)
def test_a_cued_line_is_offered(engine, msg, line):
    assert line in ids(engine.ask(msg, where="Sherbrooke"))


# 2. the sentence names the actual situation ------------------------------------------------------


def test_situation_from_the_best_need_not_the_last(engine):
    st = engine.ask("j'ai perdu mon emploi", where="Laval").state
    a = engine.ask("et en plus le CLSC m'a refusé un rendez-vous", state=st)
    first = a.answer.splitlines()[0]
    assert "emploi" not in first


# 3. who it is for --------------------------------------------------------------------------------


def test_grieving_ones_own_parent_is_about_the_writer(engine):
    a = engine.ask("ma mère est décédée le mois passé et je n'arrive pas à m'en remettre", where="Québec")
    assert a.for_whom == "self" and "proche" not in a.answer.splitlines()[0]


def test_young_person_thrown_out_is_addressed_with_tu_and_youth_lines_first(engine):
    a = engine.ask("j'ai 16 ans pis mes parents m'ont mis dehors hier soir", where="Jonquière")
    assert a.young and a.for_whom == "self"
    assert re.search(r"\b(tu|ton|ta|te|t')\b", a.answer) and not re.search(r"\bvous\b", a.answer)
    lines = [s["id"] for s in a.services if s["kind"] == "helpline" and s["id"] != "line-info-social-811-option-2"]
    assert lines and lines[0] in YOUTH and PARENT not in lines


def test_relative_gets_what_they_can_do(engine):
    a = engine.ask("je suis inquiète pour mon frère qui boit trop", where="Rimouski")
    assert a.for_whom == "other" and "vous-même" in a.answer


# 4. crisis answers: short, direct, complete -------------------------------------------------------


@pytest.mark.parametrize(
    "msg,first,must",
    [
        ("il est en train de me frapper, je suis cachée dans la salle de bain", "Appelez le 911 maintenant.", {SOS}),
        (
            "mon chum m'a frappée la semaine passée et j'ai peur de rentrer",
            "Si une vie est en danger, appelez le 911.",
            {SOS},
        ),
        (
            "mon coloc vient d'avaler une bouteille de pilules",
            "Appelez le 911 maintenant.",
            {"line-centre-antipoison-du-quebec"},
        ),
        ("I was raped at a party last month", None, {"line-info-aide-violence-sexuelle"}),
        (
            "j'ai 14 ans pis je me coupe les bras le soir",
            None,
            {"line-tel-jeunes", "line-ligne-quebecoise-de-prevention-du-suicide-1-866"},
        ),
        ("le préposé frappe ma grand-mère au CHSLD", None, {ELDER}),
    ],
)
def test_crisis_answer_short_direct_complete(engine, msg, first, must):
    a = engine.ask(msg)
    assert a.crisis.detected and not a.crisis.carried_over
    assert must <= {c["id"] for c in a.crisis.contacts}, (msg, [c["id"] for c in a.crisis.contacts])
    assert word_count(a.answer) <= CRISIS_MAX_WORDS, a.answer
    if first:
        assert a.answer.splitlines()[0] == first
    assert all(c.get("label") for c in a.crisis.contacts)
    assert "CLSC" not in a.answer and "droit" not in a.answer.lower()  # nothing else in the crisis text
    kind_labels = {"Violence conjugale :": SOS, "Violence sexuelle :": "line-info-aide-violence-sexuelle"}
    for label, line in kind_labels.items():  # a contact carries its own label, never the crisis kind's
        if label in a.answer:
            assert line in {c["id"] for c in a.crisis.contacts}


# 5. clean bilingual text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "msg,where",
    [
        ("je viens de me séparer pis je dors pu", "Rimouski"),
        ("mon fils de 16 ans fume du pot", "Laval"),
        ("je me sens seule depuis que mon mari est mort", "Gaspé"),
        ("j'ai pu d'argent pour manger", "Montréal"),
        ("je veux mourir", None),
        ("ma fille se fait intimider à l'école", "Sherbrooke"),
        ("je joue trop au casino", "Trois-Rivières"),
        ("chu gai pis ma famille me rejette", "Longueuil"),
    ],
)
def test_no_english_or_source_notes_in_french_answers(engine, msg, where):
    a = engine.ask(msg, where=where)
    assert a.language == "fr"
    assert not ENGLISH_NOTES.search(a.answer), (msg, ENGLISH_NOTES.search(a.answer).group(0), a.answer)


def test_no_french_in_english_answers(engine):
    a = engine.ask("I feel so alone since my divorce", where="Montréal")
    assert a.language == "en"
    assert not re.search(r"\b(heures|jours|semaine|vérifié|source secondaire|ancienne loi)\b", a.answer)


# 6. rights: at most one, only when called for ----------------------------------------------------


@pytest.mark.parametrize(
    "msg,right",
    [
        ("le CLSC m'a refusé un rendez-vous avec une travailleuse sociale", "right-complaint-path"),
        ("they refused to serve me in English at the CLSC", "right-english-services"),
        ("ça fait six mois que je suis sur la liste d'attente", "right-adequate-services"),
        ("mon fils refuse d'aller à l'école", None),
        ("je me sens seul", None),
    ],
)
def test_one_right_only_when_called_for(engine, msg, right):
    a = engine.ask(msg, where="Laval")
    cited = [c.id for c in a.citations if c.kind == "right"]
    assert len(cited) <= 1
    assert a.right == right
    if right and a.question is None:
        assert cited == [right]


# 8. the question asked is answered first ----------------------------------------------------------


@pytest.mark.parametrize(
    "msg,kind,start",
    [
        ("est-ce que j'ai besoin d'une référence pour aller au CLSC?", "referral", "Non, pas besoin de référence"),
        ("can they refuse to serve me in English?", "english", "Yes"),
        ("comment je fais pour voir mon dossier au CLSC?", "file_access", "Oui"),
        ("comment porter plainte contre le CLSC?", "complaint", "Adressez-vous d'abord"),
    ],
)
def test_the_question_is_answered_first(engine, msg, kind, start):
    a = engine.ask(msg, where="Québec")
    assert a.question == kind and a.answer.startswith(start), a.answer


# length -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "msg,where",
    [
        ("je viens de me séparer pis je dors pu", "Rimouski"),
        ("my dad lives alone and stopped eating", "Sherbrooke"),
        ("le CLSC m'a refusé parce que je parle anglais", "Laval"),
        ("je suis inquiète pour mon frère qui boit trop", None),
    ],
)
def test_everyday_answers_are_at_most_150_words(engine, msg, where):
    assert word_count(engine.ask(msg, where=where).answer) <= 150


@pytest.mark.parametrize(
    "msg,kind",
    [
        ("est-ce que mon employeur va savoir ce que je dis à la travailleuse sociale?", "confidentiality"),
        ("will my parents find out if I talk to someone at the CLSC?", "confidentiality"),
        ("j'ai peur des représailles si je porte plainte contre le CLSC", "complaint"),
        ("je me sens vraiment mal, est-ce que je devrais aller à l'urgence?", "emergency_care"),
    ],
)
def test_more_questions_answered_first_and_grounded(engine, msg, kind):
    from guide.grounding import grounding_problems

    a = engine.ask(msg)
    assert a.question == kind and grounding_problems(a) == []
    if kind == "emergency_care":
        assert {"line-info-sante-811-option-1", "line-urgence-9-1-1"} <= {s["id"] for s in a.services}
