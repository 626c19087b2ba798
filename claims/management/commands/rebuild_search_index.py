"""python manage.py rebuild_search_index: the search index made afresh from every claim.

In one transaction: searches go on answering from the old index until the new one is
complete. Needed only after data was written around the application (a raw loaddata, SQL
by hand) or when the way words are indexed changes (claims/search/words.py)."""

from django.core.management.base import BaseCommand

from claims.search.index import rebuild


class Command(BaseCommand):
    help = "Rebuild the search index of the claims, in one transaction; prints how many claims it indexed."

    def handle(self, *args, **options):
        count = rebuild()
        self.stdout.write(f"Indexed {count} claim{'' if count == 1 else 's'} for search.")
