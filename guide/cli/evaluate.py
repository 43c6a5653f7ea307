"""``guide evaluate``: the evaluation suite the Ordre runs, offline, and the expert review.

    guide evaluate [--set small|full|PATH] [--out DIR]
    guide evaluate export-review [--n 40] [--out FILE.xlsx] [--seed 1]
    guide evaluate import-review FILE.xlsx [FILE.xlsx ...]
    guide evaluate export-answers [--set small|full|PATH] --out FILE.jsonl [--system guide|baseline]
    guide evaluate import-rubric FILE.csv [--json] [--out FILE.json]
    guide evaluate --rubric FILE.csv ...   (the rubric's means go into the report)

Mounted by ``guide.cli.main``; also runnable alone: ``python -m guide.cli.evaluate --set small``. Errors (a malformed set file, an
unfilled review sheet, an unwritable directory…) exit with status 2 and a clear message, never a
traceback. While the suite runs, ``DIR/progress.json`` tells how far it is (read by the UI page).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from guide.settings import ROOT, get_settings

if TYPE_CHECKING:
    from guide.engine import Engine
    from guide.evaluation.baseline import BaselineQA

REPORTS_DIR = ROOT / "reports"

evaluate_app = typer.Typer(
    help="Évaluer Guide (hors ligne) / evaluate Guide offline: report.json, report.html, answers.csv.",
    add_completion=False,
    pretty_exceptions_enable=False,
    invoke_without_command=True,
)
err = Console(stderr=True)
out = Console()


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]Erreur / error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def timestamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


class ProgressFile:
    """``progress.json`` in the output directory: step, done/total, overall fraction, state."""

    def __init__(self, path: Path, steps: list[tuple[str, str, int]]):
        self.path = path
        self.units = {k: n for k, _, n in steps}
        self.labels = {k: label for k, label, _ in steps}
        self.done: dict[str, float] = dict.fromkeys(self.units, 0)
        self._last = 0.0

    def update(self, step: str, done: int, total: int, force: bool = False) -> None:
        if step in self.units and total:
            self.done[step] = done * self.units[step] / total
        now = time.monotonic()
        if force or now - self._last > 0.5:
            self._last = now
            self.write("running", self.labels.get(step, step), done, total)

    def write(self, state: str, step: str = "", done: int = 0, total: int = 0, message: str = "") -> None:
        all_units = sum(self.units.values()) or 1
        overall = 1.0 if state == "done" else min(sum(self.done.values()) / all_units, 0.999)
        try:
            self.path.write_text(
                json.dumps(
                    {
                        "state": state,
                        "step": step,
                        "done": done,
                        "total": total,
                        "overall": round(overall, 3),
                        "message": message,
                        "updated": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    },
                    ensure_ascii=False,
                )
            )
        except OSError:
            pass  # progress is a courtesy; never fail the run for it


@evaluate_app.callback(invoke_without_command=True)
def evaluate(
    ctx: typer.Context,
    set_name: str = typer.Option(
        "full",
        "--set",
        help="small (CI, minutes) | full (everything, all backends) | a directory "
        "holding messages.yaml, dialogues.yaml, heldout_crisis.yaml, questions.yaml",
    ),
    out_dir: Path | None = typer.Option(None, "--out", help="Output directory (default reports/<timestamp>/)."),
    backends: str | None = typer.Option(
        None,
        "--backends",
        help="Embedding backends for retrieval, e.g. use,e5,st (default: small = the configured one, full = all).",
    ),
    no_perf: bool = typer.Option(False, "--no-perf", help="Skip cold start and index build (subprocesses)."),
    rubric: Path | None = typer.Option(
        None,
        "--rubric",
        help="A graded rubric CSV (id, safety, right_door, "
        "specific_lines, rights, declaration, clarity_warmth, "
        "accuracy; 0-2): its means go into the report.",
    ),
) -> None:
    """Run the whole suite on a set, Guide and the baseline side by side, and write the report."""
    if ctx.invoked_subcommand is not None:
        return
    from guide.evaluation.answers import AnswersError, load_rubric
    from guide.evaluation.report import write_report
    from guide.evaluation.retrieval import SetError
    from guide.evaluation.sets import resolve_set
    from guide.evaluation.suite import plan, run_suite

    graded = None
    if rubric is not None:
        try:
            graded = load_rubric(rubric)  # read first: a bad file stops the run before it starts
        except AnswersError as exc:
            fail(str(exc))
    settings = get_settings()
    wanted = [b.strip() for b in backends.split(",") if b.strip()] if backends else None
    try:
        s = resolve_set(set_name, settings, wanted)
    except SetError as exc:
        fail(str(exc))
    target = out_dir or REPORTS_DIR / timestamp()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"--out {target}: {exc.strerror or exc}")
    steps = plan(s, with_perf=not no_perf)
    pfile = ProgressFile(target / "progress.json", steps)
    pfile.write("running", "start")
    c = s.counts()
    err.print(
        f"Jeu / set [bold]{s.name}[/]: {c['messages']} messages, {c['heldout']} held-out, {c['dialogues']} dialogues, "
        f"{c['questions']} questions; backends {', '.join(s.backends)}"
        + (
            f" (skipped: {'; '.join(f'{k}: {v}' for k, v in s.skipped_backends.items())})" if s.skipped_backends else ""
        ),
        highlight=False,
        soft_wrap=True,
    )
    try:
        with Progress(
            TextColumn("{task.description:<58}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
        ) as bar:
            tasks = {k: bar.add_task(label, total=n) for k, label, n in steps}
            units = {k: n for k, _, n in steps}  # each task's total

            def progress(step: str, done: int, total: int) -> None:
                if step in tasks:
                    bar.update(tasks[step], completed=done * units[step] / max(total, 1))
                pfile.update(step, done, total)

            report, rows = run_suite(s, settings, progress, with_perf=not no_perf)
        if graded is not None:
            report["rubric"] = graded
        paths = write_report(report, rows, target)
    except SetError as exc:
        pfile.write("error", message=str(exc))
        fail(str(exc))
    except OSError as exc:
        pfile.write("error", message=str(exc))
        fail(f"{exc.filename or target}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        pfile.write("error", message="interrupted")
        raise typer.Exit(130) from None
    except Exception as exc:  # never a traceback: say what failed
        pfile.write("error", message=f"{type(exc).__name__}: {exc}")
        fail(f"l'évaluation a échoué / the evaluation failed: {type(exc).__name__}: {exc}")
    pfile.write("done", "done", 1, 1, message=str(paths["html"]))
    print_headline(report)
    print_answers(report)
    out.print(
        f"\n[bold]report.json[/]  {paths['json']}\n[bold]report.html[/]  {paths['html']}\n[bold]answers.csv[/]  {paths['csv']}",
        highlight=False,
        soft_wrap=True,
    )


def print_headline(report: dict) -> None:
    from guide.evaluation.report import fmt

    t = Table(title="Guide vs référence / baseline", show_lines=False)
    t.add_column("mesure / measure")
    t.add_column("Guide", justify="right")
    t.add_column("baseline", justify="right")
    for h in report.get("headline", []):
        t.add_row(
            h["label"] + (" ↓" if h["better"] == "lower" else ""),
            fmt(h["guide"], h["unit"], h["kind"]),
            fmt(h["baseline"], h["unit"], h["kind"]),
        )
    out.print(t)


def print_answers(report: dict) -> None:
    """The answer measures of each part (messages, held-out, each batch, dialogue turns), Guide | baseline."""
    from guide.evaluation.report import _a, fmt

    parts = [("messages", report.get("conversations") or {}), ("held-out", report.get("heldout") or {})]
    parts += [(f"held-out {k}", v) for k, v in (report.get("heldout_batches") or {}).items()]
    parts.append(("dialogue turns", report.get("dialogue_turns") or {}))
    measures = [
        (
            "median words, everyday / crisis",
            lambda a: (
                f"{fmt(_a(a, 'length', 'everyday', 'median_words'), kind='value')} / "
                f"{fmt(_a(a, 'length', 'crisis', 'median_words'), kind='value')}"
            ),
        ),
        ("max crisis words", lambda a: fmt(_a(a, "length", "crisis", "max_words"), kind="value")),
        (
            "everyday ≤150 / crisis ≤80",
            lambda a: (
                f"{fmt(_a(a, 'length', 'everyday', 'share_le_150'))} / {fmt(_a(a, 'length', 'crisis', 'share_le_80'))}"
            ),
        ),
        ("lines without cue ↓", lambda a: fmt(_a(a, "lines_without_cue", "rate"))),
        (
            "EN words in FR / FR words in EN ↓",
            lambda a: (
                f"{_a(a, 'language_mixing', 'english_in_french', 'words')} / "
                f"{_a(a, 'language_mixing', 'french_in_english', 'words')}"
            ),
        ),
        ("place from text", lambda a: fmt(_a(a, "place", "accuracy"))),
        (
            "rights all relevant / expected found",
            lambda a: f"{fmt(_a(a, 'rights', 'all_relevant'))} / {fmt(_a(a, 'rights', 'expected_found'))}",
        ),
    ]
    for name, part in parts:
        g, b = (part.get("guide") or {}).get("answers"), (part.get("baseline") or {}).get("answers")
        if not g:
            continue
        t = Table(title=f"Réponses / answers — {name}")
        t.add_column("mesure / measure")
        t.add_column("Guide", justify="right")
        t.add_column("baseline", justify="right")
        for label, get in measures:
            t.add_row(label, get(g), get(b) if b else "—")
        out.print(t)
    rub = report.get("rubric")
    if rub:
        out.print(
            "Grille / rubric (0–2): "
            + ", ".join(f"{c} {fmt(v['mean'], kind='value')} (n={v['n']})" for c, v in rub["criteria"].items()),
            highlight=False,
            soft_wrap=True,
        )


@evaluate_app.command("export-answers")
def export_answers_cmd(
    set_name: str = typer.Option("full", "--set", help="small | full | a directory holding messages.yaml."),
    out_file: Path = typer.Option(
        ...,
        "--out",
        help="The .jsonl to write: one {id, message, answer, services, "
        "follow_up} per message, no label (for a blind grader).",
    ),
    system_name: str = typer.Option("guide", "--system", help="guide (default) or baseline."),
) -> None:
    """Answers to every message of a set, for a blind grader: no label, no score."""
    from guide.evaluation.answers import export_answers
    from guide.evaluation.retrieval import SetError
    from guide.evaluation.sets import resolve_set

    if system_name not in ("guide", "baseline"):
        fail(f"--system {system_name}: guide or baseline")
    settings = get_settings()
    try:
        messages = resolve_set(set_name, settings, [settings.embedding_backend]).messages
        if not messages:
            fail(f"--set {set_name}: aucun message / no messages.yaml there")
        system: Engine | BaselineQA
        if system_name == "guide":
            from guide.engine import Engine

            system = Engine(settings)
        else:
            from guide.evaluation.baseline import BaselineQA

            system = BaselineQA(settings)
        system.warm_up()
        with Progress(
            TextColumn("Réponses / answers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("answers", total=len(messages))
            n = export_answers(
                system,
                messages,
                out_file,
                use_where=system_name == "guide",
                progress=lambda d, t: bar.update(task, completed=d, total=t),
            )
    except typer.Exit:
        raise
    except SetError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or out_file}: {exc.strerror or exc}")
    except Exception as exc:  # never a traceback
        fail(f"{type(exc).__name__}: {exc}")
    out.print(f"{n} réponses / answers → {out_file}", highlight=False, soft_wrap=True)


def _emit_result(result: dict, out_file: Path | None, json_out: bool) -> bool:
    """Write ``result`` as JSON to ``out_file`` (if given) and to stdout with ``--json``; True when the
    JSON was printed (nothing else to show)."""
    if out_file:
        try:
            out_file.write_text(json.dumps(result, ensure_ascii=False, indent=2))
        except OSError as exc:
            fail(f"{out_file}: {exc.strerror or exc}")
    if json_out:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return True
    return False


@evaluate_app.command("import-rubric")
def import_rubric_cmd(
    file: Path = typer.Argument(
        ...,
        help="A graded CSV: id, safety, right_door, specific_lines, rights, declaration, "
        "clarity_warmth, accuracy (0-2 each; blank = not graded).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    out_file: Path | None = typer.Option(None, "--out", help="Also write the result as JSON to this file."),
) -> None:
    """Mean (and n) of each rubric criterion."""
    from guide.evaluation.answers import AnswersError, load_rubric
    from guide.evaluation.report import fmt

    try:
        result = load_rubric(file)
    except AnswersError as exc:
        fail(str(exc))
    if _emit_result(result, out_file, json_out):
        return
    t = Table(title=f"Grille / rubric — {result['answers']} réponses / answers")
    for col in ("critère / criterion", "n", "moyenne / mean", "0", "1", "2"):
        t.add_column(col, justify="left" if col.startswith("crit") else "right")
    for c, v in result["criteria"].items():
        t.add_row(c, str(v["n"]), fmt(v["mean"], kind="value"), *(str(v["counts"][k]) for k in ("0", "1", "2")))
    t.add_row(
        "ensemble / overall", str(result["overall"]["n"]), fmt(result["overall"]["mean"], kind="value"), "", "", ""
    )
    out.print(t)
    if result["duplicates"]:
        out.print(f"ids en double / duplicate ids: {', '.join(result['duplicates'])}", highlight=False)


@evaluate_app.command("export-review")
def export_review_cmd(
    n: int = typer.Option(40, "--n", min=1, max=500, help="How many answers to sample."),
    out_file: Path | None = typer.Option(
        None, "--out", help="The .xlsx to write (default reports/review-<timestamp>.xlsx)."
    ),
    seed: int = typer.Option(1, "--seed", help="Seed of the sample (same seed, same answers)."),
    set_name: str = typer.Option("full", "--set", help="Messages to sample from: full (default) or a directory."),
) -> None:
    """Write a spreadsheet of sampled answers with the review rubric (the declaration's five principles)."""
    from guide.evaluation.retrieval import SetError
    from guide.evaluation.review import ReviewError, export_review
    from guide.evaluation.sets import resolve_set

    target = out_file or REPORTS_DIR / f"review-{timestamp()}.xlsx"
    if target.suffix.lower() != ".xlsx":
        fail(f"--out {target}: le fichier doit finir par .xlsx / the file must end with .xlsx")
    settings = get_settings()
    try:
        messages = resolve_set(
            "full" if set_name == "small" else set_name, settings, [settings.embedding_backend]
        ).messages
        if not messages:
            fail(f"--set {set_name}: aucun message / no messages.yaml there")
        with Progress(
            TextColumn("Réponses / answers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("answers", total=min(n, len(messages)))
            info = export_review(
                target,
                n=n,
                seed=seed,
                settings=settings,
                messages=messages,
                progress=lambda d, t: bar.update(task, completed=d, total=t),
            )
    except typer.Exit:
        raise
    except (SetError, ReviewError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or target}: {exc.strerror or exc}")
    except Exception as exc:  # never a traceback
        fail(f"{type(exc).__name__}: {exc}")
    out.print(
        f"{info['answers']} réponses / answers, {info['sentences']} phrases / sentences, {info['citations']} citations "
        f"→ {info['path']} (export {info['export_id']})",
        highlight=False,
        soft_wrap=True,
    )


@evaluate_app.command("import-review")
def import_review_cmd(
    files: list[Path] = typer.Argument(..., help="One or more filled review sheets (.xlsx) of the same export."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    out_file: Path | None = typer.Option(None, "--out", help="Also write the result as JSON to this file."),
) -> None:
    """Scores per principle and inter-rater agreement (Cohen's kappa for 2, Fleiss' kappa for 3+)."""
    from guide.evaluation.review import ReviewError, import_reviews

    try:
        result = import_reviews(files)
    except ReviewError as exc:
        fail(str(exc))
    if _emit_result(result, out_file, json_out):
        return
    t = Table(title=f"Revue experte / expert review — {result['answers']} réponses, export {result['export_id']}")
    t.add_column("critère / criterion")
    t.add_column("principe", justify="right")
    t.add_column("moyenne / mean", justify="right")
    for name in result["reviewers"]:
        t.add_column(name, justify="right")
    t.add_column("kappa", justify="right")
    for c in result["criteria"].values():
        ag = c["agreement"]
        t.add_row(
            c["label"],
            str(c["principle"]),
            f"{c['mean']:.2f}",
            *[f"{c['by_reviewer'][nm]:.2f}" for nm in result["reviewers"]],
            f"{ag['kappa']:.3f} ({ag['method']})" if ag["kappa"] is not None else "— (1 évaluateur·rice)",
        )
    ov = result["overall"]
    t.add_row(
        "[bold]ensemble / overall[/]",
        "",
        f"{ov['mean']:.2f}",
        *[""] * len(result["reviewers"]),
        f"{ov['agreement']['kappa']:.3f} ({ov['agreement']['method']})"
        if ov["agreement"]["kappa"] is not None
        else "—",
    )
    out.print(t)
    if len(result["reviewers"]) < 2:
        out.print("Un·e seul·e évaluateur·rice : pas de kappa (accord entre évaluateurs) / one reviewer: no agreement.")
    for what in ("sentences", "citations"):
        b = result[what]
        label = "Phrases / sentences" if what == "sentences" else "Citations"
        kappa = b["agreement"].get("kappa")
        out.print(
            f"{label}: {b['scored']} notes / scores, moyenne / mean {b['mean'] if b['mean'] is not None else '—'}"
            + (f", kappa {kappa:.3f} ({b['agreement']['method']})" if kappa is not None else ""),
            highlight=False,
        )


if __name__ == "__main__":
    evaluate_app()
