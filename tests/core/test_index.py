"""The index is idempotent and never keeps stale records."""

import json

from guide.index import Index, _store, refresh_store
from guide.records import load_records, write_records
from guide.search import search
from guide.settings import Settings


def test_refresh_is_idempotent_and_replaces_or_removes_changed_records(tmp_path, corpus_copy):
    s = Settings(index_dir=tmp_path / "idx", corpus_dir=corpus_copy, embedding_backend="use")
    records = load_records(corpus_copy)
    store = _store(s)
    first = refresh_store(s, store, records)
    assert first.added == len(records) and not first.skipped

    again = refresh_store(s, store, records)
    assert again.skipped and again.added == again.updated == again.removed == 0

    # change one record, delete another
    path = corpus_copy / "records" / "declaration.jsonl"
    decl = [r for r in records if r.kind == "declaration"]
    changed = decl[0].model_copy(update={"text": "Texte remplacé : la pêche aux crevettes nordiques."})
    removed = decl[1]
    write_records(path, [changed] + decl[2:])
    new_records = load_records(corpus_copy)
    report = refresh_store(s, store, new_records)
    assert (report.updated, report.removed, report.added) == (1, 1, 0)
    assert store._collection.count() == len(new_records)

    ix = Index.open(s)
    hits = search(ix, "pêche aux crevettes nordiques", limit=3)
    assert hits[0].id == changed.id
    assert removed.id not in {h.id for h in search(ix, removed.text[:200], limit=10, mode="vector")}
    manifest = json.loads(next((tmp_path / "idx").glob("manifest-*.json")).read_text())
    assert manifest["backend"] == "use" and manifest["records"] == len(new_records)


def test_sentence_transformers_backend_with_packaged_minilm(tmp_path):
    from guide.settings import ROOT

    s = Settings(index_dir=tmp_path / "idx", corpus_dir=ROOT / "corpus", embedding_backend="st")
    ix = Index.open(s)
    assert ix.store._collection.count() == len(ix.records)
    hits = search(ix, "poison control centre", kind="helpline", limit=3, mode="vector")
    assert hits[0].id == "line-centre-antipoison-du-quebec"
