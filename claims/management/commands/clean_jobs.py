"""Delete background jobs started more than JOBS_KEEP_DAYS days ago, with their files."""

from django.core.management.base import BaseCommand

from claims import jobs


class Command(BaseCommand):
    help = "Delete the background jobs (CSV imports and exports) older than JOBS_KEEP_DAYS days, and their files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep jobs started within this many days (default: the setting JOBS_KEEP_DAYS).",
        )

    def handle(self, *args, days=None, **options):
        count = jobs.clean(days=days)
        self.stdout.write(f"Deleted {count} job{'s' if count != 1 else ''}.")
