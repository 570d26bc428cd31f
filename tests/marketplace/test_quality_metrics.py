"""Agreement metrics against values computed by hand (and published worked examples)."""

import pytest

from marketplace.quality import cohen_kappa, fleiss_kappa, krippendorff_alpha


def test_cohen_kappa_matches_the_hand_computed_yes_no_table():
    # 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: po = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.4)


def test_cohen_kappa_ignores_items_one_rater_skipped():
    assert cohen_kappa(["a", "b", None, "a"], ["a", "b", "b", None]) == 1.0


def test_fleiss_kappa_matches_the_published_worked_example():
    # Fleiss (1971) as worked on Wikipedia: 10 items, 14 raters, 5 categories, kappa = 0.210.
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
    counts = [{category: n for category, n in enumerate(row) if n} for row in table]
    assert fleiss_kappa(counts) == pytest.approx(0.20993, abs=1e-5)


def test_krippendorff_alpha_matches_krippendorffs_own_example():
    # Krippendorff (2011), four coders, twelve units with missing values: nominal alpha = 0.743.
    units = [
        [1, 1, 1],
        [2, 2, 3, 2],
        [3, 3, 3, 3],
        [3, 3, 3, 3],
        [2, 2, 2, 2],
        [1, 2, 3, 4],
        [4, 4, 4, 4],
        [1, 1, 2, 1],
        [2, 2, 2, 2],
        [5, 5, 5],
        [1, 1],
        [3],
    ]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)


def test_two_raters_alpha_is_scotts_pi_by_hand():
    # Units: (a,a), (a,b), (b,b), (b,b). Coincidences: aa=2, ab=ba=1, bb=4; n=8, na=3, nb=5.
    # alpha = 1 - (n-1) * (ab+ba) / (na*nb*2) = 1 - 7*2/30 = 0.5333...
    assert krippendorff_alpha([["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"]]) == pytest.approx(1 - 14 / 30)


@pytest.mark.parametrize(
    ("metric", "data"),
    [
        (lambda d: krippendorff_alpha(d), [["a"], ["b"], ["a"]]),  # one rater per item
        (lambda d: krippendorff_alpha(d), []),  # no items
        (lambda d: fleiss_kappa(d), [{"a": 1}, {"b": 1}]),  # one rater
        (lambda d: cohen_kappa(*d), (["a", None], [None, "b"])),  # no overlap
    ],
)
def test_nothing_to_measure_is_none(metric, data):
    assert metric(data) is None


def test_full_agreement_is_one_even_in_a_single_category():
    assert krippendorff_alpha([["x", "x"], ["x", "x", "x"]]) == 1.0
    assert fleiss_kappa([{"x": 3}, {"x": 3}]) == 1.0
    assert cohen_kappa(["x", "x"], ["x", "x"]) == 1.0
    assert krippendorff_alpha([["x", "x"], ["y", "y"]]) == 1.0


def test_fleiss_refuses_unequal_rater_counts():
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa([{"a": 2}, {"a": 3}])
