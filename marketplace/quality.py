"""Agreement between raters: Cohen's kappa, Fleiss' kappa, Krippendorff's alpha (nominal).

Conventions for the degenerate cases, the same in all three:
- fewer than two raters on every item (one rater, or no overlap): ``None``, nothing to
  measure;
- no observed disagreement at all: ``1.0``, perfect agreement, even where chance agreement
  is also total (every rating in one category) and the textbook formula is 0/0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from itertools import permutations


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Two raters' labels on the same items, in the same order (None where one did not rate)."""
    pairs = [(a, b) for a, b in zip(first, second, strict=True) if a is not None and b is not None]
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    if observed == 1:
        return 1.0
    count_a = Counter(a for a, _ in pairs)
    count_b = Counter(b for _, b in pairs)
    expected = sum(count_a[c] * count_b[c] for c in count_a.keys() | count_b.keys()) / (n * n)
    return (observed - expected) / (1 - expected)


def fleiss_kappa(counts: Sequence[dict[Hashable, int]]) -> float | None:
    """Per item, how many raters chose each category; every item needs the same number of raters."""
    items = [c for c in counts if sum(c.values()) > 0]
    if not items:
        return None
    raters = sum(items[0].values())
    if any(sum(c.values()) != raters for c in items):
        raise ValueError("Fleiss' kappa needs the same number of raters on every item; use Krippendorff's alpha")
    if raters < 2:
        return None
    n_items = len(items)
    per_item = [(sum(k * k for k in c.values()) - raters) / (raters * (raters - 1)) for c in items]
    observed = sum(per_item) / n_items
    if observed == 1:
        return 1.0
    totals: Counter = Counter()
    for c in items:
        totals.update(c)
    expected = sum((v / (n_items * raters)) ** 2 for v in totals.values())
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Sequence[Sequence[Hashable]]) -> float | None:
    """Nominal alpha. Each unit lists the values its raters gave (any number, missing left out)."""
    coincidences: Counter = Counter()
    for values in units:
        values = [v for v in values if v is not None]
        m = len(values)
        if m < 2:
            continue
        for a, b in permutations(values, 2):
            coincidences[(a, b)] += 1 / (m - 1)
    if not coincidences:
        return None
    totals: Counter = Counter()
    for (a, _), weight in coincidences.items():
        totals[a] += weight
    n = sum(totals.values())
    disagreement = sum(w for (a, b), w in coincidences.items() if a != b)
    if disagreement == 0:
        return 1.0
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b)
    return 1 - (n - 1) * disagreement / expected
