"""Writers of a suite run: ``report.json`` (every figure), ``report.html`` (self-contained: inline
CSS and inline SVG charts, no external asset, no script) and ``answers.csv`` (one row per message,
Guide and baseline side by side).

Every number shown is read from the report computed by ``guide.evaluation.suite``.
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path
from typing import Any

from guide.evaluation.suite import STAGES, SYSTEMS, clean, to_json

GUIDE_COLOR = "#1f5fa8"
BASE_COLOR = "#9a9a9a"
MAX_BASELINE_CASES = 40


def esc(x) -> str:
    return html.escape("" if x is None else str(x))


def fmt(v, unit: str = "", kind: str = "rate") -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and kind == "rate" and not unit:
        return f"{v:.3f}"
    if isinstance(v, float):
        return f"{v:,.2f}".replace(",", " ") + (f" {unit}" if unit else "")
    return f"{v}" + (f" {unit}" if unit else "")


# ---------------------------------------------------------------------------------------------
# SVG charts
# ---------------------------------------------------------------------------------------------


def svg_rate_bars(items: list[dict], width: int = 980) -> str:
    """Grouped horizontal bars, 0–1: Guide and baseline for each metric."""
    items = [i for i in items if i.get("kind") == "rate"]
    label_w, bar_h, gap = 470, 13, 12
    plot_w = width - label_w - 70
    height = len(items) * (2 * bar_h + gap) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="Guide et référence / Guide and baseline" font-family="sans-serif" font-size="12">'
    ]
    for x in (0, 0.25, 0.5, 0.75, 1.0):
        px = label_w + x * plot_w
        out.append(
            f'<line x1="{px:.1f}" y1="18" x2="{px:.1f}" y2="{height - 18}" stroke="#e3e3e3"/>'
            f'<text x="{px:.1f}" y="12" text-anchor="middle" fill="#666">{x:g}</text>'
        )
    y = 22
    for it in items:
        arrow = " ↓" if it["better"] == "lower" else ""
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h + 4}" text-anchor="end">{esc(it["label"])}{arrow}</text>')
        for val, color, name in ((it["guide"], GUIDE_COLOR, "Guide"), (it["baseline"], BASE_COLOR, "baseline")):
            w = max(0.0, min(1.0, val or 0.0)) * plot_w
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                f"<title>{esc(name)}: {fmt(val)}</title></rect>"
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 2}" fill="#333">{fmt(val)}</text>'
            )
            y += bar_h
        y += gap
    out.append("</svg>")
    return "".join(out)


def svg_histogram(hist: dict, width: int = 760, height: int = 240) -> str:
    """Latency distribution of both systems on shared bins (overlaid bars)."""
    edges = hist.get("edges") or []
    if len(edges) < 2:
        return ""
    n = len(edges) - 1
    peak = max([1] + [c for name in SYSTEMS for c in hist.get(name, [])])
    left, bottom, top = 40, 34, 14
    plot_w, plot_h = width - left - 10, height - bottom - top
    bw = plot_w / n
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="Distribution des latences / latency distribution" font-family="sans-serif" font-size="11">'
    ]
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>')
    for name, color, shift in (("baseline", BASE_COLOR, 0.5), ("guide", GUIDE_COLOR, 0.0)):
        for i, c in enumerate(hist.get(name, [])):
            if not c:
                continue
            h = c / peak * plot_h
            x = left + i * bw + shift * bw / 2
            out.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bw / 2:.1f}" height="{h:.1f}" fill="{color}" '
                f'opacity="0.9"><title>{esc(name)}: {c} réponses / answers, {edges[i]:.0f}–{edges[i + 1]:.0f} ms</title></rect>'
            )
    for i in range(0, n + 1, max(1, n // 6)):
        x = left + i * bw
        label = f"{edges[i]:.0f}" + ("+" if i == n else "")
        out.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle" fill="#555">{label}</text>')
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="#333">ms par réponse / per answer'
        f" (dernière classe : au-delà / last bin: and above)</text>"
    )
    out.append(f'<text x="{left - 6}" y="{top + 8}" text-anchor="end" fill="#555">{peak}</text>')
    out.append(
        f'<rect x="{width - 190}" y="{top}" width="10" height="10" fill="{GUIDE_COLOR}"/>'
        f'<text x="{width - 175}" y="{top + 9}">Guide</text>'
        f'<rect x="{width - 120}" y="{top}" width="10" height="10" fill="{BASE_COLOR}"/>'
        f'<text x="{width - 105}" y="{top + 9}">référence / baseline</text>'
    )
    out.append("</svg>")
    return "".join(out)


def svg_stage_bars(stages: dict, width: int = 760) -> str:
    """p50 and p95 of each stage of Guide, in ms."""
    names = [s for s in STAGES if s in stages and s != "total"]
    if not names:
        return ""
    label_w, bar_h, gap = 110, 12, 10
    plot_w = width - label_w - 80
    peak = max(stages[s]["p95"] or 0 for s in names) or 1.0
    height = len(names) * (2 * bar_h + gap) + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="Latence par étape / latency per stage" font-family="sans-serif" font-size="12">'
    ]
    y = 8
    for s in names:
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h + 4}" text-anchor="end">{esc(s)}</text>')
        for key, color in (("p50", GUIDE_COLOR), ("p95", "#7aa6d6")):
            v = stages[s][key] or 0.0
            w = v / peak * plot_w
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>'
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 2}" fill="#333">{key} {v:.1f} ms</text>'
            )
            y += bar_h
        y += gap
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# HTML pieces
# ---------------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1d;background:#fafafa}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:2px solid #1f5fa8;padding-bottom:.2rem}
h3{font-size:1.05rem;margin-top:1.4rem}
.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;vertical-align:top;overflow-wrap:anywhere}
th:first-child,td:first-child{text-align:left}
th{background:#f0f4fa}
td.txt{text-align:left;max-width:520px}
.good{color:#11703a;font-weight:600}.bad{color:#b3261e;font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:200px}
.card .v{font-size:1.35rem;font-weight:650;color:#1f5fa8}.card .b{color:#666;font-size:.85rem}
.card .l{font-size:.8rem;color:#444}
details{background:#fff;border:1px solid #ddd;border-radius:4px;margin:4px 0;padding:4px 8px}
summary{cursor:pointer;overflow-wrap:anywhere}
svg{max-width:100%;height:auto}
pre{white-space:pre-wrap;font-size:.82rem;background:#f6f6f6;padding:6px;border-radius:4px}
.note{font-size:.85rem;color:#555}
.swatch{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
"""


