"""What the pay and payout pages show, worked out from what the selectors return.

A presenter turns models and selector results into the rows and figures a template reads:
weeks, places and durations in words, totals per currency, a statement's lines and its
minimum-wage workings, how far a pay run or a payout batch has got. Amounts stay in minor
units with their currency (exact major-unit ``Decimal`` where a floor is worked out to a
fraction of a cent); the template formats them with the ``money`` and ``money_exact``
filters (``payouts/templatetags/money.py``). Figures come from the selectors and from
``payouts.floors``; presenters compute no pay, read nothing from the request and change
nothing.

Text that reaches people without a template goes through the same filters: the success
message after a payout is sent again (``payouts.payout_retry_message``) and the amounts of a
payout batch's JSON progress (``payouts.BatchProgress.as_json``).
"""
