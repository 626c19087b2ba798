"""A list of ids as ONE query parameter: a JSON array read by json_each on SQLite, an array
(= ANY) on PostgreSQL, whose planner then knows how many there are and uses the column's
index. One parameter however many ids (SQLite's own limit on parameters was 999 before 3.32),
so a query's SQL can be built once and run for chunk after chunk of ids.
"""

from collections.abc import Iterable

from django.db.models import Lookup


def ids_condition(column: str, connection, placeholder: str = "%s") -> str:
    """SQL saying that `column` is one of the ids in the parameter at `placeholder`."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY({placeholder}::bigint[])"
    return f"{column} IN (SELECT value FROM json_each({placeholder}))"


def ids_parameter(ids: Iterable[int], connection):
    """The parameter for ids_condition (and AmongIds)."""
    ids = list(ids)
    return ids if connection.vendor == "postgresql" else "[" + ",".join(map(str, ids)) + "]"


class AmongIds(Lookup):
    """ids_condition for a queryset: filter(AmongIds(F("claim_id"), Value(ids_parameter(…))))."""

    lookup_name = "among_ids"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return ids_condition(lhs, connection, rhs), (*lhs_params, *rhs_params)
