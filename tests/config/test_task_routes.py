"""Every task of ours goes to the queue of its kind of work, and the worker `make run` starts consumes them all."""

import re
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from config.celery import app
from maintenance.health import expected_queues

ROOT = Path(__file__).resolve().parents[2]

# What each kind of work is, by what the task does; a new task is added to its kind here.
QUEUE_OF_KIND = {"sweeps": "celery", "mail": "mail", "pay runs": "payruns", "reports": "reports", "payouts": "payouts"}
KIND_OF_TASK = {
    "vetting.tasks.credentials_expiry_sweep_task": "sweeps",
    "vetting.tasks.deactivation_windows_sweep_task": "sweeps",
    "marketplace.tasks.work_auto_approve_task": "sweeps",
    "marketplace.tasks.quality_scores_nightly_task": "sweeps",
    "payouts.tasks.fx_rates_import_ecb_task": "sweeps",
    "screening.tasks.sanctions_lists_import_task": "sweeps",
    "screening.tasks.screening_rescreen_task": "sweeps",
    "marketplace.tasks.floor_warnings_sweep_task": "sweeps",
    "marketplace.tasks.floor_warnings_for_minimum_wage_task": "sweeps",
    "tax.tasks.tax_form_expiry_reminders_task": "sweeps",
    "reporting.tasks.dac7_seller_copies_task": "sweeps",
    "accounts.tasks.notice_digests_task": "sweeps",
    "oversight.tasks.review_requests_remind_task": "sweeps",
    "privacy.tasks.data_exports_sweep_task": "sweeps",
    "privacy.tasks.retention_apply_task": "sweeps",
    "ratings.tasks.lab_ratings_publish_task": "sweeps",
    "ratings.tasks.lab_rating_reminders_task": "sweeps",
    "accounts.tasks.send_email_task": "mail",
    "payouts.tasks.pay_run_compute_task": "pay runs",
    "payouts.tasks.pay_run_compute_shard_task": "pay runs",
    "payouts.tasks.payouts_reconcile_task": "reports",
    "privacy.tasks.data_export_prepare_task": "reports",
    "payouts.tasks.payout_send_task": "payouts",
    "payouts.tasks.payout_batch_dispatch_task": "payouts",
    "payouts.tasks.payouts_sweep_task": "payouts",
}


def our_tasks() -> set[str]:
    """Every task registered with the Celery app that one of this project's apps defines.

    The worker finds tasks by autodiscovery; the site's URLconf is imported too, so that a
    task defined outside a `tasks` module but reachable from the code is counted as well.
    """
    app.loader.import_default_modules()
    import_module(settings.ROOT_URLCONF)
    ours = {config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT}
    return {name for name, task in app.tasks.items() if task.__module__.split(".")[0] in ours}


def routed_queue(name: str) -> str:
    """The queue Celery itself sends the task to."""
    return app.amqp.router.route({}, name, args=(), kwargs={})["queue"].name


def test_the_registry_holds_our_tasks():
    # Guards the test below against an empty registry (autodiscovery not run).
    assert set(KIND_OF_TASK) <= our_tasks()


def test_every_task_of_ours_has_an_explicit_route():
    unrouted = sorted(our_tasks() - set(settings.CELERY_TASK_ROUTES))
    assert not unrouted, f"route these in CELERY_TASK_ROUTES (config/settings/base.py): {unrouted}"


def test_every_task_of_ours_has_a_kind():
    assert sorted(our_tasks() - set(KIND_OF_TASK)) == []


@pytest.mark.parametrize("name", sorted(KIND_OF_TASK))
def test_each_task_goes_to_the_queue_of_its_kind(name):
    assert routed_queue(name) == QUEUE_OF_KIND[KIND_OF_TASK[name]]


def test_routes_name_only_tasks_that_exist():
    assert sorted(set(settings.CELERY_TASK_ROUTES) - our_tasks()) == []


def test_every_scheduled_task_is_one_of_ours():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= our_tasks()


def test_the_queues_in_use_are_those_of_the_kinds_of_work():
    assert expected_queues() == set(QUEUE_OF_KIND.values())


def test_the_development_worker_consumes_every_queue():
    command = (ROOT / "bin" / "run").read_text()
    queues = re.search(r"celery\" -A config worker .*?-Q (\S+)", command)
    assert queues, "bin/run starts no worker with -Q"
    assert set(queues.group(1).split(",")) == expected_queues()
