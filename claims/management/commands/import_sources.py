"""python manage.py import_sources PATH --user USERNAME [--dry-run] [--encoding ENC]"""

from claims.csv.sources_csv import sources_import

from ._csv_command import ImportCommand


class Command(ImportCommand):
    help = "Import sources from a CSV file (README: CSV of claims); all or nothing."
    import_function = staticmethod(sources_import)