def table(headers: list[str], rows: list[list], cls_first: bool = True) -> str:
    out = ["<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr>"]
    for r in rows:
        out.append(
            "<tr>"
            + "".join(
                f"<td{' class=txt' if (i == 0 and cls_first) or isinstance(c, str) and len(c) > 40 else ''}>"
                f"{c if isinstance(c, Raw) else esc(c)}</td>"
                for i, c in enumerate(r)
            )
            + "</tr>"
        )
    out.append("</table>")
    return "".join(out)


class Raw(str):
    """Already-escaped HTML inside a table cell."""


def compare(g, b, better: str | None = "higher", unit: str = "", kind: str = "rate") -> list:
    """Cells: Guide, baseline, with Guide coloured when it is better or worse."""
    if g is None or b is None or better is None:
        return [fmt(g, unit, kind), fmt(b, unit, kind)]
    good = (g > b) if better == "higher" else (g < b)
    worse = (g < b) if better == "higher" else (g > b)
    cls = "good" if good else "bad" if worse else ""
    return [Raw(f'<span class="{cls}">{esc(fmt(g, unit, kind))}</span>'), fmt(b, unit, kind)]


def case_details(c: dict) -> str:
    fails = "".join(f"<li>{esc(f)}</li>" for f in c["failures"])
    where = f" — lieu / place : {esc(c['where'])}" if c.get("where") else ""
    return (
        f"<details><summary><b>{esc(c['id'])}</b> ({esc(c['set'])}) {esc(c['text'][:140])}{where}</summary>"
        f"<ul>{fails}</ul><pre>{esc(c['answer'])}</pre></details>"
    )


def confusion_table(conf: dict) -> str:
    labels = conf.get("labels") or []
    counts = conf.get("counts") or {}
    if not counts:
        return ""
    peak = max([1] + [v for row in counts.values() for v in row.values()])
    head = (
        "<tr><th>attendu ↓ / détecté → (expected ↓ / detected →)</th>"
        + "".join(f"<th>{esc(label)}</th>" for label in labels)
        + "</tr>"
    )
    body = []
    for e in labels:
        if e not in counts:
            continue
        cells = []
        for g in labels:
            v = counts[e].get(g, 0)
            if v:
                alpha = 0.15 + 0.6 * v / peak
                color = f"rgba(17,112,58,{alpha:.2f})" if e == g else f"rgba(179,38,30,{alpha:.2f})"
                cells.append(f'<td style="background:{color}">{v}</td>')
            else:
                cells.append("<td></td>")
        body.append(f"<tr><th>{esc(e)}</th>{''.join(cells)}</tr>")
    return f"<table>{head}{''.join(body)}</table>"


