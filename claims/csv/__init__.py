"""CSV import and export of claims and sources (DESIGN.md, "CSV of claims").

The entry points are service-style functions, free of command-line concerns, so that the
management commands, the admin and a web page all call the same code:

- claims_import / claims_export (claims/csv/claims_csv.py)
- sources_import / sources_export (claims/csv/sources_csv.py)
"""

from .reading import ImportReport, RowError, RowOutcome  # noqa: F401
