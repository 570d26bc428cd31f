"""Conversation pages, the same for experts, lab members and operations; each sees only their own threads."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import is_ops_reviewer
from config.decorators import ops_required, party_required
from config.errors import ApplicationError, NotPermitted
from contributors.forms import add_service_error

from . import selectors, services
from .attachments import attachment_response
from .forms import CloseForm, MessageForm
from .models import SubjectKind, Thread
from .presenters import message_rows, subject_link
from .subjects import Subject, subject_for

# The slugs the marketplace's review pages use for the two kinds of work.
KIND_ALIASES = {"time-entries": SubjectKind.TIME_ENTRY, "tasks": SubjectKind.TASK}


def _subject_or_404(request, kind: str, pk: int) -> Subject:
    subject = subject_for(user=request.user, kind=KIND_ALIASES.get(kind, kind), pk=pk)
    if subject is None:
        raise Http404
    return subject


def _post_message(request, thread_for) -> tuple[Thread | None, MessageForm]:
    """Post the submitted message in the thread ``thread_for()`` finds or opens; the form with any error."""
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        return None, form
    try:
        thread = thread_for()
        services.message_post(
            actor=request.user,
            thread=thread,
            body=form.cleaned_data["body"],
            attachment=form.cleaned_data.get("attachment"),
        )
    except NotPermitted as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        add_service_error(form, error)
        return None, form
    return thread, form


def _render(request, *, subject: Subject, thread: Thread | None, form=None, close_form=None, status=200, via=None):
    context = {
        "subject": subject,
        "kind_label": SubjectKind(subject.kind).label.lower(),
        "subject_link": subject_link(subject=subject, user=request.user) if subject else "",
        "thread": thread,
        "thread_messages": message_rows(thread=thread, messages=selectors.messages_of(thread=thread)) if thread else [],
        "form": form or MessageForm(),
        "close_form": close_form or CloseForm(),
        "via": via,
    }
    return render(request, "conversations/thread.html", context, status=status)


@party_required
def conversation_list(request):
    threads = selectors.threads_for(user=request.user)[:200]
    return render(request, "conversations/list.html", {"threads": threads})


@party_required
@require_http_methods(["GET", "POST"])
def conversation_subject(request, kind: str, pk: int):
    """The conversation about one thing: read it, or write the first message (which opens it)."""
    subject = _subject_or_404(request, kind, pk)
    thread = selectors.thread_of_subject(subject=subject)
    if request.method == "POST":
        thread, form = _post_message(
            request, lambda: services.thread_open(actor=request.user, kind=subject.kind, subject_id=subject.pk)[0]
        )
        if thread is not None:
            messages.success(request, "Sent.")
            return redirect("conversation", pk=thread.pk)
        return _render(
            request, subject=subject, thread=selectors.thread_of_subject(subject=subject), form=form, status=400
        )
    if thread is not None:
        return redirect("conversation", pk=thread.pk)
    return _render(request, subject=subject, thread=None)


def _visible_thread(request, pk: int) -> tuple[Thread, Subject]:
    thread = selectors.thread_visible_to(user=request.user, pk=pk)
    if thread is None:
        raise Http404
    subject = subject_for(user=request.user, kind=thread.subject_kind, pk=thread.subject_id)
    return thread, subject


@party_required
@require_http_methods(["GET", "POST"])
def conversation(request, pk: int):
    thread, subject = _visible_thread(request, pk)
    if request.method == "POST":
        posted, form = _post_message(request, lambda: thread)
        if posted is not None:
            messages.success(request, "Sent.")
            return redirect("conversation", pk=thread.pk)
        return _render(request, subject=subject, thread=thread, form=form, status=400)
    services.thread_mark_read(actor=request.user, thread=thread)
    return _render(request, subject=subject, thread=thread)


@party_required
@require_POST
def conversation_close(request, pk: int):
    thread, subject = _visible_thread(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.thread_close(actor=request.user, thread=thread, reason=form.cleaned_data["reason"])
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "The conversation is closed.")
            return redirect("conversation", pk=thread.pk)
    return _render(request, subject=subject, thread=thread, close_form=form, status=400)


@party_required
@require_GET
def conversation_attachment(request, pk: int):
    return attachment_response(user=request.user, pk=pk)


@ops_required
@require_http_methods(["GET", "POST"])
def ops_dispute_conversation(request, pk: int):
    """Operations read the lab and expert's thread about a disputed entry, through the dispute; audited."""
    dispute = selectors.dispute_for_ops(user=request.user, pk=pk)
    if dispute is None:
        raise Http404
    close_form = None
    status = 200
    if request.method == "POST":
        if not is_ops_reviewer(request.user):
            raise PermissionDenied("Closing a conversation through a dispute needs an operations reviewer.")
        thread = selectors.thread_for_dispute(dispute=dispute)
        if thread is None:
            raise Http404
        close_form = CloseForm(request.POST)
        if close_form.is_valid():
            try:
                services.thread_close(actor=request.user, thread=thread, reason=close_form.cleaned_data["reason"])
            except NotPermitted as error:
                raise PermissionDenied(error.message) from error
            except ApplicationError as error:
                add_service_error(close_form, error)
            else:
                messages.success(request, "The conversation is closed.")
                return redirect("ops-dispute-conversation", pk=dispute.pk)
        status = 400
    thread = services.thread_read_through_case(actor=request.user, dispute=dispute)
    context = {
        "dispute": dispute,
        "thread": thread,
        "thread_messages": message_rows(thread=thread, messages=selectors.messages_of(thread=thread)) if thread else [],
        "close_form": close_form or CloseForm(),
    }
    return render(request, "conversations/ops_dispute_thread.html", context, status=status)
