"""python manage.py export_sources [PATH] [--user USERNAME]"""

from claims.csv.sources_csv import sources_export

from ._csv_command import ExportCommand


class Command(ExportCommand):
    help = "Export every source as CSV to PATH, or to standard output."
    export_function = staticmethod(sources_export)
