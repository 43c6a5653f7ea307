"""The crisis classifier is cached in the index dir, one file per backend, and a retrain replaces it."""

from guide.triage import _trained


class FakeEmbeddings:
    def embed_documents(self, texts):
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text):
        return [float(len(text) % 7), float("mourir" in text), 1.0]


TEXTS = [
    "je veux mourir",
    "jveux mourir ce soir",
    "il fait beau",
    "je cherche un logement",
    "my phone died",
    "envie de mourir",
]
LABELS = ["suicide", "suicide", "none", "none", "none", "suicide"]


def test_cache_is_reused_then_replaced_on_new_training_data(tmp_path):
    emb = FakeEmbeddings()
    first = _trained(TEXTS, LABELS, emb, tmp_path, "use")
    files = sorted(tmp_path.glob("crisis-classifier-use-*.npz"))
    assert len(files) == 1
    again = _trained(TEXTS, LABELS, emb, tmp_path, "use")  # read back from the file
    assert again is not first and again.ranked("je veux mourir")[0][0][0] == "suicide"
    other = _trained(TEXTS, LABELS, emb, tmp_path, "st:/models/x")  # another backend keeps its own file
    assert other is not None and len(list(tmp_path.glob("crisis-classifier-st-models-x-*.npz"))) == 1
    _trained(TEXTS + ["un autre exemple"], LABELS + ["none"], emb, tmp_path, "use")
    now = sorted(tmp_path.glob("crisis-classifier-use-*.npz"))
    assert len(now) == 1 and now != files  # the stale file is gone
    assert len(list(tmp_path.glob("crisis-classifier-st-models-x-*.npz"))) == 1


def test_lean_classifier_gives_scikit_learns_probabilities(settings):
    """The numpy classifier used at run time is the scikit-learn model, exactly (no drift)."""
    import numpy as np

    from guide.embeddings import get_embeddings
    from guide.triage import CrisisClassifier, LeanClassifier, load_model, training_examples

    texts, labels = training_examples(settings.corpus_dir, load_model(settings.corpus_dir))
    pick = list(range(0, len(texts), 6))  # a fifth of the examples: every class, a few seconds
    emb = get_embeddings(settings)
    sk = CrisisClassifier([texts[i] for i in pick], [labels[i] for i in pick], emb)
    lean = LeanClassifier.from_sklearn(sk)
    probes = [
        "je veux mourir ce soir",
        "mon chum me frappe",
        "I feel alone",
        "je cherche un logement à Laval",
        "la voisine laisse son bébé seul",
        "my dad took all his pills",
        "",
        "ça va bien merci",
    ]
    for t in probes:
        X = sk._features([t])
        want = sk.model.predict_proba(X)[0]
        got = lean.probabilities(t)
        assert np.allclose(want, got, atol=1e-6), (t, want, got)
