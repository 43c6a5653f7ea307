"""The query memo: one message is embedded once per answer, and the memo stays bounded."""

from guide.embeddings import _QueryMemo


class Counting(_QueryMemo):
    memo_size = 2

    def __init__(self):
        self.calls = []

    def _embed_query(self, text):
        self.calls.append(text)
        return [float(len(text)), 1.0]

    def embed_documents(self, texts):
        return [self._embed_query(t) for t in texts]


def test_same_text_is_embedded_once_and_memo_is_bounded():
    e = Counting()
    v1 = e.embed_query("je dors pu")
    v2 = e.embed_query("je dors pu")
    assert v1 == v2 == [10.0, 1.0] and e.calls == ["je dors pu"]
    v2.append(99.0)  # a caller mutating its copy does not change the memo
    assert e.embed_query("je dors pu") == [10.0, 1.0]
    e.embed_query("a")
    e.embed_query("bb")  # evicts "je dors pu" (size 2)
    e.embed_query("je dors pu")
    assert e.calls == ["je dors pu", "a", "bb", "je dors pu"]
    assert all(isinstance(k, bytes) for k in e._memo)  # keyed by digest: the text is not kept


def test_use_backend_memo_returns_the_model_vector(settings):
    from guide.embeddings import get_embeddings

    emb = get_embeddings(settings)
    first = emb.embed_query("aide pour un proche aidant")
    again = emb.embed_query("aide pour un proche aidant")
    fresh = emb._embed_query("aide pour un proche aidant")
    assert again == first and max(abs(a - b) for a, b in zip(first, fresh, strict=True)) < 1e-6
