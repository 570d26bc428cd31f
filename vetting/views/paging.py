"""Long lists on the operations pages, a page at a time (``?page=``)."""

from __future__ import annotations

from django.core.paginator import Paginator

PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 50


def page_of(request, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def audit_page_of(request, events):
    return Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
