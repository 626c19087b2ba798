"""Reviewer agreement: /agreement/ and /agreement.json (claims/selectors/agreement.py).

Every reader sees the aggregate figures, over every grade or a topic's (?topic=<slug>; an
unknown slug is 404): they name no reviewer and show no grade of any source or citation. The
breakdown (pairs of reviewers, each reviewer against the others, the targets they disagree on
most) is for editors and staff alone, so that blind grading leaks nothing to a reviewer.
"""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from claims import roles
from claims.forms import fields
from claims.models import Topic
from claims.selectors import agreement as selector

from .access import reader_required


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
    return render(
        request,
        "claims/agreement.html",
        {
            "form": form,
            "topic": topic,
            "scales": selector.agreement(topic=topic, breakdown=breakdown),
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
    return JsonResponse({item.scale.key: item.overall.as_json() for item in selector.agreement(topic=topic)})
