import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "screening" / "samples"


class OfacServer:
    """A local HTTP server standing in for OFAC's: each path answers with its (status, body,
    headers), or with the next of a list of them (the last one again once the list is used up)."""

    def __init__(self):
        self.answers: dict[str, tuple[int, bytes, dict] | list[tuple[int, bytes, dict]]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                answer = server.answers.get(self.path, (404, b"", {}))
                if isinstance(answer, list):
                    answer = answer.pop(0) if len(answer) > 1 else answer[0]
                status, body, headers = answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def ofac_server(settings):
    """The local stand-in for OFAC, serving the SDN samples and a one-entry non-SDN list."""
    server = OfacServer()
    modified = {"Last-Modified": "Mon, 15 Jun 2026 18:30:00 GMT"}
    for name in ("SDN.CSV", "ADD.CSV", "ALT.CSV", "CONS_PRIM.CSV"):
        server.answers[f"/{name}"] = (200, (SAMPLES / name).read_bytes(), modified)
    server.answers["/CONS_ADD.CSV"] = (200, b"", modified)
    server.answers["/CONS_ALT.CSV"] = (200, b"", modified)
    settings.SANCTIONS_SDN_URLS = [f"{server.base}/{n}" for n in ("SDN.CSV", "ADD.CSV", "ALT.CSV")]
    settings.SANCTIONS_NON_SDN_URLS = [f"{server.base}/{n}" for n in ("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV")]
    settings.SANCTIONS_RETRY_BACKOFF_SECONDS = 0
    settings.SANCTIONS_MAX_RETRIES = 0
    yield server
    server.close()


@pytest.fixture
def retries_run_in_process():
    """An eager task that asks to try again runs again at once, as a worker would after the
    countdown, instead of raising the retry to the test."""
    from config.celery import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates
