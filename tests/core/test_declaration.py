"""The declaration is split into passages that keep their place in the document."""

from guide.ingest import declaration
from guide.settings import ROOT

RECORDS = declaration.build(ROOT / "corpus")
BY_ID = {r.id: r for r in RECORDS}


def principle_passages(n: int):
    return [r for r in RECORDS if r.metadata["principle"] == n and not r.metadata["quote"]]


def test_five_principles_in_order_with_their_names():
    names = {
        1: "qualité de vie décente",
        2: "services sociaux généraux",
        3: "déterminants sociaux",
        4: "bonnes pratiques en travail social",
        5: "proximité sur une base territoriale",
    }
    for n, name in names.items():
        passages = principle_passages(n)
        assert passages, f"principle {n} has no passage"
        assert all(name in p.title for p in passages), (n, [p.title for p in passages])
        assert all(p.title.startswith(f"Principe {n} :") for p in passages)


def test_principle_content_is_not_shifted_by_misplaced_page_labels():
    # Principle 2 is the one about access without referral and without waiting list.
    p2 = " ".join(p.text for p in principle_passages(2))
    assert "sans référence" in p2 and "liste d’attente" in p2
    # Principle 3 speaks of the social determinants of health, not of practice organisation.
    assert "déterminants sociaux de la santé" in principle_passages(3)[0].text
    assert "indicateurs de gestion" in " ".join(p.text for p in principle_passages(4))
    # The "Ce principe nous amène..." paragraphs after the PRINCIPE 5 label belong to principle 5.
    assert any("organismes communautaires" in p.text for p in principle_passages(5))
    # The page labels themselves never leak into passages.
    assert not any("PRINCIPE 3" in r.text or "PRINCIPE 5" in r.text for r in RECORDS)


def test_law_quotations_keep_their_reference():
    assert "art. 1" in BY_ID["decl-quote-lssss-art-1"].reference
    assert "art. 5" in BY_ID["decl-quote-lssss-art-5"].reference
    assert BY_ID["decl-quote-lssss-art-5"].metadata["principle"] == 1
    assert "art. 45" in BY_ID["decl-quote-charte-art-45"].reference
    assert BY_ID["decl-quote-charte-art-45"].text.rstrip().endswith("art. 45).")
    assert "art. 11" in BY_ID["decl-quote-pidesc-art-11"].reference
    # a quotation split by a page break is re-joined, nested quotes included
    assert BY_ID["decl-quote-dupuis-2005"].text.endswith("en conséquence. »")


def test_annexes_and_sections_are_passages():
    sections = {r.metadata["section"] for r in RECORDS}
    assert {"annexe-1", "annexe-2", "contextualisation", "soutien-social", "travailleurs-sociaux"} <= sections
    assert all(r.kind == "declaration" and r.source.file for r in RECORDS)


def test_no_line_break_hyphenation_left():
    assert "ceux-ci" in BY_ID["decl-responsabilite-etat-2"].text
