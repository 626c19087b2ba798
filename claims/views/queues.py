"""The review queues: /review/, what waits for the reviewer's grade, and /review/adjudicate/,
what an editor should look at (claims/selectors/queues.py reads both)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from claims import roles, services, targets
from claims.models import Dispute
from claims.selectors import lists, queues

from .access import reader_required, require


@require_safe
@reader_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The sources and citations waiting for this user's grade, most-cited first, each linking
    to its grade form. No grade of anyone's is shown (blind grading)."""
    user = request.user
    require(roles.can_assess(user), services.GRADER_NEEDED)
    sources = queues.source_window(user, request.GET.get("sources"))
    citations = queues.citation_window(user, request.GET.get("citations"))
    for graded, window in (("source", sources), ("citation", citations)):
        grading = targets.by_field(graded).grading
        for row in window.rows:
            row.grade_url = grading.form(row)
    count = queues.waiting_count(user)
    return render(
        request,
        "claims/review_queue.html",
        {
            "sources": sources,
            "citations": citations,
            "count": queues.shown_count(count),
            "capped": count >= queues.NAV_CAP,
        },
    )


@require_safe
@reader_required
def review_adjudicate(request: HttpRequest) -> HttpResponse:
    """For editors: the open disputes oldest first, the targets whose grades lie far apart, and
    citations graded "confirmed by other sources" that nothing independent confirms."""
    require(roles.can_resolve_dispute(request.user), services.EDITOR_NEEDED)
    source_spreads = queues.disagreements(queues.spread_sources(), request.GET.get("sources"), graded="source")
    citation_spreads = queues.disagreements(queues.spread_citations(), request.GET.get("citations"), graded="citation")
    confirmed, confirmed_total, unchecked = queues.confirmed_on_one_line()
    disputes = list(lists.open_disputes()[: queues.SECTION_CAP])
    return render(
        request,
        "claims/review_adjudicate.html",
        {
            "disputes": disputes,
            "disputes_more": queues.capped_count(Dispute.objects.open()) - len(disputes),
            "source_spreads": source_spreads,
            "citation_spreads": citation_spreads,
            "confirmed": confirmed,
            "confirmed_more": confirmed_total - len(confirmed),
            "unchecked": unchecked,
            "section_cap": queues.SECTION_CAP,
            "count_cap": queues.COUNT_CAP,
            "candidates": queues.CONFIRMED_CANDIDATES,
            "spread": queues.SPREAD,
        },
    )
