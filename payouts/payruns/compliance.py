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
from html import escape

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
    """The distribution of effective hourly pay (USD) as a small, dependency-free SVG bar chart.

    Drawn with both axes named and every label inside the viewBox, so it scales down on a
    phone without clipping; the page shows the same figures as a table beside it.
    """
    bars = summary["histogram"]
    if not bars:
        return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="10" height="10"></svg>'
    top = max(bar["experts"] for bar in bars) or 1
    step = max(1, -(-top // 4))
    axis_top = step * -(-top // step)
    left, right, head, foot = 44, 8, 28, 52
    bar_width, gap, plot_h = 40, 8, 160
    width = left + len(bars) * (bar_width + gap) + gap + right
    height = head + plot_h + foot
    base = head + plot_h

    def y(count: int) -> float:
        return round(base - plot_h * count / axis_top, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-labelledby="histogram-title" class="histogram">',
        '<title id="histogram-title">Experts by effective hourly pay before top-up, in US dollars per hour</title>',
        f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="#1b1f24">'
        "Experts by pay per hour worked (USD)</text>",
    ]
    for tick in range(0, axis_top + 1, step):
        parts.append(
            f'<line x1="{left}" y1="{y(tick)}" x2="{width - right}" y2="{y(tick)}" stroke="#e5e7eb" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4}" font-size="11" fill="#374151" text-anchor="end">{tick}</text>'
        )
    parts += [
        f'<text x="12" y="{head + plot_h / 2}" font-size="11" fill="#374151" text-anchor="middle" '
        f'transform="rotate(-90 12 {head + plot_h / 2})">Experts</text>',
        f'<line x1="{left}" y1="{head}" x2="{left}" y2="{base}" stroke="#6b7280" stroke-width="1"/>',
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#6b7280" stroke-width="1"/>',
    ]
    for index, bar in enumerate(bars):
        x = left + gap + index * (bar_width + gap)
        colour = "#b91c1c" if bar["bucket"] in ("<$8", "$8-12", "$12-16") else "#1d4ed8"
        parts.append(
            f'<rect x="{x}" y="{y(bar["experts"])}" width="{bar_width}" height="{round(base - y(bar["experts"]), 1)}" '
            f'fill="{colour}" class="bar" data-bucket="{escape(bar["bucket"])}" data-value="{bar["experts"]}">'
            f"<title>{escape(bar['bucket'])}: {bar['experts']}</title></rect>"
            f'<text x="{x + bar_width / 2}" y="{base + 16}" font-size="10" fill="#374151" text-anchor="middle">'
            f"{escape(bar['bucket'])}</text>"
        )
    parts.append(
        f'<text x="{left + (width - left - right) / 2}" y="{height - 10}" font-size="11" fill="#374151" '
        'text-anchor="middle">Pay per hour worked before any top-up (USD)</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