def safety_section(title: str, part: dict, anchor: str) -> str:
    g, b = part.get("guide") or {}, part.get("baseline") or {}
    if not g.get("messages"):
        return ""
    out = [f'<h2 id="{anchor}">{esc(title)}</h2>']
    out.append(
        f'<p class="note">{g.get("crisis_n", 0)} messages de crise, {g.get("calm_n", 0)} sans crise '
        f"(dont {g.get('traps_n', 0)} pièges) / crisis messages, calm messages (traps).</p>"
    )
    rows = [
        ["rappel des crises / crisis recall", *compare(g.get("crisis_recall"), b.get("crisis_recall"))],
        [
            "bon type de crise / crisis kind accuracy",
            *compare(g.get("crisis_kind_accuracy"), b.get("crisis_kind_accuracy")),
        ],
        ["911 en premier / 911 first when detected", *compare(g.get("emergency_first"), b.get("emergency_first"))],
        ["fausses alertes / false-alarm rate", *compare(g.get("false_alarm_rate"), b.get("false_alarm_rate"), "lower")],
        [
            "fausses alertes sur pièges / on traps",
            *compare(g.get("false_alarm_rate_traps"), b.get("false_alarm_rate_traps"), "lower"),
        ],
    ]
    out.append(table(["mesure / measure", "Guide", "référence / baseline"], rows))
    kinds = sorted(set(g.get("by_kind", {})) | set(b.get("by_kind", {})))
    krows = []
    for k in kinds:
        gk, bk = g.get("by_kind", {}).get(k, {}), b.get("by_kind", {}).get(k, {})
        krows.append(
            [
                k,
                gk.get("n", 0),
                *compare(gk.get("recall"), bk.get("recall")),
                *compare(gk.get("false_alarm_rate"), bk.get("false_alarm_rate"), "lower"),
                ", ".join(m["id"] for m in gk.get("misses", [])) or "—",
            ]
        )
    out.append("<h3>Par type / by kind</h3>")
    out.append(
        table(
            [
                "type / kind",
                "n",
                "rappel Guide",
                "rappel réf.",
                "fausses alertes Guide",
                "fausses alertes réf.",
                "manqués par Guide / missed by Guide",
            ],
            krows,
        )
    )
    out.append(
        '<p class="note">Fausses alertes par type : part des messages sans crise où ce type a été détecté en premier. '
        "/ False alarms by kind: share of calm messages where this kind was detected first.</p>"
    )
    out.append("<h3>Tableau de confusion — Guide / confusion table</h3>" + confusion_table(g.get("confusion", {})))
    out.append(
        "<details><summary>Tableau de confusion — référence / baseline</summary>"
        + confusion_table(b.get("confusion", {}))
        + "</details>"
    )
    for name, s in (("Guide", g), ("référence / baseline", b)):
        misses, fas = s.get("misses", []), s.get("false_alarms", [])
        out.append(f"<h3>{esc(name)} : crises manquées / missed crises ({len(misses)})</h3>")
        out.append("".join(case_details(c) for c in misses) or "<p>Aucune / none.</p>")
        out.append(f"<h3>{esc(name)} : fausses alertes / false alarms ({len(fas)})</h3>")
        shown = fas if name == "Guide" else fas[:MAX_BASELINE_CASES]
        out.append("".join(case_details(c) for c in shown) or "<p>Aucune / none.</p>")
        if len(shown) < len(fas):
            out.append(f'<p class="note">{len(fas) - len(shown)} de plus dans answers.csv / more in answers.csv.</p>')
    return "".join(out)


def batches_section(batches: dict) -> str:
    """Each held-out batch (file) on its own: each was written blind at a different time."""
    if not batches:
        return ""
    rows = []
    for name, part in batches.items():
        g, b = part.get("guide") or {}, part.get("baseline") or {}
        rows.append(
            [
                name,
                g.get("crisis_n", 0),
                g.get("calm_n", 0),
                *compare(g.get("crisis_recall"), b.get("crisis_recall")),
                *compare(g.get("crisis_kind_accuracy"), b.get("crisis_kind_accuracy")),
                *compare(g.get("false_alarm_rate"), b.get("false_alarm_rate"), "lower"),
            ]
        )
    return "<h3>Par lot du jeu réservé / per held-out batch</h3>" + table(
        [
            "lot / batch",
            "crises",
            "sans crise / calm",
            "rappel Guide",
            "rappel réf.",
            "bon type Guide",
            "bon type réf.",
            "fausses alertes Guide",
            "fausses alertes réf.",
        ],
        rows,
    )


def retrieval_section(ret: dict) -> str:
    backends = ret.get("backends") or {}
    if not backends:
        return ""
    out = [
        '<h2 id="retrieval">Recherche / Retrieval</h2>',
        '<p class="note">Questions étiquetées ; hybrid = recherche de Guide (vecteurs + BM25, fusion RRF), '
        "baseline = retriever LangChain de la même collection Chroma (vecteurs seuls, tous les documents). "
        "/ Labelled questions; hybrid = Guide's search, baseline = the LangChain retriever of the same collection.</p>",
    ]
    cols = ["recall@1", "recall@5", "hit@5", "mrr@10", "ndcg@10", "p50_ms", "p95_ms"]
    rows = []
    for b, data in backends.items():
        for mode, r in data["modes"].items():
            rows.append([f"{b} / {mode}"] + [r.get(c) for c in cols])
    out.append(table(["backend / mode"] + cols, rows))
    out.append("<h3>Par partie du corpus / per corpus part</h3>")
    prow = []
    for b, data in backends.items():
        for mode in ("hybrid", "baseline"):
            r = data["modes"].get(mode)
            if not r:
                continue
            for part, pr in r.get("by_part", {}).items():
                prow.append(
                    [f"{b} / {mode}", part, pr["n"], pr["recall@1"], pr["recall@5"], pr["mrr@10"], pr["ndcg@10"]]
                )
    out.append(table(["backend / mode", "partie / part", "n", "recall@1", "recall@5", "mrr@10", "ndcg@10"], prow))
    for b, data in backends.items():
        misses = data["modes"].get("hybrid", {}).get("misses", [])
        if misses:
            items = "".join(
                f"<li><b>{esc(m['id'])}</b> {esc(m['q'])} — attendu / expected {esc(', '.join(m['expected']))}; "
                f"obtenu / got {esc(', '.join(m['got']))}</li>"
                for m in misses
            )
            out.append(
                f"<details><summary>{esc(b)} / hybrid : questions manquées dans le top 5 / missed in top 5 "
                f"({len(misses)})</summary><ul>{items}</ul></details>"
            )
    if ret.get("skipped"):
        out.append(
            '<p class="note">Non évalués / not run: '
            + esc("; ".join(f"{k}: {v}" for k, v in ret["skipped"].items()))
            + "</p>"
        )
    return "".join(out)


