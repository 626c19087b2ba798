"""What a page shows of an import report, as plain JSON: a background job's result is stored
as JSON, and the page of a request's own import shows the same (claims/views/exchange.py)."""

from dataclasses import dataclass, field

from claims.quoting import shorten

from .reading import ImportReport, RowError, RowOutcome

SHOWN_ROWS = 500  # rows of a preview, and errors, listed on the page; the counts cover all
VALUE_SHOWN = 300  # characters of an old or new value a preview shows (a statement may be long)


def report_json(report: ImportReport, *, seconds: float | None = None) -> dict:
    changes = [row for row in report.rows if row.action != RowOutcome.UNCHANGED]
    return {
        "ok": report.ok,
        "dry_run": report.dry_run,
        "changed_since_preview": report.changed_since_preview,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rows_count": len(report.rows),
        "errors_count": len(report.errors),
        "changes_count": len(changes),
        "errors": [[e.row, e.column, e.message, e.needs] for e in report.errors[:SHOWN_ROWS]],
        "changes": [
            [
                c.row,
                c.key,
                c.action,
                list(c.changes),
                [[n, shorten(o, VALUE_SHOWN), shorten(v, VALUE_SHOWN)] for n, o, v in c.values],
            ]
            for c in changes[:SHOWN_ROWS]
        ],
        "seconds": seconds,
    }


@dataclass
class ShownReport:
    """report_json read back: what csv_import.html shows."""

    ok: bool
    changed_since_preview: bool
    created: int
    updated: int
    unchanged: int
    rows_count: int
    errors_count: int
    changes_count: int
    errors: list[RowError] = field(default_factory=list)  # the first SHOWN_ROWS
    changes: list[RowOutcome] = field(default_factory=list)  # the first SHOWN_ROWS
    seconds: float | None = None

    @classmethod
    def of(cls, data: dict) -> "ShownReport":
        values = {
            name: data[name]
            for name in (
                "ok",
                "changed_since_preview",
                "created",
                "updated",
                "unchanged",
                "rows_count",
                "errors_count",
                "changes_count",
                "seconds",
            )
        }
        return cls(
            **values,
            errors=[RowError(*e) for e in data["errors"]],
            # (a job's report stored before the old and new values were kept has four items a change)
            changes=[
                RowOutcome(row, key, action, tuple(changes), tuple(tuple(v) for v in values[0]) if values else ())
                for row, key, action, changes, *values in data["changes"]
            ],
        )

    @property
    def summary(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"
