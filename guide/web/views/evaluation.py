"""Evaluation page for the Ordre: the reports under ``reports/``, the latest one's key figures (Guide
next to the baseline), the full report.html embedded, its files to download, and a button that runs
``guide evaluate --set small`` in a subprocess with a progress bar (read from its progress.json);
then what people answered to "was this useful?" (counts by answer kind, need and region).

A page of ``guide/web/app.py`` (``st.navigation``), also runnable alone; it reads files only and
never loads the engine itself. ``GUIDE_REPORTS_DIR`` overrides where reports live.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from guide.feedback import NONE, REASONS, FeedbackStore, summary
from guide.settings import ROOT
from guide.web import components as g

REPORTS_DIR = Path(os.environ.get("GUIDE_REPORTS_DIR") or ROOT / "reports")
RUN_TIMEOUT_S = 3600


class Text(dict):
    """This page's labels (``eval_*`` in fr.yaml / en.yaml) under their short names."""

    def __init__(self, lang: str):
        super().__init__({k[5:]: v for k, v in g.labels(lang).items() if k.startswith("eval_")})


def report_dirs(root: Path = REPORTS_DIR) -> list[Path]:
    """Directories under ``root`` holding a report.json, newest first."""
    if not root.is_dir():
        return []
    found = [d for d in root.iterdir() if d.is_dir() and (d / "report.json").is_file()]
    return sorted(found, key=lambda d: ((d / "report.json").stat().st_mtime, d.name), reverse=True)


def running_dir(root: Path = REPORTS_DIR) -> tuple[Path, dict] | None:
    """A run in progress (its progress.json says so and was updated in the last 10 minutes)."""
    if not root.is_dir():
        return None
    for d in root.iterdir():
        p = d / "progress.json"
        if p.is_file():
            try:
                info = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if info.get("state") == "running" and time.time() - p.stat().st_mtime < 600:
                return d, info
    return None


def fmt(v, unit: str = "", kind: str = "rate") -> str:
    if v is None:
        return "—"
    if kind == "rate" and not unit:
        return f"{v:.3f}"
    return f"{v:,.1f}".replace(",", " ") + (f" {unit}" if unit else "")


def show_metrics(report: dict, T: dict) -> None:
    st.subheader(T["figures"])
    items = report.get("headline") or []
    for start in range(0, len(items), 4):
        cols = st.columns(4)
        for col, h in zip(cols, items[start : start + 4], strict=False):  # the last row may be short
            gv, b = h.get("guide"), h.get("baseline")
            delta = None
            if gv is not None and b is not None:
                d = gv - b
                delta = f"{d:+.3f}" if h["kind"] == "rate" and not h["unit"] else f"{d:+.1f} {h['unit']}".strip()
            col.metric(
                h["label"],
                fmt(gv, h["unit"], h["kind"]),
                delta,
                delta_color="normal" if h["better"] == "higher" else "inverse",
                help=T["baseline"].format(value=fmt(b, h["unit"], h["kind"])),
                border=True,
            )