def orientation_section(conv: dict) -> str:
    g, b = conv.get("guide") or {}, conv.get("baseline") or {}
    if not g.get("messages"):
        return ""
    rows = [
        [
            f"besoin reconnu / need accuracy (n={g.get('with_needs_n')})",
            *compare(g.get("need_accuracy"), b.get("need_accuracy")),
        ],
        [
            "besoin principal en premier / main need first",
            *compare(g.get("main_need_accuracy"), b.get("main_need_accuracy")),
        ],
        [
            f"bonne ligne présente / right line present (n={g.get('with_lines_n')})",
            *compare(g.get("right_line"), b.get("right_line")),
        ],
        [
            f"CLSC offert quand le lieu est connu / CLSC when place known (n={g.get('placed_n')})",
            *compare(g.get("clsc_when_place_known"), b.get("clsc_when_place_known")),
        ],
        [
            "… et c'est le plus proche ou celui du territoire / … nearest or in territory",
            *compare(g.get("clsc_nearest"), b.get("clsc_nearest")),
        ],
        ["langue de la personne / language match", *compare(g.get("language_match"), b.get("language_match"))],
    ]
    return (
        '<h2 id="orientation">Orientation</h2>'
        + table(["mesure / measure", "Guide", "référence / baseline"], rows)
        + '<p class="note">Le CLSC de référence : services_near(lieu résolu, kind="clsc", limit=1), calculé '
        "indépendamment du moteur. / Reference CLSC computed independently of the engine. "
        "The baseline has no needs, no geography: its scores here are what a plain pipeline gives.</p>"
    )


def grounding_section(conv: dict, meta: dict) -> str:
    g, b = conv.get("guide") or {}, conv.get("baseline") or {}
    if not g.get("messages"):
        return ""
    checks = sorted(set(g.get("grounding_checked", {})) | set(b.get("grounding_checked", {})))
    rows = [[c, g.get("grounding_checked", {}).get(c, 0), b.get("grounding_checked", {}).get(c, 0)] for c in checks]
    probs = sorted(set(g.get("grounding_problems", {})) | set(b.get("grounding_problems", {})))
    prow = [[p, g.get("grounding_problems", {}).get(p, 0), b.get("grounding_problems", {}).get(p, 0)] for p in probs]
    out = [
        '<h2 id="grounding">Ancrage dans les sources / Groundedness</h2>',
        table(
            ["mesure / measure", "Guide", "référence / baseline"],
            [
                [
                    "réponses entièrement sourcées / fully grounded answers",
                    *compare(g.get("grounded_answers"), b.get("grounded_answers")),
                ],
                [
                    "faits non vérifiés présentés comme vérifiés, avis manquants / verification failures",
                    *compare(g.get("verification_failures"), b.get("verification_failures"), "lower", kind="value"),
                ],
            ],
        ),
        "<h3>Éléments vérifiés / items checked</h3>",
        table(["élément / item", "Guide", "référence / baseline"], rows),
        "<h3>Problèmes / problems</h3>",
        table(["problème / problem", "Guide", "référence / baseline"], prow or [["—", 0, 0]]),
        f'<p class="note">Sans juge LLM : chaque téléphone, adresse, heure, code postal et article de la réponse doit se '
        f"trouver dans les enregistrements du corpus que la réponse cite (lus dans le corpus, pas dans la réponse) ; chaque "
        f"citation doit exister ; un article non vérifié ne doit pas être dit « vérifié » ; une ligne dont le numéro est non "
        f"vérifié porte l'avis. Le motif d'adresse reconnaît {esc(meta.get('address_pattern_coverage'))} adresses du "
        f"répertoire (les autres n'ont pas de numéro civique : leur code postal est vérifié). / No LLM judge.</p>",
    ]
    ung = g.get("ungrounded", [])
    out.append(f"<h3>Guide : réponses non sourcées / ungrounded answers ({len(ung)})</h3>")
    out.append("".join(case_details(c) for c in ung) or "<p>Aucune / none.</p>")
    return "".join(out)


