"""Groundedness without an LLM judge, on hand-made answers with known faults (and on real ones).

Every fact is taken from the corpus (records, directory) at test time; the faults are made by
changing one digit, one street or one label of a real fact.
"""

from __future__ import annotations

import pytest

from guide.engine import Answer, Citation, ConversationState, Crisis
from guide.evaluation.grounding import Sources, article_numbers, check_answer
from guide.settings import ROOT

CORPUS = ROOT / "corpus"
SUICIDE = "line-ligne-quebecoise-de-prevention-du-suicide-1-866"
LAMAA = "line-ligne-aide-maltraitance-adultes-aines-lamaa"
PARENTS = "line-ligneparents"


@pytest.fixture(scope="module")
def src() -> Sources:
    return Sources.load(CORPUS)


@pytest.fixture(scope="module")
def lines():
    from guide.directory.near import as_dict
    from guide.directory.store import directory_path, load_directory

    d = load_directory(directory_path(CORPUS))
    return {e.id: as_dict(e) for e in list(d.lines) + list(d.located)}


@pytest.fixture(scope="module")
def rights():
    from guide.records import load_records

    return {r.id: r for r in load_records(CORPUS) if r.kind == "right"}


def answer(text: str, cited: list[str], services: list[dict] | None = None, location: dict | None = None) -> Answer:
    cites = [Citation(id=c, kind="service", title=c, reference="", excerpt="", source={}) for c in cited]
    return Answer(
        language="fr",
        crisis=Crisis(),
        answer=text,
        services=services or [],
        citations=cites,
        needs=[],
        location=location,
        state=ConversationState(),
    )


def kinds(res) -> list[str]:
    return [p["check"] for p in res.problems]


def bump(digits: str) -> str:
    """The same phone with its last digit changed."""
    return digits[:-1] + str((int(digits[-1]) + 1) % 10)


def test_real_phone_and_hours_of_the_cited_line_are_grounded(src, lines):
    s = lines[SUICIDE]
    res = check_answer(answer(f"Appelez le {s['phone']} ({s['hours']}).", [SUICIDE], [s]), src)
    assert res.ok, res.problems
    assert res.checked["phones"] == 1 and res.checked["hours"] == 1


def test_invented_phone_number_is_ungrounded(src, lines):
    s = lines[SUICIDE]
    res = check_answer(answer(f"Appelez le {bump(s['phone'])}.", [SUICIDE], [s]), src)
    assert kinds(res) == ["phone"] and bump(s["phone"]) in res.problems[0]["detail"]


def test_real_number_of_a_record_the_answer_does_not_cite_is_ungrounded(src, lines):
    other = lines[LAMAA]["phone"]
    res = check_answer(answer(f"Appelez le {other}.", [SUICIDE]), src)
    assert kinds(res) == ["phone"]


def test_address_must_be_the_cited_clsc_s(src, lines):
    from guide.directory.near import services_near

    clsc = services_near("Rimouski", kind="clsc", limit=1, corpus_dir=CORPUS)[0]
    good = answer(f"• {clsc['name']}, {clsc['address']}, {clsc['municipality']} (0.8 km)", [clsc["id"]], [clsc])
    assert check_answer(good, src).ok
    civic, rest = clsc["address"].split(",", 1)
    fake = answer(f"• {clsc['name']}, {int(civic) + 2},{rest} (0.8 km)", [clsc["id"]], [clsc])
    res = check_answer(fake, src)
    assert kinds(res) == ["address"], res.problems
    invented = answer("Présentez-vous au 12, rue des Inventions, Rimouski.", [clsc["id"]], [clsc])
    assert kinds(check_answer(invented, src)) == ["address"]


def test_invented_hours_and_postal_code_are_ungrounded(src, lines):
    s = lines[LAMAA]
    res = check_answer(answer(f"{s['name']} : {s['phone']} (8h-22h), bureau G5L 9Z9", [LAMAA], [s]), src)
    assert sorted(kinds(res)) == ["hours", "hours", "postal_code"], res.problems


def test_citation_must_point_to_a_real_record(src):
    res = check_answer(answer("Voir la source [1].", ["decl-principe-99-1"]), src)
    assert kinds(res) == ["citation"]
    assert check_answer(answer("Voir la source [1].", ["decl-principe-2-1"]), src).ok


