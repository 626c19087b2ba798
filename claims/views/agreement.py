"""Reviewer agreement: /agreement/ and /agreement.json (claims/selectors/agreement.py).

Every reader sees the aggregate figures, over every grade or a topic's (?topic=<slug>; an
unknown slug is 404): they name no reviewer and show no grade of any source or citation. The
breakdown (pairs of reviewers, each reviewer against the others, the targets they disagree on
most) is for editors and staff alone, so that blind grading leaks nothing to a reviewer.

The figures are those stored by the background job (models.AgreementFigures), so that the pages
cost the same however many grades there are; the page says when they were computed and whether
grades changed since.
"""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import http_date, urlencode
from django.views.decorators.http import require_POST, require_safe

from claims import roles, services
from claims.forms import fields
from claims.models import Topic
from claims.selectors import agreement as selector

from .access import reader_required

NOT_COMPUTED = (
    "The agreement figures have not been computed yet. They are computed in the background "
    "(manage.py db_worker) after grades change; try again in a moment."
)


class AgreementFilterForm(forms.Form):
    topic = fields.topic_filter()


def _topic_asked(request: HttpRequest) -> tuple[AgreementFilterForm, Topic | None]:
    """The ?topic= filter (None: all topics); 404 for a slug no topic has, or one no topic could
    have (a NUL, which PostgreSQL cannot even be asked about)."""
    form = AgreementFilterForm(request.GET)
    form.is_valid()
    if "topic" in form.errors:
        raise Http404("No topic has this slug.")
    return form, form.cleaned_data.get("topic")


@require_safe
@reader_required
def agreement(request: HttpRequest) -> HttpResponse:
    form, topic = _topic_asked(request)
    breakdown = roles.can_edit_any(request.user)
    stored = selector.stored_agreement(topic=topic, breakdown=breakdown)
    return render(
        request,
        "claims/agreement.html",
        {
            "form": form,
            "topic": topic,
            "stored": stored,
            "scales": stored.scales or [],
            "breakdown": breakdown,
            "reliable": selector.RELIABLE,
            "tentative": selector.TENTATIVE,
            "resamples": selector.RESAMPLES,
        },
    )


@require_safe
@reader_required
def agreement_json(request: HttpRequest) -> JsonResponse:
    _, topic = _topic_asked(request)
    stored = selector.stored_agreement(topic=topic)
    if stored.scales is None or stored.computed_at is None:
        response = JsonResponse({"error": NOT_COMPUTED}, status=503)
        response["Retry-After"] = "10"
        return response
    response = JsonResponse({item.scale.key: item.overall.as_json() for item in stored.scales})
    response["Last-Modified"] = http_date(stored.computed_at.timestamp())
    return response


@require_POST
@reader_required
def agreement_recompute(request: HttpRequest) -> HttpResponse:
    form = AgreementFilterForm(request.POST)
    topic = form.cleaned_data.get("topic") if form.is_valid() else None
    services.agreement_recompute(actor=request.user)  # type: ignore[arg-type]  # (behind login)
    messages.success(request, "The agreement figures are being computed again; reload the page in a moment.")
    back = reverse("agreement")
    return redirect(f"{back}?{urlencode({'topic': topic.slug})}" if topic else back)
