"""Specific lines and questions, second pass (our own examples): a line only from the best need or its
own cue; lines the place calls for; an adult's age rules out the youth line; a crisis keeps only the
kinds its words call for; a parent gets the child's and the parent's lines; more ways of asking."""

from __future__ import annotations

import pytest

from guide.conversation.crisis import CRISIS_MAX_WORDS, word_count
from guide.engine import Engine

YOUTH = {"line-tel-jeunes", "line-jeunesse-j-ecoute"}
PARENT = "line-ligneparents"
SOS = "line-sos-violence-conjugale"
SEXUAL = "line-info-aide-violence-sexuelle"
CAVAC = "line-cavac-centres-d-aide-aux-victimes-d-actes-crimin"
HOPE = "line-ligne-d-ecoute-d-espoir-pour-le-mieux-etre-premi"
CAREGIVERS = "line-info-aidant-l-appui-pour-les-proches-aidants"
INTERLIGNE = "line-interligne"
QC_SUICIDE = "line-ligne-quebecoise-de-prevention-du-suicide-1-866"
TAL = {
    "line-tribunal-administratif-du-logement-tal-renseignements-autres-regions",
    "line-tribunal-administratif-du-logement-tal-renseignements-montreal-laval-longueuil",
}
GAMBLING = "line-jeu-aide-et-reference"
GRIEF = "line-1-888-le-deuil-ligne-d-ecoute-deuil-tel-ecoute-t"


@pytest.fixture(scope="module")
def engine(settings, index):
    return Engine(settings, index=index, writer=None)


def ids(a) -> set[str]:
    return {s["id"] for s in a.services}


def test_a_secondary_need_brings_no_line_of_its_own(engine):
    # grief first; the rent is a detail, not a call for the housing tribunal
    a = engine.ask("ma mère est morte le mois passé et je paye tout seul le loyer maintenant")
    assert not (ids(a) & TAL)
    # a job lost in a mining town: no grief line, no gambling line
    a = engine.ask("J'ai perdu ma job à la mine, je vis seul pis je tourne en rond", where="Sept-Îles")
    assert not (ids(a) & {GAMBLING, GRIEF})


def test_a_line_its_own_words_call_for(engine):
    a = engine.ask("Mon mari a reçu un diagnostic d'Alzheimer et je m'occupe de lui seule", where="Drummondville")
    assert CAREGIVERS in ids(a)
    assert "Info-aidant" in a.answer


@pytest.mark.parametrize(
    "msg,where",
    [
        ("my cousin has been drinking a lot since the funeral", "Chisasibi"),
        ("ma soeur s'isole depuis l'hiver, je suis inquiète", "Kuujjuaq"),
    ],
)
def test_a_cree_or_inuit_community_gets_the_first_nations_and_inuit_line(engine, msg, where):
    a = engine.ask(msg, where=where)
    assert HOPE in ids(a)


def test_an_adult_who_gives_their_age_gets_no_youth_line(engine):
    a = engine.ask("Salut, j'ai 23 ans pis j'ai aucun ami depuis le cégep")
    assert not (ids(a) & YOUTH)
    a = engine.ask("Salut, j'ai 16 ans pis j'ai aucun ami depuis que j'ai changé d'école")
    assert ids(a) & YOUTH


def test_a_crisis_keeps_only_the_kinds_its_words_call_for(engine):
    # violence by a partner: "violence" is not a word of sexual violence
    a = engine.ask("Mon chum me frappe quand il boit, c'est de la violence conjugale, j'ai peur de lui")
    assert SOS in ids(a) and not (ids(a) & {SEXUAL})
    # worried FOR a suicidal husband: suicide lines, not partner violence
    a = engine.ask("my wife keeps a gun at home and says we would all be better off without her, I am scared for her")
    assert a.crisis.detected and QC_SUICIDE in ids(a) and SOS not in ids(a)


def test_two_men_in_a_violent_relationship_also_get_interligne(engine):
    a = engine.ask("Mon copain me frappe, on est deux gars, je sais pas si SOS violence conjugale c'est pour nous")
    assert a.crisis.detected and SOS in ids(a) and INTERLIGNE in ids(a)
    assert word_count(a.answer) <= CRISIS_MAX_WORDS


