"""Load the shipped seed data set, give every seeded row its first history entry, and index
the claims for search.

loaddata writes rows raw, so django-simple-history records nothing for them; without a
first entry a seeded claim's history would start at its first edit. Run again, the seed
updates its rows in place (natural keys) and adds history only where none exists.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Exists, OuterRef
from simple_history.models import registered_models

from claims.search.index import rebuild
from claims.services import (
    agreement_figures_refresh,
    claim_evidence_rebuild,
    source_citation_counts_rebuild,
    topic_summaries_rebuild,
)

DEFAULT_FIXTURE = "case-of-military-1937"


def backfill_history(*, reason: str) -> dict[str, int]:
    """Create a "+" history row for every tracked row that has none; returns counts per model."""
    created = {}
    for model in registered_models.values():
        # Many-to-many through tables are registered too; they have no manager of their own.
        if model._meta.app_label != "claims" or not hasattr(model, "history"):
            continue
        history = model.history.model
        without = model._default_manager.filter(
            ~Exists(history.objects.filter(**{model._meta.pk.attname: OuterRef("pk")}))
        )
        rows = list(without)
        if rows:
            model.history.bulk_history_create(rows, default_change_reason=reason)
            created[model._meta.verbose_name_plural] = len(rows)
    return created


class Command(BaseCommand):
    help = f"Load the seed data set (default: {DEFAULT_FIXTURE}) and record its first history entries."

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="?", default=DEFAULT_FIXTURE)

    @transaction.atomic
    def handle(self, *args, fixture: str, **options):
        call_command("loaddata", fixture, verbosity=options["verbosity"])
        created = backfill_history(reason=f"loaded from the seed {fixture}")
        topic_summaries_rebuild()  # loaddata's raw rows pass no service that keeps them
        claim_evidence_rebuild()  # (nor the claims' evidence ranks)
        source_citation_counts_rebuild()  # (nor the sources' citation counts)
        summary = ", ".join(f"{n} {name}" for name, n in created.items()) or "none needed"
        self.stdout.write(f"First history entries: {summary}.")
        # loaddata writes rows raw, around the index as around the history: index them all.
        self.stdout.write(f"Indexed {rebuild()} claims for search.")
        # (After the history: the figures record the newest history rows they were computed from.)
        self.stdout.write(
            f"Computed reviewer agreement for {agreement_figures_refresh()} scopes (all topics and each)."
        )
