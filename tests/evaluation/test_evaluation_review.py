"""Expert review: export a spreadsheet, fill it as reviewers would, import it back (scores per
principle, Cohen's / Fleiss' kappa), and clear errors for unfilled or malformed sheets."""

from __future__ import annotations

import pytest

openpyxl = pytest.importorskip("openpyxl")

from guide.engine import Answer, Citation, ConversationState, Crisis  # noqa: E402
from guide.evaluation.review import (  # noqa: E402
    CRITERIA,
    FIRST_CRITERION_COL,
    SHEET_ANSWERS,
    SHEET_CITATIONS,
    SHEET_INFO,
    SHEET_SENTENCES,
    ReviewError,
    export_review,
    import_reviews,
    read_review,
    sample_messages,
)
from guide.settings import ROOT, Settings  # noqa: E402

MESSAGES = [{"id": f"m{i:03d}", "text": f"message {i}", "lang": "fr"} for i in range(1, 13)] + [
    {"id": "bad", "text": "", "kind": "bad_input"}
]


class FakeEngine:
    """Answers instantly: three sentences, two real citations."""

    def ask(self, text, where=None, lang=None, state=None):
        cites = [
            Citation(
                id="decl-principe-2-1",
                kind="declaration",
                title="Principe 2",
                reference="Déclaration",
                excerpt="…",
                source={},
            ),
            Citation(
                id="right-info-services", kind="right", title="Être informé", reference="LSSSS", excerpt="…", source={}
            ),
        ]
        return Answer(
            language="fr",
            crisis=Crisis(),
            answer=f"Merci. Vous avez écrit : {text}.\nAppelez l'Info-Social.",
            services=[],
            citations=cites,
            needs=[],
            state=ConversationState(),
        )


@pytest.fixture()
def exported(tmp_path):
    path = tmp_path / "revue.xlsx"
    info = export_review(
        path, n=5, seed=3, settings=Settings(corpus_dir=ROOT / "corpus"), messages=MESSAGES, engine=FakeEngine()
    )
    return path, info


def fill(src, dst, scores, reviewer="", sentence=None, citation=None):
    """Copy of the exported sheet with every criterion scored ``scores(row, j)``."""
    wb = openpyxl.load_workbook(src)
    ws = wb[SHEET_ANSWERS]
    for r in range(2, ws.max_row + 1):
        for j in range(len(CRITERIA)):
            ws.cell(row=r, column=FIRST_CRITERION_COL + j, value=scores(r, j))
    if reviewer:
        wb[SHEET_INFO]["B4"] = reviewer
    if sentence is not None:
        wb[SHEET_SENTENCES]["D2"] = sentence
    if citation is not None:
        wb[SHEET_CITATIONS]["G2"] = citation
    wb.save(dst)
    return dst


def test_sample_is_seeded_and_skips_bad_inputs():
    a, b = sample_messages(MESSAGES, 5, 3), sample_messages(MESSAGES, 5, 3)
    assert a == b and len(a) == 5 and all(m["id"] != "bad" for m in a)
    assert sample_messages(MESSAGES, 5, 4) != a
    assert len(sample_messages(MESSAGES, 100, 1)) == 12


def test_export_has_rubric_validation_sentences_and_french_instructions(exported):
    path, info = exported
    assert info["answers"] == 5 and info["sentences"] == 15 and info["citations"] == 10
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:4] == [SHEET_INFO, SHEET_ANSWERS, SHEET_SENTENCES, SHEET_CITATIONS]
    ws = wb[SHEET_ANSWERS]
    assert [ws.cell(row=1, column=FIRST_CRITERION_COL + j).value for j in range(5)] == [c.label for c in CRITERIA]
    assert ws.max_row == 6
    rules = ws.data_validations.dataValidation
    assert rules and rules[0].type == "whole" and rules[0].formula1 == "1" and rules[0].formula2 == "4"
    assert "F2:J6" in str(rules[0].sqref)
    assert wb[SHEET_SENTENCES].data_validations.dataValidation[0].formula2 == "4"
    info_text = " ".join(str(c.value) for row in wb[SHEET_INFO].iter_rows() for c in row if c.value)
    assert "Échelle" in info_text and "évaluateur" in info_text and "Principe 2" in info_text
    assert {c.principle for c in CRITERIA} == {1, 2, 3, 4, 5}
    assert wb["_guide"].sheet_state == "hidden"


