"""A topic's competing-hypotheses matrix and its CSV (claims/selectors/matrix.py).

Pages for readers (reader_required), GET and HEAD only; ?claim=<key> (repeated, at most
selectors.matrix.MATRIX_CLAIMS) picks the columns. Both answer under the blind-grading rules.
"""

import csv
import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from claims.csv.reading import escape_formula
from claims.models import Topic
from claims.selectors import matrix as selector

from .access import reader_required

HIDDEN = "hidden"


def _matrix(request: HttpRequest, slug: str) -> selector.Matrix:
    topic = get_object_or_404(Topic, slug=slug)
    picked = selector.parse_keys(request.GET.getlist("claim"))
    return selector.topic_matrix(topic=topic, user=request.user, picked=picked)


@require_safe
@reader_required
def topic_matrix(request: HttpRequest, slug: str) -> HttpResponse:
    """The topic's claims side by side against its evidence, least inconsistent first."""
    found = _matrix(request, slug)
    return render(
        request,
        "claims/matrix.html",
        {
            "matrix": found,
            "topic": found.topic,
            "picked_keys": {column.claim.key for column in found.columns} if found.picked else set(),
            "limits": {"claims": selector.MATRIX_CLAIMS, "rows": selector.MATRIX_ROWS},
            "hidden_notice": selector.HIDDEN_NOTICE,
            "colspan": 3 + len(found.columns),
            "query": request.GET.urlencode(),
        },
    )


def _value(cell: selector.Cell) -> str:
    if cell.hidden:
        return HIDDEN
    return cell.value or ""


def _number(value) -> str:
    return "" if value is None else f"{value:.2f}"


@require_safe
@reader_required
def topic_matrix_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The matrix as shown (the same columns and rows, the same blind rules), a row per citation
    and a last row of the claims' inconsistency scores."""
    found = _matrix(request, slug)
    out = io.StringIO()
    writer = csv.writer(out)
    keys = [column.claim.key for column in found.columns]
    writer.writerow(
        escape_formula(cell) for cell in ["source", "claim", "locator", "stance", "weight", "diagnosticity", *keys]
    )
    for group in found.groups:
        for row in group.rows:
            citation = row.citation
            writer.writerow(
                [
                    escape_formula(group.source.key),
                    escape_formula(citation.claim.key),
                    escape_formula(citation.locator),
                    citation.stance,
                    HIDDEN if found.blind else _number(row.weight),
                    "" if row.diagnosticity is None else str(row.diagnosticity),
                    *(_value(cell) for cell in row.cells),
                ]
            )
    writer.writerow(
        [
            "inconsistency score",
            "",
            "",
            "",
            "",
            "",
            *(HIDDEN if found.blind else _number(c.score) for c in found.columns),
        ]
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="matrix-{found.topic.slug}.csv"'
    return response
