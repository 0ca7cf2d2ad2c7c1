"""manage.py export_ocds: every public 政府首购 record as one OCDS 1.1 release package file (open data).

    manage.py export_ocds                         # var/ocds/ocds-<today>.json
    manage.py export_ocds --output /srv/open-data/ocds.json --year 2026

Only public purchases (a published single-source notice or an award: procurement.queries.public_purchases) are
exported, whoever runs the command. The package is streamed into a temporary file beside the target and renamed
over it when complete, so readers never see half a file. No public purchase: nothing is written (a release
package must hold at least one release).
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from procurement import ocds
from procurement.queries import public_purchases


class Command(BaseCommand):
    help = "Write every public first purchase (政府首购) as one OCDS 1.1 release package (JSON) and print the count."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: VAR_DIR/ocds/ocds-<date>.json)")
        parser.add_argument("--year", type=int, help="only purchases created in this year")

    def handle(self, *args, output=None, year=None, **options):
        if year is not None and not 2000 <= year <= 2100:
            raise CommandError("--year must be between 2000 and 2100")
        queryset = public_purchases()
        if year is not None:
            queryset = queryset.filter(created_at__year=year)
        if not queryset.exists():
            self.stderr.write("No public purchase to export: nothing written (a release package needs a release).")
            return
        target = (
            Path(output) if output else Path(settings.VAR_DIR) / "ocds" / f"ocds-{timezone.localdate():%Y-%m-%d}.json"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        uri = ocds.package_uri() + (f"?year={year}" if year else "")
        stream = ocds.stream_package(queryset, uri=uri)
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                for chunk in stream:
                    fh.write(chunk)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(f"{stream.count} release{'' if stream.count == 1 else 's'} written to {target}")
