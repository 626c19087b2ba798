"""The researchers' review pages: a claim, a source, a dispute, and the actions on them.

Pages answer GET. Pure actions (withdraw, resolve) answer POST only (405 otherwise); forms
(annotate, reply, edit an annotation, grade, raise a dispute) show on GET and save on POST:
the pages link to the annotate and reply forms rather than repeat one under every grade and
note. Every write goes through claims/services.py, which checks the role and raises
PermissionDenied naming it (shown on the 403 page) or ValidationError (shown on the form).
Blind grading (claims/selectors/detail.py) hides other reviewers' grades, and what refers
to them, from a reviewer who has not graded the same thing yet: such objects answer 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from claims import roles, services
from claims.forms.records import VersionForm
from claims.forms.review import (
    DISPUTE_KINDS,
    AnnotationForm,
    DisputeForm,
    GradeForm,
    ReplyForm,
    ResolveForm,
    add_service_error,
)
from claims.models import Annotation, Citation, CitationAssessment, Claim, Dispute, Source, SourceAssessment
from claims.selectors import detail
from claims.selectors.detail import BLIND_NOTICE, hidden_from, is_blind_grader

from .access import reader_required, require

FORM_METHODS = require_http_methods(["GET", "HEAD", "POST"])  # HEAD: the form, without the body

ANNOTATION_OWN_NEEDED = services.EDITOR_NEEDED + " Without it you may change only your own annotations."


def _abilities(user) -> dict:
    """What the pages offer this user; the services check again on every write."""
    return {
        "can_contribute": roles.can_contribute(user),
        "can_assess": roles.can_assess(user),
        "can_dispute": roles.can_dispute_grade(user),
        "can_dispute_claim": roles.can_dispute_claim(user),
        "can_resolve": roles.can_resolve_dispute(user),
        "can_edit_any": roles.can_edit_any(user),
        "blind_notice": BLIND_NOTICE,
        "motivations": Annotation.Motivation.choices,
    }


def _next_url(request: HttpRequest, default: str) -> str:
    """A page of this site the form came from (its hidden "next" field), else default."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


# --- Pages -------------------------------------------------------------------------


@reader_required
@require_safe
def claim_detail(request: HttpRequest, key: str) -> HttpResponse:
    page = detail.claim_page(
        key,
        request.user,
        citations_page=request.GET.get(detail.CITATIONS_PARAM),
        notes_page=request.GET.get(detail.NOTES_PARAM),
        history_page=request.GET.get(detail.HISTORY_PARAM),
    )
    return render(
        request,
        "claims/claim_detail.html",
        {
            "page": page,
            "claim": page.claim,
            "can_edit_claim": roles.can_edit(request.user, page.claim),
            **_abilities(request.user),
        },
    )


@reader_required
@require_safe
def source_detail(request: HttpRequest, key: str) -> HttpResponse:
    page = detail.source_page(key, request.user, citations_page=request.GET.get("page"))
    return render(
        request,
        "claims/source_detail.html",
        {
            "page": page,
            "source": page.source,
            "can_edit_source": roles.can_edit(request.user, page.source),
            **_abilities(request.user),
        },
    )


def _render_dispute(request: HttpRequest, pk: int, resolve_form: ResolveForm | None = None) -> HttpResponse:
    page = detail.dispute_page(pk, request.user)
    if page.hidden:
        raise Http404("Hidden by blind grading.")
    return render(
        request,
        "claims/dispute_detail.html",
        {"page": page, "dispute": page.dispute, "resolve_form": resolve_form, **_abilities(request.user)},
    )


@reader_required
@require_safe
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_dispute(request, pk)


# --- Annotations -------------------------------------------------------------------

# URL kind → (model, what to read with it to name it and to find its page)
ANNOTATION_KINDS: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    "claim": (Claim, ()),
    "source": (Source, ()),
    "citation": (Citation, ("claim", "source")),
    "source-grade": (SourceAssessment, ("source", "reviewer")),
    "citation-grade": (CitationAssessment, ("citation__claim", "citation__source", "reviewer")),
    "dispute": (Dispute, ("source_assessment", "citation_assessment", "claim")),
}
_ANNOTATION_RELATED = (
    "author",
    "claim",
    "source",
    "citation__claim",
    "citation__source",
    "source_assessment__source",
    "source_assessment__reviewer",
    "citation_assessment__citation__claim",
    "citation_assessment__citation__source",
    "citation_assessment__reviewer",
    "dispute__source_assessment",
    "dispute__citation_assessment",
)