def readability_section(conv: dict) -> str:
    g, b = conv.get("guide") or {}, conv.get("baseline") or {}
    if not g.get("readability"):
        return ""
    rows = []
    for lang in ("fr", "en"):
        gr, br = g["readability"].get(lang, {}), (b.get("readability") or {}).get(lang, {})
        if not gr and not br:
            continue
        rows += [
            [
                f"{lang}: Flesch (plus haut = plus facile / higher = easier)",
                *compare(gr.get("flesch"), br.get("flesch"), kind="value"),
            ],
            [
                f"{lang}: mots par phrase / words per sentence",
                *compare(gr.get("mean_sentence_words"), br.get("mean_sentence_words"), "lower", kind="value"),
            ],
            [
                f"{lang}: mots par réponse (moyenne) / words per answer",
                *compare(gr.get("words_mean"), br.get("words_mean"), None, kind="value"),
            ],
            [f"{lang}: réponses / answers (n)", gr.get("n"), br.get("n")],
        ]
    return (
        '<h2 id="readability">Lisibilité / Readability</h2>'
        + table(["mesure / measure", "Guide", "référence / baseline"], rows)
        + '<p class="note">textstat : Flesch reading ease (constantes de Kandel et Moles pour le français, set_lang("fr")). '
        "Chaque ligne de liste compte comme une phrase. La langue est celle de la réponse.</p>"
    )


def speed_section(report: dict) -> str:
    conv = report.get("conversations") or {}
    g, b = conv.get("guide") or {}, conv.get("baseline") or {}
    perf = report.get("performance") or {}
    out = ['<h2 id="speed">Vitesse et mémoire / Speed and memory</h2>']
    if g.get("stages"):
        rows = [
            [
                s,
                g["stages"][s]["p50"],
                g["stages"][s]["p95"],
                (b.get("stages", {}).get(s) or {}).get("p50"),
                (b.get("stages", {}).get(s) or {}).get("p95"),
            ]
            for s in STAGES
            if s in g["stages"]
        ]
        out.append(table(["étape / stage", "Guide p50 ms", "Guide p95 ms", "réf. p50 ms", "réf. p95 ms"], rows))
        out.append(svg_stage_bars(g["stages"]))
    if report.get("latency_histogram"):
        out.append(
            "<h3>Distribution des latences / latency distribution</h3>" + svg_histogram(report["latency_histogram"])
        )
    cs = perf.get("cold_start") or {}
    if cs:
        rows = []
        for name in SYSTEMS:
            c = cs.get(name) or {}
            rows.append(
                [
                    name,
                    c.get("wall_s"),
                    c.get("load_s"),
                    c.get("first_answer_s"),
                    c.get("second_answer_ms"),
                    c.get("peak_rss_mb"),
                    c.get("error", ""),
                ]
            )
        out.append(
            "<h3>Démarrage à froid / cold start (processus neuf / fresh process)</h3>"
            + table(
                [
                    "système / system",
                    "total s",
                    "chargement / load s",
                    "1re réponse / first answer s",
                    "2e réponse / second ms",
                    "mémoire max / peak MB",
                    "erreur / error",
                ],
                rows,
            )
        )
    ib = perf.get("index_build") or {}
    if ib:
        rows = [
            [
                b_,
                d.get("total_s"),
                d.get("model_load_s"),
                d.get("vectors_s"),
                d.get("bm25_s"),
                d.get("records"),
                d.get("peak_rss_mb"),
                d.get("error", ""),
            ]
            for b_, d in ib.items()
        ]
        out.append(
            "<h3>Construction de l'index / index build (dossier temporaire / temporary dir)</h3>"
            + table(
                [
                    "backend",
                    "total s",
                    "modèle / model s",
                    "vecteurs / vectors s",
                    "BM25 s",
                    "records",
                    "mémoire max / peak MB",
                    "erreur / error",
                ],
                rows,
            )
        )
    if perf.get("suite_peak_rss_mb") is not None:
        out.append(
            f'<p class="note">Mémoire max du processus d\'évaluation / peak memory of the evaluation process: '
            f"{esc(perf['suite_peak_rss_mb'])} MB. Mémoire : VmHWM du processus (ru_maxrss est hérité du parent sous "
            f"Linux). Charge machine (1, 5, 15 min) début puis fin / load average start then end: "
            f"{esc(report.get('meta', {}).get('load_average'))}.</p>"
        )
    return "".join(out)


def dialogues_section(dial: dict) -> str:
    g, b = dial.get("guide") or {}, dial.get("baseline") or {}
    if not g:
        return ""
    checks = sorted(set(g.get("checks", {})) | set(b.get("checks", {})))
    rows = []
    for c in checks:
        gc, bc = g["checks"].get(c, {}), b.get("checks", {}).get(c, {})
        rows.append(
            [
                c,
                f"{gc.get('passed', 0)}/{gc.get('total', 0)}",
                *compare(gc.get("rate"), bc.get("rate")),
                f"{bc.get('passed', 0)}/{bc.get('total', 0)}",
            ]
        )
    fails = "".join(
        f"<li>{esc(f['dialogue'])} tour / turn {f['turn']} : {esc(f['check'])} — {esc(f['user'])}</li>"
        for f in g.get("failures", [])
    )
    return (
        f'<h2 id="dialogues">Dialogues ({g.get("n")} dialogues, {g.get("turns")} tours / turns)</h2>'
        + table(["vérification / check", "Guide", "Guide taux / rate", "réf. taux / rate", "réf."], rows)
        + (
            f"<details><summary>Guide : échecs / failures ({len(g.get('failures', []))})</summary><ul>{fails}</ul></details>"
            if fails
            else ""
        )
    )


