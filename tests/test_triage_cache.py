"""The crisis classifier is cached in the index dir, one file per backend, and a retrain replaces it."""

from guide.triage import _trained


class FakeEmbeddings:
    def embed_documents(self, texts):
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text):
        return [float(len(text) % 7), float("mourir" in text), 1.0]


TEXTS = ["je veux mourir", "jveux mourir ce soir", "il fait beau", "je cherche un logement", "my phone died", "envie de mourir"]
LABELS = ["suicide", "suicide", "none", "none", "none", "suicide"]


def test_cache_is_reused_then_replaced_on_new_training_data(tmp_path):
    emb = FakeEmbeddings()
    first = _trained(TEXTS, LABELS, emb, tmp_path, "use")
    files = sorted(tmp_path.glob("crisis-classifier-use-*.pkl"))
    assert len(files) == 1
    again = _trained(TEXTS, LABELS, emb, tmp_path, "use")  # read back from the file
    assert again is not first and again.ranked("je veux mourir")[0][0][0] == "suicide"
    other = _trained(TEXTS, LABELS, emb, tmp_path, "st:/models/x")  # another backend keeps its own file
    assert other is not None and len(list(tmp_path.glob("crisis-classifier-st-models-x-*.pkl"))) == 1
    _trained(TEXTS + ["un autre exemple"], LABELS + ["none"], emb, tmp_path, "use")
    now = sorted(tmp_path.glob("crisis-classifier-use-*.pkl"))
    assert len(now) == 1 and now != files  # the stale file is gone
    assert len(list(tmp_path.glob("crisis-classifier-st-models-x-*.pkl"))) == 1
