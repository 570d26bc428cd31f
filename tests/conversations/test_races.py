"""Two people at the same moment: one thread per subject, and the rate limit counts both posts."""


import pytest

from config.errors import ApplicationError
from conversations.models import Message, Thread
from conversations.services import message_post, thread_open

from tests.helpers.factories import make_credential, make_expert, make_ops
from tests.helpers.races import at_once


@pytest.mark.django_db(transaction=True)
def test_the_expert_and_operations_opening_the_same_subject_at_once_share_one_thread():
    expert = make_expert()
    credential = make_credential(expert)
    reviewer, _ = make_ops()
    outcomes = at_once(
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
    outcomes = at_once(
        *[lambda n=n: message_post(actor=expert.user, thread=thread, body=f"Hello {n}") for n in range(4)]
    )
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(refused) == 2 and {o.code for o in refused} == {"rate_limited"}
    assert Message.objects.count() == 2
