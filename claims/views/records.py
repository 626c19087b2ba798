"""Adding and editing claims, citations, sources and people.

Each page shows its form on GET and saves on POST, through claims/services.py only.
Who may open it is checked on GET as well (a 403 naming the role needed), and the
service checks again when saving. A refused save shows the form again with each
message on its field, and changes nothing.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from claims import roles, services
from claims.forms.records import CitationForm, ClaimForm, PersonForm, SourceForm, VersionForm
from claims.models import Citation, Claim, Person, Source, Topic
from claims.selectors.detail import citation_url
from claims.translit import slug_for

from .access import form_methods, reader_required, require

CONTRIBUTOR_ROLES = "the Researcher, Reviewer or Editor role"


def _adding_needs(thing: str) -> str:
    return f"Adding {thing} needs {CONTRIBUTOR_ROLES}."


def _editing_needs(thing: str, plural: str) -> str:
    return (
        f"Editing a {thing} that someone else added needs the Editor role. "
        f"Without it you may edit only the {plural} you added yourself."
    )


def _render(request, form, *, title: str, cancel_url: str, intro: str = ""):
    """The form page: shown on GET, and again (status 200) with the messages when a save is refused."""
    return render(
        request, "claims/record_form.html", {"form": form, "title": title, "cancel_url": cancel_url, "intro": intro}
    )


# --- Claims --------------------------------------------------------------------------


def _claim_topic(user, form: ClaimForm) -> Topic:
    """The chosen topic, or the one typed as new (found or created by the service)."""
    title = form.cleaned_data["new_topic"].strip()
    if not title:
        return form.cleaned_data["topic"]
    try:
        return services.topic_find_or_create(actor=user, title=title)
    except ValidationError as exc:
        # Whatever is wrong with the title is a message on the new-topic field.
        raise ValidationError({"new_topic": [m for msgs in exc.message_dict.values() for m in msgs]}) from None


def _claim_data(user, form: ClaimForm) -> dict:
    data: dict[str, Any] = {
        name: form.cleaned_data[name]
        for name in ("key", "statement", "kind", "status", "event_date", "people")
        if name in form.fields
    }
    data["topic"] = _claim_topic(user, form)
    return data


@form_methods
@reader_required
def claim_create(request):
    require(roles.can_contribute(request.user), _adding_needs("a claim"))
    page = {"title": "Add a claim", "cancel_url": reverse("claim_list")}
    if request.method != "POST":
        return _render(request, ClaimForm(), **page)
    form = ClaimForm(request.POST)
    if form.is_valid():
        try:
            # One transaction: a new topic is kept only if the claim is saved too.
            with transaction.atomic():
                claim = services.claim_create(actor=request.user, **_claim_data(request.user, form))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Claim “{claim.key}” added.")
            return redirect("claim_detail", key=claim.key)
    return _render(request, form, **page)


@form_methods
@reader_required
def claim_edit(request, key):
    claim = get_object_or_404(Claim, key=key)
    require(roles.can_edit(request.user, claim), _editing_needs("claim", "claims"))
    # Worked out before saving: a refused save may leave the object holding the refused values.
    page = {"title": f"Edit claim “{claim.key}”", "cancel_url": reverse("claim_detail", kwargs={"key": claim.key})}
    initial = {
        "key": claim.key,
        "topic": claim.topic,
        "statement": claim.statement,
        "kind": claim.kind,
        "status": claim.status,
        "event_date": claim.event_date,
        "people": list(claim.people.all()),
        "version": claim.version,
    }
    editing = {"editing": True, "can_set_status": roles.can_set_claim_status(request.user)}
    if request.method != "POST":
        return _render(request, ClaimForm(initial=initial, **editing), **page)
    form = ClaimForm(request.POST, initial=initial, **editing)
    if form.is_valid():
        try:
            with transaction.atomic():
                claim = services.claim_update(
                    actor=request.user,
                    claim=claim,
                    data=_claim_data(request.user, form),
                    expected_version=form.cleaned_data["version"],
                )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            _saved(request, form, f"Claim “{claim.key}”")
            return redirect("claim_detail", key=claim.key)
    return _render(request, form, **page)


@require_POST
@reader_required
def claim_restore(request, key, history_id):
    """An editor's "Restore this version" on the claim page's history."""
    claim = get_object_or_404(Claim, key=key)
    require(
        roles.can_edit_any(request.user),
        services.EDITOR_NEEDED + " Restoring a version changes the claim for everyone.",
    )
    form = VersionForm(request.POST)
    try:
        with transaction.atomic():
            restored_from = claim.version
            claim = services.claim_restore(
                actor=request.user, claim=claim, history_id=history_id, expected_version=form.expected_version()
            )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if claim.version == restored_from:
            messages.info(request, "That version is the claim as it is now: nothing was changed.")
        else:
            messages.success(request, "The earlier version is restored; the history records it as your change.")
    return redirect(reverse("claim_detail", kwargs={"key": claim.key}) + "#history")


def _saved(request, form, what: str) -> None:
    if [name for name in form.changed_data if name != "version"]:
        messages.success(request, f"{what} saved.")
    else:
        messages.info(request, f"{what}: nothing was changed.")


# --- Citations -----------------------------------------------------------------------

CITATION_NAMES = ("source", "locator", "quote", "quote_translation", "stance")


def _claim_intro(claim: Claim) -> str:
    return f"Claim “{claim.key}”: {claim.statement}"


@form_methods
@reader_required
def citation_create(request, key):
    claim = get_object_or_404(Claim, key=key)
    require(roles.can_contribute(request.user), _adding_needs("a citation"))
    page = {
        "title": "Cite a source",
        "intro": _claim_intro(claim),
        "cancel_url": reverse("claim_detail", kwargs={"key": claim.key}),
    }
    if request.method != "POST":
        return _render(request, CitationForm(), **page)
    form = CitationForm(request.POST)
    if form.is_valid():
        try:
            citation = services.citation_create(
                actor=request.user, claim=claim, **{name: form.cleaned_data[name] for name in CITATION_NAMES}
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Citation of “{citation.source.title}” added.")
            return redirect(citation_url(citation))  # on the claim's page of citations that shows it
    return _render(request, form, **page)


@form_methods
@reader_required
def citation_edit(request, pk):
    citation = get_object_or_404(Citation.objects.select_related("claim", "source"), pk=pk)
    require(roles.can_edit(request.user, citation), _editing_needs("citation", "citations"))
    claim = citation.claim
    page = {
        "title": f"Edit the citation of “{citation.source.title}”",
        "intro": _claim_intro(claim),
        "cancel_url": citation_url(citation),
    }
    initial = {name: getattr(citation, name) for name in (*CITATION_NAMES, "version")}
    if request.method != "POST":
        return _render(request, CitationForm(initial=initial, editing=True), **page)
    form = CitationForm(request.POST, initial=initial, editing=True)
    if form.is_valid():
        try:
            citation = services.citation_update(
                actor=request.user,
                citation=citation,
                data={name: form.cleaned_data[name] for name in CITATION_NAMES},
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            _saved(request, form, f"Citation of “{citation.source.title}”")
            return redirect(citation_url(citation))
    return _render(request, form, **page)


# --- Sources -------------------------------------------------------------------------


@form_methods
@reader_required
def source_create(request):
    require(roles.can_contribute(request.user), _adding_needs("a source"))
    page = {"title": "Add a source", "cancel_url": reverse("source_list")}
    if request.method != "POST":
        return _render(request, SourceForm(), **page)
    form = SourceForm(request.POST)
    if form.is_valid():
        try:
            source = services.source_create(actor=request.user, **form.record_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Source “{source.title}” added.")
            return redirect("source_detail", key=source.key)
    return _render(request, form, **page)


@form_methods
@reader_required
def source_edit(request, key):
    source = get_object_or_404(Source, key=key)
    require(roles.can_edit(request.user, source), _editing_needs("source", "sources"))
    page = {
        "title": f"Edit source “{source.title}”",
        "cancel_url": reverse("source_detail", kwargs={"key": source.key}),
    }
    initial = {name: getattr(source, name) for name in SourceForm.base_fields}
    if request.method != "POST":
        return _render(request, SourceForm(initial=initial, editing=True), **page)
    form = SourceForm(request.POST, initial=initial, editing=True)
    if form.is_valid():
        try:
            source = services.source_update(
                actor=request.user,
                source=source,
                data=form.record_data(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            _saved(request, form, f"Source “{source.title}”")
            return redirect("source_detail", key=source.key)
    return _render(request, form, **page)


# --- People --------------------------------------------------------------------------


def _derived_slug_errors(form: PersonForm, exc: ValidationError) -> ValidationError:
    """Say so when the slug the service derived from the name (none was typed) is the problem."""
    if form.cleaned_data["slug"] or "slug" not in getattr(exc, "error_dict", {}):
        return exc
    derived = slug_for(form.cleaned_data["name"])
    errors: dict[str, Any] = {name: messages_ for name, messages_ in exc.message_dict.items() if name != "slug"}
    errors["slug"] = (
        f"The address made from the name, “{derived}”, belongs to someone else already; type another one here."
        if derived
        else "The name gives no address in Latin letters; type one here, e.g. the name transliterated."
    )
    return ValidationError(errors)


@form_methods
@reader_required
def person_create(request):
    require(roles.can_contribute(request.user), _adding_needs("a person"))
    page = {"title": "Add a person", "cancel_url": reverse("home")}
    if request.method != "POST":
        return _render(request, PersonForm(adding=True), **page)
    form = PersonForm(request.POST, adding=True)
    if form.is_valid():
        try:
            person = services.person_create(actor=request.user, **form.record_data())
        except ValidationError as exc:
            form.add_service_errors(_derived_slug_errors(form, exc))
        else:
            messages.success(request, f"{person.name} added.")
            return redirect("person_detail", slug=person.slug)
    return _render(request, form, **page)


@form_methods
@reader_required
def person_edit(request, slug):
    person = get_object_or_404(Person, slug=slug)
    require(roles.can_edit(request.user, person), _editing_needs("person", "people"))
    page = {"title": f"Edit {person.name}", "cancel_url": reverse("person_detail", kwargs={"slug": person.slug})}
    initial = {name: getattr(person, name) for name in PersonForm.base_fields}
    if request.method != "POST":
        return _render(request, PersonForm(initial=initial), **page)
    form = PersonForm(request.POST, initial=initial)
    if form.is_valid():
        try:
            person = services.person_update(
                actor=request.user,
                person=person,
                data=form.record_data(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            _saved(request, form, person.name)
            return redirect("person_detail", slug=person.slug)
    return _render(request, form, **page)
