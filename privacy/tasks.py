"""The privacy app's tasks, gathered for the worker and the queue routes (defined beside their services)."""

from .services.exports import data_export_prepare_task, data_exports_sweep_task
from .services.retention import retention_apply_task

__all__ = ["data_export_prepare_task", "data_exports_sweep_task", "retention_apply_task"]
