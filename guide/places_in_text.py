"""Places named inside a message ("je reste à Rimouski", "chu à Jonquière", "H2L 3C3").

``find_place(text, corpus_dir)`` returns a resolved ``Location`` or None. How a name is read:

- every run of words that is a place of the gazetteer (municipality, community, alias such as a
  borough or former town) is a candidate; a postal code anywhere in the message wins;
- a cue before it says how sure the reading is: a residence cue ("j'habite", "je reste", "jreste",
  "je vis", "on demeure", "I live", "we live"…, possibly followed by "à", "au", "dans le coin de"…),
  a place cue ("à", "au", "en", "dans", "sur", "chu à", "I'm in", "at"), an origin cue ("je viens
  de", "from") or a nearness cue ("proche de", "pas loin de", "près de", "dans le bout de",
  "near");
- a name that is also an ordinary word or phrase (``corpus/geo/common_words.csv``: "la salle",
  "l'avenir", "grand-mère", "hope", "price"…) is read as a place only with a residence cue, or with
  a capital and a cue ("à La Baie"); a name that is also a person's name (Scott, Laval…) needs a
  cue; one that is also a place abroad (Irlande, Richmond…) needs a cue that is not an origin cue;
- any other name is read when it has several words, a cue, or a capital;
- never after "rue", "boulevard", "fleuve", "Université"… (a street, a river, an institution), in a
  feast ("la Saint-Jean"), or when another province follows ("Richmond, BC");
- the candidate with the strongest cue wins ("je viens de Natashquan, je cherche de l'aide à
  Sept-Îles": Sept-Îles; the first one on a tie); a region ("en Outaouais",
  "en Beauce") or another town named in the message ("près de Val-d'Or") settles homonyms
  (L'Ange-Gardien, Lac-Simon, Saint-Augustin) and saint's names shared by several towns
  ("Sainte-Anne en Gaspésie").

Nothing of the message is kept: the word lists are read once per corpus, the text is not cached.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from guide.settings import resolved_dir
from guide.text import fold

_TOKEN = re.compile(r"[^\W_]+")
_ABBREV = {"st": "saint", "ste": "sainte", "sts": "saints", "mt": "mont"}

# Cue words (folded). A residence verb may be followed by connectors before the place.
_RESIDENCE = frozenset(
    """
habite habites habitons habitez habitent habiter jhabite reste restes restons restez restent rester jreste
vis vit vivons vivez vivent vivre jvis demeure demeures demeurons demeurez demeurent demeurer jdemeure
live lives living lived reside resides residing resident moved demenage demenagee demenages demenager
ville municipalite quartier secteur arrondissement paroisse village reserve communaute
""".split()
)
_ORIGIN = frozenset(
    "viens vient venons venez viennent arrive arrivee arrives arrivons originaire originally from".split()
)
_MOVED = frozenset("moved demenage demenagee demenages demenager demenagees parti partie partis".split())
_PLACE_PREP = frozenset("a au aux en dans sur in at on icitte icit downtown".split())
_DE = frozenset("de du des d".split())
_NEAR = frozenset("pres proche loin coin bout cote environs alentours region near around close nearby".split())
_CONNECTORS = frozenset(
    """
a au aux en dans sur de du des d l le la les pres proche loin pas coin bout cote environs alentours region
in at near the of around close to by area on nearby icitte icit ici la-bas labas
""".split()
)
_NOT_A_PLACE_AFTER = frozenset(
    """
