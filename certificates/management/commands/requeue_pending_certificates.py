from django.core.management.base import BaseCommand

from certificates.issuance import REQUEUE_AFTER, requeue_stale_certificates


class Command(BaseCommand):
    help = (
        "Queue again the certificates that have stayed pending longer than "
        f"{int(REQUEUE_AFTER.total_seconds() // 60)} minutes (Celery beat does this every minute)."
    )

    def handle(self, *args, **options):
        count = requeue_stale_certificates()
        self.stdout.write(f"Queued {count} pending certificate{'s' if count != 1 else ''} again.")
