"""Quality: gold answers, agreement between experts, and scores with their inputs shown.

An expert's score on a project (0-1) is the weighted mean of the signals that exist for
them: accuracy on gold tasks (weight 0.5), agreement with the other experts who labelled
the same items, each compared with the majority of the *others* (0.3), and the share of
their reviewed work that was approved in the end (0.2). Missing signals are left out and
the weights of the rest rescaled, so a new expert is never scored on what they could not
have done. Their mean over projects feeds matching.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError

from ..models import APPROVED_STATUSES, BonusRule, GoldAnswer, LabRole, Project, QualityScore, ReviewStatus
from ..permissions import require_lab_role
from ..quality import krippendorff_alpha

__all__ = ["bonus_rule_set", "gold_answer_add", "quality_scores_compute"]

WEIGHTS = {"gold": Decimal("0.5"), "agreement": Decimal("0.3"), "reviews": Decimal("0.2")}


def gold_answer_add(*, actor: User, project: Project, task_reference: str, label: str) -> GoldAnswer:
    task_reference, label = (task_reference or "").strip(), (label or "").strip()
    errors = {}
    if not task_reference:
        errors["task_reference"] = ["This field is required."]
    if not label:
        errors["label"] = ["This field is required."]
    if errors:
        raise ApplicationError("The gold answer has errors.", code="invalid", fields=errors)
    require_lab_role(actor, lab=project.lab, roles=(LabRole.OWNER, LabRole.MANAGER), to="add gold answers")
    with transaction.atomic():
        try:
            with transaction.atomic():
                gold = GoldAnswer.objects.create(
                    project=project, task_reference=task_reference, label=label, created_by=actor
                )
        except IntegrityError:
            raise ApplicationError(
                "This task already has a gold answer.", code="invalid", fields={"task_reference": ["Already gold."]}
            ) from None
        audit_record(
            actor=actor,
            action="marketplace.gold_answer.added",
            target=project,
            after={"task_reference": task_reference},
        )
    return gold


SUBMISSIONS_SQL = """
SELECT s.contributor_id, s.task_reference, s.answer->>'label' AS label, s.status,
       s.reviewed_by_id, s.appeal_decided_at IS NOT NULL AS appeal_decided, g.label AS gold
FROM marketplace_tasksubmission s
LEFT JOIN marketplace_goldanswer g ON g.project_id = s.project_id AND g.task_reference = s.task_reference
WHERE s.project_id = %s
"""


def _submissions(project: Project) -> pd.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(SUBMISSIONS_SQL, [project.pk])
        columns = [c.name for c in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)


def _peer_agreement(frame: pd.DataFrame) -> pd.DataFrame:
    """Per expert: items where others also labelled, and how often they matched the others' majority."""
    labelled = frame.dropna(subset=["label"])
    by_item = labelled.groupby("task_reference")["label"].apply(list)
    rows = []
    for row in labelled.itertuples():
        labels = list(by_item[row.task_reference])
        labels.remove(row.label)
        if not labels:
            continue
        majority = Counter(labels).most_common()
        top = majority[0][1]
        rows.append(
            {
                "contributor_id": row.contributor_id,
                "agree": row.label in {label for label, n in majority if n == top},
            }
        )
    if not rows:
        return pd.DataFrame(columns=["contributor_id", "compared", "agreed"]).set_index("contributor_id")
    compared = pd.DataFrame(rows).groupby("contributor_id")["agree"]
    return pd.DataFrame({"compared": compared.size(), "agreed": compared.sum()})


