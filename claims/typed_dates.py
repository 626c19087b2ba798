"""Dates as historians type them, read into EDTF (claims/dates.py keeps and bounds the EDTF).

"12 June 1937?", "June 1937", "11 or 12 June 1937", "about 1937", "before 22 May 1937",
"11.06.1937", "12 июня 1937", "February 1937 to March 1937": a form's date field takes any of
these (or EDTF itself) and stores the EDTF, so nobody has to learn EDTF to enter a date, and
the page shows what was understood ("1937-06-12? — possibly 12 June 1937") before saving.

What is not read here is refused with a message naming what was not understood; nothing is
guessed (no American month/day orders: 06/11/1937 is refused, not read either way).
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from claims.dates import EDTF_HELP, edtf_bounds, edtf_in_words
from claims.quoting import Bounded

_MONTH_NAMES = {
    # English, full and short; Russian in the nominative and the genitive ("12 июня"), and short.
    1: "january jan январь января янв",
    2: "february feb февраль февраля фев",
    3: "march mar март марта мар",
    4: "april apr апрель апреля апр",
    5: "may май мая",
    6: "june jun июнь июня июн",
    7: "july jul июль июля июл",
    8: "august aug август августа авг",
    9: "september sep sept сентябрь сентября сен сент",
    10: "october oct октябрь октября окт",
    11: "november nov ноябрь ноября ноя",
    12: "december dec декабрь декабря дек",
}
MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}

_APPROXIMATE = ("circa", "about", "around", "approximately", "approx", "ca", "c", "около", "примерно", "ок")
_BEFORE = ("before", "not after", "by", "до", "не позднее")
_AFTER = ("after", "not before", "since", "после", "не ранее")
_RANGE_START = ("from", "between", "с")
_RANGE_JOINERS = (" to ", " until ", " till ", " and ", " – ", " — ", " - ", " по ", " до ")
_OR = (" or ", " или ")

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# A year is three or four digits ("862", "1937"), perhaps followed by "г."/"года"/"AD".
_YEAR_WORDS = r"(?:\s*(?:г\.?|года|год|ad|ce))?"
_FORMS = [
    re.compile(
        rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mn>{_MONTH})\.?,?(?:\s+(?P<y>\d{{3,4}}){_YEAR_WORDS})?"
    ),
    re.compile(rf"(?P<mn>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{3,4}}))?"),
    re.compile(rf"(?P<mn>{_MONTH})\.?,?(?:\s+(?P<y>\d{{3,4}}){_YEAR_WORDS})?"),
    re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{3,4})" + _YEAR_WORDS),
    re.compile(r"(?P<m>\d{1,2})\.(?P<y>\d{4})" + _YEAR_WORDS),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})(?:-(?P<d>\d{2}))?"),
    re.compile(r"(?P<y>\d{3,4})" + _YEAR_WORDS),
    # A lone day or month stands only as the first of a pair: "11 or 12 June 1937", "11 to 12 June".
    re.compile(r"(?P<d>\d{1,2})"),
]
_DECADE = re.compile(r"(?P<y>\d{3})0s")


@dataclass(frozen=True)
class Day:
    """A day, month or year as typed: what is missing is None."""

    year: int | None
    month: int | None
    day: int | None

    def filled_from(self, later: "Day") -> "Day":
        """The first of a pair takes what it leaves out from the second: "11 or 12 June 1937"."""
        if self.year is not None:
            return self
        month = self.month if self.month is not None else (later.month if self.day is not None else None)
        return Day(later.year, month, self.day)

    def edtf(self, text: str) -> str:
        if self.year is None or (self.day is not None and self.month is None):
            raise _not_understood(text)
        if not 1 <= self.year <= 9999:
            raise ValidationError(
                "%(value)s: years before 1 CE or after 9999 cannot be sorted or filtered here yet.",
                code="edtf_out_of_range",
                params={"value": Bounded(text)},
            )
        if self.month is None:
            return f"{self.year:04d}"
        if not 1 <= self.month <= 12:
            raise ValidationError(
                "%(value)s: there is no month %(month)d.",
                code="date_invalid",
                params={"value": Bounded(text), "month": self.month},
            )
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        try:
            datetime.date(self.year, self.month, self.day)
        except ValueError:
            raise ValidationError(
                "%(value)s: that month has no day %(day)d.",
                code="date_invalid",
                params={"value": Bounded(text), "day": self.day},
            ) from None
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class Reading:
    """What a typed date was understood as: its EDTF and that EDTF in words."""

    edtf: str
    words: str


def _not_understood(text: str) -> ValidationError:
    return ValidationError(
        "“%(value)s” is not a date this form understands. Type e.g. 12 June 1937, June 1937, 1937, "
        "12 June 1937? (uncertain), about 1937, 11 or 12 June 1937, before 22 May 1937, after 1937, "
        "February to March 1937, 11.06.1937, 12 июня 1937; or EDTF: " + EDTF_HELP,
        code="date_not_understood",
        params={"value": Bounded(text)},
    )


def _day(part: str, text: str, *, alone: bool) -> Day:
    """One date ("12 June 1937", "11.06.1937", "June"), else ValidationError. alone: it is not the
    first of a pair, so it must name its year."""
    for form in _FORMS:
        match = form.fullmatch(part)
        if match:
            found = match.groupdict()
            month = MONTHS[found["mn"]] if found.get("mn") else found.get("m")
            day = Day(
                int(found["y"]) if found.get("y") else None,
                int(month) if month is not None else None,
                int(found["d"]) if found.get("d") else None,
            )
            if alone and day.year is None:
                raise _not_understood(text)
            return day
    raise _not_understood(text)


def _strip_words(part: str, words: tuple[str, ...]) -> tuple[bool, str]:
    """(whether part starts with one of words, the rest)."""
    for word in sorted(words, key=len, reverse=True):
        match = re.match(rf"{re.escape(word)}(?:\.|\b)\s*", part)
        if match and part[match.end() :].strip():
            return True, part[match.end() :].strip()
    return False, part


def _qualified(part: str, text: str) -> str:
    """A single date with its qualifiers: "about 1937" -> 1937~, "12 June 1937?" -> 1937-06-12?."""
    uncertain = part.endswith("?")
    part = part.rstrip("?").strip()
    approximate, part = _strip_words(part, _APPROXIMATE)
    decade = _DECADE.fullmatch(part)
    if decade:
        if uncertain or approximate:
            raise _not_understood(text)
        return f"{decade['y']}X"
    edtf = _day(part, text, alone=True).edtf(text)
    return edtf + ("%" if uncertain and approximate else "?" if uncertain else "~" if approximate else "")


def _pair(first: str, second: str, text: str) -> tuple[str, str]:
    """Two dates, the first filled from the second ("11 or 12 June 1937"); qualifiers only as EDTF has them."""
    later = _day(second.strip(), text, alone=True)
    earlier = _day(first.strip(), text, alone=False).filled_from(later)
    return earlier.edtf(text), later.edtf(text)


def _split_once(text: str, joiners: tuple[str, ...]) -> tuple[str, str] | None:
    for joiner in joiners:
        if joiner in text:
            first, _, second = text.partition(joiner)
            return first.strip(), second.strip()
    return None


def _read(text: str) -> str:
    normal = " ".join(text.replace("\u00a0", " ").split()).casefold()
    normal = re.sub(r"\s*([–—])\s*", r" \1 ", normal)  # "1937–1938" as "1937 – 1938"
    # (EDTF has no qualifier on the known end of an open set: "before about 1937" is not read.)
    before, rest = _strip_words(normal, _BEFORE)
    if before:
        return f"[..{_day(rest, text, alone=True).edtf(text)}]"
    after, rest = _strip_words(normal, _AFTER)
    if after:
        return f"[{_day(rest, text, alone=True).edtf(text)}..]"
    pair = _split_once(normal, _OR)
    if pair:
        return "[{},{}]".format(*_pair(*pair, text))
    starts, rest = _strip_words(normal, _RANGE_START)
    pair = _split_once(rest, _RANGE_JOINERS)
    if pair:
        return "{}/{}".format(*_pair(*pair, text))
    if starts:
        raise _not_understood(text)
    return _qualified(normal, text)


def read_date(text: str) -> Reading:
    """The EDTF a typed date means, with its words; ValidationError naming the problem if none.
    EDTF itself is taken as it is. Empty text is no date: Reading("", "")."""
    text = text.strip()
    if not text:
        return Reading("", "")
    try:
        edtf_bounds(text)
    except ValidationError:
        edtf = _read(text)
        try:
            edtf_bounds(edtf)
        except ValidationError as exc:
            raise ValidationError(
                "“%(value)s”, read as %(edtf)s: %(problem)s",
                code=exc.code,
                params={"value": Bounded(text), "edtf": edtf, "problem": " ".join(exc.messages)},
            ) from None
    else:
        edtf = text
    return Reading(edtf, edtf_in_words(edtf))
