"""Agreement and summary metrics of the evaluation suite, on tiny cases with known answers."""

import pytest

from guide.evaluation.metrics import cohen_kappa, fleiss_kappa, histogram, rate, ratings_table


def test_cohen_kappa_identical_raters_is_one():
    a = [1, 2, 3, 4, 4, 3, 2, 1, 2]
    assert cohen_kappa(a, list(a)) == 1.0
    assert cohen_kappa([3, 3, 3], [3, 3, 3]) == 1.0  # chance agreement total, but they agree everywhere


def test_cohen_kappa_textbook_table():
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> p_o = 0.7, p_e = 0.5, kappa = 0.4
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_opposite_raters_is_negative_and_checks_lengths():
    assert cohen_kappa([1, 2, 1, 2], [2, 1, 2, 1]) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        cohen_kappa([1, 2], [1])


def test_fleiss_kappa_textbook_table():
    # Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 categories -> kappa = 0.210
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    assert fleiss_kappa(table) == pytest.approx(0.20993, abs=1e-4)


def test_fleiss_kappa_identical_raters_is_one_and_rows_must_match():
    ratings = [[1, 2, 3, 4, 2], [1, 2, 3, 4, 2], [1, 2, 3, 4, 2]]
    assert fleiss_kappa(ratings_table(ratings, (1, 2, 3, 4))) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        fleiss_kappa([[2, 1], [1, 1]])


def test_ratings_table_counts_raters_per_category():
    assert ratings_table([[1, 4], [1, 3], [2, 3]], (1, 2, 3, 4)) == [[2, 1, 0, 0], [0, 0, 2, 1]]


def test_histogram_and_rate():
    edges, counts = histogram([0, 1, 2, 3, 9, 50], bins=5, lo=0, hi=10)
    assert edges == [0, 2, 4, 6, 8, 10] and counts == [2, 2, 0, 0, 2]  # 50 goes to the last bin
    assert histogram([], 3) == ([], [])
    assert rate([True, False, True, True]) == 0.75 and rate([]) == 0.0
