"""Ranking metrics on one query (averaged by the caller). Pure functions, tested on tiny cases."""

from __future__ import annotations

import math
from collections.abc import Sequence


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the relevant ids found in the top k."""
    if not relevant:
        raise ValueError("a labelled question needs at least one relevant id")
    return len(set(ranked[:k]) & relevant) / len(relevant)


def hit_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """1 if any relevant id is in the top k."""
    return 1.0 if set(ranked[:k]) & relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    for i, rid in enumerate(ranked[:k], 1):
        if rid in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 1) for i, rid in enumerate(ranked[:k], 1) if rid in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    if not values:
        return float("nan")
    s = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(s)))
    return s[rank - 1]


def rate(flags: Sequence[bool]) -> float:
    """Share of true values; 0.0 for an empty sequence (callers also report n)."""
    return sum(bool(f) for f in flags) / len(flags) if flags else 0.0


def histogram(
    values: Sequence[float], bins: int = 20, lo: float | None = None, hi: float | None = None
) -> tuple[list[float], list[int]]:
    """(edges, counts): ``bins`` equal-width bins over [lo, hi] (default: min and max of values);
    values outside the range go to the first or last bin. ``edges`` has ``bins + 1`` items."""
    if not values:
        return [], []
    lo = min(values) if lo is None else lo
    hi = max(values) if hi is None else hi
    if hi <= lo:
        hi = lo + 1.0
    width = (hi - lo) / bins
    counts = [0] * bins
    for v in values:
        i = int((v - lo) / width)
        counts[min(max(i, 0), bins - 1)] += 1
    return [lo + i * width for i in range(bins + 1)], counts


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa of two raters over the same items (unweighted, nominal categories).

    ``(p_o - p_e) / (1 - p_e)``; when chance agreement is total (both raters always gave the same
    single category) kappa is undefined: 1.0 if they agree everywhere, else 0.0.
    """
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    if not a:
        raise ValueError("no items to compare")
    n = len(a)
    p_o = sum(x == y for x, y in zip(a, b, strict=True)) / n
    cats = set(a) | set(b)
    p_e = sum((list(a).count(c) / n) * (list(b).count(c) / n) for c in cats)
    if p_e >= 1.0:
        return 1.0 if p_o == 1.0 else 0.0
    return (p_o - p_e) / (1 - p_e)


def fleiss_kappa(table: Sequence[Sequence[int]]) -> float:
    """Fleiss' kappa from a subjects × categories table of counts (each row: how many raters put
    the subject in each category; every row sums to the same number of raters, at least 2)."""
    if not table:
        raise ValueError("no subjects")
    n_raters = sum(table[0])
    if n_raters < 2 or any(sum(row) != n_raters for row in table):
        raise ValueError("every subject needs the same number of raters (at least 2)")
    n_subjects = len(table)
    n_cats = len(table[0])
    p_j = [sum(row[j] for row in table) / (n_subjects * n_raters) for j in range(n_cats)]
    p_i = [(sum(c * c for c in row) - n_raters) / (n_raters * (n_raters - 1)) for row in table]
    p_bar = sum(p_i) / n_subjects
    p_e = sum(p * p for p in p_j)
    if p_e >= 1.0:
        return 1.0 if p_bar == 1.0 else 0.0
    return (p_bar - p_e) / (1 - p_e)


def ratings_table(ratings: Sequence[Sequence], categories: Sequence) -> list[list[int]]:
    """Subjects × categories counts from per-rater ratings (``ratings[r][i]``: rater r, item i)."""
    n_items = len(ratings[0])
    return [[sum(1 for r in ratings if r[i] == c) for c in categories] for i in range(n_items)]
