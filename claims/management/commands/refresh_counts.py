"""Work out every topic's claim count, open disputes and latest activity, every claim's
evidence rank (the claim list's sort by evidence grade), every source's citation count (the
review queue's order) and reviewer agreement (/agreement/), afresh.

The services and the CSV import keep them as they write; rows written raw (loaddata, a
restore, a hand-made SQL fix) are not seen by them: run this afterwards. seed and restore
run it themselves.
"""

from django.core.management.base import BaseCommand

from claims.services import (
    agreement_figures_refresh,
    claim_evidence_rebuild,
    source_citation_counts_rebuild,
    topic_summaries_rebuild,
)


class Command(BaseCommand):
    help = (
        "Recount every topic's claims and open disputes and find its latest activity (the home page's figures); "
        "work out every claim's evidence rank (the claim list's sort by evidence grade) "
        "count every source's citations (the review queue's order) and compute reviewer agreement."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Counted {topic_summaries_rebuild()} topics afresh.")
        self.stdout.write(f"Corrected the evidence rank of {claim_evidence_rebuild()} claims.")
        self.stdout.write(f"Corrected the citation count of {source_citation_counts_rebuild()} sources.")
        self.stdout.write(f"Computed reviewer agreement for {agreement_figures_refresh()} scopes.")
