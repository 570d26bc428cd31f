"""Quality scores in words: each signal behind a score, agreement between experts, reviewers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

QUALITY_SIGNALS = (
    ("gold", "Gold answers"),
    ("agreement", "Agreement with other experts"),
    ("reviews", "Reviews"),
)
_MISSING = {
    "gold": "no gold tasks done yet",
    "agreement": "no item labelled by another expert too",
    "reviews": "no work reviewed yet",
}


def alpha_text(alpha) -> str:
    if alpha is None:
        return ""
    try:
        return f"{float(alpha):.2f}"
    except (TypeError, ValueError):
        return ""


def alpha_verdict(alpha) -> str:
    """Krippendorff's usual reading of alpha: 0.8 and up is reliable, 0.667 the least for tentative use."""
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        return ""
    if value >= 0.8:
        return "Good: the experts label the same items consistently."
    if value >= 0.667:
        return "Tentative: usable with care; look at the items they disagree on."
    return "Low: the labels disagree too often to rely on. Check the instructions and the gold answers."


def _whole_percent(part: Decimal, whole: Decimal) -> str:
    if not whole:
        return "0%"
    return f"{(part * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def quality_parts(inputs: dict) -> list[dict]:
    """Each signal that went into a score, in words, with its weight and its share of the score."""
    inputs = inputs if isinstance(inputs, dict) else {}
    raw_weights = inputs.get("weights") if isinstance(inputs.get("weights"), dict) else {}
    weights = {}
    for name, _ in QUALITY_SIGNALS:
        try:
            weights[name] = Decimal(str(raw_weights.get(name, "0")))
        except ArithmeticError:
            weights[name] = Decimal(0)
    present = [name for name, _ in QUALITY_SIGNALS if isinstance(inputs.get(name), dict)]
    used = sum((weights[name] for name in present), Decimal(0))
    parts = []
    for name, title in QUALITY_SIGNALS:
        signal = inputs.get(name)
        part = {"name": name, "title": title, "weight": f"{weights[name]:f}", "used": name in present}
        if name in present:
            if name == "gold":
                got, of = signal.get("correct", 0), signal.get("total", 0)
                part["words"] = f"{got} correct of {of} task{'s' if of != 1 else ''} whose right answer the lab knows"
            elif name == "agreement":
                got, of = signal.get("agreed_with_others", 0), signal.get("items_compared", 0)
                part["words"] = (
                    f"agreed with the others on {got} of {of} item{'s' if of != 1 else ''} that other experts labelled too"
                )
            else:
                got, of = signal.get("approved", 0), signal.get("reviewed", 0)
                part["words"] = f"{got} approved of {of} reviewed"
            part["value"] = _whole_percent(Decimal(int(got or 0)), Decimal(int(of or 0)))
            part["share"] = _whole_percent(weights[name], used)
        else:
            part["words"] = _MISSING[name]
        parts.append(part)
    return parts


def quality_row(score) -> dict:
    inputs = score.inputs if isinstance(score.inputs, dict) else {}
    return {
        "score": score,
        "percent": f"{score.score * 100:.0f}",
        "parts": quality_parts(inputs),
        "alpha": alpha_text(inputs.get("project_alpha")),
    }


def reviewer_rows(reviewers) -> list[dict]:
    """How often each reviewer agreed with the gold answers, and how often their rejections were overturned."""
    return [
        {
            **reviewer,
            "gold_accuracy_text": (
                f"{reviewer['gold_accuracy'] * 100:.0f}% ({reviewer['gold_consistent']} of {reviewer['gold_reviewed']})"
                if reviewer["gold_accuracy"] is not None
                else "No gold tasks reviewed"
            ),
            "overturned_text": (
                f"{reviewer['overturned_share'] * 100:.0f}% ({reviewer['overturned']} of {reviewer['rejected']})"
                if reviewer["overturned_share"] is not None
                else "No rejections"
            ),
        }
        for reviewer in reviewers
    ]
