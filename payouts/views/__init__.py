"""Pay and payout pages, one module per area: ``payruns`` (operations run, follow and approve
pay weeks), ``statements`` (a statement for operations, and experts' own), ``compliance``,
``revenue``, ``payout_batches``, ``payout_holds``, ``expert_payouts``, and the Stripe
``webhooks`` endpoint.

Every change goes through the services of ``payouts.payruns`` and ``payouts.transfers``; a
refused change is shown on the page it was asked from, with what was typed kept. What the
pages show is worked out by ``payouts.presenters``; amounts reach the templates in minor units
and are formatted there with the ``money`` filter.
"""
