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
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from claims import links, roles, services, targets
from claims.forms.records import VersionForm
from claims.forms.review import AnnotationForm, DisputeForm, GradeForm, ReplyForm, ResolveForm
from claims.forms.service_errors import add_service_errors
from claims.linked_data import claim_review
from claims.models import Annotation, Dispute
from claims.refs import formatted
from claims.selectors import detail, explain
from claims.selectors.detail import BLIND_NOTICE, hidden_from, is_blind_grader
from claims.selectors.grades import HIDDEN

from .access import AuthenticatedHttpRequest, form_methods, reader_required, require


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


def _next_url(request: AuthenticatedHttpRequest, default: str) -> str:
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
def claim_detail(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    page = detail.claim_page(
        get_object_or_404(detail.claims_for_page(), key=key),
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
            "explained": explain.grade_explained(
                claim=page.claim, user=request.user, visibility=page.visibility, evidence_hidden=page.evidence_hidden
            ),
            # The same ClaimReview as /claims/<key>.jsonld, from what the page has read already.
            "claim_review": claim_review.as_script(
                claim_review.claim_review_ld(
                    page.claim,
                    request.user,
                    request.build_absolute_uri,
                    evidence=HIDDEN if page.evidence_hidden else page.evidence_grade,
                    evidence_known=True,
                    attributed_to=page.attributed_to,
                )
            ),
            **_abilities(request.user),
        },
    )