def quality_scores_compute(*, actor: User | None, project: Project) -> dict:
    """Recompute every expert's score on a project and the project's agreement, set-based."""
    frame = _submissions(project)
    now = timezone.now()
    result = {"project_alpha": None, "experts": 0}
    if frame.empty:
        return result
    items = frame.dropna(subset=["label"]).groupby("task_reference")["label"].apply(list)
    alpha = krippendorff_alpha(list(items))
    result["project_alpha"] = alpha

    gold = frame[frame["gold"].notna()]
    gold_stats = pd.DataFrame(
        {
            "total": gold.groupby("contributor_id").size(),
            "correct": (gold["label"] == gold["gold"]).groupby(gold["contributor_id"]).sum(),
        }
    )
    approved_statuses = [status.value for status in APPROVED_STATUSES]
    reviewed = frame[frame["status"].isin([*approved_statuses, ReviewStatus.REJECTED.value])]
    review_stats = pd.DataFrame(
        {
            "reviewed": reviewed.groupby("contributor_id").size(),
            "approved": reviewed["status"].isin(approved_statuses).groupby(reviewed["contributor_id"]).sum(),
        }
    )
    agreement = _peer_agreement(frame)

    scores = []
    for contributor_id in sorted(frame["contributor_id"].unique()):
        signals = {}
        inputs: dict = {"weights": {k: str(v) for k, v in WEIGHTS.items()}}
        if contributor_id in gold_stats.index and gold_stats.loc[contributor_id, "total"]:
            total, correct = (
                int(gold_stats.loc[contributor_id, "total"]),
                int(gold_stats.loc[contributor_id, "correct"]),
            )
            signals["gold"] = Decimal(correct) / total
            inputs["gold"] = {"correct": correct, "total": total}
        if contributor_id in agreement.index and agreement.loc[contributor_id, "compared"]:
            compared, agreed = (
                int(agreement.loc[contributor_id, "compared"]),
                int(agreement.loc[contributor_id, "agreed"]),
            )
            signals["agreement"] = Decimal(agreed) / compared
            inputs["agreement"] = {"agreed_with_others": agreed, "items_compared": compared}
        if contributor_id in review_stats.index and review_stats.loc[contributor_id, "reviewed"]:
            total, approved = (
                int(review_stats.loc[contributor_id, "reviewed"]),
                int(review_stats.loc[contributor_id, "approved"]),
            )
            signals["reviews"] = Decimal(approved) / total
            inputs["reviews"] = {"approved": approved, "reviewed": total}
        if not signals:
            continue
        weight = sum(WEIGHTS[name] for name in signals)
        score = sum(WEIGHTS[name] * value for name, value in signals.items()) / weight
        inputs["project_alpha"] = alpha
        scores.append((int(contributor_id), score.quantize(Decimal("0.001"), ROUND_HALF_UP), inputs))

    with transaction.atomic():
        QualityScore.objects.bulk_create(
            [QualityScore(contributor_id=c, project=project, score=s, inputs=i, computed_at=now) for c, s, i in scores],
            update_conflicts=True,
            unique_fields=["contributor", "project"],
            update_fields=["score", "inputs", "computed_at"],
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE contributors_contributor c SET quality_score = q.mean
                FROM (SELECT contributor_id, round(avg(score), 3) AS mean FROM marketplace_qualityscore
                      WHERE contributor_id = ANY(%s) GROUP BY contributor_id) q
                WHERE q.contributor_id = c.id
                """,
                [[c for c, _, _ in scores]],
            )
        audit_record(
            actor=actor,
            action="marketplace.quality.computed",
            target=project,
            after={"experts": len(scores), "project_alpha": alpha},
        )
    result["experts"] = len(scores)
    return result


def bonus_rule_set(
    *, actor: User, project: Project, min_quality_score: Decimal, percent: Decimal, effective_from=None
) -> BonusRule:
    """From a date on, pay a percentage of approved pay to experts at or above a quality score."""
    errors = {}
    if not (Decimal(0) <= min_quality_score <= Decimal(1)):
        errors["min_quality_score"] = ["Use a quality score from 0 to 1."]
    if not (Decimal(0) < percent <= Decimal(100)):
        errors["percent"] = ["Use a percentage above 0 and at most 100."]
    if errors:
        raise ApplicationError("The bonus rule has errors.", code="invalid", fields=errors)
    require_lab_role(actor, lab=project.lab, roles=(LabRole.OWNER, LabRole.MANAGER), to="set bonus rules")
    with transaction.atomic():
        rule = BonusRule.objects.create(
            project=project,
            min_quality_score=min_quality_score,
            percent=percent,
            effective_from=effective_from or timezone.now().date(),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="marketplace.bonus_rule.set",
            target=project,
            after={"min_quality_score": min_quality_score, "percent": percent, "effective_from": rule.effective_from},
        )
    return rule
