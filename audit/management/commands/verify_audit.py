from django.core.management.base import BaseCommand, CommandError

from audit.models import GENESIS_HASH, AuditEvent
from audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain: prints OK, or the first broken event and exits non-zero."

    def handle(self, *args, **options):
        checked, broken, problem = verify_chain()
        if broken is None:
            last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
            self.stdout.write(f"OK: {checked} events verified; last hash {last}")
            return
        what = "its prev_hash does not match the previous event" if problem == "prev_hash" else (
            "its content does not match its hash"
        )
        raise CommandError(
            f"BROKEN at event #{broken.pk} ({broken.action}, {broken.created_at.isoformat()}): {what}; "
            f"{checked} events before it verified"
        )
