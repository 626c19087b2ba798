"""The page of a cell of a topic's competing-hypotheses matrix: a citation rated against another claim.

GET shows the citation, the claim it is rated against, the user's own rating form (for those who
grade, unless it is their own work) and the other reviewers' ratings with their notes and
disputes, unless blind grading hides them (claims/selectors/ratings.py); POST saves the user's
rating through services.consistency_rating_set.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from claims import roles, services, targets
from claims.forms.review import RatingForm
from claims.forms.service_errors import add_service_errors
from claims.selectors.cell import cell_claims, cell_page

from .access import AuthenticatedHttpRequest, form_methods, reader_required, require
from .review import _abilities


@reader_required
@form_methods
def consistency_cell(request: AuthenticatedHttpRequest, pk: int, claim_key: str) -> HttpResponse:
    if request.method == "POST":  # (refused by role first: it never tells whether the cell exists)
        require(roles.can_assess(request.user), services.GRADER_NEEDED)
    cell = cell_claims(pk, claim_key)
    if cell is None:
        raise Http404("No such cell: the claim is the citation's own, or of another topic.")
    citation, claim = cell
    page = cell_page(citation, claim, request.user)
    url = targets.cell_page(citation, claim)
    if request.method == "POST":
        require(not page.refusal, page.refusal)
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                services.consistency_rating_set(
                    actor=request.user,
                    citation=citation,
                    claim=claim,
                    grade=form.cleaned_data["grade"],
                    rationale=form.cleaned_data["rationale"],
                    expected_version=form.cleaned_data["version"],
                    target_version=form.cleaned_data["target_version"],
                    claim_version=form.cleaned_data["claim_version"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Your consistency rating is saved.")
                return redirect(f"{url}#your-rating")
    else:
        own = page.own
        initial: dict[str, str | int] = {"grade": own.grade, "rationale": own.rationale} if own else {}
        initial |= {
            "version": own.version if own else services.NO_GRADE_YET,
            "target_version": citation.version,
            "claim_version": claim.version,
        }
        form = RatingForm(initial=initial)
    return render(
        request,
        "claims/consistency_cell.html",
        {"page": page, "citation": citation, "claim": claim, "form": form, "next": url, **_abilities(request.user)},
    )
