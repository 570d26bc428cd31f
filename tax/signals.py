"""What other parts of the product hear about tax forms.

``tax`` sits below the parts that act on what a form says (finding the same identifier
on two accounts), so it announces a signature and they listen.
"""

from django.dispatch import Signal

# Sent after the transaction that signed a form commits, with contributor_id, tax_form_id
# and tin_fingerprint (empty when the form gives no identifier): a receiver may look for
# other accounts whose forms carry the same fingerprint.
tax_form_signed = Signal()