rue boulevard boul blvd bd avenue av ave chemin ch route rte rang autoroute montee street road rd drive
pont fleuve riviere river lac metro station universite university cegep college ecole school hopital
hospital eglise church cimetiere pavillon parc park restaurant resto hotel clinique
""".split()
)
_STREET_AFTER = frozenset("street avenue ave road rd blvd boulevard drive".split())
_PROVINCE_WORDS = {
    "ontario",
    "alberta",
    "manitoba",
    "saskatchewan",
    "yukon",
    "nunavut",
    "newbrunswick",
    "nouveaubrunswick",
    "novascotia",
    "nouvelleecosse",
    "britishcolumbia",
    "colombiebritannique",
    "terreneuve",
    "newfoundland",
    "princeedwardisland",
    "ileduprinceedouard",
    "france",
    "usa",
    "etatsunis",
    "unitedstates",
}
_PROVINCE_CODES = {"ON", "ONT", "BC", "NB", "NS", "AB", "MB", "SK", "NL", "PE", "PEI", "YT", "NT", "NU", "USA"}
_PROVINCE_MENTION = frozenset(
    "au du in of to en le partout province gouvernement for pour across throughout all".split()
)

# How strongly a cue says "this is where the person is": "j'habite à X" > "à X" > "je viens de X" >
# "près de X", "de X" > nothing.
RANK = {"residence": 3.0, "place": 2.0, "origin": 1.5, "near": 1.0, "of": 1.0, None: 0.0}


@dataclass
class _Tok:
    raw: str  # as written
    word: str  # folded, abbreviations expanded
    plain: str  # folded, as written (no expansion)
    start: int


@dataclass
class _Span:
    i: int
    n: int
    key: str
    cue: str | None
    region_hint: bool = False

    @property
    def end(self) -> int:
        return self.i + self.n


def _tokens(text: str) -> list[_Tok]:
    text = unicodedata.normalize("NFC", text)
    out = []
    for m in _TOKEN.finditer(text):
        plain = fold(m.group(0))
        out.append(_Tok(m.group(0), _ABBREV.get(plain, plain), plain, m.start()))
    return out


@lru_cache(maxsize=4)
def _common_words(corpus_dir: Path) -> dict[tuple[str, ...], str]:
    """``corpus/geo/common_words.csv``: place names that are also ordinary words, person names or
    places abroad, as word tuples → kind (word, name, elsewhere)."""
    path = corpus_dir / "geo" / "common_words.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {tuple(t.word for t in _tokens(r["phrase"])): r["kind"] for r in csv.DictReader(fh)}


@lru_cache(maxsize=4)
def _name_cuts(corpus_dir: Path) -> dict[str, list[frozenset[int]]]:
    """Place key → where its names' words end ("val d or" → {3, 4}), to tell "Val-d'Or" written "val
    dor" (fewer cuts: fine) from "mari a" (a cut the name "Maria" does not have: not that place)."""
    from guide.geo import gazetteer

    out: dict[str, list[frozenset[int]]] = {}
    for name_words, _ in gazetteer(corpus_dir).named:
        out.setdefault(name_words.replace(" ", ""), []).append(_cuts(name_words.split()))
    return out


def _cuts(words: list[str]) -> frozenset[int]:
    ends, n = set(), 0
    for w in words[:-1]:
        n += len(w)
        ends.add(n)
    return frozenset(ends)


_POSSESSIVES = frozenset("mon ma mes notre nos ton ta tes son sa ses my our your his her their".split())
_RELATIVES = frozenset(
    "fils fille frere soeur chum blonde conjoint conjointe mari femme ami amie copain copine cousin cousine neveu niece "
    "petit petite bebe gars voisin voisine pere mere grand-mere grand-pere coloc collegue "
    "son daughter brother sister husband wife boyfriend girlfriend friend cousin nephew niece baby kid neighbour "
    "neighbor roommate partner dad mom father mother grandma grandpa".split()
)


def _cue(toks: list[_Tok], i: int) -> str | None:
    """The cue before token ``i``: residence, origin, place, near, or None."""
    if i == 0:
        return None
    prev = toks[i - 1].word
    cue: str | None = None
    if prev in _PLACE_PREP:
        cue = "place"
    elif prev in _DE:
        before = toks[i - 2].word if i >= 2 else ""
        if before in _MOVED:
            return "origin"  # "on a déménagé de Gatineau à Sherbrooke": Gatineau is where they come from
        cue = "near" if before in _NEAR else "origin" if before in _ORIGIN else "of"
    elif prev in ("near", "around", "nearby", "pres", "proche"):
        cue = "near"
    elif prev in _ORIGIN:
        cue = "origin"
    elif prev in _RESIDENCE:
        return "residence"
    # a residence verb a few connectors back: "j'habite dans le coin de", "I live near"
    j = i - 1
    while j >= 0 and i - j <= 6 and toks[j].word in _CONNECTORS:
        j -= 1
    if j >= 0 and toks[j].word in _RESIDENCE:
        return "residence"
    if j >= 0 and cue is None and toks[j].word in _ORIGIN:
        return "origin"
    return cue


def _capitalised(toks: list[_Tok], span: _Span, allow_first: bool) -> bool:
    """A word of the span other than an article or preposition is written with a capital (the
    message's first word counts only when ``allow_first``)."""
    for k in range(span.i, span.end):
        t = toks[k]
        if t.word in _CONNECTORS or (k == 0 and not allow_first):
            continue
        if t.raw[:1].isupper():
            return True
    return False


