"""Dump Guide's answers to a blind set in the answers format (messages.yaml, dialogues.yaml) as JSONL, one
line per message or dialogue turn with the whole answer object; runs whatever `guide` package is importable
(so an earlier version can be dumped from a git worktree with PYTHONPATH). Scored by score_dump.py."""

import json
import sys
import time
from pathlib import Path

import yaml

import guide
from guide.engine import Engine

setdir, out = Path(sys.argv[1]), Path(sys.argv[2])
e = Engine()
e.warm_up()
rows = []
msgs = yaml.safe_load((setdir / "messages.yaml").read_text())
msgs = msgs.get("messages", msgs) if isinstance(msgs, dict) else msgs
for m in msgs:
    t0 = time.perf_counter()
    a = e.ask(m["text"])
    rows.append(
        {"id": m["id"], "turn": 0, "ms": (time.perf_counter() - t0) * 1000, "answer": a.model_dump(mode="json")}
    )
dl = yaml.safe_load((setdir / "dialogues.yaml").read_text())
dl = dl.get("dialogues", dl) if isinstance(dl, dict) else dl
for d in dl:
    state = None
    for i, t in enumerate(d["turns"]):
        t0 = time.perf_counter()
        a = e.ask(t["text"], state=state)
        state = a.state
        rows.append(
            {"id": d["id"], "turn": i + 1, "ms": (time.perf_counter() - t0) * 1000, "answer": a.model_dump(mode="json")}
        )
out.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
print(guide.__file__, len(rows), "answers ->", out)
