"""Load the shipped seed data set, give every seeded row its first history entry, and index
the claims for search.

loaddata writes rows raw, so django-simple-history records nothing for them (and, for their
many-to-many links, a change by nobody, now); without a first entry a seeded claim's history
would start at its first edit. The first entry names who entered the row in the data set and
when (its created_at), and says where it came from. Run again, the seed updates its rows in
place (natural keys) and adds history only where none exists.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.test.utils import override_settings
from simple_history.models import registered_models

from claims.models import User
from claims.search.index import rebuild
from claims.services import (
    agreement_figures_refresh,
    claim_evidence_rebuild,
    history_links_copy,
    source_citation_counts_rebuild,
    topic_summaries_rebuild,
)

DEFAULT_FIXTURE = "case-of-military-1937"
# Who entered a row, by model: the first of these fields it has (a grade's reviewer, a
# dispute's raiser, a note's author, anything else's creator).
ENTERED_BY = ("created_by", "reviewer", "raised_by", "author")


def seed_reason(fixture: str) -> str:
    return f"loaded from the shipped data set {fixture}"


def _entered_by(model) -> str | None:
    names = {f.name for f in model._meta.concrete_fields}
    return next((f"{name}_id" for name in ENTERED_BY if name in names), None)


def backfill_history(*, reason: str) -> dict[str, int]:
    """Create a "+" history row for every tracked row that has none, dated when the row was
    made and by whom it was entered, with its many-to-many links; returns counts per model."""
    created = {}
    users = {user.pk: user for user in User.objects.all()}
    for model in registered_models.values():
        # Many-to-many through tables are registered too; they have no manager of their own.
        if model._meta.app_label != "claims" or not hasattr(model, "history"):
            continue
        history = model.history.model
        without = model._default_manager.filter(
            ~Exists(history.objects.filter(**{model._meta.pk.attname: OuterRef("pk")}))
        )
        rows = list(without)
        if not rows:
            continue
        who = _entered_by(model)
        for row in rows:
            row._history_user = users.get(getattr(row, who)) if who else None
            if getattr(row, "created_at", None) is not None:
                row._history_date = row.created_at
        records = model.history.bulk_history_create(rows, default_change_reason=reason)
        history_links_copy(model=model, records=records)
        created[model._meta.verbose_name_plural] = len(rows)
    return created


class Command(BaseCommand):
    help = f"Load the seed data set (default: {DEFAULT_FIXTURE}) and record its first history entries."

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="?", default=DEFAULT_FIXTURE)

    @transaction.atomic
    def handle(self, *args, fixture: str, **options):
        # Without history: loaddata's setting of links would be recorded as a change by nobody,
        # now, before the first entry below.
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            call_command("loaddata", fixture, verbosity=options["verbosity"])
        created = backfill_history(reason=seed_reason(fixture))
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
