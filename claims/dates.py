"""EDTF dates (Library of Congress Extended Date/Time Format) and their derived bounds.

A claim or source keeps its date as the EDTF string a historian typed; for sorting and
filtering we also store the earliest and latest calendar day the string can mean.
"""

import calendar
import datetime
import functools
import math
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from edtf import EDTFParseException, parse_edtf

from claims.quoting import Bounded

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
            params={"value": Bounded(text)},
        )
    return datetime.date(year, month, day)


def edtf_bounds(text: str) -> DateBounds:
    """Parse an EDTF string; raise ValidationError naming the problem if it is not one."""
    if text != text.strip():
        raise ValidationError(
            "%(value)r has spaces around it; an EDTF date has none.",
            code="edtf_whitespace",
            params={"value": Bounded(text)},
        )
    return _bounds(text)


@functools.lru_cache(maxsize=16384)
def _bounds(text: str) -> DateBounds:
    """The bounds of a stripped EDTF string (cached: imports repeat dates; errors are not cached).

    The common forms (a day, month or year, maybe uncertain or approximate, a day and time,
    an interval of those, a set of those) are read by _simple_bounds, which gives exactly
    the edtf package's answer thousands of times faster; everything else, and every string
    that is not EDTF, goes to the edtf package (its pyparsing grammar takes milliseconds).
    """
    fast = _simple_bounds(text)
    if fast is not None:
        earliest, latest = fast
    else:
        try:
            parsed = parse_edtf(text)
        except EDTFParseException:
            raise ValidationError(
                "%(value)r is not a valid EDTF date. Use " + EDTF_HELP,
                code="edtf_invalid",
                params={"value": Bounded(text)},
            ) from None
        earliest = _to_date(parsed.lower_strict(), text)
        latest = _to_date(parsed.upper_strict(), text)
    if earliest and latest and earliest > latest:
        raise ValidationError("%(value)s ends before it starts.", code="edtf_reversed", params={"value": Bounded(text)})
    return DateBounds(earliest, latest)


_DAY = re.compile(
    r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})(?:Z|[+-]\d{2}(?::\d{2})?)?)?)?)?(?P<q>[?~%])?"
)


def _simple_day(text: str, *, time: bool, qualifier: bool) -> tuple[datetime.date, datetime.date] | None:
    """(earliest, latest) of YYYY, YYYY-MM or YYYY-MM-DD (with time, qualifier if allowed), else None."""
    match = _DAY.fullmatch(text)
    if match is None:
        return None
    y, m, d, hour, q = match["y"], match["m"], match["d"], match["H"], match["q"]
    if (hour is not None and (not time or q or int(hour) > 23 or int(match["M"]) > 59 or int(match["S"]) > 59)) or (
        q and not qualifier
    ):
        return None
    year = int(y)
    if year < 1:
        return None
    if m is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    month = int(m)
    if not 1 <= month <= 12:
        return None  # seasons (21-24) and errors: the edtf package decides
    if d is None:
        return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
    try:
        day = datetime.date(year, month, int(d))
    except ValueError:
        return None
    return day, day


def _simple_bounds(text: str) -> tuple[datetime.date | None, datetime.date | None] | None:
    """The edtf package's strict bounds for the common forms; None for any other string."""
    if "/" in text:
        start, _, end = text.partition("/")
        if "/" in end:
            return None
        first = None if start == ".." else _simple_day(start, time=False, qualifier=True)
        last = None if end == ".." else _simple_day(end, time=False, qualifier=True)
        if (first is None and start != "..") or (last is None and end != "..") or (first is None and last is None):
            return None
        return (first[0] if first else None), (last[1] if last else None)
    if text[:3] == "[.." and text[-1:] == "]" and "," not in text:  # one day on or before (typed "before X")
        day = _simple_day(text[3:-1], time=False, qualifier=False)
        return (None, day[1]) if day else None
    if text[:1] == "[" and text[-3:] == "..]" and "," not in text:  # one day on or after
        day = _simple_day(text[1:-3], time=False, qualifier=False)
        return (day[0], None) if day else None
    if text[:1] in ("[", "{") and text[-1:] == {"[": "]", "{": "}"}.get(text[:1]):
        found = [_simple_day(item, time=False, qualifier=False) for item in text[1:-1].split(",")]
        days = [day for day in found if day is not None]
        if not found or len(days) < len(found):
            return None
        return min(i[0] for i in days), max(i[1] for i in days)
    return _simple_day(text, time=True, qualifier=True)