@pytest.mark.parametrize(
    "msg,lang",
    [
        ("Mon fils de 14 ans se scarifie, je viens de voir ses bras", "fr"),
        ("my son is 16 and told me he wants to kill himself", "en"),
    ],
)
def test_a_parent_of_a_young_person_in_crisis_gets_the_childs_and_the_parents_lines(engine, msg, lang):
    a = engine.ask(msg)
    assert a.crisis.detected and a.language == lang
    assert QC_SUICIDE in ids(a) and PARENT in ids(a) and ids(a) & YOUTH
    assert word_count(a.answer) <= CRISIS_MAX_WORDS


def test_an_adult_childs_crisis_gets_no_parent_line(engine):
    a = engine.ask("my daughter is 25 and cuts herself")
    assert a.crisis.detected and PARENT not in ids(a)


def test_someone_about_to_kill_themselves_gets_the_suicide_lines_too(engine):
    a = engine.ask("il a un couteau dans la cuisine et il dit qu'il va se tuer")
    assert a.crisis.detected and a.answer.splitlines()[0].startswith("Appelez le 911")
    assert QC_SUICIDE in ids(a)


@pytest.mark.parametrize(
    "msg,kind",
    [
        ("On m'a revirée au CLSC, y disent que c'est pas leur mandat. C'est-tu légal?", "complaint"),
        ("Who do I complain to? The CLSC lost my file and nobody calls back", "complaint"),
        ("They refused to see me at the CLSC because I'm not from their area. Is that allowed?", "complaint"),
        ("Comment avoir une copie de mon dossier? On m'a dit que c'est confidentiel", "file_access"),
        ("Can the CLSC share what I tell them with my employer?", "confidentiality"),
        ("j'ai 15 ans, est-ce que je peux voir une TS sans que mes parents le sachent", "confidentiality"),
        ("Do I need to speak French to call 811?", "english"),
        ("J'ai pas de médecin de famille, est-ce que je peux aller au CLSC quand même?", "referral"),
        ("Y a-tu un délai max pour avoir un rendez-vous à l'accueil psychosocial?", "waiting"),
        ("Faut-il une carte d'assurance maladie pour appeler le 811? Je viens d'arriver", "free"),
    ],
)
def test_more_ways_of_asking_are_answered_first(engine, msg, kind):
    a = engine.ask(msg)
    assert a.question == kind
    assert a.citations


@pytest.mark.parametrize(
    "msg",
    [
        "ma mère est morte et je paye tout seul le loyer",
        "je travaille de nuit pis mon boss me paye pas mes heures",
    ],
)
def test_paying_for_something_is_not_a_question_about_fees(engine, msg):
    assert engine.ask(msg).question != "free"


def test_a_relative_asking_about_someone_elses_file_is_told_it_is_theirs(engine):
    a = engine.ask("Mon fils a 19 ans et il est suivi au CLSC, est-ce que l'intervenante peut me dire comment il va?")
    assert a.question == "confidentiality"
    assert a.answer.startswith("Le dossier d'une personne est confidentiel")


@pytest.mark.parametrize("msg", ["my husband is attacking me right now", "he's hitting me, please help"])
def test_violence_happening_now_in_english_gets_911_first(engine, msg):
    a = engine.ask(msg)
    assert a.crisis.detected and a.answer.splitlines()[0] == "Call 911 now."


def test_a_threat_to_kill_the_writer_is_not_read_as_suicide_words(engine):
    # "il va me tuer" is a threat: the crisis is immediate danger, 911 first
    a = engine.ask("mon ex m'a écrit qu'il allait me tuer, il est devant chez nous")
    assert a.crisis.detected and a.answer.splitlines()[0] == "Appelez le 911 maintenant."
    assert "immediate_danger" in a.crisis.kinds or "domestic_violence" in a.crisis.kinds


def test_a_long_wait_brings_the_commissioner_and_the_caap_of_the_region(engine):
    a = engine.ask(
        "ça fait 8 mois que j'attends un rendez-vous au CLSC pour mon anxiété, à qui je m'adresse?", where="Laval"
    )
    assert a.question == "waiting"
    groups = {s.get("line_group") for s in a.services}
    assert {"commissioner", "caap"} <= groups
    # said once: the question's answer, not a second right sentence repeating it
    assert a.answer.count("porter plainte") + a.answer.count("portez plainte") <= 1


def test_young_writers_school_life_is_read_as_young(engine):
    a = engine.ask("j'ai coulé 2 cours pis j'ai peur de pas avoir mon DES, mes parents vont être tellement déçus")
    assert a.young and "line-tel-jeunes" in ids(a)


def test_a_parent_alone_with_the_kids_gets_ligneparents(engine):
    a = engine.ask("Je suis seule avec mes trois enfants depuis des mois et je suis épuisée")
    assert PARENT in ids(a)
