"""`run_local_stripe` keeps webhooks until the site is up, so `make run`'s demo seeding logs no failures."""

import socket
import threading

from stripe_local.management.commands.run_local_stripe import hold_webhooks_until_up


class RecordingDeliveries:
    def __init__(self):
        self.calls = []

    def set(self, **settings):
        self.calls.append(("set", settings))

    def release(self, **options):
        self.calls.append(("release", options))


def test_webhooks_wait_for_the_site_and_go_out_once_it_listens():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on the port yet: the site is still loading its data
    deliveries = RecordingDeliveries()
    waiting = threading.Thread(
        target=hold_webhooks_until_up, args=(f"http://127.0.0.1:{port}", deliveries), kwargs={"poll_seconds": 0.05}
    )
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive()
    assert deliveries.calls == [("set", {"hold": True})]

    site = socket.create_server(("127.0.0.1", port))
    try:
        waiting.join(timeout=5)
    finally:
        site.close()
    assert not waiting.is_alive()
    assert deliveries.calls == [("set", {"hold": True}), ("set", {}), ("release", {})]
