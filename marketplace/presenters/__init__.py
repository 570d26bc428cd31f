"""What the marketplace pages show, worked out from what the selectors return.

A presenter turns models and selector results into the rows and figures a template reads:
labels in words, durations, percentages, which form goes on which row. Amounts stay in
minor units with their currency; the template formats them with the ``money`` filter
(``payouts/templatetags/money.py``). Presenters read nothing from the request and change
nothing.
"""
