"""Running calls at the same moment, each in its own thread and database connection."""

from __future__ import annotations

import threading

from django.db import connection

from config.errors import ApplicationError


def at_once(*calls):
    """Start every call together (a barrier) and return each one's result or refusal, in order."""
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
