"""A page of claims drawn on a time axis: a server-rendered SVG, no script.

Each dated claim is a bar from the earliest to the latest moment its date allows (a dot when
it names one moment: a time, or a single day on an axis of more than a few days), coloured
by its status through classes of the static CSS (the CSP allows no style attributes), with a
marker where it conflicts with another claim of its topic. The axis is scaled to the claims
drawn: ticks in hours for a night, days, months or years for longer spans. A date with a
time ("1937-06-11T23:35:00") is placed at that time; the stored bounds are days.
"""

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 760  # the drawing's own width (the page scrolls it inside its box on a narrow screen)
LABEL_WIDTH = 190  # the claims' keys, left of the plot
RIGHT = 20
ROW = 24
TOP = 34  # the tick labels
STATUSES = ("open", "supported", "contested", "refuted")
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})")
_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """Where a claim lies: start and end as datetimes (None for an open end), exact for one moment."""

    start: datetime.datetime | None
    end: datetime.datetime | None
    exact: bool


def span_of(claim) -> Span | None:
    """The moments a claim's date allows; None when undated."""
    if not claim.event_date or (claim.date_earliest is None and claim.date_latest is None):
        return None
    timed = _TIME.match(claim.event_date)
    if timed:
        year, month, day, hour, minute, second = (int(part) for part in timed.groups())
        moment = datetime.datetime(year, month, day, hour, minute, second)
        return Span(moment, moment, True)
    start = datetime.datetime.combine(claim.date_earliest, datetime.time()) if claim.date_earliest else None
    end = datetime.datetime.combine(claim.date_latest, datetime.time()) + _DAY if claim.date_latest else None
    return Span(start, end, False)


@dataclass(frozen=True)
class Axis:
    start: datetime.datetime
    end: datetime.datetime
    unit: str  # "hours", "days", "months" or "years"
    ticks: list[tuple[datetime.datetime, str]]

    def x(self, moment: datetime.datetime) -> float:
        plot = WIDTH - LABEL_WIDTH - RIGHT
        whole = (self.end - self.start).total_seconds() or 1
        return round(LABEL_WIDTH + plot * (moment - self.start).total_seconds() / whole, 1)


def _nice(step: float, choices: Sequence[int]) -> int:
    return next((c for c in choices if c >= step), choices[-1])


def axis_for(spans: Sequence[Span]) -> Axis | None:
    """An axis over these spans' known ends, with ticks of a unit that suits its length."""
    moments = [m for s in spans for m in (s.start, s.end) if m is not None]
    if not moments:
        return None
    start, end = min(moments), max(moments)
    if end - start < datetime.timedelta(hours=2):  # one moment: a few hours around it
        start, end = start - datetime.timedelta(hours=1), end + datetime.timedelta(hours=1)
    length = end - start
    ticks: list[tuple[datetime.datetime, str]] = []
    if length <= datetime.timedelta(days=4):
        step = _nice(length.total_seconds() / 3600 / 10, (1, 2, 3, 6, 12, 24))
        tick = start.replace(minute=0, second=0, microsecond=0)
        tick -= datetime.timedelta(hours=tick.hour % step)
        tick = tick if tick >= start else tick + datetime.timedelta(hours=step)
        while tick <= end:
            label = f"{tick:%H:%M}" if tick.hour else f"{tick.day} {tick:%b} 00:00"
            ticks.append((tick, label))
            tick += datetime.timedelta(hours=step)
        unit = "hours"
    elif length <= datetime.timedelta(days=120):
        step = _nice(length.days / 10, (1, 2, 7, 14))
        tick = datetime.datetime.combine(start.date(), datetime.time())
        tick = tick if tick >= start else tick + _DAY
        while tick <= end:
            ticks.append((tick, f"{tick.day} {tick:%b}"))
            tick += datetime.timedelta(days=step)
        unit = "days"
    elif length <= datetime.timedelta(days=366 * 4):
        months = _nice(length.days / 30.4 / 10, (1, 2, 3, 6))
        year, month = start.year, start.month
        while True:
            tick = datetime.datetime(year, month, 1)
            if tick > end:
                break
            if tick >= start and (month - 1) % months == 0:
                ticks.append((tick, f"{tick:%b} {tick.year}" if month == 1 or not ticks else f"{tick:%b}"))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        unit = "months"
    else:
        years = _nice(length.days / 365.25 / 10, (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000))
        year = math.ceil(start.year / years) * years
        while year <= end.year:
            tick = datetime.datetime(max(year, 1), 1, 1)
            if tick >= start:
                ticks.append((tick, str(year)))
            year += years
        unit = "years"
    return Axis(start, end, unit, ticks)