def _annotation_target(user, kind: str, pk: int) -> Model:
    if kind not in ANNOTATION_KINDS:
        raise Http404("No such kind of annotation target.")
    model, related = ANNOTATION_KINDS[kind]
    target = get_object_or_404(model.objects.select_related(*related), pk=pk)
    if hidden_from(user, target):
        raise Http404("Hidden by blind grading.")
    return target


def _annotation(user, pk: int) -> Annotation:
    annotation = get_object_or_404(Annotation.objects.select_related(*_ANNOTATION_RELATED), pk=pk)
    if hidden_from(user, annotation.target):
        raise Http404("Hidden by blind grading.")
    return annotation


def _target_url(target: Model) -> str:
    """The page that shows a target of annotations or disputes, at its anchor; a citation and
    its grades on the claim's page of citations that shows them (one query)."""
    if isinstance(target, Claim):
        return reverse("claim_detail", args=[target.key]) + "#annotations"
    if isinstance(target, Citation):
        return detail.citation_url(target)
    if isinstance(target, CitationAssessment):
        return detail.citation_url(target.citation, f"citation-grade-{target.pk}")
    if isinstance(target, Source):
        return reverse("source_detail", args=[target.key]) + "#annotations"
    if isinstance(target, SourceAssessment):
        return reverse("source_detail", args=[target.source.key]) + f"#source-grade-{target.pk}"
    return reverse("dispute_detail", args=[target.pk]) + "#annotations"


def target_label(target: Model) -> str:
    """The target of an annotation or dispute, named for a heading."""
    if isinstance(target, Claim):
        return f"the claim {target.key}"
    if isinstance(target, Source):
        return f"the source {target.title}"
    if isinstance(target, Citation):
        where = f", {target.locator}" if target.locator else ""
        return f"the citation of {target.source.key}{where} for the claim {target.claim.key}"
    if isinstance(target, SourceAssessment):
        return f"{target.reviewer}'s reliability grade of the source {target.source.key}"
    if isinstance(target, CitationAssessment):
        citation = target.citation
        where = f", {citation.locator}" if citation.locator else ""
        return (
            f"{target.reviewer}'s credibility grade of the citation of {citation.source.key}{where} "
            f"for the claim {citation.claim.key}"
        )
    if isinstance(target, Dispute):
        return f"the dispute #{target.pk}"
    return str(target)


def _target_text(target: Model) -> str:
    field = services.ANNOTATION_TARGET_FIELD[type(target)]
    return Annotation(**{field: target}).target_text().strip()


def _render_annotation_form(request, *, form, mode: str, action: str, target: Model, annotation=None):
    return render(
        request,
        "claims/annotation_form.html",
        {
            "form": form,
            "mode": mode,
            "action": action,
            "target": target,
            "target_label": target_label(target),
            "target_text": _target_text(target),
            "annotation": annotation,
            "withdrawn": annotation is not None and annotation.withdrawn_at is not None,
            "back": _target_url(target) if annotation is None else detail.annotation_url(annotation),
        },
    )


def _after_annotation(request, annotation: Annotation, message: str):
    messages.success(request, message)
    return redirect(detail.annotation_url(annotation))