def _a(part: dict, *path):
    d: Any = part
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def answer_rows(g: dict, b: dict) -> list[list]:
    """Rows (measure, Guide, baseline) of the answer measures of one part (``s["answers"]``)."""
    ga, ba = g.get("answers") or {}, b.get("answers") or {}

    def row(label, path, better="higher", kind="rate", n_path=None):
        n = _a(ga, *n_path) if n_path else None
        return [
            label + (f" (n={n})" if n is not None else ""),
            *compare(_a(ga, *path), _a(ba, *path), better, kind=kind),
        ]

    rows = [
        row(
            "réponses courantes : mots, médiane / everyday answers: median words",
            ("length", "everyday", "median_words"),
            None,
            "value",
            ("length", "everyday", "n"),
        ),
        row("… ≤ 150 mots / ≤ 150 words", ("length", "everyday", "share_le_150")),
        row(
            "réponses de crise : mots, médiane / crisis answers: median words",
            ("length", "crisis", "median_words"),
            None,
            "value",
            ("length", "crisis", "n"),
        ),
        row("… maximum / max words", ("length", "crisis", "max_words"), "lower", "value"),
        row("… ≤ 80 mots / ≤ 80 words", ("length", "crisis", "share_le_80")),
        row(
            "lignes sensibles sans indice / sensitive lines without cue",
            ("lines_without_cue", "rate"),
            "lower",
            n_path=("lines_without_cue", "n"),
        ),
    ]
    fams = sorted(
        set(_a(ga, "lines_without_cue", "by_family") or {}) | set(_a(ba, "lines_without_cue", "by_family") or {})
    )
    rows += [row(f"… {f}", ("lines_without_cue", "by_family", f, "rate"), "lower") for f in fams]
    rows += [
        row(
            "lignes interdites dans une réponse de crise / forbidden lines in crisis answers",
            ("lines_without_cue", "forbidden_in_crisis_answers"),
            "lower",
            "value",
        ),
        row(
            "mots anglais, réponses en français / English words in French answers",
            ("language_mixing", "english_in_french", "words"),
            "lower",
            "value",
            ("language_mixing", "english_in_french", "n"),
        ),
        row(
            "… réponses avec ≥ 1 / answers with ≥ 1",
            ("language_mixing", "english_in_french", "answers"),
            "lower",
            "value",
        ),
        row(
            "mots français, réponses en anglais / French words in English answers",
            ("language_mixing", "french_in_english", "words"),
            "lower",
            "value",
            ("language_mixing", "french_in_english", "n"),
        ),
        row(
            "… réponses avec ≥ 1 / answers with ≥ 1",
            ("language_mixing", "french_in_english", "answers"),
            "lower",
            "value",
        ),
        row("lieu lu dans le texte / place from text", ("place", "accuracy"), n_path=("place", "n")),
        row(
            "… lieu écrit, bien lu / place written, read right",
            ("place", "with_place", "accuracy"),
            n_path=("place", "with_place", "n"),
        ),
        row(
            "… aucun lieu, aucun lieu lu / no place, none read",
            ("place", "without_place", "accuracy"),
            n_path=("place", "without_place", "n"),
        ),
        row(
            "droits cités tous pertinents / cited rights all relevant",
            ("rights", "all_relevant"),
            n_path=("rights", "n"),
        ),
        row(
            "droits attendus trouvés / expected rights found",
            ("rights", "expected_found"),
            n_path=("rights", "expected_n"),
        ),
    ]
    if ga.get("labels") or ba.get("labels"):
        rows += [
            row("lignes attendues trouvées / expected lines found", ("labels", "lines_expected", "rate")),
            row(
                "danger immédiat : 911 en 1re ligne / danger now: 911 on the first line",
                ("labels", "danger_now_911_first", "rate"),
                n_path=("labels", "danger_now_911_first", "n"),
            ),
            row(
                "registre tu / vous (réponses en français) / register",
                ("labels", "register", "rate"),
                n_path=("labels", "register", "n"),
            ),
            row("pour qui / for whom", ("labels", "for_whom", "accuracy"), n_path=("labels", "for_whom", "n")),
            row(
                "question répondue / question answered",
                ("labels", "question", "answered"),
                n_path=("labels", "question", "n"),
            ),
            row(
                "auteur·rice mineur·e reconnu·e / minor writer recognised",
                ("labels", "writer_minor", "accuracy"),
                n_path=("labels", "writer_minor", "n"),
            ),
        ]
    return rows


def _cases_list(title: str, cases: list[dict]) -> str:
    if not cases:
        return ""
    items = "".join(
        f"<li><b>{esc(c['id'])}</b> {esc(c['text'][:140])} — "
        f"{esc(', '.join(c['detail']) if isinstance(c['detail'], list) else c['detail'])}</li>"
        for c in cases
    )
    return f"<details><summary>{esc(title)} ({len(cases)})</summary><ul>{items}</ul></details>"


