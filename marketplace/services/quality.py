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
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict

from ..models import APPROVED_STATUSES, BonusRule, GoldAnswer, LabRole, Project, QualityScore, ReviewStatus
from ..permissions import require_lab_role
from ..quality import krippendorff_alpha

__all__ = ["bonus_rule_set", "gold_answer_add", "quality_score_review", "quality_scores_compute"]

# The figure every reader uses (``QualityScore.used_score``), in SQL: none when set aside.
USED_SCORE_SQL = "CASE WHEN {q}.set_aside THEN NULL ELSE COALESCE({q}.corrected_score, {q}.score) END"

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
        # A review holds only for the figure it reviewed: a new figure is a new decision.
        lapsed = (
            QualityScore.objects.filter(project=project, review_of_score__isnull=False)
            .exclude(score=models.F("review_of_score"))
            .update(set_aside=False, corrected_score=None, review_of_score=None)
        )
        _contributor_means_refresh([c for c, _, _ in scores])
        audit_record(
            actor=actor,
            action="marketplace.quality.computed",
            target=project,
            after={"experts": len(scores), "project_alpha": alpha, "reviews_lapsed": lapsed},
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


def _contributor_means_refresh(contributor_ids: list[int]) -> None:
    """Each expert's mean over projects, which matching ranks by, from the scores in use."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE contributors_contributor c SET quality_score = q.mean
            FROM (SELECT contributor_id, round(avg({USED_SCORE_SQL.format(q="s")}), 3) AS mean
                  FROM marketplace_qualityscore s
                  WHERE contributor_id = ANY(%s) GROUP BY contributor_id) q
            WHERE q.contributor_id = c.id
            """,
            [contributor_ids],
        )


def quality_score_review(
    *, actor: User, score: QualityScore, reason: str, corrected_score: Decimal | None = None
) -> QualityScore:
    """Operations review a computed score: set it aside, or put a corrected figure in its place.

    Without ``corrected_score`` the score is set aside: ranking treats the expert as not
    yet measured on the project and no bonus threshold reads it. With one, that figure is
    used instead. Either holds until a recomputation gives a figure other than the one
    reviewed, which is a new decision the expert may ask about again.
    """
    require_ops_reviewer(actor, to="can review a quality score")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "Say why the score is changed.", code="required", fields={"reason": ["This field is required."]}
        )
    if corrected_score is not None and not (Decimal(0) <= corrected_score <= Decimal(1)):
        raise ApplicationError(
            "A quality score is from 0 to 1.",
            code="invalid",
            fields={"corrected_score": ["Use a score from 0 to 1."]},
        )
    with transaction.atomic():
        score = QualityScore.objects.select_for_update().get(pk=score.pk)
        if score.set_aside and corrected_score is None:
            raise Conflict("This score is already set aside.", code="already_set_aside")
        before = {"set_aside": score.set_aside, "corrected_score": score.corrected_score, "score": score.score}
        score.set_aside = corrected_score is None
        score.corrected_score = corrected_score.quantize(Decimal("0.001")) if corrected_score is not None else None
        score.review_of_score = score.score
        score.review_reason = reason[:2000]
        score.reviewed_by = actor
        score.reviewed_at = timezone.now()
        score.save(
            update_fields=[
                "set_aside",
                "corrected_score",
                "review_of_score",
                "review_reason",
                "reviewed_by",
                "reviewed_at",
            ]
        )
        _contributor_means_refresh([score.contributor_id])
        audit_record(
            actor=actor,
            action="marketplace.quality.score_reviewed",
            target=score,
            before=before,
            after={"set_aside": score.set_aside, "corrected_score": score.corrected_score},
            reason=reason,
        )
    return score
