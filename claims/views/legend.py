"""The grade legend: the Admiralty scales and the consistency ratings in words, one click from
every page that shows a grade (claims/templates/claims/_legend_link.html)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from claims.grading import CREDIBILITY_DEFINITIONS, RELIABILITY_DEFINITIONS, Consistency, Credibility, Reliability

from .access import reader_required


def _scale(choices, definitions: dict) -> list[dict]:
    """Each value of a scale with its short label and its definition (the definition's first
    words repeat the label: only what follows them is kept)."""
    return [
        {"value": value, "label": label.partition(": ")[2], "meaning": definitions[value].partition(": ")[2]}
        for value, label in choices
    ]


@require_safe
@reader_required
def grade_legend(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "claims/grade_legend.html",
        {
            "scales": [
                {
                    "key": "reliability",
                    "title": "Source reliability (A–F)",
                    "column": "Reliability",
                    "grades": _scale(Reliability.choices, RELIABILITY_DEFINITIONS),
                },
                {
                    "key": "credibility",
                    "title": "Citation credibility (1–6)",
                    "column": "Credibility",
                    "grades": _scale(Credibility.choices, CREDIBILITY_DEFINITIONS),
                },
            ],
            "consistency": [
                {"value": value, "label": label.partition(": ")[2]} for value, label in Consistency.choices
            ],
        },
    )
