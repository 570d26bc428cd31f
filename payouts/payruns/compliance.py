"""Compliance evidence for a pay run: who worked how long, for what, against which floor.

Built with pandas over the run's statements; every figure comes from the statements,
which come from the work records and reference data named in their lines. A statement
that only carries corrections to earlier weeks (no minutes this week) has no hourly
figures of its own and is left out.

Read through the reporting connection (``config.db``), the replica when there is one.
Evidence is asked for the moment a run is computed, when a lagging replica may still
have it computing and none of its statements: until the replica shows the run
computed, it is read from the primary.
"""

from __future__ import annotations

import io

import pandas as pd
from django.db import DEFAULT_DB_ALIAS, connections

from config.db import reporting_alias
from payouts.floors import average_floor_hourly_minor
from payouts.models import PayRun, PayRunStatus

STATEMENTS_SQL = """
SELECT st.id AS statement, st.contributor_id AS expert, st.country, st.subdivision, st.currency,
       st.minutes_worked, st.pay_minor, st.floor_due_minor, st.topup_minor, st.total_minor,
       st.effective_hourly_minor, st.averaging_unit, st.cost_rate
FROM payouts_paystatement st WHERE st.run_id = %s AND st.minutes_worked > 0 ORDER BY st.id
"""


def _alias_for_run(run_id: int) -> str:
    alias = reporting_alias()
    if alias == DEFAULT_DB_ALIAS:
        return alias
    # Every statement of a run is committed at the latest by the commit that takes the
    # run out of "computing", none after it (a shard checks the status under the run's
    # lock), and a replica applies commits in order: once it shows the run past
    # computing, it has all of them.
    status = PayRun.objects.using(alias).filter(pk=run_id).values_list("status", flat=True).first()
    return alias if status not in (None, PayRunStatus.COMPUTING) else DEFAULT_DB_ALIAS


def statements_frame(*, run_id: int) -> pd.DataFrame:
    with connections[_alias_for_run(run_id)].cursor() as cursor:
        cursor.execute(STATEMENTS_SQL, [run_id])
        columns = [c.name for c in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=columns)
    if frame.empty:
        return frame
    frame["jurisdiction"] = frame["subdivision"].where(frame["subdivision"] != "", frame["country"])
    frame["hours"] = frame["minutes_worked"] / 60
    frame["floor_hourly_minor"] = average_floor_hourly_minor(frame["floor_due_minor"], frame["minutes_worked"])
    frame["effective_hourly_after_topup_minor"] = (
        (frame["pay_minor"] + frame["topup_minor"]) * 60 / frame["minutes_worked"]
    ).round()
    return frame


def compliance_csv(*, run_id: int) -> str:
    frame = statements_frame(run_id=run_id)
    buffer = io.StringIO()
    columns = [
        "statement", "expert", "jurisdiction", "currency", "minutes_worked", "pay_minor", "effective_hourly_minor",
        "floor_hourly_minor", "averaging_unit", "cost_rate", "topup_minor", "total_minor",
        "effective_hourly_after_topup_minor",
    ]  # fmt: skip
    (frame[columns] if not frame.empty else pd.DataFrame(columns=columns)).to_csv(buffer, index=False)
    return buffer.getvalue()


def compliance_summary(*, run_id: int) -> dict:
    frame = statements_frame(run_id=run_id)
    if frame.empty:
        return {
            "experts": 0,
            "below_floor_before_topup": 0,
            "topups_by_jurisdiction": [],
            "share_above": {},
            "histogram": [],
        }
    below = frame[frame["topup_minor"] > 0]
    by_place = (
        frame.groupby(["jurisdiction", "currency"])
        .agg(
            experts=("expert", "nunique"),
            topped_up=("topup_minor", lambda s: int((s > 0).sum())),
            topup_minor=("topup_minor", "sum"),
        )
        .reset_index()
        .sort_values(["topup_minor", "jurisdiction"], ascending=[False, True])
    )
    usd = frame[frame["currency"] == "USD"]
    share_above = {
        f"{threshold // 100}": (float((usd["effective_hourly_minor"] >= threshold).mean()) if len(usd) else None)
        for threshold in (9000, 12000)
    }
    bins = [0, 800, 1200, 1600, 2000, 3000, 5000, 7500, 9000, 12000, 20000, 10**9]
    labels = [
        "<$8",
        "$8-12",
        "$12-16",
        "$16-20",
        "$20-30",
        "$30-50",
        "$50-75",
        "$75-90",
        "$90-120",
        "$120-200",
        "$200+",
    ]
    counts = pd.cut(usd["effective_hourly_minor"], bins=bins, labels=labels, right=False).value_counts().reindex(labels)
    return {
        "experts": int(frame["expert"].nunique()),
        "minutes_worked": int(frame["minutes_worked"].sum()),
        "below_floor_before_topup": len(below),
        "topup_minor_by_currency": {c: int(v) for c, v in frame.groupby("currency")["topup_minor"].sum().items()},
        "topups_by_jurisdiction": [
            {k: (int(v) if k in ("experts", "topped_up", "topup_minor") else v) for k, v in row.items()}
            for row in by_place.to_dict("records")
        ],
        "share_above": share_above,
        "histogram": [{"bucket": label, "experts": int(count)} for label, count in counts.fillna(0).items()],
    }


def histogram_svg(summary: dict) -> str:
    """The distribution of effective hourly pay (USD) as a small, dependency-free SVG bar chart."""
    bars = summary["histogram"]
    if not bars:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    top = max(bar["experts"] for bar in bars) or 1
    width, height, gap = 40, 160, 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{len(bars) * (width + gap) + gap}" height="{height + 40}" '
        'role="img" aria-label="Experts by effective hourly pay">'
    ]
    for index, bar in enumerate(bars):
        bar_height = round(height * bar["experts"] / top)
        x = gap + index * (width + gap)
        colour = "#b91c1c" if bar["bucket"] in ("<$8", "$8-12", "$12-16") else "#1d4ed8"
        parts.append(
            f'<rect x="{x}" y="{height - bar_height + 10}" width="{width}" height="{bar_height}" fill="{colour}">'
            f"<title>{bar['bucket']}: {bar['experts']}</title></rect>"
            f'<text x="{x + width / 2}" y="{height + 28}" font-size="9" text-anchor="middle">{bar["bucket"]}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
