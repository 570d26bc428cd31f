"""The payouts app's Celery tasks, gathered for the worker under their stable names.

Each task is defined beside the service it runs, so that a service queues its own task
after commit without the two modules importing each other; this module is what Celery's
autodiscovery imports, and the names stay ``payouts.tasks.<task>`` for the queue routes.
"""

from payouts.payruns.services import pay_run_compute_shard_task as pay_run_compute_shard_task
from payouts.payruns.services import pay_run_compute_task as pay_run_compute_task
from payouts.reference.ecb import fx_rates_import_ecb_task as fx_rates_import_ecb_task
from payouts.transfers.batches import payout_batch_dispatch_task as payout_batch_dispatch_task
from payouts.transfers.batches import payouts_sweep_task as payouts_sweep_task
from payouts.transfers.reconciliation import payouts_reconcile_task as payouts_reconcile_task
from payouts.transfers.sending import payout_send_task as payout_send_task
