"""Two people at the same moment: one thread per subject, and the rate limit counts both posts."""

import threading

import pytest
from django.db import connection

from config.errors import ApplicationError
from conversations.models import Message, Thread
from conversations.services import message_post, thread_open

from tests.helpers.factories import make_credential, make_expert, make_ops


def _at_once(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            outcomes[index] = call()
        except ApplicationError as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_the_expert_and_operations_opening_the_same_subject_at_once_share_one_thread():
    expert = make_expert()
    credential = make_credential(expert)
    reviewer, _ = make_ops()
    outcomes = _at_once(
        lambda: thread_open(actor=expert.user, kind="credential", subject_id=credential.pk),
        lambda: thread_open(actor=reviewer, kind="credential", subject_id=credential.pk),
    )
    assert Thread.objects.count() == 1
    assert {thread.pk for thread, _ in outcomes} == {Thread.objects.get().pk}


@pytest.mark.django_db(transaction=True)
def test_posts_sent_at_once_are_all_counted_by_the_rate_limit(settings):
    settings.CONVERSATION_MESSAGES_PER_WINDOW = 2
    expert = make_expert()
    thread, _ = thread_open(actor=expert.user, kind="credential", subject_id=make_credential(expert).pk)
    outcomes = _at_once(
        *[lambda n=n: message_post(actor=expert.user, thread=thread, body=f"Hello {n}") for n in range(4)]
    )
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(refused) == 2 and {o.code for o in refused} == {"rate_limited"}
    assert Message.objects.count() == 2