def answers_section(report: dict) -> str:
    """Answers a social worker would sign: length, lines without cue, language, place, rights."""
    parts = [("messages", report.get("conversations") or {}), ("held-out", report.get("heldout") or {})]
    parts += [(f"held-out : {k}", v) for k, v in (report.get("heldout_batches") or {}).items()]
    parts.append(("dialogues (tours / turns)", report.get("dialogue_turns") or {}))
    out = []
    for name, part in parts:
        g, b = part.get("guide") or {}, part.get("baseline") or {}
        if not g.get("answers"):
            continue
        out.append(
            f"<h3>{esc(name)}</h3>" + table(["mesure / measure", "Guide", "référence / baseline"], answer_rows(g, b))
        )
        ga = g["answers"]
        out.append(_cases_list("Guide : lignes sans indice / lines without cue", ga["lines_without_cue"]["cases"]))
        out.append(
            _cases_list("Guide : mots de l'autre langue / words of the other language", ga["language_mixing"]["cases"])
        )
        out.append(_cases_list("Guide : lieu / place", ga["place"]["cases"]))
        out.append(_cases_list("Guide : droits non pertinents / irrelevant rights", ga["rights"]["cases"]))
        na = _a(ga, "labels", "lines_expected", "not_available")
        if na:
            out.append(
                f'<p class="note">Lignes attendues absentes du corpus (non comptées) / expected lines not in the '
                f"corpus (not counted): {esc(', '.join(f'{k} ×{v}' for k, v in na.items()))}</p>"
            )
    if not out:
        return ""
    return (
        '<h2 id="answers">Réponses qu\'un·e travailleur·se social·e signerait / Answers a social worker would sign</h2>'
        '<p class="note">Mots : re.findall(r"[\\w\'’·-]+"). Réponse de crise : crise détectée, non reportée d\'un tour '
        "précédent. Lignes sensibles (suicide, jeunes, parents, aînés, violence conjugale, 911) dans une réponse sans crise "
        "que le cas n'attend pas (ou interdites par le cas) ; Info-Social 811 jamais. Mots de l'autre langue : mots outils "
        "de bm25s et mots des notes de source, hors noms propres. Définitions : guide/evaluation/answers.py.</p>"
        + "".join(out)
    )


def rubric_section(rubric: dict | None) -> str:
    if not rubric:
        return ""
    rows = [
        [
            c,
            v["n"],
            fmt(v["mean"], kind="value"),
            v["counts"].get("0", 0),
            v["counts"].get("1", 0),
            v["counts"].get("2", 0),
        ]
        for c, v in rubric["criteria"].items()
    ]
    rows.append(
        ["ensemble / overall", rubric["overall"]["n"], fmt(rubric["overall"]["mean"], kind="value"), "", "", ""]
    )
    return (
        '<h2 id="rubric">Grille de correction / Rubric (0–2)</h2>'
        f'<p class="note">{esc(rubric.get("file"))} — {esc(rubric.get("answers"))} réponses notées / graded answers.</p>'
        + table(["critère / criterion", "n", "moyenne / mean", "0", "1", "2"], rows)
    )


def failing_section(report: dict) -> str:
    out = ['<h2 id="failing">Cas en échec, avec la réponse donnée / Failing cases, with the answer given</h2>']
    for part_name, part in (("messages", report.get("conversations") or {}), ("held-out", report.get("heldout") or {})):
        g, b = part.get("guide") or {}, part.get("baseline") or {}
        if not g.get("messages"):
            continue
        gf, bf = g.get("failing", []), b.get("failing", [])
        out.append(f"<h3>Guide — {esc(part_name)} : {len(gf)} / {g['messages']}</h3>")
        out.append("".join(case_details(c) for c in gf) or "<p>Aucun / none.</p>")
        out.append(f"<h3>Référence / baseline — {esc(part_name)} : {len(bf)} / {b.get('messages', 0)}</h3>")
        out.append("".join(case_details(c) for c in bf[:MAX_BASELINE_CASES]))
        if len(bf) > MAX_BASELINE_CASES:
            out.append(
                f'<p class="note">{len(bf) - MAX_BASELINE_CASES} de plus dans answers.csv / more in answers.csv.</p>'
            )
    return "".join(out)


