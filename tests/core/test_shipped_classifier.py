"""The crisis classifier shipped under ``corpus/models``: trained on exactly the current examples
(else ``python scripts/ship_classifier.py``), equal to one trained now, and used by a fresh install
instead of training."""

from __future__ import annotations

import numpy as np
import pytest

from guide.embeddings import backend_id, get_embeddings
from guide.settings import ROOT, Settings
from guide.triage import SHIPPED_DIR, LeanClassifier, classifier_file, load_model, training_examples

CORPUS = ROOT / "corpus"


def _current(settings: Settings):
    texts, labels = training_examples(CORPUS, load_model(CORPUS))
    return texts, labels, classifier_file(texts, labels, backend_id(settings))


def test_the_shipped_classifier_matches_the_current_examples():
    _, _, name = _current(Settings())
    shipped = sorted(p.name for p in (CORPUS / SHIPPED_DIR).glob("crisis-classifier-*.npz"))
    assert shipped == [name], "stale: run `python scripts/ship_classifier.py` after changing the crisis examples"


@pytest.mark.slow
def test_the_shipped_classifier_is_the_one_training_gives_now():
    from guide.triage import CrisisClassifier

    settings = Settings()
    texts, labels, name = _current(settings)
    emb = get_embeddings(settings)
    trained = LeanClassifier.from_sklearn(CrisisClassifier(texts, labels, emb))
    shipped = LeanClassifier.load(CORPUS / SHIPPED_DIR / name, emb)
    assert shipped.classes == trained.classes and shipped.vocab == trained.vocab
    assert np.allclose(shipped.coef, trained.coef, atol=1e-9) and np.allclose(shipped.intercept, trained.intercept)
    for text in (
        "je veux mourir ce soir",
        "mon chum me frappe",
        "j'ai perdu ma job",
        "I can't sleep since the divorce",
    ):
        assert np.allclose(shipped.probabilities(text), trained.probabilities(text), atol=1e-9)


def test_a_fresh_install_answers_a_crisis_without_training(tmp_path, monkeypatch):
    from guide import triage
    from guide.engine import Engine

    def no_training(*_a, **_k):
        raise AssertionError("trained on a fresh install although a classifier is shipped")

    monkeypatch.setattr(triage, "CrisisClassifier", no_training)
    engine = Engine(Settings(index_dir=tmp_path / "fresh-index"), open_index=False)
    assert engine.triager.classifier is not None
    answer = engine.ask("je pense à en finir, j'ai plus aucune raison de vivre")
    assert answer.crisis is not None and answer.crisis.detected
    assert answer.crisis.contacts[0]["id"] == "line-urgence-9-1-1"


def test_a_damaged_shipped_classifier_is_not_fatal(tmp_path, monkeypatch, caplog):
    """A truncated file in corpus/models: the classifier is trained instead, nothing raises."""
    from guide import triage

    settings = Settings()
    texts, labels, name = _current(settings)
    shipped = tmp_path / "models"
    shipped.mkdir()
    (shipped / name).write_bytes((CORPUS / SHIPPED_DIR / name).read_bytes()[:1000])
    trained = []
    monkeypatch.setattr(triage, "CrisisClassifier", lambda *a: trained.append(1) or "fitted")
    monkeypatch.setattr(triage.LeanClassifier, "from_sklearn", staticmethod(lambda clf: clf))
    got = triage._trained(texts, labels, None, None, backend_id(settings), shipped_dir=shipped)
    assert got == "fitted" and trained == [1] and "unreadable" in caplog.text