def _all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and sum(c.isupper() for c in letters) > 0.7 * len(letters)


def _excluded(toks: list[_Tok], span: _Span) -> bool:
    """A street, a river, an institution, a feast, a possessive, or a place in another province."""
    prev = toks[span.i - 1].word if span.i > 0 else ""
    first = toks[span.i].word
    if prev in _NOT_A_PLACE_AFTER and span.cue != "residence":  # "…à l'école. dolbeau": a new sentence
        return True
    if prev in _RELATIVES and span.cue != "residence" and span.i >= 2 and toks[span.i - 2].word in _POSSESSIVES:
        return True  # "mon fils Amos", "my daughter Alma": a person's name
    if prev == "la" and first in ("saint", "sainte"):
        return True  # "la Saint-Jean", "la Saint-Valentin": a feast, not a town
    if prev in _DE and span.i >= 3 and toks[span.i - 2].word == "coin" and toks[span.i - 3].word in ("au", "a"):
        return True  # "au coin de St-Denis pis Jean-Talon": a street corner
    nxt = toks[span.end] if span.end < len(toks) else None
    if nxt is None:
        return False
    if nxt.word in _STREET_AFTER or (nxt.word == "s" and span.n == 1):
        return True  # "Sherbrooke Street", "Scott's"
    rest = toks[span.end + 1 : span.end + 4] if nxt.word in ("en", "in", "au") else toks[span.end : span.end + 3]
    if rest and (
        rest[0].raw in _PROVINCE_CODES
        or "".join(t.word for t in rest[:1]) in _PROVINCE_WORDS
        or "".join(t.word for t in rest[:2]) in _PROVINCE_WORDS
        or "".join(t.word for t in rest[:3]) in _PROVINCE_WORDS
    ):
        return True
    return False


def _accepted(toks: list[_Tok], span: _Span, kind: str | None, caps_mean: bool, has_article_form: bool) -> bool:
    rank = RANK[span.cue]
    if kind == "word":
        if rank == 3:
            return True
        if span.cue not in ("place", "near") or not (caps_mean and _capitalised(toks, span, False)):
            return False  # "la messe de l'Ascension": "de" before an ordinary word is not enough
        # "au Sacré-Coeur" is "à le Sacré-Coeur": a hospital or a church, not the town of Sacré-Coeur
        # ("au Plateau" is fine: the place is also called "Le Plateau")
        return toks[span.i - 1].word not in ("au", "aux") or has_article_form
    if kind == "name":
        return span.cue not in (None, "of") and (rank == 3 or (caps_mean and _capitalised(toks, span, False)))
    if kind == "elsewhere":
        return rank > 0 and span.cue != "origin" and (rank == 3 or (caps_mean and _capitalised(toks, span, False)))
    if span.n >= 2 or rank > 0:
        return True
    return caps_mean and _capitalised(toks, span, True)


_FSA_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([GHJ]\d[ABCEGHJ-NPRSTV-Z])(?![A-Za-z0-9])")
FUZZY_MIN = 88  # rapidfuzz ratio for a misspelt town after "j'habite à" ("st-hyacinte" -> Saint-Hyacinthe)


def _misspelt_after_residence(toks, words, g, corpus_dir):
    """After a residence cue only ("j'habite à", "je reste à"), a misspelt town name of 6 letters or
    more, matched closely (rapidfuzz ratio >= 88) against the gazetteer's names; else None."""
    from rapidfuzz import fuzz, process

    from guide.geo import place_words, resolve

    for i in range(len(toks)):
        if _cue(toks, i) != "residence":
            continue
        for n in (3, 2, 1):
            phrase = place_words(" ".join(t.raw for t in toks[i : i + n]))
            if len(phrase.replace(" ", "")) < 6:
                continue
            hit = process.extractOne(phrase, g.fuzzy_choices, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN)
            if hit:
                loc = resolve(g.fuzzy_labels[hit[2]], corpus_dir)
                if loc.ok:
                    return loc
        return None
    return None


