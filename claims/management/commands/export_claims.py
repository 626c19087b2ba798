"""python manage.py export_claims [PATH] [--topic SLUG] [--user USERNAME]"""

from claims.csv.claims_csv import claims_export

from ._csv_command import ExportCommand


class Command(ExportCommand):
    help = "Export claims (of one topic with --topic SLUG) as CSV to PATH, or to standard output."
    export_function = staticmethod(claims_export)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--topic", metavar="SLUG", help="Only the claims of this topic.")

    def export(self, out, actor, *, topic=None, **options):
        return claims_export(out=out, actor=actor, topic=topic)
