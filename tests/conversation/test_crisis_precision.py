"""Crisis triage and crisis answers, third pass (our own examples): heavy situations with no danger now
are not crises; farewells and a child's self-harm told by a parent are; every crisis text fits in 80
words, even in Nunavik with two youth-protection lines; after a crisis the contacts stay first and the
whole answer stays short; the place given in a dialogue keeps its own position."""

from __future__ import annotations

import pytest

from guide.conversation.crisis import CRISIS_MAX_WORDS, word_count
from guide.engine import Engine


@pytest.fixture(scope="module")
def engine(settings, index):
    return Engine(settings, index=index, writer=None)


@pytest.mark.parametrize(
    "msg",
    [
        "merci",
        "merci beaucoup",
        "mon grand-père est mort le mois passé pis je dors mal depuis",
        "ma fille de 23 ans est revenue à la maison après un burnout, elle dort tout le temps",
        "mon garçon de 8 ans se bat à l'école depuis qu'on a déménagé",
        "mon petit de 4 ans frappe sa soeur quand il est fâché, on est dépassés",
        "cet examen de maths va me tuer, j'ai rien compris",
        "I'm crushing it at work but I feel empty at night",
        "j'ai quitté un conjoint violent il y a longtemps, je voudrais enfin consulter pour les cauchemars",
    ],
)
def test_heavy_but_not_a_crisis(engine, msg):
    a = engine.ask(msg)
    assert not (a.crisis.detected and set(a.crisis.kinds) - {"domestic_violence"}), (msg, a.crisis.kinds)


@pytest.mark.parametrize(
    "msg,kind",
    [
        ("merci pour tout. adieu", "suicide"),
        ("dites à mes enfants que je les aime, je peux pu continuer", "suicide"),
        ("jme coupe depuis un mois pis personne le sait", "self_harm"),
        ("my 15 year old has been cutting her arms, I just found out", "self_harm"),
        (
            "il est en train de fesser dans la porte, je suis enfermée dans la salle de bain avec mon bébé",
            "immediate_danger",
        ),
    ],
)
def test_crises_told_plainly_or_by_a_parent_are_caught(engine, msg, kind):
    a = engine.ask(msg)
    assert a.crisis.detected and kind in a.crisis.kinds, (msg, a.crisis.kinds)


def test_a_crisis_text_fits_in_80_words_where_two_dpj_lines_and_more_apply(engine):
    a = engine.ask(
        "les enfants d'à côté sont seuls depuis trois jours pis ils ont faim, les parents boivent ailleurs",
        where="Puvirnituq",
    )
    assert a.crisis.detected and "child_at_risk" in a.crisis.kinds
    assert word_count(a.answer) <= CRISIS_MAX_WORDS
    assert "911" in a.answer.splitlines()[0]
    # every contact is still in the cards
    assert sum(1 for s in a.services if "child_protection" in (s.get("needs") or []) and s.get("regional")) >= 1


def test_after_a_crisis_the_contacts_stay_first_and_the_answer_stays_short(engine):
    a = engine.ask("je veux mourir, j'ai pu de raison de rester")
    for msg in ("ok merci", "jreste à Charlesbourg", "c'est-tu gratuit?"):
        a = engine.ask(msg, state=a.state)
        assert a.crisis.carried_over and "911" in a.answer.splitlines()[0]
        assert "1 866 277-3553" in a.answer
        assert word_count(a.answer) <= CRISIS_MAX_WORDS, (msg, a.answer)
    assert a.question == "free"
    # the sector given on the second turn keeps its own CLSC on the third
    assert "Charlesbourg" in a.answer


def test_a_young_writer_asking_if_their_parents_will_be_called_is_answered_about_themselves(engine):
    a = engine.ask("j'ai 15 ans, est-ce que l'intervenante va appeler mes parents si je lui parle?")
    assert a.question == "confidentiality"
    assert a.answer.startswith("Ce que tu confies est protégé")


def test_casual_quebec_french_is_answered_with_tu_and_standard_french_with_vous(engine):
    a = engine.ask("chu pu capable pis jsais pu quoi faire depuis ma séparation")
    assert " te met en lien" in a.answer
    a = engine.ask("Bonjour, je traverse une séparation difficile et je dors mal.")
    assert " vous met en lien" in a.answer and " te met " not in a.answer


def test_a_reply_that_says_nothing_of_whom_keeps_the_conversations_person(engine):
    a = engine.ask("mon petit frère mange presque pu depuis que son meilleur ami est mort")
    assert a.for_whom == "other"
    for msg in ("on est à Rimouski", "c'est gratuit?", "merci"):
        a = engine.ask(msg, state=a.state)
        assert a.for_whom == "other", msg


def test_a_partner_in_danger_is_someone_else(engine):
    a = engine.ask("mon chum a pris quelque chose, y respire presque pu pis y répond pas")
    assert a.crisis.detected and a.for_whom == "other"


@pytest.mark.parametrize(
    "msg",
    [
        "Il y a douze ans, j'ai vécu de la violence conjugale. C'est fini depuis longtemps, mais je voudrais enfin en parler à quelqu'un.",
        "our apartment building had a fire last month, everyone is fine but we lost everything",
        "hi I'm doing a school project on elder abuse, what number can people call in Quebec?",
        "on fait une affiche pour la semaine de prévention du suicide, c'est quoi le numéro de la ligne?",
        "mon frère a fait une tentative il y a huit ans, il va bien maintenant, mais moi j'y repense souvent",
        "ma fille de 16 ans reste enfermée dans sa chambre depuis sa peine d'amour",
        "j'ai fait une overdose de Minecraft en fin de semaine lol",
        "je me suis fait voler mon portefeuille à Parc-Ex la semaine passée, je stresse depuis",
    ],
)
def test_a_danger_that_is_over_or_a_request_for_information_is_not_a_crisis(engine, msg):
    a = engine.ask(msg)
    assert not a.crisis.detected, (msg, a.crisis.kinds)


@pytest.mark.parametrize(
    "msg,kind",
    [
        # over… but it goes on: still a crisis
        ("il y a deux ans mon ex m'a battue, là il me suit encore pis il m'écrit tous les soirs", "domestic_violence"),
        # years ago, and it all comes back: answered as sexual violence
        ("J'ai été agressée sexuellement il y a trois ans et depuis quelques semaines tout remonte", "sexual_violence"),
        # someone's suicide, and now the writer thinks of it too
        ("mon ami s'est enlevé la vie l'an passé pis maintenant moi aussi j'y pense", "suicide"),
        ("Mon gérant me touche au travail et me dit que personne va me croire", "sexual_violence"),
        ("les enfants d'en face sont tout seuls depuis hier, le plus vieux a 5 ans", "child_at_risk"),
    ],
)
def test_what_goes_on_is_still_a_crisis(engine, msg, kind):
    a = engine.ask(msg)
    assert a.crisis.detected and kind in a.crisis.kinds, (msg, a.crisis.kinds)
