"""Split the Ordre's declaration of principles (text extracted from its PDF) into passages.

The extraction misplaces the "PRINCIPE N" labels (1 and 2 missing, 3-5 at page breaks), so the
structure is not read from them: the section headings are known, in order, and listed below,
with the number and name of each of the five guiding principles. Quotations of laws keep their
reference and become passages of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from guide.records import Record, Source

SOURCE_FILE = "sources/declaration/000_68b4a2e2d6a4c30b.txt"
DOC_TITLE = "Déclaration de principes sur les services sociaux (OTSTCFQ)"
SOURCE = Source(
    name="Ordre des travailleurs sociaux et des thérapeutes conjugaux et familiaux du Québec — "
    "déclaration de principes sur les services sociaux (texte extrait du PDF)",
    url="",  # the PDF's address was not recorded with the extraction in shared/seeds
    date="publication date not stated in the extraction (cites sources up to 2022)",
    licence="© OTSTCFQ; quoted with attribution for orientation; licence not stated",
    file=SOURCE_FILE,
)


@dataclass(frozen=True)
class Section:
    slug: str
    heading: str  # as it starts in the extracted text (first words, accent-exact)
    title: str  # clean title
    principle: int | None = None
    principle_name_en: str = ""


SECTIONS: tuple[Section, ...] = (
    Section("contextualisation", "CONTEXTUALISATION DE CETTE", "Contextualisation de cette déclaration de principes"),
    Section(
        "responsabilite-etat",
        "LES SERVICES SOCIAUX : UNE RESPONSABILITÉ",
        "Les services sociaux : une responsabilité de l'État",
    ),
    Section("soutien-social", "LE SOUTIEN SOCIAL", "Le soutien social"),
    Section(
        "travailleurs-sociaux",
        "LES TRAVAILLEURS SOCIAUX : DES TISSEURS",
        "Les travailleurs sociaux : des tisseurs de liens",
    ),
    Section("principes-directeurs", "PRINCIPES DIRECTEURS", "Principes directeurs"),
    Section(
        "principe-1",
        "Le droit à une qualité de vie décente",
        "Le droit à une qualité de vie décente",
        1,
        "The right to a decent quality of life",
    ),
    Section(
        "principe-2",
        "L’accessibilité à des services sociaux généraux",
        "L'accessibilité à des services sociaux généraux (généralistes) de première ligne",
        2,
        "Access to general (generalist) first-line social services: no referral, no waiting list",
    ),
    Section(
        "principe-3",
        "Des services axés sur les déterminants sociaux",
        "Des services axés sur les déterminants sociaux de la santé",
        3,
        "Services based on the social determinants of health",
    ),
    Section(
        "principe-4",
        "Une organisation des services en cohérence",
        "Une organisation des services en cohérence avec les bonnes pratiques en travail social",
        4,
        "An organisation of services consistent with good social-work practice",
    ),
    Section(
        "principe-5",
        "Des services sociaux de proximité",
        "Des services sociaux de proximité sur une base territoriale",
        5,
        "Local social services on a territorial basis",
    ),
    Section("annexe-1", "ANNEXE 1", "Annexe 1 — Une population confrontée à une crise sociale sans précédent"),
    Section("annexe-2", "ANNEXE 2", "Annexe 2 — Des services sociaux défaillants et peu soutenus"),
)

# Quotations inside the text: (start of the quotation, passage id suffix, reference).
QUOTES: tuple[tuple[str, str, str], ...] = (
    ("« Le régime de services de santé", "lssss-art-1", "LSSSS (RLRQ c. S-4.2), art. 1 — cité dans la déclaration"),
    (
        "« […] Un ensemble de moyens",
        "commission-1972",
        "Commission d'enquête sur la santé et le bien-être social, 1972, p. 26 — cité dans la déclaration",
    ),
    (
        "« Toute personne a le droit de recevoir",
        "lssss-art-5",
        "LSSSS (RLRQ c. S-4.2), art. 5 — cité dans la déclaration",
    ),
    (
        "« Toute personne dans le besoin",
        "charte-art-45",
        "Charte des droits et libertés de la personne (RLRQ c. C-12), art. 45 — cité dans la déclaration",
    ),
    (
        "« Les États parties au présent Pacte",
        "pidesc-art-11",
        "Pacte international relatif aux droits économiques, sociaux et culturels (Nations Unies), art. 11 — cité dans la déclaration",
    ),
    (
        "« Les règles et les normes plus particulières",
        "dupuis-2005",
        "Dupuis et al., 2005, p. 25 — cité dans la déclaration",
    ),
)

_PAGE_LABEL = re.compile(r"^\s*PRINCIPE\s+\d\s*$")
_MAX_CHARS = 900


def _clean_lines(raw: str) -> list[str]:
    lines = []
    for line in raw.splitlines():
        if _PAGE_LABEL.match(line):
            continue  # misplaced page markers of the PDF extraction
        lines.append(line.rstrip())
    return lines


def _join(lines: list[str]) -> str:
    """Join wrapped lines of one paragraph, mending hyphenation at line ends ("ceux-" + "ci")."""
    out = ""
    for line in (ln.strip() for ln in lines):
        line = line.replace("◊\t", "◊ ").replace("\t", " ")
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and line[:1].islower():
            out += line
        else:
            out += " " + line
    return re.sub(r"\s{2,}", " ", out).strip()


def _split_sections(lines: list[str]) -> list[tuple[Section, list[str]]]:
    text_lines = [ln.strip() for ln in lines]
    starts: list[tuple[int, Section]] = []
    pos = 0
    for sec in SECTIONS:
        for i in range(pos, len(text_lines)):
            if text_lines[i].startswith(sec.heading):
                starts.append((i, sec))
                pos = i + 1
                break
        else:
            raise ValueError(f"declaration: heading not found: {sec.heading!r}")
    out = []
    for n, (i, sec) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        body = lines[i:end]
        # drop the heading lines (a heading may wrap onto a second line, then a blank line)
        j = 0
        while j < len(body) and body[j].strip():
            j += 1
        out.append((sec, body[j:]))
    return out


def _paragraphs(body: list[str]) -> list[str]:
    paras, cur = [], []
    for line in body:
        if line.strip():
            cur.append(line)
        elif cur:
            paras.append(_join(cur))
            cur = []
    if cur:
        paras.append(_join(cur))
    # a bare reference glued by a page break to the next paragraph: "(Commission …, 1972 : 26) Le modèle…"
    out = []
    for p in paras:
        m = re.match(r"^(\([^()]{5,120}\))\s+(\S.*)$", p, re.S)
        if m:
            out.extend([m.group(1), m.group(2)])
        else:
            out.append(p)
    return [p for p in out if p]


def _merge_quotes(paras: list[str]) -> list[str]:
    """Re-join quotations that the PDF split across blank lines, with their reference."""
    out: list[str] = []
    i = 0
    while i < len(paras):
        p = paras[i]
        if p.startswith("«"):
            while p.count("«") > p.count("»") and i + 1 < len(paras):
                i += 1
                p += " " + paras[i]
            # a bare reference on the next paragraph, e.g. "(Commission …, 1972 : 26)"
            if i + 1 < len(paras) and paras[i + 1].startswith("(") and len(paras[i + 1]) < 120:
                i += 1
                p += " " + paras[i]
        elif out and out[-1].startswith("«") and out[-1].count("(") > out[-1].count(")") and len(p) < 200:
            out[-1] += " " + p  # tail of a quotation's reference cut by a page break ("libertés, art. 45).")
            i += 1
            continue
        out.append(p)
        i += 1
    return out


GLOSS_FILE = "prose/declaration_glosses.yaml"


def _glosses(corpus_dir: Path) -> dict[str, str]:
    """English glosses written by Guide (indexing aids for English questions, not the Ordre's words)."""
    import yaml

    path = corpus_dir / GLOSS_FILE
    if not path.exists():
        return {}
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("glosses", {})


def build(corpus_dir: Path) -> list[Record]:
    records = _build(corpus_dir)
    glosses = _glosses(corpus_dir)
    for r in records:
        if r.id in glosses:
            r.metadata["gloss_en"] = glosses[r.id]
            r.metadata["gloss_source"] = f"Guide's English gloss ({GLOSS_FILE}), not the Ordre's text"
    return records


def _build(corpus_dir: Path) -> list[Record]:
    raw = (corpus_dir / SOURCE_FILE).read_text(encoding="utf-8")
    records: list[Record] = []
    for sec, body in _split_sections(_clean_lines(raw)):
        paras = _merge_quotes(_paragraphs(body))
        chunks: list[list[str]] = []
        for p in paras:
            quote = next((q for q in QUOTES if p.startswith(q[0])), None)
            if quote:
                _, suffix, ref = quote
                records.append(_record(sec, f"decl-quote-{suffix}", p, ref, quote=True))
                chunks.append([])  # a quotation closes the running chunk
                continue
            heading = p.isupper() and len(p) < 120
            if heading or not chunks or not chunks[-1] or len(" ".join(chunks[-1])) + len(p) > _MAX_CHARS:
                chunks.append([p])
            else:
                chunks[-1].append(p)
        n = 0
        for chunk in chunks:
            if not chunk:
                continue
            n += 1
            records.append(_record(sec, f"decl-{sec.slug}-{n}", "\n\n".join(chunk), None, part=n))
    return records


def _record(sec: Section, rid: str, text: str, ref: str | None, quote: bool = False, part: int = 0) -> Record:
    if sec.principle:
        where = f"Principe {sec.principle} : {sec.title}"
    else:
        where = sec.title
    reference = ref or f"{DOC_TITLE}, {where}" + (f", partie {part}" if part > 1 else "")
    meta = {
        "section": sec.slug,
        "section_title": sec.title,
        "principle": sec.principle,
        "principle_name_en": sec.principle_name_en,
        "quote": quote,
    }
    return Record(
        id=rid, kind="declaration", title=where, reference=reference, text=text, lang="fr", source=SOURCE, metadata=meta
    )
