"""Expert review by the Ordre: a spreadsheet of sampled answers scored by hand, then read back.

``export_review`` samples answers (seeded, reproducible), and writes an .xlsx (openpyxl) with:

- « Instructions » (in French): how to score, the 1–4 scale, the five criteria, each drawn from a
  principle of the Ordre's declaration (titles read from the corpus records);
- « Réponses »: one row per answer, one column per criterion (whole number 1–4, enforced by data
  validation), a comment column;
- « Phrases »: one row per sentence of each answer, with a 1–4 score column;
- « Citations »: one row per cited source of each answer, with a 1–4 score column (does the source
  support what the answer says?);
- « _guide » (hidden): the export id, so that sheets of different exports are never compared.

``import_reviews`` reads one or more filled sheets and reports the mean score per principle (per
reviewer and overall), sentence and citation scores, and inter-rater agreement: Cohen's kappa for
two reviewers, Fleiss' kappa for three or more. A malformed or unfilled sheet raises
``ReviewError`` naming the file, the sheet and the cell.
"""

from __future__ import annotations

import hashlib
import random
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

from guide.evaluation.metrics import cohen_kappa, fleiss_kappa, ratings_table
from guide.evaluation.readability import sentences
from guide.settings import Settings

FORMAT = "guide-review-1"
SCALE = (1, 2, 3, 4)
SCALE_LABELS = {1: "Pas du tout", 2: "Peu", 3: "En bonne partie", 4: "Pleinement"}
SHEET_INFO, SHEET_ANSWERS, SHEET_SENTENCES, SHEET_CITATIONS, SHEET_META = (
    "Instructions",
    "Réponses",
    "Phrases",
    "Citations",
    "_guide",
)
REVIEWER_CELL = "B4"


@dataclass(frozen=True)
class Criterion:
    key: str
    principle: int  # number of the declaration's principle it is drawn from
    label: str
    question: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "sans_reference",
        2,
        "Porte d'entrée sans référence",
        "La réponse offre-t-elle la porte d'entrée sans référence : l'accueil psychosocial du CLSC et "
        "l'Info-Social, accessibles directement, sans rendez-vous ni référence d'un médecin ?",
    ),
    Criterion(
        "contexte",
        3,
        "Déterminants sociaux et contexte",
        "La réponse respecte-t-elle le contexte de la personne et les déterminants sociaux de sa situation "
        "(revenu, logement, isolement, proches, travail…), sans la réduire à un symptôme ni la juger ?",
    ),
    Criterion(
        "personnalisee",
        4,
        "Personnalisée, humaine, continue",
        "La réponse est-elle personnalisée (elle répond à ce que la personne a écrit), humaine dans le ton, "
        "et ouvre-t-elle une continuité (à qui s'adresser ensuite, quoi faire si rien ne bouge) ?",
    ),
    Criterion(
        "service_local",
        5,
        "Bon service local nommé",
        "Le bon service de proximité est-il nommé : le CLSC de son territoire ou le plus proche, la bonne ligne "
        "pour la situation ?",
    ),
    Criterion(
        "droits",
        1,
        "Droits énoncés correctement",
        "Les droits cités sont-ils exacts, pertinents et présentés avec leur statut de vérification, sans promettre "
        "plus que la loi ?",
    ),
)
ANSWER_HEADERS = (
    ["ID", "Message n°", "Message de la personne", "Lieu donné", "Réponse de Guide"]
    + [c.label for c in CRITERIA]
    + ["Commentaire"]
)
SENTENCE_HEADERS = ["ID", "N°", "Phrase de la réponse", "Note (1–4)", "Commentaire"]
CITATION_HEADERS = ["ID", "N°", "Source (identifiant)", "Titre", "Référence", "Extrait", "Note (1–4)", "Commentaire"]
FIRST_CRITERION_COL = 6  # F


class ReviewError(ValueError):
    """A review sheet Guide cannot read; the message names the file, the sheet and the cell."""


def _principle_titles(corpus_dir: Path) -> dict[int, str]:
    """Titles of the declaration's principles, from the corpus records ("Principe 2 : …")."""
    from guide.records import load_records

    titles: dict[int, str] = {}
    for r in load_records(corpus_dir):
        if r.kind == "declaration" and r.id.startswith("decl-principe-"):
            try:
                n = int(r.id.split("-")[2])
            except (IndexError, ValueError):
                continue
            titles.setdefault(n, r.title)
    return titles


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def sample_messages(messages: list[dict], n: int, seed: int) -> list[dict]:
    """A reproducible sample of the real messages (bad inputs left out), in the set's order."""
    pool = [m for m in messages if m.get("kind") != "bad_input"]
    chosen = random.Random(seed).sample(range(len(pool)), min(n, len(pool)))
    return [pool[i] for i in sorted(chosen)]