def validate_edtf(text: str) -> None:
    if text:
        edtf_bounds(text)


# --- In words, for pages: "11 June 1937, 23:35", "June 1937", "11 or 12 June 1937" ---

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_SEASONS = {"21": "spring", "22": "summer", "23": "autumn", "24": "winter"}
_SIMPLE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})(?:T(?P<time>\d{2}:\d{2}:\d{2})(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?"
    r"(?P<q>[?~%])?$"
)


def _day_words(y: str, m: str | None, d: str | None) -> str:
    if m in _SEASONS:
        return f"{_SEASONS[m]} {y}"
    if m is None:
        return y
    month = _MONTHS[int(m) - 1]
    return f"{int(d)} {month} {y}" if d else f"{month} {y}"


def _single_words(text: str) -> str | None:
    if re.fullmatch(r"\d{3}X", text):
        return f"the {text[:3]}0s"
    match = _SIMPLE.match(text)
    if not match:
        return None
    y, m, d, time, tz, q = (match.group(k) for k in ("y", "m", "d", "time", "tz", "q"))
    words = _day_words(y, m, d)
    if time:
        words += ", " + (time[:5] if time.endswith(":00") else time)
        if tz:
            words += " UTC" if tz == "Z" else f" (UTC{tz})"
    prefix = {"~": "about ", "?": "possibly ", "%": "possibly about ", None: ""}[q]
    return prefix + words


def _pair_words(first: str, second: str, joiner: str) -> str | None:
    """Join two dates, saying the shared month and year once: "11 or 12 June 1937"."""
    a, b = _SIMPLE.match(first), _SIMPLE.match(second)
    if (
        a
        and b
        and not (a["time"] or b["time"] or a["q"] or b["q"])
        and a["d"]
        and b["d"]
        and (a["y"], a["m"]) == (b["y"], b["m"])
    ):
        return f"{int(a['d'])}{joiner}{_day_words(b['y'], b['m'], b['d'])}"
    left, right = _single_words(first), _single_words(second)
    if left and right:
        return f"{left}{joiner}{right}"
    return None


def edtf_in_words(text: str) -> str:
    """A reader's rendering of an EDTF date; the EDTF string itself when no wording fits."""
    if not text:
        return ""
    try:
        edtf_bounds(text)
    except ValidationError:
        return text
    words = None
    if text.startswith("[..") and text.endswith("]") and "," not in text and _single_words(text[3:-1]):
        words = f"on or before {_single_words(text[3:-1])}"  # one day, of those up to this one
    elif text.startswith("[") and text.endswith("..]") and "," not in text and _single_words(text[1:-3]):
        words = f"on or after {_single_words(text[1:-3])}"
    elif text.startswith("[") and text.endswith("]"):
        items = text[1:-1].split(",")
        if len(items) == 2 and ".." not in text:
            words = _pair_words(items[0], items[1], " or ")
        elif ".." not in text:
            parts = [_single_words(i) or "" for i in items]
            words = ", ".join(parts[:-1]) + " or " + parts[-1] if all(parts) else None
    elif text.startswith("{") and text.endswith("}"):
        items = text[1:-1].split(",")
        parts = [_single_words(i) or "" for i in items]
        if len(items) == 2:
            words = _pair_words(items[0], items[1], " and ")
        elif all(parts):
            words = ", ".join(parts[:-1]) + " and " + parts[-1]
    elif "/" in text:
        start, end = text.split("/", 1)
        if start in {"", ".."} and _single_words(end):
            words = f"until {_single_words(end)}"
        elif end in {"", ".."} and _single_words(start):
            words = f"from {_single_words(start)} on"
        else:
            words = _pair_words(start, end, "–") if "-" in start and start[:7] == end[:7] else None
            words = words or (
                f"{_single_words(start)} to {_single_words(end)}"
                if _single_words(start) and _single_words(end)
                else None
            )
    else:
        words = _single_words(text)
    return words or text