def _saved_note(request, form, message: str, **about) -> HttpResponse | None:
    """A posted note or reply saved (about: its target or parent): the redirect to it; None
    when there is nothing to save yet (a GET) or it was refused (the form has the errors)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        annotation = services.annotation_create(actor=request.user, **about, **form.data_for_service())
    except ValidationError as exc:
        add_service_error(form, exc)
        return None
    return _after_annotation(request, annotation, message)


@reader_required
@FORM_METHODS
def annotation_create(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    require(roles.can_contribute(request.user), services.CONTRIBUTOR_NEEDED)
    target = _annotation_target(request.user, kind, pk)
    form = AnnotationForm(request.POST) if request.method == "POST" else AnnotationForm()
    if saved := _saved_note(request, form, "Your annotation is saved.", target=target):
        return saved
    action = reverse("annotation_create", args=[kind, pk])
    return _render_annotation_form(request, form=form, mode="create", action=action, target=target)


@reader_required
@FORM_METHODS
def annotation_reply(request: HttpRequest, pk: int) -> HttpResponse:
    require(roles.can_contribute(request.user), services.CONTRIBUTOR_NEEDED)
    parent = _annotation(request.user, pk)
    form = ReplyForm(request.POST) if request.method == "POST" else ReplyForm()
    if saved := _saved_note(request, form, "Your reply is saved.", parent=parent):
        return saved
    action = reverse("annotation_reply", args=[pk])
    return render(
        request,
        "claims/annotation_form.html",
        {
            "form": form,
            "mode": "reply",
            "action": action,
            "parent": parent,
            # A withdrawn note takes no replies (services.annotation_create): say so rather than offer
            # a form (a refused reply is shown again with its text, and the service's reason).
            "withdrawn": request.method != "POST" and parent.withdrawn_at is not None,
            "target": parent.target,
            "target_label": target_label(parent.target),
            "target_text": _target_text(parent.target),
            "back": detail.annotation_url(parent),
        },
    )


@reader_required
@FORM_METHODS
def annotation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    annotation = _annotation(request.user, pk)
    user = request.user
    require(
        roles.can_edit_any(user) or (roles.can_contribute(user) and annotation.author_id == user.pk),
        ANNOTATION_OWN_NEEDED,
    )
    if request.method == "POST":
        form = AnnotationForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.annotation_update(
                    actor=user,
                    annotation=annotation,
                    data=form.data_for_service(),
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return _after_annotation(request, annotation, "Your changes to the annotation are saved.")
    else:
        form = AnnotationForm(
            initial={
                "body": annotation.body,
                "motivation": annotation.motivation,
                "quoted_passage": annotation.quoted_passage,
                "version": annotation.version,
            },
            editing=True,
        )
    return _render_annotation_form(
        request,
        form=form,
        mode="edit",
        action=reverse("annotation_edit", args=[pk]),
        target=annotation.target,
        annotation=annotation,
    )


@reader_required
@require_POST
def annotation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    annotation = _annotation(request.user, pk)
    try:
        services.annotation_withdraw(actor=request.user, annotation=annotation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(detail.annotation_url(annotation))
    return _after_annotation(request, annotation, "The annotation is withdrawn; the replies to it stay.")


# --- Grades ------------------------------------------------------------------------


def _grade_form_page(request, *, target, own, others, scale: str, save, done_url: str, done_message: str):
    """The grade form for a source or a citation; others' grades unless blind grading hides them.

    Nobody grades their own work (roles.own_work_in_grading): the form is not offered (403 with why)."""
    require(not (why := roles.own_work_in_grading(request.user, target)), why)
    if request.method == "POST":
        form = GradeForm(request.POST, scale=scale)
        if form.is_valid():
            try:
                save(
                    grade=form.cleaned_data["grade"],
                    rationale=form.cleaned_data["rationale"],
                    expected_version=form.cleaned_data["version"],
                    target_version=form.cleaned_data["target_version"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, done_message)
                return redirect(done_url)
    else:
        initial = {"grade": str(own.grade), "rationale": own.rationale} if own else {}
        initial |= {"version": own.version if own else services.NO_GRADE_YET, "target_version": target.version}
        form = GradeForm(initial=initial, scale=scale)
    outdated = getattr(own, "outdated", False)
    # A reviewer whose grade was given to an earlier version of the citation grades blind again.
    hidden = is_blind_grader(request.user) and (own is None or outdated)
    current = [a for a in others if not getattr(a, "outdated", False)]
    everyone = [*current, own] if own and not outdated else current
    return render(
        request,
        "claims/grade_form.html",
        {
            "form": form,
            "scale": scale,
            "target": target,
            "own": own,
            "outdated": outdated,
            "hidden": hidden,
            "others": [] if hidden else others,
            "consensus": None if hidden else detail.consensus_of(scale, [a.grade for a in everyone]),
            "back": done_url,
            **_abilities(request.user),
        },
    )


@reader_required
@FORM_METHODS
def source_grade(request: HttpRequest, key: str) -> HttpResponse:
    require(roles.can_assess(request.user), services.GRADER_NEEDED)
    source = get_object_or_404(Source, key=key)
    assessments = list(source.assessments.select_related("reviewer").order_by("reviewer__username"))
    own = next((a for a in assessments if a.reviewer_id == request.user.pk), None)

    def save(**values):
        services.source_assessment_set(actor=request.user, source=source, **values)

    return _grade_form_page(
        request,
        target=source,
        own=own,
        others=[a for a in assessments if a is not own],
        scale="reliability",
        save=save,
        done_url=reverse("source_detail", args=[source.key]) + "#grades",
        done_message="Your reliability grade of this source is saved.",
    )


@reader_required
@FORM_METHODS
def citation_grade(request: HttpRequest, pk: int) -> HttpResponse:
    require(roles.can_assess(request.user), services.GRADER_NEEDED)
    citation = get_object_or_404(Citation.objects.select_related("claim", "source"), pk=pk)
    assessments = list(citation.assessments.select_related("reviewer").order_by("reviewer__username"))
    own = next((a for a in assessments if a.reviewer_id == request.user.pk), None)

    def save(**values):
        services.citation_assessment_set(actor=request.user, citation=citation, **values)

    return _grade_form_page(
        request,
        target=citation,
        own=own,
        others=[a for a in assessments if a is not own],
        scale="credibility",
        save=save,
        done_url=detail.citation_url(citation),
        done_message="Your credibility grade of this citation is saved.",
    )


# --- Disputes ----------------------------------------------------------------------

DISPUTE_TARGETS: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    "source-grade": (SourceAssessment, ("source", "reviewer")),
    "citation-grade": (CitationAssessment, ("citation__claim", "citation__source", "reviewer")),
    "claim": (Claim, ("topic",)),
}


@reader_required
@FORM_METHODS
def dispute_raise(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in DISPUTE_KINDS:
        raise Http404("No such kind of dispute.")
    if kind == "claim":
        require(roles.can_dispute_claim(request.user), services.CONTRIBUTOR_NEEDED)
    else:
        require(roles.can_dispute_grade(request.user), services.GRADER_NEEDED)
    model, related = DISPUTE_TARGETS[kind]
    target = get_object_or_404(model.objects.select_related(*related), pk=pk)
    if hidden_from(request.user, target):
        raise Http404("Hidden by blind grading.")
    if request.method == "POST":
        form = DisputeForm(request.POST, kind=kind)
        if form.is_valid():
            try:
                dispute = services.dispute_raise(
                    actor=request.user,
                    target=target,
                    reason=form.cleaned_data["reason"],
                    proposed=form.cleaned_data["proposed"],
                    target_version=form.cleaned_data["target_version"],
                )
            except ValidationError as exc:
                add_service_error(form, exc, {form.model_field: "proposed"})
            else:
                messages.success(request, "Your dispute is raised; an editor will resolve it.")
                return redirect("dispute_detail", pk=dispute.pk)
    else:
        form = DisputeForm(kind=kind, initial={"target_version": target.version})
    own_grade = kind != "claim" and target.reviewer_id == request.user.pk
    back = reverse("claim_detail", args=[target.key]) if kind == "claim" else _target_url(target)
    return render(
        request,
        "claims/dispute_form.html",
        {
            "form": form,
            "kind": kind,
            "target": target,
            "target_label": target_label(target),
            "own_grade": own_grade,
            "back": back,
            **_abilities(request.user),
        },
    )


def _dispute(user, pk: int) -> Dispute:
    dispute = get_object_or_404(detail.disputes_qs(), pk=pk)
    if hidden_from(user, dispute):
        raise Http404("Hidden by blind grading.")
    return dispute


@reader_required
@require_POST
def dispute_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _dispute(request.user, pk)
    require(roles.can_withdraw_dispute(request.user, dispute), services.WITHDRAW_OWN_ONLY)
    form = VersionForm(request.POST)
    try:
        services.dispute_withdraw(actor=request.user, dispute=dispute, expected_version=form.expected_version())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Your dispute is withdrawn.")
    return redirect(_next_url(request, reverse("dispute_detail", args=[pk])))


@reader_required
@require_POST
def dispute_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    require(roles.can_resolve_dispute(request.user), services.EDITOR_NEEDED)
    dispute = _dispute(request.user, pk)
    require(not (why := roles.own_work_in_dispute(request.user, dispute)), why)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            dispute = services.dispute_resolve(
                actor=request.user,
                dispute=dispute,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
                target_version=form.cleaned_data["target_version"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"resolution_note": "note"})
        else:
            if dispute.state == Dispute.State.UPHELD:
                messages.success(request, "Dispute upheld: the proposed grade or status now stands.")
            else:
                messages.success(request, "Dispute rejected: the grade or status stays as it was.")
            return redirect(_next_url(request, detail.dispute_home_url(dispute)))
    return _render_dispute(request, pk, resolve_form=form)