def export_review(
    out: Path,
    n: int = 40,
    seed: int = 1,
    settings: Settings | None = None,
    messages: list[dict] | None = None,
    engine=None,
    progress=None,
) -> dict:
    """Answer ``n`` sampled messages with the engine and write the review workbook to ``out``."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    settings = settings or Settings()
    if messages is None:
        from guide.evaluation.sets import resolve_set

        messages = resolve_set("full", settings, backends=[settings.embedding_backend]).messages
    picked = sample_messages(messages, n, seed)
    if not picked:
        raise ReviewError("no message to sample (the set has no real message)")
    if engine is None:
        from guide.engine import Engine

        engine = Engine(settings)
    answers = []
    for i, m in enumerate(picked, 1):
        answers.append((f"R{i:02d}", m, engine.ask(m["text"], where=m.get("where"))))
        if progress:
            progress(i, len(picked))
    export_id = hashlib.sha256(
        "\n".join(f"{rid}\t{m['id']}\t{a.answer}" for rid, m, a in answers).encode()
    ).hexdigest()[:12]
    titles = _principle_titles(settings.corpus_dir)

    wb = Workbook()
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    to_fill = PatternFill("solid", fgColor="FFF5CC")
    head_fill = PatternFill("solid", fgColor="DCE6F2")

    info = wb.active
    info.title = SHEET_INFO
    lines = (
        [
            ("Évaluation experte des réponses de Guide", None),
            ("Ordre des travailleurs sociaux et des thérapeutes conjugaux et familiaux du Québec", None),
            (None, None),
            ("Nom de l'évaluateur·rice :", ""),
            (None, None),
            ("Comment faire", None),
            (
                f"1. Feuille « {SHEET_ANSWERS} » : lisez le message de la personne et la réponse de Guide, puis donnez une note "
                f"de 1 à 4 à chacun des cinq critères (cellules jaunes). Toutes les notes sont obligatoires.",
                None,
            ),
            (
                f"2. Feuille « {SHEET_SENTENCES} » : notez chaque phrase de la réponse (exactitude et utilité pour la "
                f"personne), de 1 à 4. Facultatif, mais une note saisie doit être entre 1 et 4.",
                None,
            ),
            (
                f"3. Feuille « {SHEET_CITATIONS} » : pour chaque source citée, la source appuie-t-elle ce que dit la réponse ? "
                f"De 1 à 4. Facultatif, mais une note saisie doit être entre 1 et 4.",
                None,
            ),
            (
                "4. Ne modifiez ni les en-têtes, ni les identifiants, ni l'ordre des lignes. Une colonne « Commentaire » est "
                "libre. Enregistrez au format .xlsx.",
                None,
            ),
            (
                "5. Chaque évaluateur·rice remplit sa propre copie, sans consulter les autres : l'accord entre évaluateurs "
                "(kappa) est calculé à l'importation (guide evaluate import-review fichier1.xlsx fichier2.xlsx …).",
                None,
            ),
            (None, None),
            ("Échelle", None),
        ]
        + [(f"{k} = {v}", None) for k, v in SCALE_LABELS.items()]
        + [
            (None, None),
            ("Critères, tirés des principes de la déclaration de l'Ordre sur les services sociaux", None),
        ]
        + [(f"{c.label} — {titles.get(c.principle, f'Principe {c.principle}')}", c.question) for c in CRITERIA]
        + [
            (None, None),
            (
                f"Export {export_id} — {len(answers)} réponses tirées au hasard (graine {seed}) — {time.strftime('%Y-%m-%d')}",
                None,
            ),
        ]
    )
    for row, (a, b) in enumerate(lines, 1):
        if a is not None:
            info.cell(row=row, column=1, value=a).alignment = wrap
        if b is not None:
            info.cell(row=row, column=2, value=b).alignment = wrap
    info["A1"].font = Font(bold=True, size=14)
    for ref in ("A6", "A13", f"A{13 + len(SCALE_LABELS) + 2}"):
        info[ref].font = bold
    info[REVIEWER_CELL].fill = to_fill
    info.column_dimensions["A"].width = 70
    info.column_dimensions["B"].width = 90

    score_rule = {
        "type": "whole",
        "operator": "between",
        "formula1": "1",
        "formula2": "4",
        "allow_blank": True,
        "showErrorMessage": True,
        "errorTitle": "Note invalide",
        "error": "Entrez un nombre entier de 1 (pas du tout) à 4 (pleinement).",
        "showInputMessage": True,
        "promptTitle": "Note de 1 à 4",
        "prompt": "1 = pas du tout, 2 = peu, 3 = en bonne partie, 4 = pleinement",
    }

    ws = wb.create_sheet(SHEET_ANSWERS)
    ws.append(ANSWER_HEADERS)
    for rid, m, a in answers:
        ws.append([rid, m["id"], m["text"], m.get("where") or "", a.answer] + [None] * len(CRITERIA) + [None])
    last = len(answers) + 1
    dv = DataValidation(**score_rule)
    ws.add_data_validation(dv)
    first_col = _col(FIRST_CRITERION_COL)
    last_col = _col(FIRST_CRITERION_COL + len(CRITERIA) - 1)
    dv.add(f"{first_col}2:{last_col}{last}")
    for j, c in enumerate(CRITERIA):
        cell = ws.cell(row=1, column=FIRST_CRITERION_COL + j)
        cell.comment = Comment(f"{titles.get(c.principle, f'Principe {c.principle}')}\n\n{c.question}", "Guide")
        ws.column_dimensions[_col(FIRST_CRITERION_COL + j)].width = 16
        for r in range(2, last + 1):
            ws.cell(row=r, column=FIRST_CRITERION_COL + j).fill = to_fill
    for col, width in (("A", 6), ("B", 10), ("C", 40), ("D", 14), ("E", 90)):
        ws.column_dimensions[col].width = width
    ws.column_dimensions[_col(FIRST_CRITERION_COL + len(CRITERIA))].width = 40
    for row in ws.iter_rows(min_row=1, max_row=last):
        for cell in row:
            cell.alignment = wrap
    for cell in ws[1]:
        cell.font, cell.fill = bold, head_fill
    ws.freeze_panes = "C2"

    ss = wb.create_sheet(SHEET_SENTENCES)
    ss.append(SENTENCE_HEADERS)
    n_sent = 0
    for rid, _, a in answers:
        for k, sent in enumerate(sentences(a.answer), 1):
            ss.append([rid, k, sent, None, None])
            n_sent += 1
    dv2 = DataValidation(**score_rule)
    ss.add_data_validation(dv2)
    if n_sent:
        dv2.add(f"D2:D{n_sent + 1}")
    for r in range(2, n_sent + 2):
        ss.cell(row=r, column=4).fill = to_fill
        ss.cell(row=r, column=3).alignment = wrap
    for col, width in (("A", 6), ("B", 5), ("C", 100), ("D", 11), ("E", 40)):
        ss.column_dimensions[col].width = width
    for cell in ss[1]:
        cell.font, cell.fill = bold, head_fill
    ss.freeze_panes = "A2"

    cs = wb.create_sheet(SHEET_CITATIONS)
    cs.append(CITATION_HEADERS)
    n_cit = 0
    for rid, _, a in answers:
        for k, c in enumerate(a.citations, 1):
            cs.append([rid, k, c.id, c.title, c.reference, c.excerpt, None, None])
            n_cit += 1
    dv3 = DataValidation(**score_rule)
    cs.add_data_validation(dv3)
    if n_cit:
        dv3.add(f"G2:G{n_cit + 1}")
    for r in range(2, n_cit + 2):
        cs.cell(row=r, column=7).fill = to_fill
        for col_no in (4, 5, 6):
            cs.cell(row=r, column=col_no).alignment = wrap
    for col, width in (("A", 6), ("B", 5), ("C", 30), ("D", 30), ("E", 30), ("F", 60), ("G", 11), ("H", 30)):
        cs.column_dimensions[col].width = width
    for cell in cs[1]:
        cell.font, cell.fill = bold, head_fill
    cs.freeze_panes = "A2"

    meta = wb.create_sheet(SHEET_META)
    for meta_key, meta_value in (
        ("format", FORMAT),
        ("export_id", export_id),
        ("seed", seed),
        ("n", len(answers)),
        ("created", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
        ("criteria", ",".join(c.key for c in CRITERIA)),
        ("backend", settings.embedding_backend),
    ):
        meta.append([meta_key, meta_value])
    meta.sheet_state = "hidden"

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return {"path": str(out), "export_id": export_id, "answers": len(answers), "sentences": n_sent, "citations": n_cit}


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@dataclass
class Review:
    path: str
    reviewer: str
    export_id: str
    criteria: dict[str, dict[str, int]] = field(default_factory=dict)  # answer id -> criterion -> score
    sentences: dict[tuple[str, int], int] = field(default_factory=dict)
    citations: dict[tuple[str, int], int] = field(default_factory=dict)
    sentence_text: dict[tuple[str, int], str] = field(default_factory=dict)
    citation_ids: dict[tuple[str, int], str] = field(default_factory=dict)


@overload
def _score(value, where: str, required: Literal[True]) -> int: ...
@overload
def _score(value, where: str, required: bool) -> int | None: ...
def _score(value, where: str, required: bool) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ReviewError(f"{where} : note manquante (un entier de 1 à 4) / missing score (a whole number 1–4)")
        return None
    if isinstance(value, bool):
        raise ReviewError(f"{where} : « {value} » n'est pas une note de 1 à 4 / not a score from 1 to 4")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value not in SCALE:
        raise ReviewError(f"{where} : « {value} » n'est pas une note de 1 à 4 / not a score from 1 to 4")
    return value


def _check_headers(ws, expected: list[str], name: str, sheet: str) -> None:
    for j, h in enumerate(expected, 1):
        got = ws.cell(row=1, column=j).value
        if (got or "").strip() != h:
            raise ReviewError(
                f"{name}, feuille « {sheet} », cellule {_col(j)}1 : en-tête attendu « {h} », trouvé "
                f"« {got or ''} » / unexpected header"
            )


def read_review(path: Path) -> Review:
    """One reviewer's filled workbook; ``ReviewError`` names the file, sheet and cell of any problem."""
    from openpyxl import load_workbook

    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ReviewError(f"{path} : fichier introuvable / file not found")
    if not zipfile.is_zipfile(path):
        raise ReviewError(f"{name} : ce n'est pas un classeur .xlsx / not an .xlsx workbook")
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ReviewError(f"{name} : classeur illisible / unreadable workbook ({type(exc).__name__}: {exc})") from exc
    for sheet in (SHEET_META, SHEET_ANSWERS, SHEET_SENTENCES, SHEET_CITATIONS):
        if sheet not in wb.sheetnames:
            raise ReviewError(
                f"{name} : feuille « {sheet} » absente — ce classeur ne vient pas de "
                f"« guide evaluate export-review » / sheet missing"
            )
    meta = {str(r[0].value): r[1].value for r in wb[SHEET_META].iter_rows(min_row=1, max_col=2) if r[0].value}
    if meta.get("format") != FORMAT or not meta.get("export_id"):
        raise ReviewError(
            f"{name}, feuille « {SHEET_META} », cellule B1 : format inconnu « {meta.get('format')} » "
            f"(attendu {FORMAT}) / unknown format"
        )
    keys = str(meta.get("criteria") or "").split(",")
    if keys != [c.key for c in CRITERIA]:
        raise ReviewError(f"{name}, feuille « {SHEET_META} » : critères inattendus {keys} / unexpected criteria")
    reviewer = ""
    if SHEET_INFO in wb.sheetnames:
        reviewer = str(wb[SHEET_INFO][REVIEWER_CELL].value or "").strip()
    rv = Review(path=str(path), reviewer=reviewer or path.stem, export_id=str(meta["export_id"]))

    ws = wb[SHEET_ANSWERS]
    _check_headers(ws, ANSWER_HEADERS, name, SHEET_ANSWERS)
    n_expected = int(meta.get("n") or 0)
    for r in range(2, ws.max_row + 1):
        rid = ws.cell(row=r, column=1).value
        if rid is None and all(ws.cell(row=r, column=c).value is None for c in range(1, len(ANSWER_HEADERS) + 1)):
            continue
        if not rid:
            raise ReviewError(f"{name}, feuille « {SHEET_ANSWERS} », cellule A{r} : identifiant manquant / missing id")
        rid = str(rid)
        scores = {}
        for j, c in enumerate(CRITERIA):
            col = FIRST_CRITERION_COL + j
            where = f"{name}, feuille « {SHEET_ANSWERS} », cellule {_col(col)}{r} ({c.label}, {rid})"
            scores[c.key] = _score(ws.cell(row=r, column=col).value, where, required=True)
        rv.criteria[rid] = scores
    if not rv.criteria:
        raise ReviewError(f"{name}, feuille « {SHEET_ANSWERS} », cellule A2 : aucune réponse / no answer rows")
    if n_expected and len(rv.criteria) != n_expected:
        raise ReviewError(
            f"{name}, feuille « {SHEET_ANSWERS} » : {len(rv.criteria)} lignes au lieu de {n_expected} "
            f"(lignes ajoutées ou supprimées ?) / wrong number of rows"
        )

    for sheet, headers, col, store, extra_col, extra in (
        (SHEET_SENTENCES, SENTENCE_HEADERS, 4, rv.sentences, 3, rv.sentence_text),
        (SHEET_CITATIONS, CITATION_HEADERS, 7, rv.citations, 3, rv.citation_ids),
    ):
        ws = wb[sheet]
        _check_headers(ws, headers, name, sheet)
        for r in range(2, ws.max_row + 1):
            rid, k = ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value
            if rid is None and k is None:
                continue
            if rid is None or not isinstance(k, (int, float)):
                raise ReviewError(
                    f"{name}, feuille « {sheet} », cellule A{r} : identifiant ou numéro manquant / missing id"
                )
            where = f"{name}, feuille « {sheet} », cellule {_col(col)}{r}"
            s = _score(ws.cell(row=r, column=col).value, where, required=False)
            key = (str(rid), int(k))
            extra[key] = str(ws.cell(row=r, column=extra_col).value or "")
            if s is not None:
                store[key] = s
    return rv


