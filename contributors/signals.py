"""What other parts of the product hear about an expert, inside the transaction of the change.

``contributors`` sits below the apps that act on an expert's standing (the marketplace
pauses or ends their engagements), so it announces the change and they listen.
Receivers run synchronously, in the same transaction: a receiver that fails undoes the
change with it.
"""

from django.dispatch import Signal

# Sent by ``contributor_status_set`` with contributor, before, after, actor and reason.
contributor_status_changed = Signal()
