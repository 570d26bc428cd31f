"""An import file holding a NUL character is refused naming its row, and nothing is imported."""

import pytest
from django.utils import timezone

from marketplace.models import TimeEntry

from tests.helpers.factories import make_running_engagement

pytestmark = pytest.mark.django_db
URL = "/api/me/time-entries/import/"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/csv", "engagement,activity,work_date,minutes,note\n{e},meeting,{d},30,fine\n{e},meeting,{d},30,bad\0note\n"),
        (
            "application/x-ndjson",
            '{{"engagement": {e}, "activity": "meeting", "work_date": "{d}", "minutes": 30}}\n'
            '{{"engagement": {e}, "activity": "meeting", "work_date": "{d}", "minutes": 30, "note": "bad\\u0000note"}}\n',
        ),
    ],
    ids=["csv", "json-lines"],
)
def test_a_nul_character_in_an_import_file_is_refused_naming_the_row(client_for, stripe_server, content_type, body):
    engagement, _ = make_running_engagement()
    me = client_for(engagement.contributor.user)
    day = (timezone.now() - timezone.timedelta(days=2)).date().isoformat()

    response = me.post(URL, body.format(e=engagement.pk, d=day).encode(), content_type=content_type)

    assert response.status_code == 400
    refused = response.json()
    assert refused["rows"][0]["row"] == 2
    assert "NUL" in refused["rows"][0]["fields"]["file"][0]
    assert not TimeEntry.objects.filter(contributor=engagement.contributor).exists()
