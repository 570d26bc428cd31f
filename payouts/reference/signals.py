"""What other parts of the product hear about reference data, inside the transaction of the change.

``payouts.reference`` sits below the marketplace, which warns labs whose projects pay less
than a minimum wage that is coming, so it announces a new minimum wage and the marketplace
listens (``marketplace/receivers.py``).
"""

from django.dispatch import Signal

# Sent by ``reference_change_approve`` with minimum_wage and actor, for each new row.
minimum_wage_added = Signal()
