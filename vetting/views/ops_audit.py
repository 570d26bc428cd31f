"""Operations: the audit trail, filtered and a page at a time."""

from __future__ import annotations

from django.shortcuts import render

from audit.selectors import audit_event_list
from config.decorators import ops_required

from ..forms import AuditFilterForm
from .paging import audit_page_of


@ops_required
def ops_audit(request):
    form = AuditFilterForm(request.GET)
    if form.is_valid():
        data = form.cleaned_data
        events, status = (
            audit_event_list(
                action_prefix=data["action"],
                target_type=data["target_type"],
                target_id=data["target_id"],
                actor_label=data["actor"],
            ),
            200,
        )
    else:
        events, status = audit_event_list().none(), 400
    context = {"form": form, "page": audit_page_of(request, events)}
    return render(request, "vetting/ops/audit.html", context, status=status)
