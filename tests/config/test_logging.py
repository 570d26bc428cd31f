"""What the server prints: a refused request is one line, not a traceback (and never two)."""

import copy
import io

import pytest
from django.utils.log import configure_logging

from tests.helpers.factories import make_expert

pytestmark = pytest.mark.django_db


@pytest.fixture
def printed(settings):
    """The site's logging as `make run` sets it up (DEBUG on), its console writing into a buffer."""
    settings.DEBUG = True
    buffer = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = buffer
    configure_logging(settings.LOGGING_CONFIG, config)
    yield buffer
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_a_403_is_logged_once_as_one_line(client, printed):
    client.force_login(make_expert().user)
    assert client.get("/ops/").status_code == 403
    err = printed.getvalue()
    assert err.count("Forbidden (Permission denied): /ops/") == 1, err
    assert "Traceback" not in err


def test_a_server_error_keeps_its_traceback(client, printed):
    import logging

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x/", exc_info=True, extra={"status_code": 500}
        )
    err = printed.getvalue()
    assert err.count("Traceback") == 1 and "RuntimeError: boom" in err