def test_round_trip_two_identical_reviewers_agree_perfectly(exported, tmp_path):
    path, info = exported
    pattern = lambda r, j: 1 + (r + j) % 4  # noqa: E731 - every score 1..4 used
    a = fill(path, tmp_path / "a.xlsx", pattern, "Alice", sentence=4, citation=3)
    b = fill(path, tmp_path / "b.xlsx", pattern, "Bruno", sentence=4, citation=3)
    res = import_reviews([a, b])
    assert res["reviewers"] == ["Alice", "Bruno"] and res["answers"] == 5 and res["export_id"] == info["export_id"]
    for c in CRITERIA:
        block = res["criteria"][c.key]
        assert block["agreement"] == {"method": "cohen", "kappa": 1.0, "observed_agreement": 1.0}
        j = [x.key for x in CRITERIA].index(c.key)
        assert block["mean"] == pytest.approx(sum(pattern(r, j) for r in range(2, 7)) / 5, abs=1e-3)
    assert res["overall"]["agreement"]["kappa"] == 1.0
    assert res["sentences"]["scored"] == 2 and res["sentences"]["mean"] == 4.0
    assert res["citations"]["mean"] == 3.0


def test_three_reviewers_use_fleiss_and_disagreement_lowers_kappa(exported, tmp_path):
    path, _ = exported
    files = [fill(path, tmp_path / f"r{k}.xlsx", lambda r, j, k=k: 1 + (r + j + (k == 2) * 2) % 4) for k in range(3)]
    res = import_reviews(files)
    ag = res["overall"]["agreement"]
    assert ag["method"] == "fleiss" and ag["kappa"] < 1.0
    assert res["reviewers"] == ["r0", "r1", "r2"]  # no name given: the file name


def test_unfilled_cell_names_sheet_and_cell(exported, tmp_path):
    path, _ = exported
    f = fill(path, tmp_path / "trou.xlsx", lambda r, j: None if (r, j) == (4, 2) else 3)
    with pytest.raises(ReviewError, match=r"trou.xlsx, feuille « Réponses », cellule H4 .*note manquante"):
        read_review(f)


def test_out_of_scale_values_name_sheet_and_cell(exported, tmp_path):
    path, _ = exported
    f = fill(path, tmp_path / "cinq.xlsx", lambda r, j: 5 if (r, j) == (2, 0) else 2)
    with pytest.raises(ReviewError, match=r"feuille « Réponses », cellule F2 .*« 5 » n'est pas une note"):
        read_review(f)
    g = fill(path, tmp_path / "phrase.xlsx", lambda r, j: 2, sentence="bien")
    with pytest.raises(ReviewError, match=r"feuille « Phrases », cellule D2"):
        read_review(g)


def test_malformed_workbooks_are_refused_clearly(exported, tmp_path):
    path, _ = exported
    not_xlsx = tmp_path / "notes.xlsx"
    not_xlsx.write_text("ceci n'est pas un classeur")
    with pytest.raises(ReviewError, match="notes.xlsx : ce n'est pas un classeur .xlsx"):
        read_review(not_xlsx)
    other = openpyxl.Workbook()
    other.save(tmp_path / "autre.xlsx")
    with pytest.raises(ReviewError, match="feuille « _guide » absente"):
        read_review(tmp_path / "autre.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[SHEET_ANSWERS]["F1"] = "Autre chose"
    wb.save(tmp_path / "entete.xlsx")
    with pytest.raises(ReviewError, match=r"cellule F1 : en-tête attendu"):
        read_review(tmp_path / "entete.xlsx")
    with pytest.raises(ReviewError, match="introuvable"):
        read_review(tmp_path / "absent.xlsx")


def test_sheets_of_different_exports_are_not_compared(exported, tmp_path):
    path, _ = exported
    other = tmp_path / "autre-export.xlsx"
    export_review(
        other, n=5, seed=9, settings=Settings(corpus_dir=ROOT / "corpus"), messages=MESSAGES, engine=FakeEngine()
    )
    a = fill(path, tmp_path / "a.xlsx", lambda r, j: 3)
    b = fill(other, tmp_path / "b.xlsx", lambda r, j: 3)
    with pytest.raises(ReviewError, match="b.xlsx : export .* différent"):
        import_reviews([a, b])