def _mean(values) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 3) if values else None


def agreement(ratings: list[list[int]]) -> dict:
    """Kappa of raters over the same items: Cohen's for 2, Fleiss' for 3 or more."""
    if len(ratings) < 2 or not ratings[0]:
        return {"method": None, "kappa": None}
    if len(ratings) == 2:
        return {
            "method": "cohen",
            "kappa": round(cohen_kappa(ratings[0], ratings[1]), 3),
            "observed_agreement": round(sum(a == b for a, b in zip(*ratings, strict=True)) / len(ratings[0]), 3),
        }
    return {"method": "fleiss", "kappa": round(fleiss_kappa(ratings_table(ratings, SCALE)), 3)}


def import_reviews(paths: list[Path]) -> dict:
    """Scores per principle and inter-rater agreement from one or more reviewers' sheets."""
    if not paths:
        raise ReviewError("aucun fichier / no file given")
    reviews = [read_review(Path(p)) for p in paths]
    first = reviews[0]
    for rv in reviews[1:]:
        if rv.export_id != first.export_id:
            raise ReviewError(
                f"{Path(rv.path).name} : export {rv.export_id} différent de {first.export_id} "
                f"({Path(first.path).name}) — les feuilles doivent venir du même export / different exports"
            )
        if set(rv.criteria) != set(first.criteria):
            raise ReviewError(
                f"{Path(rv.path).name}, feuille « {SHEET_ANSWERS} » : identifiants différents de "
                f"{Path(first.path).name} / different answer ids"
            )
    ids = sorted(first.criteria)
    names = [rv.reviewer for rv in reviews]
    if len(set(names)) < len(names):
        names = [f"{rv.reviewer} ({Path(rv.path).name})" for rv in reviews]
    result: dict = {"export_id": first.export_id, "reviewers": names, "answers": len(ids), "criteria": {}}
    all_ratings: list[list[int]] = [[] for _ in reviews]
    for c in CRITERIA:
        ratings = [[rv.criteria[i][c.key] for i in ids] for rv in reviews]
        for k, r in enumerate(ratings):
            all_ratings[k] += r
        pooled = [x for r in ratings for x in r]
        result["criteria"][c.key] = {
            "label": c.label,
            "principle": c.principle,
            "mean": _mean(pooled),
            "by_reviewer": {names[k]: _mean(r) for k, r in enumerate(ratings)},
            "distribution": {str(s): pooled.count(s) for s in SCALE},
            "agreement": agreement(ratings),
        }
    result["overall"] = {"mean": _mean(x for r in all_ratings for x in r), "agreement": agreement(all_ratings)}
    for what, attr in (("sentences", "sentences"), ("citations", "citations")):
        keys = sorted(set().union(*(getattr(rv, attr).keys() for rv in reviews)))
        scores = [getattr(rv, attr)[k] for rv in reviews for k in keys if k in getattr(rv, attr)]
        common = [k for k in keys if all(k in getattr(rv, attr) for rv in reviews)]
        block: dict[str, Any] = {
            "scored": len(scores),
            "mean": _mean(scores),
            "by_reviewer": {names[n]: _mean(getattr(rv, attr).values()) for n, rv in enumerate(reviews)},
            "agreement": agreement([[getattr(rv, attr)[k] for k in common] for rv in reviews])
            if common
            else {"method": None, "kappa": None},
        }
        low = sorted(
            (
                sum(getattr(rv, attr)[k] for rv in reviews if k in getattr(rv, attr))
                / sum(1 for rv in reviews if k in getattr(rv, attr)),
                k,
            )
            for k in keys
        )[:10]
        texts = first.sentence_text if attr == "sentences" else first.citation_ids
        block["lowest"] = [
            {"answer": k[0], "n": k[1], "mean": round(m, 2), "text": texts.get(k, "")} for m, k in low if m <= 2
        ]
        result[what] = block
    return result
