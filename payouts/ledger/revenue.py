"""Gross marketplace volume and net revenue, week by week, from the ledger.

Read from the accrual entries of approved pay runs, so every figure is a sum of postings:
- gross marketplace volume: what labs were billed (their funds held debited): pay for
  the work, the platform fee on it, and minimum-wage top-ups;
- expert earnings: what experts were credited (their payable);
- net revenue: what the platform kept (its revenue credited), i.e. the fees;
- take rate: net revenue over gross volume.

Read through the reporting connection (``config.db``), the replica when there is one: a
week's figures appear there moments after its run is approved.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from django.db import connections

from config.db import reporting_alias
from config.sql import sql_literal
from payouts.models import PayRunStatus

ACCRUALS_SQL = f"""
SELECT pe.starts_on AS week, p.currency, a.kind, sum(p.amount_minor) AS amount
FROM payouts_payrun r
JOIN payouts_payperiod pe ON pe.id = r.period_id
JOIN payouts_journalentry j ON j.reference = 'accrual:pay-run:' || r.id
JOIN payouts_posting p ON p.entry_id = j.id
JOIN payouts_ledgeraccount a ON a.id = p.account_id
WHERE r.status = {sql_literal(PayRunStatus.APPROVED)} AND pe.starts_on BETWEEN %(since)s AND %(until)s
GROUP BY pe.starts_on, p.currency, a.kind
"""

COLUMNS = ["week", "currency", "gross_volume_minor", "expert_earnings_minor", "net_revenue_minor", "take_rate"]


def revenue_frame(*, since: date, until: date) -> pd.DataFrame:
    """One row per pay week and currency."""
    with connections[reporting_alias()].cursor() as cursor:
        cursor.execute(ACCRUALS_SQL, {"since": since, "until": until})
        postings = pd.DataFrame(cursor.fetchall(), columns=["week", "currency", "kind", "amount"])
    if postings.empty:
        return pd.DataFrame(columns=COLUMNS)
    postings["amount"] = postings["amount"].astype("int64")
    wide = postings.pivot_table(
        index=["week", "currency"], columns="kind", values="amount", aggfunc="sum", fill_value=0
    ).reset_index()
    for kind in ("lab_funds_held", "expert_payable", "platform_revenue"):
        if kind not in wide:
            wide[kind] = 0
    # Debits are positive and credits negative: labs are debited, experts and the platform credited.
    frame = pd.DataFrame(
        {
            "week": wide["week"],
            "currency": wide["currency"],
            "gross_volume_minor": wide["lab_funds_held"].astype("int64"),
            "expert_earnings_minor": (-wide["expert_payable"]).astype("int64"),
            "net_revenue_minor": (-wide["platform_revenue"]).astype("int64"),
        }
    )
    frame["take_rate"] = _take_rate(frame["net_revenue_minor"], frame["gross_volume_minor"])
    return frame.sort_values(["week", "currency"]).reset_index(drop=True)[COLUMNS]


def _take_rate(revenue: pd.Series, volume: pd.Series) -> pd.Series:
    # A ratio for reading, not money: four decimals, and none where nothing was billed.
    return (revenue / volume.where(volume != 0)).round(4)


def revenue_report(*, since: date, until: date) -> dict:
    frame = revenue_frame(since=since, until=until)
    totals = (
        frame.groupby("currency")[["gross_volume_minor", "expert_earnings_minor", "net_revenue_minor"]].sum()
        if not frame.empty
        else pd.DataFrame(columns=["gross_volume_minor", "expert_earnings_minor", "net_revenue_minor"])
    )
    totals["take_rate"] = _take_rate(totals["net_revenue_minor"], totals["gross_volume_minor"])

    def plain(row: dict) -> dict:
        return {
            key: (
                None
                if pd.isna(value)
                else value.isoformat()
                if isinstance(value, date)
                else float(value)
                if key == "take_rate"
                else int(value)
                if key.endswith("_minor")
                else value
            )
            for key, value in row.items()
        }

    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "weeks": [plain(row) for row in frame.to_dict("records")],
        "totals": [plain({"currency": currency, **row}) for currency, row in totals.to_dict("index").items()],
    }


def revenue_csv(*, since: date, until: date) -> str:
    buffer = io.StringIO()
    revenue_frame(since=since, until=until).to_csv(buffer, index=False)
    return buffer.getvalue()
