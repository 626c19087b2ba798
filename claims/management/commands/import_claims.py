"""python manage.py import_claims PATH --user USERNAME [--dry-run] [--encoding ENC]"""

from claims.csv.claims_csv import claims_import

from ._csv_command import ImportCommand


class Command(ImportCommand):
    help = "Import claims from a CSV file (README: CSV of claims); all or nothing."
    import_function = staticmethod(claims_import)
