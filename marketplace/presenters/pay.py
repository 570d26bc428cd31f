"""A rate as people read it: per hour, or per task with its estimate and hourly worth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from marketplace.payable import effective_hourly_minor

from .. import selectors
from ..models import Engagement, PayModel, Project


@dataclass(frozen=True)
class Pay:
    """Shown by ``marketplace/includes/pay.html``: ``{{ pay.rate_minor|money:pay.currency }} {{ pay.unit }}``."""

    pay_model: str
    currency: str
    rate_minor: int
    task_estimate_minutes: int | None

    @classmethod
    def of_project(cls, project: Project, on: date) -> Pay:
        """The rate an engagement starting ``on`` locks (an announced change may not apply yet)."""
        rate, estimate = selectors.project_rate_on(project=project, on=on)
        return cls(project.pay_model, project.currency, rate, estimate)

    @classmethod
    def of_engagement(cls, engagement: Engagement) -> Pay:
        return cls(engagement.pay_model, engagement.currency, engagement.rate_minor, engagement.task_estimate_minutes)

    @property
    def per_task(self) -> bool:
        return self.pay_model == PayModel.PER_TASK

    @property
    def hourly_minor(self) -> int:
        return effective_hourly_minor(
            pay_model=self.pay_model, rate_minor=self.rate_minor, task_estimate_minutes=self.task_estimate_minutes
        )

    @property
    def unit(self) -> str:
        return "a task" if self.per_task else "an hour"
