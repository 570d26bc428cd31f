import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from payouts.reference.ecb import SAMPLE_FILE


class FileServer:
    """A local HTTP server standing in for the ECB's: it answers each request with the next
    queued (status, body[, headers]), the last one for every request after, and counts the requests."""

    def __init__(self):
        self.answers: list[tuple[int, bytes]] = [(200, SAMPLE_FILE.read_bytes())]
        self.requests: list[str] = []
        # Seconds each answer waits before it starts (a slow or stalled server).
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                time.sleep(server.delay)
                status, body, *headers = server.answers[min(len(server.requests), len(server.answers)) - 1]
                self.send_response(status)
                for name, value in (headers[0] if headers else {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/stats/eurofxref/eurofxref-daily.xml"

    def close(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def ecb_server(settings):
    """The local stand-in for the ECB, configured as the daily file's address."""
    server = FileServer()
    settings.ECB_FX_DAILY_URL = server.url
    settings.ECB_FX_RETRY_BACKOFF_SECONDS = 0
    yield server
    server.close()


@pytest.fixture
def retries_run_in_process():
    """Tasks run in this process try again at once, as a worker would after the countdown.

    The test settings make an eager task raise whatever it raises, a retry included; a
    worker instead queues the retry, which is what this lets happen, without the wait.
    """
    from config.celery import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


@pytest.fixture
def on_the_day_after_the_sample():
    """The sample file is dated 10 to 16 June 2026 and a file dated later than tomorrow is
    refused, so its tests run on the 17th whatever moment the run is at."""
    from tests.helpers import clock

    clock.travel_to("2026-06-17T15:00:00Z")
    yield
    clock.travel_back()
