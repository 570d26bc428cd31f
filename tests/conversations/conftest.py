import pytest
from django.utils import timezone

from marketplace.services import time_entry_log, work_reject

from tests.helpers.factories import make_running_engagement


@pytest.fixture
def rejected_entry(db, stripe_server):
    """An expert's hour the lab's owner rejected with a reason; returns (entry, lab owner)."""
    engagement, owner = make_running_engagement()
    entry = time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=timezone.now().date(),
        minutes=60,
    )
    entry = work_reject(actor=owner, item=entry, reason="Please correct the duration: the call was 30 minutes.")
    return entry, owner
