"""Dates side by side: the conflicts between claims' dates, and the timelines of a topic and
of a person.

Pages for readers (reader_required), GET and HEAD only, each a fixed number of queries
however many claims and conflicts there are (claims/selectors/conflicts.py; a timeline is
drawn from one page of claims, claims/timeline.py).
"""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from claims import timeline
from claims.forms import fields
from claims.models import Person, Topic
from claims.selectors import conflicts, lists

from .access import reader_required


class ConflictFilterForm(forms.Form):
    topic = fields.topic_filter()


@require_safe
@reader_required
def conflict_list(request: HttpRequest) -> HttpResponse:
    """Every date conflict, by topic and date, a page at a time; ?topic=<slug> narrows it to
    one topic (an unknown slug is reported beside the filter, as on the claim list, and no
    conflicts are listed for it)."""
    form = ConflictFilterForm(request.GET)
    form.is_valid()
    topic = form.cleaned_data.get("topic") if "topic" not in form.errors else None
    page = None
    if "topic" not in form.errors:
        page = conflicts.conflicts_page(topic=topic, number=request.GET.get("page"), user=request.user)
    return render(
        request,
        "claims/conflict_list.html",
        {
            "form": form,
            "topic": topic,
            "page": page,
            "conflicts": page.object_list if page else [],
            "count_limit": conflicts.COUNT_LIMIT,
        },
    )


def _timeline(request: HttpRequest, name: str, record, page) -> HttpResponse:
    claims = conflicts.with_conflict_marks(page.object_list)
    rows = timeline.rows_for(claims, conflicts.conflicts_among(claims))
    axis = timeline.axis_for([row.span for row in rows if row.span is not None])
    label = (
        f"Timeline of the claims {'on' if name == 'topic' else 'about'} {getattr(record, 'title', None) or record.name}"
    )
    return render(
        request,
        "claims/timeline.html",
        {
            name: record,
            "record": record,
            "kind": name,
            "page": page,
            "rows": rows,
            "axis": axis,
            "svg": timeline.svg(rows, axis, label=label),
            "legend": timeline.legend(),
            "label": label,
        },
    )


@require_safe
@reader_required
def topic_timeline(request: HttpRequest, slug: str) -> HttpResponse:
    """A topic's claims on a time axis, a page of them at a time (by date, undated last)."""
    topic = get_object_or_404(Topic, slug=slug)
    return _timeline(
        request,
        "topic",
        topic,
        lists.topic_claims(topic=topic, user=request.user, page=request.GET.get("page"), summed=False),
    )


@require_safe
@reader_required
def person_timeline(request: HttpRequest, slug: str) -> HttpResponse:
    """The claims about a person on a time axis, a page of them at a time (by date, undated last)."""
    person = get_object_or_404(Person, slug=slug)
    return _timeline(
        request,
        "person",
        person,
        lists.person_claims(person=person, user=request.user, page=request.GET.get("page"), summed=False),
    )