def test_article_numbers_and_verification_labels_of_rights(src, rights):
    r = rights["right-info-services"]
    art, label = r.metadata["lssss_article"], r.metadata["lssss_label"]
    assert label != "verified"  # the test needs an article that is not verified
    fr_label = {
        "secondary source": "source secondaire",
        "partly verified": "en partie vérifié",
        "unverified": "non vérifié",
    }[label]
    good = answer(f"Être informé (ancienne loi : LSSSS (RLRQ c. S-4.2) art. {art}, {fr_label}) [1]", [r.id])
    assert check_answer(good, src).ok
    as_verified = answer(f"Être informé (ancienne loi : LSSSS (RLRQ c. S-4.2) art. {art}, vérifié) [1]", [r.id])
    res = check_answer(as_verified, src)
    assert kinds(res) == ["verification"] and "presented as verified" in res.problems[0]["detail"]
    unlabelled = answer(f"Être informé (LSSSS art. {art}) [1]", [r.id])
    assert kinds(check_answer(unlabelled, src)) == ["verification"]
    wrong_article = answer("Être informé (LSSSS art. 999, source secondaire) [1]", [r.id])
    assert "article" in kinds(check_answer(wrong_article, src))


def test_a_verified_article_may_be_called_verified(src, rights):
    verified = [
        r
        for r in rights.values()
        if r.metadata.get("lssss_label") == "verified" and str(r.metadata.get("lssss_article", ""))[:1].isdigit()
    ]
    assert verified
    r = verified[0]
    text = f"(former Act: LSSSS (RLRQ c. S-4.2) art. {r.metadata['lssss_article']}, verified) [1]"
    assert check_answer(answer(text, [r.id]), src).ok


def test_unverified_line_must_carry_the_notice(src, lines):
    s = lines[PARENTS]
    assert s["verified"]["phone"] is False  # the corpus flags this number as unverified
    bare = answer(f"• {s['name']} : {s['phone']} ({s['hours']})", [PARENTS], [s])
    res = check_answer(bare, src)
    assert kinds(res) == ["unverified_notice"]
    noticed = answer(
        f"• {s['name']} : {s['phone']} ({s['hours']}) — information non vérifiée, à confirmer", [PARENTS], [s]
    )
    assert check_answer(noticed, src).ok


def test_place_the_person_gave_may_be_echoed(src):
    loc = {"query": "H2L 3C3", "resolved": "H2L 3C3 (Montréal)"}
    assert check_answer(answer("Près de H2L 3C3 :", ["decl-principe-2-1"], location=loc), src).ok
    assert kinds(check_answer(answer("Près de H2L 3C3 :", ["decl-principe-2-1"]), src)) == ["postal_code"]


def test_article_fields_with_ranges_and_lists():
    assert article_numbers("17–28 (e.g., 25: help)") >= {"17", "20", "25", "28"}
    assert article_numbers("76.6 (CAAP mandate) ; 212 (users)") == {"76.6", "212"}
    assert article_numbers(None) == set()


def test_real_answers_of_the_engine_are_grounded(settings, index, src):
    from guide.engine import Engine

    engine = Engine(settings, index=index)
    phones = 0
    for text, where in (
        ("je me sens seul et épuisé", "Rimouski"),
        ("mon fils ado veut parler à quelqu'un", "J1H"),
        ("je veux porter plainte, on me refuse des services", "Gatineau"),
        ("I want to die tonight", None),
    ):
        a = engine.ask(text, where=where)
        res = check_answer(a, src)
        assert res.ok, (text, res.problems)
        phones += res.checked.get("phones", 0)
    assert phones >= 3  # the check saw the phone numbers (short everyday answers may show none)


def test_a_phone_extension_must_be_in_the_sources_too():
    from guide.evaluation.conversations import corpus_numbers, phone_known
    from guide.settings import ROOT

    known = corpus_numbers(ROOT / "corpus")
    assert phone_known("450 668-1010, poste 23628", known)  # CISSS de Laval commissioner, regional_lines
    assert not phone_known("450 668-1010, poste 99999", known)
    assert not phone_known("514 555-0199", known)