@dataclass
class Row:
    claim: object
    span: Span | None
    conflicts_with: list  # the claims of this page it conflicts with
    has_conflict: bool


def svg(rows: Sequence[Row], axis: Axis | None, *, label: str) -> SafeString:
    """The timeline of these rows (dated ones only) as an <svg> element."""
    drawn = [row for row in rows if row.span is not None]
    if axis is None or not drawn:
        return mark_safe("")
    height = TOP + ROW * len(drawn) + 8
    parts = [
        format_html(
            '<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}"'
            ' role="group" aria-labelledby="timeline-title"><title id="timeline-title">{}</title>',
            WIDTH,
            height,
            WIDTH,
            height,
            label,
        )
    ]
    for moment, text in axis.ticks:
        x = axis.x(moment)
        parts.append(
            format_html(
                '<line class="tick" x1="{}" y1="{}" x2="{}" y2="{}"/><text class="tick-label" x="{}" y="{}"'
                ' text-anchor="middle">{}</text>',
                x,
                TOP - 6,
                x,
                height - 4,
                x,
                TOP - 12,
                text,
            )
        )
    for index, row in enumerate(drawn):
        parts.append(_bar(row, axis, TOP + ROW * index))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))  # every part is escaped by format_html


def _bar(row: Row, axis: Axis, y: int) -> SafeString:
    claim, span = row.claim, row.span
    assert span is not None
    middle = y + ROW // 2
    start = axis.x(span.start) if span.start else LABEL_WIDTH
    end = axis.x(span.end) if span.end else WIDTH - RIGHT
    # A single day is a bar on an axis of hours or days, a dot on one of months or years.
    one_day = span.start is not None and span.end is not None and span.end - span.start <= _DAY
    dot = span.exact or (one_day and axis.unit in ("months", "years"))
    if dot:
        centre = (start + end) / 2
        shape = format_html(
            '<circle class="bar status-fill-{}" cx="{}" cy="{}" r="6"/>', claim.status, round(centre, 1), middle
        )
        marker_x = centre + 10
    else:
        width = max(end - start, 3)
        open_ends = ("open-start " if span.start is None else "") + ("open-end" if span.end is None else "")
        shape = format_html(
            '<rect class="bar status-fill-{} {}" x="{}" y="{}" width="{}" height="{}" rx="3"/>',
            claim.status,
            open_ends.strip(),
            start,
            middle - 6,
            round(width, 1),
            12,
        )
        marker_x = start + width + 6
    marker = ""
    if row.has_conflict:
        keys = ", ".join(other.key for other in row.conflicts_with)
        marker = format_html(
            '<g class="conflict-marker"><title>{}</title><path d="M{} {} l6 -7 l6 7 l-6 7 z"/></g>',
            f"Conflicts with {keys}" if keys else "Conflicts with another claim of its topic",
            round(min(marker_x, WIDTH - 14), 1),
            middle,
        )
    return format_html(
        '<g class="row"><a href="{}"><title>{}</title><text class="row-label" x="4" y="{}">{}</text>{}</a>{}</g>',
        reverse("claim_detail", args=[claim.key]),
        claim.statement,
        middle + 4,
        claim.key if len(claim.key) <= 26 else claim.key[:25] + "…",
        shape,
        marker,
    )


def legend() -> SafeString:
    """The statuses' colours, as the bars show them (a key for the drawing)."""
    return format_html(
        '<ul class="timeline-legend">{}<li><svg width="14" height="14" aria-hidden="true">'
        '<path class="conflict-marker-shape" d="M1 7 l6 -6 l6 6 l-6 6 z"/></svg> conflicts with another claim</li></ul>',
        format_html_join(
            "",
            '<li><svg width="14" height="14" aria-hidden="true"><rect class="status-fill-{}" x="1" y="3" width="12"'
            ' height="8" rx="2"/></svg> {}</li>',
            ((status, status) for status in STATUSES),
        ),
    )


def rows_for(claims: Sequence, conflicts_among: dict) -> list[Row]:
    """A row for each claim (with has_conflict set), with the claims of the page it conflicts with."""
    return [
        Row(claim, span_of(claim), conflicts_among.get(claim.pk, []), getattr(claim, "has_conflict", False))
        for claim in claims
    ]
