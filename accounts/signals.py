"""Signals other apps listen to, so that accounts does not depend on them."""

from django.dispatch import Signal

# Sent inside the deactivating transaction: expert (User), actor (User), reason (str).
expert_deactivated = Signal()
# Sent inside the updating transaction: expert (User), employer (Organisation, the new one), actor (User).
expert_employer_changed = Signal()
