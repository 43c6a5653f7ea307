"""The scenario files the Ordre extends: a malformed item gets an error naming its file and line;
the small set is a deterministic subset; a directory of files is a set."""

from __future__ import annotations

import math
import re
import shutil

import pytest

from guide.evaluation.retrieval import SetError
from guide.evaluation.sets import EVALUATION_DIR, find_files, resolve_set
from guide.settings import ROOT, Settings

GOOD = """messages:
  - id: a1
    text: "je me sens seul"
    lang: fr
    crisis: false
    needs: [general_distress]
    lines: []
"""


def write(tmp_path, name: str, text: str):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def settings() -> Settings:
    return Settings(corpus_dir=ROOT / "corpus")


def expect_error(tmp_path, pattern: str):
    with pytest.raises(SetError, match=pattern) as exc:
        resolve_set(str(tmp_path), settings())
    return str(exc.value)


def test_shipped_sets_load_and_are_large():
    s = resolve_set("full", settings(), backends=["use"])
    c = s.counts()
    assert c["messages"] >= 200 and c["dialogues"] >= 20 and c["questions"] >= 60
    if (EVALUATION_DIR / "conversations" / "heldout_crisis.yaml").exists():
        assert c["heldout"] > 0


def test_small_set_is_a_deterministic_subset():
    full = resolve_set("full", settings(), backends=["use"])
    a, b = resolve_set("small", settings()), resolve_set("small", settings())
    assert [m["id"] for m in a.messages] == [m["id"] for m in b.messages] == [m["id"] for m in full.messages[::4]]
    assert len(a.messages) == math.ceil(len(full.messages) / 4)
    assert len(a.questions) == min(20, len(full.questions[::4])) and len(a.dialogues) <= 5
    assert a.backends == [settings().embedding_backend]


def test_directory_set_with_only_messages(tmp_path):
    write(tmp_path, "messages.yaml", GOOD)
    s = resolve_set(str(tmp_path), settings(), backends=["use"])
    assert [m["id"] for m in s.messages] == ["a1"] and not s.questions and not s.dialogues
    sub = tmp_path / "deep"
    (sub / "conversations").mkdir(parents=True)
    shutil.copy(tmp_path / "messages.yaml", sub / "conversations" / "messages.yaml")
    assert set(find_files(sub)) == {"messages"}


def test_missing_or_empty_directory_is_a_clear_error(tmp_path):
    with pytest.raises(SetError, match="not 'small', 'full' nor a directory"):
        resolve_set(str(tmp_path / "nope"), settings())
    with pytest.raises(SetError, match="no messages.yaml"):
        resolve_set(str(tmp_path), settings())


@pytest.mark.parametrize(
    "item, pattern",
    [
        ("  - id: a2\n    lang: fr\n", r"messages.yaml:9: missing text"),
        ('  - id: a2\n    text: "x"\n    lang: de\n', r"messages.yaml:9: lang must be fr or en"),
        ('  - id: a2\n    text: "x"\n    crisis: true\n', r"messages.yaml:9: a crisis message needs its crisis_kind"),
        (
            '  - id: a2\n    text: "x"\n    crisis: true\n    crisis_kind: volcano\n',
            r"messages.yaml:9: unknown crisis_kind 'volcano'",
        ),
        ('  - id: a2\n    text: "x"\n    needs: [no_such_need]\n', r"messages.yaml:9: unknown need id"),
        ('  - id: a2\n    text: "x"\n    lines: [line-no-such-line]\n', r"messages.yaml:9: unknown line id"),
        ('  - id: a2\n    text: "x"\n    needs: general_distress\n', r"messages.yaml:9: 'needs' must be a list"),
        ('  - id: a1\n    text: "x"\n', r"messages.yaml:9: duplicate id a1"),
        ("  - id: a2\n    text: 12\n", r"messages.yaml:9: 'text' must be a string"),
    ],
)
def test_malformed_message_names_its_line(tmp_path, item, pattern):
    write(tmp_path, "messages.yaml", GOOD + "\n" + item)
    expect_error(tmp_path, pattern)


def test_yaml_syntax_error_names_the_file_and_position(tmp_path):
    write(tmp_path, "messages.yaml", GOOD + '  - id: a3\n    text: "unclosed\n')
    msg = expect_error(tmp_path, r"messages.yaml: cannot read YAML")
    assert re.search(r"line \d+", msg)


def test_malformed_heldout_dialogue_and_question_name_their_line(tmp_path):
    write(tmp_path, "heldout_crisis.yaml", "messages:\n  - id: h1\n    text: x\n    lang: fr\n")
    expect_error(tmp_path, r"heldout_crisis.yaml:2: missing crisis")
    (tmp_path / "heldout_crisis.yaml").unlink()
    write(tmp_path, "dialogues.yaml", "dialogues:\n  - id: d1\n    turns:\n      - expect: {crisis: false}\n")
    expect_error(tmp_path, r"dialogues.yaml:2: dialogue d1 turn 1 needs a 'user' message")
    (tmp_path / "dialogues.yaml").unlink()
    write(tmp_path, "questions.yaml", "questions:\n  - id: q1\n    q: bonjour\n    relevant: [no-such-record]\n")
    expect_error(tmp_path, r"questions.yaml:2: unknown record id")


def test_heldout_batches_are_loaded_together_and_keep_their_file(tmp_path):
    item = '  - id: {id}\n    text: "{text}"\n    lang: fr\n    crisis: true\n    crisis_kind: suicide\n'
    write(tmp_path, "heldout_crisis.yaml", "messages:\n" + item.format(id="h1", text="je veux mourir"))
    write(tmp_path, "heldout_crisis_v2.yaml", "messages:\n" + item.format(id="v1", text="jpense a en finir"))
    s = resolve_set(str(tmp_path), settings())
    assert [(m["id"], m["batch"]) for m in s.heldout] == [("h1", "heldout_crisis"), ("v1", "heldout_crisis_v2")]
    # an id repeated in a later batch is an error naming that file and line
    write(tmp_path, "heldout_crisis_v3.yaml", "messages:\n" + item.format(id="h1", text="autre"))
    expect_error(tmp_path, r"heldout_crisis_v3.yaml:2: duplicate id h1")


def test_shipped_heldout_batches_are_all_loaded():
    s = resolve_set("full", settings(), backends=["use"])
    assert {m["batch"] for m in s.heldout} >= {"heldout_crisis", "heldout_crisis_v2"}
    assert len(s.heldout) >= 360
