from celery import shared_task

from .services import work_auto_approve_sweep
from .services.floor_warnings import floor_warnings_for_minimum_wage_task, floor_warnings_sweep_task

__all__ = ["floor_warnings_for_minimum_wage_task", "floor_warnings_sweep_task"]


@shared_task
def work_auto_approve_task() -> int:
    return work_auto_approve_sweep()


@shared_task
def quality_scores_nightly_task() -> int:
    """Recompute quality for every project with work, so matching sees fresh scores."""
    from .models import Project, ProjectStatus
    from .services import quality_scores_compute

    projects = Project.objects.filter(status__in=[ProjectStatus.OPEN, ProjectStatus.STAFFED, ProjectStatus.PAUSED])
    return sum(quality_scores_compute(actor=None, project=project)["experts"] for project in projects)