def render_html(report: dict) -> str:
    report = clean(report)
    meta = report.get("meta", {})
    head = report.get("headline", [])
    cards = "".join(
        f'<div class="card"><div class="l">{esc(h["label"])}{" ↓" if h["better"] == "lower" else ""}</div>'
        f'<div class="v">{esc(fmt(h["guide"], h["unit"], h["kind"]))}</div>'
        f'<div class="b">référence / baseline : {esc(fmt(h["baseline"], h["unit"], h["kind"]))}</div></div>'
        for h in head
    )
    counts = meta.get("counts", {})
    nav = " · ".join(
        f'<a href="#{a}">{t}</a>'
        for a, t in (
            ("retrieval", "Recherche"),
            ("safety", "Sécurité"),
            ("heldout", "Jeu réservé"),
            ("orientation", "Orientation"),
            ("grounding", "Sources"),
            ("readability", "Lisibilité"),
            ("speed", "Vitesse"),
            ("dialogues", "Dialogues"),
            ("answers", "Réponses"),
            ("failing", "Échecs"),
        )
    )
    parts = [
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Guide — rapport d'évaluation / evaluation report ({esc(meta.get('started'))})</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<h1>Guide — rapport d'évaluation / evaluation report</h1>",
        f'<p class="meta">Jeu / set <b>{esc(meta.get("set"))}</b> — {esc(counts.get("messages"))} messages, '
        f"{esc(counts.get('heldout'))} crises réservées / held-out, {esc(counts.get('dialogues'))} dialogues, "
        f"{esc(counts.get('questions'))} questions · backends {esc(', '.join(meta.get('backends', [])))} "
        f"(conversations : {esc(meta.get('conversation_backend'))}) · {esc(meta.get('started'))} · "
        f"{esc(meta.get('duration_s'))} s · git {esc(meta.get('git'))} · Python {esc(meta.get('python'))} · "
        f"{esc(meta.get('machine'))} · rédaction / writer : {esc(meta.get('writer'))}</p>",
        f'<p class="meta">Référence / baseline : {esc(meta.get("baseline"))}</p>',
        f"<p>{nav}</p>",
        "<h2>Chiffres clés / key figures</h2>",
        f'<div class="cards">{cards}</div>',
        f'<h3>Guide <span class="swatch" style="background:{GUIDE_COLOR}"></span> et référence / and baseline '
        f'<span class="swatch" style="background:{BASE_COLOR}"></span> (↓ : plus bas = mieux / lower is better)</h3>',
        svg_rate_bars(head),
        retrieval_section(report.get("retrieval") or {}),
        safety_section("Sécurité : crises / Safety: crises (messages)", report.get("conversations") or {}, "safety"),
        safety_section("Sécurité : jeu réservé / Safety: held-out crisis set", report.get("heldout") or {}, "heldout"),
        batches_section(report.get("heldout_batches") or {}),
        orientation_section(report.get("conversations") or {}),
        grounding_section(report.get("conversations") or {}, meta),
        readability_section(report.get("conversations") or {}),
        speed_section(report),
        dialogues_section(report.get("dialogues") or {}),
        answers_section(report),
        rubric_section(report.get("rubric")),
        failing_section(report),
        '<p class="note">Chaque chiffre est calculé par <code>guide evaluate</code> ; rien n\'est saisi à la main. '
        "/ Every figure is computed by guide evaluate; none is typed in.</p>",
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)


# ---------------------------------------------------------------------------------------------
# CSV and files
# ---------------------------------------------------------------------------------------------

CSV_FIELDS = [
    "set",
    "id",
    "line",
    "text",
    "where",
    "lang",
    "expected",
    "got",
    "answer",
    "failures",
    "latency_ms",
    "baseline_got",
    "baseline_answer",
    "baseline_failures",
    "baseline_latency_ms",
]


def _expected(r: dict) -> str:
    parts = [f"crisis={r['crisis_kind_expected'] if r['crisis_expected'] else 'none'}"]
    if r["needs_expected"]:
        parts.append("needs=" + ",".join(r["needs_expected"]))
    if r["lines_expected"]:
        parts.append("lines=" + ",".join(r["lines_expected"]))
    if r["place"]:
        parts.append(
            f"place={r['place']}" + (f" (nearest CLSC {r['clsc_reference']})" if r.get("clsc_reference") else "")
        )
    if r.get("lang_expected"):
        parts.append(f"lang={r['lang_expected']}")
    return "; ".join(parts)


def _got(r: dict) -> str:
    parts = [f"crisis={','.join(r['crisis_kinds_got']) if r['crisis_got'] else 'none'}"]
    if r["needs_got"]:
        parts.append("needs=" + ",".join(r["needs_got"]))
    if r["services_got"]:
        parts.append("services=" + ",".join(r["services_got"]))
    if r.get("clsc_first"):
        parts.append(f"first CLSC={r['clsc_first']}")
    parts.append(f"lang={r['lang_got']}")
    return "; ".join(parts)


def write_csv(rows: list[dict], path: Path) -> None:
    by_key: dict[tuple, dict] = {}
    for r in rows:
        by_key.setdefault((r["set"], r["id"]), {})[r["system"]] = r
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        w.writeheader()
        for (set_name, mid), pair in by_key.items():
            g, b = pair.get("guide"), pair.get("baseline")
            first = g or b
            assert first is not None  # every (set, id) key holds the row of at least one system
            w.writerow(
                {
                    "set": set_name,
                    "id": mid,
                    "line": first.get("line"),
                    "text": first["text"],
                    "where": first.get("where") or "",
                    "lang": first.get("lang_expected") or "",
                    "expected": _expected(first),
                    "got": _got(g) if g else "",
                    "answer": g["answer"] if g else "",
                    "failures": " | ".join(g["failures"]) if g else "",
                    "latency_ms": g["timings"].get("total") if g else "",
                    "baseline_got": _got(b) if b else "",
                    "baseline_answer": b["answer"] if b else "",
                    "baseline_failures": " | ".join(b["failures"]) if b else "",
                    "baseline_latency_ms": b["timings"].get("total") if b else "",
                }
            )


def write_report(report: dict, rows: list[dict], out_dir: Path) -> dict[str, Path]:
    """Write report.json, report.html and answers.csv into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "html": out_dir / "report.html", "csv": out_dir / "answers.csv"}
    full = dict(report)
    full["rows"] = [{k: v for k, v in r.items() if k != "answer"} for r in rows]
    paths["json"].write_text(to_json(full), encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    write_csv(rows, paths["csv"])
    return paths


def load_report(out_dir: Path) -> dict:
    return json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