@reader_required
@require_safe
def source_detail(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    source = get_object_or_404(detail.sources_for_page(), key=key)
    page = detail.source_page(source, request.user, citations_page=request.GET.get("page"))
    return render(
        request,
        "claims/source_detail.html",
        {
            "page": page,
            "source": page.source,
            "can_edit_source": roles.can_edit(request.user, page.source),
            "reference": formatted.reference(page.source),
            **_abilities(request.user),
        },
    )


def _render_dispute(
    request: AuthenticatedHttpRequest, pk: int, resolve_form: ResolveForm | None = None
) -> HttpResponse:
    page = detail.dispute_page(get_object_or_404(detail.disputes_qs(), pk=pk), request.user)
    if page.hidden:
        raise Http404("Hidden by blind grading.")
    return render(
        request,
        "claims/dispute_detail.html",
        {
            "page": page,
            "dispute": page.dispute,
            "home_url": links.dispute_home_url(page.dispute),
            "resolve_form": resolve_form,
            **_abilities(request.user),
        },
    )


@reader_required
@require_safe
def dispute_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_dispute(request, pk)


# --- Annotations -------------------------------------------------------------------

_ANNOTATION_RELATED = ("author", *targets.related_through(targets.KINDS))


def _target(user, kind: targets.TargetKind | None, pk: int) -> Model:
    """The target of a note or dispute named by a URL, read with what names it and finds its page."""
    if kind is None:
        raise Http404("No such kind of target.")
    target = get_object_or_404(kind.model.objects.select_related(*kind.related), pk=pk)
    if hidden_from(user, target):
        raise Http404("Hidden by blind grading.")
    return target


def _annotation(user, pk: int) -> Annotation:
    annotation = get_object_or_404(Annotation.objects.select_related(*_ANNOTATION_RELATED), pk=pk)
    if hidden_from(user, annotation.target):
        raise Http404("Hidden by blind grading.")
    return annotation


def _about(target: Model) -> dict:
    """The form's heading and the text a passage may be quoted from."""
    kind = targets.of(target)
    return {"target": target, "target_label": kind.label(target), "target_text": kind.text(target).strip()}


def _render_annotation_form(request, *, form, mode: str, action: str, target: Model, annotation=None):
    return render(
        request,
        "claims/annotation_form.html",
        {
            "form": form,
            "mode": mode,
            "action": action,
            **_about(target),
            "annotation": annotation,
            "withdrawn": annotation is not None and annotation.withdrawn_at is not None,
            "back": targets.of(target).notes_url(target) if annotation is None else links.annotation_url(annotation),
        },
    )


def _after_annotation(request, annotation: Annotation, message: str):
    messages.success(request, message)
    return redirect(links.annotation_url(annotation))


def _saved_note(request, form, message: str, **about) -> HttpResponse | None:
    """A posted note or reply saved (about: its target or parent): the redirect to it; None
    when there is nothing to save yet (a GET) or it was refused (the form has the errors)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        annotation = services.annotation_create(actor=request.user, **about, **form.data_for_service())
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    return _after_annotation(request, annotation, message)


@reader_required
@form_methods
def annotation_create(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    require(roles.can_contribute(request.user), services.CONTRIBUTOR_NEEDED)
    target = _target(request.user, targets.by_url_kind(kind), pk)
    form = AnnotationForm(request.POST) if request.method == "POST" else AnnotationForm()
    if saved := _saved_note(request, form, "Your annotation is saved.", target=target):
        return saved
    action = reverse("annotation_create", args=[kind, pk])
    return _render_annotation_form(request, form=form, mode="create", action=action, target=target)


@reader_required
@form_methods
def annotation_reply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
            **_about(parent.target),
            "back": links.annotation_url(parent),
        },
    )


@reader_required
@form_methods
def annotation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    annotation = _annotation(request.user, pk)
    user = request.user
    require(roles.can_change_annotation(user, annotation), services.ANNOTATION_OWN_NEEDED)
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
                add_service_errors(form, exc)
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
def annotation_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    annotation = _annotation(request.user, pk)
    try:
        services.annotation_withdraw(actor=request.user, annotation=annotation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(links.annotation_url(annotation))
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
                add_service_errors(form, exc)
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
@form_methods
def grade(
    request: AuthenticatedHttpRequest, *, graded: str, key: str | None = None, pk: int | None = None
) -> HttpResponse:
    """The grade form of a source (graded="source", by key) or a citation (graded="citation", by pk)."""
    require(roles.can_assess(request.user), services.GRADER_NEEDED)
    kind = targets.by_field(graded)
    lookup = {"key": key} if key is not None else {"pk": pk}
    target = get_object_or_404(kind.model.objects.select_related(*kind.related), **lookup)
    assessments = list(target.assessments.select_related("reviewer").order_by("reviewer__username"))
    own = next((a for a in assessments if a.reviewer_id == request.user.pk), None)
    scale = targets.grades_of(kind).proposal.scale

    def save(**values):
        services.grade_set(actor=request.user, target=target, **values)

    return _grade_form_page(
        request,
        target=target,
        own=own,
        others=[a for a in assessments if a is not own],
        scale=scale,
        save=save,
        done_url=f"{kind.page(target)}#{kind.grading.anchor.format(pk=target.pk)}",
        done_message=f"Your {scale} grade of this {graded} is saved.",
    )


# --- Disputes ----------------------------------------------------------------------


@reader_required
@form_methods
def dispute_raise(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    target_kind = targets.by_url_kind(kind)
    if target_kind is None or target_kind.proposal is None:
        raise Http404("No such kind of dispute.")
    of_grade = target_kind.proposal.of_grade
    if of_grade:
        require(roles.can_dispute_grade(request.user), services.GRADER_NEEDED)
    else:
        require(roles.can_dispute_claim(request.user), services.CONTRIBUTOR_NEEDED)
    target = _target(request.user, target_kind, pk)
    if request.method == "POST":
        form = DisputeForm(request.POST, kind=kind)
        if form.is_valid():
            try:
                dispute = services.dispute_raise(
                    actor=request.user,
                    target=target,  # type: ignore[arg-type]  # (a disputable kind's record, by the URL)
                    reason=form.cleaned_data["reason"],
                    proposed=form.cleaned_data["proposed"],
                    target_version=form.cleaned_data["target_version"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, {form.model_field: "proposed"})
            else:
                messages.success(request, "Your dispute is raised; an editor will resolve it.")
                return redirect("dispute_detail", pk=dispute.pk)
    else:
        form = DisputeForm(kind=kind, initial={"target_version": target.version})
    own_grade = of_grade and target.reviewer_id == request.user.pk
    graded = getattr(target, target_kind.graded) if own_grade and target_kind.graded else None
    # (A rating is revised on its own page, the cell's.)
    revise_url = targets.of(graded).grading.form(graded) if graded else target_kind.page(target) if own_grade else ""
    return render(
        request,
        "claims/dispute_form.html",
        {
            "form": form,
            "target_kind": target_kind,
            "target": target,
            "target_label": target_kind.label(target),
            "own_grade": own_grade,
            "revise_url": revise_url,
            "back": target_kind.url(target),
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
def dispute_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
def dispute_resolve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
            add_service_errors(form, exc, {"resolution_note": "note"})
        else:
            if dispute.state == Dispute.State.UPHELD:
                messages.success(request, "Dispute upheld: the proposed grade or status now stands.")
            else:
                messages.success(request, "Dispute rejected: the grade or status stays as it was.")
            return redirect(_next_url(request, links.dispute_home_url(dispute)))
    return _render_dispute(request, pk, resolve_form=form)