def run_small(T: dict) -> None:
    """``guide evaluate --set small`` in a subprocess; a progress bar follows its progress.json."""
    out_dir = REPORTS_DIR / time.strftime("%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    log = (out_dir / "run.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "guide.cli_evaluate", "--set", "small", "--out", str(out_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=str(ROOT),
    )
    bar = st.progress(0.0, text=T["running"])
    started = time.time()
    while proc.poll() is None and time.time() - started < RUN_TIMEOUT_S:
        time.sleep(1.0)
        try:
            info = json.loads((out_dir / "progress.json").read_text(encoding="utf-8"))
            bar.progress(float(info.get("overall", 0.0)), text=f"{T['running']} {info.get('step', '')}")
        except (OSError, ValueError):
            pass
    if proc.poll() is None:
        proc.kill()
    log.close()
    code = proc.wait()
    if code == 0:
        bar.progress(1.0, text=T["done"].format(dir=out_dir.name))
        st.session_state["eval_report"] = out_dir.name
        st.rerun()
    else:
        tail = (out_dir / "run.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        st.error(T["failed"].format(code=code, message=" ".join(tail)))


def show_report(T: dict) -> None:
    """The chosen report: key figures, files, the full report embedded."""
    dirs = report_dirs()
    if not dirs:
        st.info(T["none"].format(dir=REPORTS_DIR))
        return
    names = [d.name for d in dirs]
    default = names.index(st.session_state["eval_report"]) if st.session_state.get("eval_report") in names else 0
    choice = st.selectbox(
        T["choose"],
        names,
        index=default,
        key="eval_choice",
        format_func=lambda n: f"{n} ({T['latest']})" if n == names[0] else n,
    )
    chosen = REPORTS_DIR / choice
    try:
        report = json.loads((chosen / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        st.error(T["broken"].format(error=exc))
        return

    meta = report.get("meta", {})
    counts = meta.get("counts", {})
    st.caption(
        T["set"].format(
            set=meta.get("set"),
            started=meta.get("started"),
            duration=meta.get("duration_s"),
            messages=counts.get("messages"),
            heldout=counts.get("heldout"),
            dialogues=counts.get("dialogues"),
            questions=counts.get("questions"),
        )
    )
    show_metrics(report, T)

    st.subheader(T["files"])
    cols = st.columns(3)
    for col, (name, mime) in zip(
        cols,
        (("report.html", "text/html"), ("report.json", "application/json"), ("answers.csv", "text/csv")),
        strict=True,
    ):
        path = chosen / name
        if path.is_file():
            col.download_button(name, data=path.read_bytes(), file_name=f"{choice}-{name}", mime=mime, key=f"dl_{name}")

    html_path = chosen / "report.html"
    if html_path.is_file():
        st.subheader(T["full"])
        page = html_path.read_text(encoding="utf-8")
        if hasattr(st, "iframe"):  # Streamlit >= 1.5x: st.components.v1.html is deprecated in favour of st.iframe
            st.iframe(page, height=1400)
        else:
            components.html(page, height=1400, scrolling=True)


def feedback_table(lang: str, T: dict) -> pd.DataFrame | None:
    """The "was this useful?" counts, one row per (answer kind, need, region), with the useful share."""
    from guide.directory.areas import territories
    from guide.directory.needs import load_needs

    settings = g.settings()
    rows = summary(FeedbackStore.from_settings(settings).counts())
    if not rows:
        return None
    corpus = settings.corpus_dir
    needs = {n.id: (n.label_en if lang == "en" else n.label_fr) for n in load_needs(corpus)}
    try:
        regions = territories(corpus).rss_names
    except Exception:  # the region names are a nicety: codes alone still say it
        regions = {}
    L = g.labels(lang)

    def region(code: str) -> str:
        return T["none_value"] if code == NONE else f"{code} {regions.get(code, '')}".strip()

    def reasons(r: dict) -> str:
        return "; ".join(f"{L['feedback_reason_' + k]} ({r[k]})" for k in REASONS if r.get(k))

    return pd.DataFrame(
        [
            {
                T["col_kind"]: T[f"kind_{r['kind']}"],
                T["col_need"]: T["none_value"] if r["need"] == NONE else needs.get(r["need"], r["need"]),
                T["col_region"]: region(r["region"]),
                T["col_votes"]: r["votes"],
                T["col_useful"]: r["useful"],
                T["col_not_useful"]: r["not_useful"],
                T["col_share"]: r["share"],
                T["col_reasons"]: reasons(r["reasons"]),
            }
            for r in rows
        ]
    )


def show_feedback(lang: str, T: dict) -> None:
    st.subheader(T["feedback_title"])
    if not g.settings().feedback:
        st.info(T["feedback_off"])
        return
    table = feedback_table(lang, T)
    if table is None:
        st.info(T["feedback_none"])
        return
    total, useful = int(table[T["col_votes"]].sum()), int(table[T["col_useful"]].sum())
    share = f"{100 * useful / total:.0f} %" if total else "—"
    st.caption(T["feedback_total"].format(total=total, share=share))
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="eval_feedback_table",
        column_config={
            T["col_share"]: st.column_config.NumberColumn(format="percent"),
            T["col_reasons"]: st.column_config.TextColumn(width="large"),
        },
    )


st.set_page_config(layout="wide")  # the embedded report is 1180 px wide
lang = g.ui_lang()
T = Text(lang)
st.title(T["title"])
st.markdown(T["intro"])

busy = running_dir()
if busy:
    st.info(T["already"].format(since=busy[0].name))
    st.progress(float(busy[1].get("overall", 0.0)), text=str(busy[1].get("step", "")))
if st.button(T["run"], key="eval_run", type="primary", disabled=busy is not None, icon=":material/play_arrow:"):
    run_small(T)

show_report(T)
show_feedback(lang, T)
