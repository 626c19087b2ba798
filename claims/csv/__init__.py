"""CSV import and export of claims and sources (docs/design.md, "CSV of claims").

The entry points are service-style functions, free of command-line concerns, so that the
management commands, the admin and a web page all call the same code:

- claims_import (claims_csv.py); claims_export and the streamed claims_csv_chunks
  (claims_export.py, also importable from claims_csv.py)
- sources_import / sources_export / sources_csv_chunks (sources_csv.py)

reading.py decodes and splits files and escapes formulas; bulk.py writes rows with their
history in multi-row statements; common.py holds the permission and validation helpers;
process_state.py the changes an import makes to the whole process (each undone after it).
"""

from .reading import ImportReport, RowError, RowOutcome  # noqa: F401
