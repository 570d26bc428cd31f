"""What the reference data tells, and asks of, the apps above it.

``payouts.reference`` sits below the marketplace, so it cannot read projects itself: the
FX import asks which currencies the apps above price things in, and they answer; a new
minimum wage is announced, inside the transaction of the change, so that the marketplace
can warn labs whose projects pay less than a minimum wage that is coming
(``marketplace/receivers.py``).
"""

from django.dispatch import Signal

# Sent by the FX import (``payouts.reference.ecb.fx_currencies_in_use``) with no arguments;
# each receiver returns an iterable of ISO 4217 codes its app uses.
fx_currencies_wanted = Signal()

# Sent by ``reference_change_approve`` with minimum_wage and actor, for each new row.
minimum_wage_added = Signal()
