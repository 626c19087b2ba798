"""EDTF dates (Library of Congress Extended Date/Time Format) and their derived bounds.

A claim or source keeps its date as the EDTF string a historian typed; for sorting and
filtering we also store the earliest and latest calendar day the string can mean.
"""

import datetime
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from edtf import EDTFParseException, parse_edtf

EDTF_HELP = (
    "EDTF, e.g. 1937-06-11T23:35:00 (day and time), 1937-06 (a month), "
    "1937-06-11/1937-06-12 (an interval), [1937-06-11,1937-06-12] (one of), 1937? (uncertain), "
    "1937~ (approximate), ../1937 (open start)."
)


@dataclass(frozen=True)
class DateBounds:
    earliest: datetime.date | None
    latest: datetime.date | None


def _to_date(bound, text: str) -> datetime.date | None:
    # The edtf package answers ±inf for the open end of an interval ("../1937").
    if isinstance(bound, float) and math.isinf(bound):
        return None
    year, month, day = bound.tm_year, bound.tm_mon, bound.tm_mday
    if not 1 <= year <= 9999:
        raise ValidationError(
            "%(value)s: years before 1 CE or after 9999 cannot be sorted or filtered here yet.",
            code="edtf_out_of_range",
            params={"value": text},
        )
    return datetime.date(year, month, day)


def edtf_bounds(text: str) -> DateBounds:
    """Parse an EDTF string; raise ValidationError naming the problem if it is not one."""
    if text != text.strip():
        raise ValidationError(
            "%(value)r has spaces around it; an EDTF date has none.",
            code="edtf_whitespace",
            params={"value": text},
        )
    try:
        parsed = parse_edtf(text)
    except EDTFParseException:
        raise ValidationError(
            "%(value)r is not a valid EDTF date. Use " + EDTF_HELP,
            code="edtf_invalid",
            params={"value": text},
        ) from None
    earliest = _to_date(parsed.lower_strict(), text)
    latest = _to_date(parsed.upper_strict(), text)
    if earliest and latest and earliest > latest:
        raise ValidationError(
            "%(value)s ends before it starts.", code="edtf_reversed", params={"value": text}
        )
    return DateBounds(earliest, latest)


def validate_edtf(text: str) -> None:
    if text:
        edtf_bounds(text)
