"""Template tags the marketplace's pages load to show a lab's published ratings and "Rate this lab".

The marketplace sits below ratings and never imports it; its templates load this library,
which reads only published aggregates (never a single rating) and the lab's public answer.
"""

from __future__ import annotations

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("ratings/includes/summary.html", takes_context=True)
def lab_rating_summary(context, lab, heading_id: str = ""):
    # One lookup per lab per page, however many of its projects the page lists.
    cache = context.render_context.setdefault("lab_rating_summaries", {})
    if lab.pk not in cache:
        cache[lab.pk] = (selectors.lab_summary(lab=lab), selectors.lab_answer(lab=lab))
    summary, answer = cache[lab.pk]
    return {"lab": lab, "summary": summary, "answer": answer, "heading_id": heading_id}


@register.inclusion_tag("ratings/includes/rate_link.html")
def rate_lab_link(engagement):
    return {"engagement": engagement, "due": selectors.rating_due(engagement=engagement)}
