"""What the reference data asks of the apps above it.

``payouts.reference`` sits below the marketplace, so it cannot read projects itself; the
FX import asks which currencies the apps above price things in, and they answer.
"""

from django.dispatch import Signal

# Sent by the FX import (``payouts.reference.ecb.fx_currencies_in_use``) with no arguments;
# each receiver returns an iterable of ISO 4217 codes its app uses.
fx_currencies_wanted = Signal()
