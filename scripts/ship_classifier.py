"""Train the crisis classifier on the corpus's examples and ship it under ``corpus/models/``.

    python scripts/ship_classifier.py

A fresh install then answers without training (14 s of embedding and fitting measured on 2 cores):
the engine loads the shipped file when it was trained on exactly the current examples (its name
holds a hash of them, of the backend and of the regularisation), and trains only otherwise.
Run it after changing the crisis examples or rules' training data; the test
``tests/core/test_shipped_classifier.py`` fails until you do. Earlier shipped files are removed.
Only the default embedding backend is shipped; the others train on first use as before.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from guide.embeddings import backend_id, get_embeddings
from guide.settings import Settings
from guide.triage import SHIPPED_DIR, _trained, classifier_file, load_model, training_examples


def main() -> int:
    settings = Settings()
    corpus = settings.corpus_dir
    texts, labels = training_examples(corpus, load_model(corpus))
    backend = backend_id(settings)
    name = classifier_file(texts, labels, backend)
    with tempfile.TemporaryDirectory() as tmp:  # trained now, from the examples: never an older cache
        lean = _trained(texts, labels, get_embeddings(settings), Path(tmp), backend)
    out = corpus / SHIPPED_DIR
    out.mkdir(parents=True, exist_ok=True)
    lean.save(out / name, compressed=True)
    for old in out.glob("crisis-classifier-*.npz"):
        if old.name != name:
            old.unlink()
    print(f"shipped {out / name} ({(out / name).stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