def find_place(text: str, corpus_dir: Path):
    """A place named inside a message ("je reste à Rimouski", "H2L 3C3"), resolved, or None."""
    from guide.geo import (
        _PC_IN_TEXT,
        Place,
        _where,
        choose_place,
        gazetteer,
        location_for,
        place_candidates,
        resolve,
    )

    if not text:
        return None
    text = unicodedata.normalize("NFC", text)
    m = _PC_IN_TEXT.search(text)
    if m:
        return resolve(m.group(0), corpus_dir)
    m = _FSA_IN_TEXT.search(text)  # "dans le coin de J9X": a Québec FSA written in capitals
    if m:
        loc = resolve(m.group(1), corpus_dir)
        if loc.ok:
            return loc
    g = gazetteer(corpus_dir)
    corpus = resolved_dir(corpus_dir)
    common = _common_words(corpus)
    cuts = _name_cuts(corpus)
    toks = _tokens(text)
    words = [t.word for t in toks]
    caps_mean = not _all_caps(text)

    # Candidate spans: the longest run of words at each position that names a place (or a region).
    spans: list[_Span] = []
    hints: list[_Span] = []
    i = 0
    while i < len(toks):  # regions named in the message ("en Outaouais", "dans le Bas-Saint-Laurent")
        n = next((n for n in range(min(6, len(toks) - i), 0, -1) if "".join(words[i : i + n]) in g.region_keys), 0)
        if n:
            hints.append(_Span(i, n, "".join(words[i : i + n]), None))
        i += n or 1

    def cue_at(i: int, n: int) -> str | None:
        cue = _cue(toks, i)
        if cue is None and i > 0 and i + n == len(toks) and n <= 4:
            # a place written alone after the last sentence ("…je sais pu quoi faire. shawi"): where they are
            gap = text[toks[i - 1].start + len(toks[i - 1].raw) : toks[i].start]
            if any(c in gap for c in ".!?;,\n"):
                return "residence"
        return cue

    for i in range(len(toks)):
        for n in range(min(8, len(toks) - i), 0, -1):
            key = "".join(words[i : i + n])
            if key in g.by_key or key in g.aliases:
                mine = _cuts(words[i : i + n])
                if n == 1 or tuple(words[i : i + n]) in common or any(mine <= c for c in cuts.get(key, [])):
                    spans.append(_Span(i, n, key, cue_at(i, n)))
                    break
            if n >= 2 and words[i] in ("saint", "sainte") and any(place_candidates(g, key, " ".join(words[i : i + n]))):
                spans.append(_Span(i, n, key, cue_at(i, n)))
                break

    accepted: list[_Span] = []
    for s in spans:
        if (
            s.key == "quebec"
            and s.n == 1
            and (s.end >= len(words) or words[s.end] not in ("city", "ville"))
            and (s.cue is None or (s.i > 0 and words[s.i - 1] in _PROVINCE_MENTION))
        ):
            continue  # "au Québec", "in Quebec", "for Quebec", "Québec" alone: the province, not Québec City
        if _excluded(toks, s):
            continue
        article = any(a + s.key in g.by_key or a + s.key in g.aliases for a in ("le", "les"))
        if _accepted(toks, s, common.get(tuple(words[s.i : s.end])), caps_mean, article):
            accepted.append(s)
    # a span inside a longer accepted one is part of it ("Richelieu" in "Saint-Jean-sur-Richelieu")
    accepted = [
        s for s in accepted if not any(o is not s and o.i <= s.i and s.end <= o.end and o.n > s.n for o in accepted)
    ]
    for s in accepted:
        s.region_hint = any(h.i <= s.i and s.end <= h.end for h in hints)
    if not accepted:
        return _misspelt_after_residence(toks, words, g, corpus_dir)
    pool = [s for s in accepted if not s.region_hint] or accepted
    best = max(pool, key=lambda s: (RANK[s.cue], -s.i))

    exact, longer = place_candidates(g, best.key, " ".join(words[best.i : best.end]))
    regions = {g.region_keys[h.key] for h in hints if h.end <= best.i or h.i >= best.end}
    points = []
    for s in accepted:
        if s is best or s.region_hint or (s.i < best.end and best.i < s.end):
            continue
        e, _ = place_candidates(g, s.key, " ".join(words[s.i : s.end]))
        if e:
            points.append(_where(e[0])[:2])
    if not exact and not regions and not points:
        return None  # "Sainte-Anne" alone: several towns, nothing says which
    choice, settled = choose_place(exact, longer, regions, points)
    if choice is None:
        return None
    query = text[toks[best.i].start : toks[best.end - 1].start + len(toks[best.end - 1].raw)]
    others = [] if settled else [c for c in exact if isinstance(c, Place)]
    return location_for(query, choice, g, others)
