"""EDTF dates (Library of Congress Extended Date/Time Format) and their derived bounds.

A claim or source keeps its date as the EDTF string a historian typed; for sorting and
filtering we also store the earliest and latest calendar day the string can mean.
"""

import datetime
import math
import re
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


# --- In words, for pages: "11 June 1937, 23:35", "June 1937", "11 or 12 June 1937" ---

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
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
    if a and b and not (a["time"] or b["time"] or a["q"] or b["q"]) and a["d"] and b["d"]:
        if (a["y"], a["m"]) == (b["y"], b["m"]):
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
    if text.startswith("[") and text.endswith("]"):
        items = text[1:-1].split(",")
        if len(items) == 2 and ".." not in text:
            words = _pair_words(items[0], items[1], " or ")
        elif ".." not in text:
            parts = [_single_words(i) for i in items]
            words = ", ".join(parts[:-1]) + " or " + parts[-1] if all(parts) else None
    elif text.startswith("{") and text.endswith("}"):
        items = text[1:-1].split(",")
        parts = [_single_words(i) for i in items]
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
            words = words or (f"{_single_words(start)} to {_single_words(end)}"
                              if _single_words(start) and _single_words(end) else None)
    else:
        words = _single_words(text)
    return words or text
