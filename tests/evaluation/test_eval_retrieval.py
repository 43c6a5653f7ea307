"""Retrieval metrics on tiny cases with known answers, and the labelled-set loader."""

import math

import pytest

from guide.evaluation.metrics import hit_at, ndcg_at, percentile, recall_at, reciprocal_rank
from guide.evaluation.retrieval import DEFAULT_SET, SetError, load_questions
from guide.records import load_records
from guide.settings import ROOT


def test_metrics_on_known_cases():
    ranked = ["a", "b", "c", "d"]
    assert recall_at(ranked, {"b", "z"}, 1) == 0.0
    assert recall_at(ranked, {"b", "z"}, 5) == 0.5
    assert hit_at(ranked, {"d"}, 3) == 0.0 and hit_at(ranked, {"d"}, 4) == 1.0
    assert reciprocal_rank(ranked, {"c"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(ranked, {"zz"}) == 0.0
    assert ndcg_at(ranked, {"a"}) == 1.0
    assert ndcg_at(ranked, {"b"}) == pytest.approx(1 / math.log2(3))
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile(list(range(1, 101)), 95) == 95
    with pytest.raises(ValueError):
        recall_at(ranked, set(), 5)


def test_malformed_set_names_the_line(tmp_path):
    bad = tmp_path / "q.yaml"
    bad.write_text(
        "questions:\n  - id: q1\n    q: bonjour\n    relevant: [decl-principe-2-1]\n  - id: q2\n    q: salut\n"
    )
    with pytest.raises(SetError, match=r"q.yaml:5: .*relevant"):
        load_questions(bad)
    bad.write_text("questions:\n  - id: q1\n    q: x\n    relevant: [nope]\n")
    with pytest.raises(SetError, match=r":2: unknown record id"):
        load_questions(bad, {"decl-principe-2-1"})


def test_shipped_set_is_large_mixed_and_labelled_with_real_ids():
    known = {r.id for r in load_records(ROOT / "corpus")}
    qs = load_questions(DEFAULT_SET, known)
    assert len(qs) >= 60
    styles = {q.style for q in qs}
    assert {"accented", "unaccented", "quebecois", "typo", "english"} <= styles
    assert {q.kind for q in qs} >= {"declaration", "right", "helpline"}
