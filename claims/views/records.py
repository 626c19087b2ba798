"""Adding and editing claims, citations, sources and people.

Each page shows its form on GET and saves on POST, through claims/services.py only.
Who may open it is checked on GET as well (a 403 naming the role needed), and the
service checks again when saving. A refused save shows the form again with each
message on its field, and changes nothing.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from claims import roles, services
from claims.forms.records import CitationForm, ClaimForm, PersonForm, SourceForm, VersionForm
from claims.keys import key_from_text, unique_key
from claims.links import citation_url
from claims.models import Citation, Claim, Person, Source, Topic
from claims.translit import slug_for

from .access import form_methods, reader_required, require


def _adding_needs(thing: str) -> str:
    return f"Adding {thing} needs {roles.CONTRIBUTOR_ROLES}."


def _editing_needs(thing: str, plural: str) -> str:
    return (
        f"Editing a {thing} that someone else added needs {roles.EDITOR_ROLE}. "
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
        for name in ("key", "statement", "kind", "status", "event_date", "people", "attributed_to")
        if name in form.fields
    }
    if not data["key"]:
        # A new claim left without a key: the key key_suggest.js would have suggested, made unique.
        data["key"] = unique_key(Claim, "key", key_from_text(data["statement"]) or "claim")
    data["topic"] = _claim_topic(user, form)
    return data


def _chosen_topic(request) -> Topic | None:
    """The topic of ?topic=<slug> (the topic page's "Add a claim"); None for an unknown one.
    Every reader sees every topic."""
    slug = request.GET.get("topic", "")
    return Topic.objects.filter(slug=slug).first() if slug and len(slug) <= 200 else None


def _form_page(request, *, form_class, form_kwargs: dict, page: dict, save, saved) -> HttpResponse:
    """The shape of every add and edit page: GET shows the form; POST saves it with save(form)
    (one service call), then saved(record, form) says so and redirects; a refused save shows
    the form again (status 200) with each message on its field, and changes nothing."""
    if request.method != "POST":
        return _render(request, form_class(**form_kwargs), **page)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            record = save(form)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return saved(record, form)
    return _render(request, form, **page)


def _added(request, text: str, to: str) -> HttpResponse:
    messages.success(request, f"{text} added.")
    return redirect(to)


def _changed(request, form, what: str, to: str) -> HttpResponse:
    if [name for name in form.changed_data if name != "version"]:
        messages.success(request, f"{what} saved.")
    else:
        messages.info(request, f"{what}: nothing was changed.")
    return redirect(to)


def _add_page(request, thing: str, *, form_class, page: dict, save, shown, form_kwargs=None) -> HttpResponse:
    """An add page (_form_page) for those who may contribute (else a 403 saying that adding
    `thing` needs their roles); shown(record) is the (words, address) of the record saved:
    "<words> added.", and on to the address."""
    require(roles.can_contribute(request.user), _adding_needs(thing))
    return _form_page(
        request,
        form_class=form_class,
        form_kwargs=form_kwargs or {},
        page=page,
        save=save,
        saved=lambda record, form: _added(request, *shown(record)),
    )


def _edit_page(
    request, record, thing: str, plural: str, *, form_class, form_kwargs: Callable[[], dict], page: dict, save, shown
) -> HttpResponse:
    """An edit page (_form_page) of record for those who may edit it (else a 403 saying
    editing someone else's `thing` needs the Editor role); form_kwargs() the form's arguments,
    worked out (before saving) only for those; shown(record) is the (words, address) of the
    record saved: "<words> saved." (or that nothing changed), and on to the address."""
    require(roles.can_edit(request.user, record), _editing_needs(thing, plural))
    return _form_page(
        request,
        form_class=form_class,
        form_kwargs=form_kwargs(),
        page=page,
        save=save,
        saved=lambda record, form: _changed(request, form, *shown(record)),
    )


@form_methods
@reader_required
def claim_create(request):
    def save(form):
        # One transaction: a new topic is kept only if the claim is saved too.
        with transaction.atomic():
            return services.claim_create(actor=request.user, **_claim_data(request.user, form))

    topic = _chosen_topic(request) if request.method != "POST" else None
    return _add_page(
        request,
        "a claim",
        form_class=ClaimForm,
        form_kwargs={"initial": {"topic": topic}} if topic else None,
        save=save,
        page={
            "title": "Add a claim",
            "cancel_url": reverse("topic_detail", args=[topic.slug]) if topic else reverse("claim_list"),
        },
        shown=lambda claim: (f"Claim “{claim.key}”", reverse("claim_detail", args=[claim.key])),
    )


@form_methods
@reader_required
def claim_edit(request, key):
    claim = get_object_or_404(Claim, key=key)
    # Worked out before saving (form_kwargs too): a refused save may leave the object holding the refused values.
    page = {"title": f"Edit claim “{claim.key}”", "cancel_url": reverse("claim_detail", kwargs={"key": claim.key})}

    def form_kwargs() -> dict:
        initial = {
            "key": claim.key,
            "topic": claim.topic,
            "statement": claim.statement,
            "kind": claim.kind,
            "status": claim.status,
            "event_date": claim.event_date,
            "people": list(claim.people.all()),
            "attributed_to": list(claim.attributed_to.all()),
            "version": claim.version,
        }
        return {"initial": initial, "editing": True, "can_set_status": roles.can_set_claim_status(request.user)}

    def save(form):
        with transaction.atomic():
            return services.claim_update(
                actor=request.user,
                claim=claim,
                data=_claim_data(request.user, form),
                expected_version=form.cleaned_data["version"],
            )

    return _edit_page(
        request,
        claim,
        "claim",
        "claims",
        form_class=ClaimForm,
        form_kwargs=form_kwargs,
        page=page,
        save=save,
        shown=lambda claim: (f"Claim “{claim.key}”", reverse("claim_detail", args=[claim.key])),
    )


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


# --- Citations -----------------------------------------------------------------------

CITATION_NAMES = ("source", "locator", "quote", "quote_translation", "stance")


def _claim_intro(claim: Claim) -> str:
    return f"Claim “{claim.key}”: {claim.statement}"


@form_methods
@reader_required
def citation_create(request, key):
    claim = get_object_or_404(Claim, key=key)
    return _add_page(
        request,
        "a citation",
        form_class=CitationForm,
        page={
            "title": "Cite a source",
            "intro": _claim_intro(claim),
            "cancel_url": reverse("claim_detail", kwargs={"key": claim.key}),
        },
        save=lambda form: services.citation_create(
            actor=request.user, claim=claim, **{name: form.cleaned_data[name] for name in CITATION_NAMES}
        ),
        # (To the claim's page of citations that shows it.)
        shown=lambda citation: (f"Citation of “{citation.source.title}”", citation_url(citation)),
    )


@form_methods
@reader_required
def citation_edit(request, pk):
    citation = get_object_or_404(Citation.objects.select_related("claim", "source"), pk=pk)
    page = {
        "title": f"Edit the citation of “{citation.source.title}”",
        "intro": _claim_intro(citation.claim),
        "cancel_url": citation_url(citation),
    }
    return _edit_page(
        request,
        citation,
        "citation",
        "citations",
        form_class=CitationForm,
        form_kwargs=lambda: {
            "initial": {name: getattr(citation, name) for name in (*CITATION_NAMES, "version")},
            "editing": True,
        },
        page=page,
        save=lambda form: services.citation_update(
            actor=request.user,
            citation=citation,
            data={name: form.cleaned_data[name] for name in CITATION_NAMES},
            expected_version=form.cleaned_data["version"],
        ),
        shown=lambda citation: (f"Citation of “{citation.source.title}”", citation_url(citation)),
    )


# --- Sources -------------------------------------------------------------------------


@form_methods
@reader_required
def source_create(request):
    return _add_page(
        request,
        "a source",
        form_class=SourceForm,
        page={"title": "Add a source", "cancel_url": reverse("source_list")},
        save=lambda form: services.source_create(actor=request.user, **form.record_data()),
        shown=lambda source: (f"Source “{source.title}”", reverse("source_detail", args=[source.key])),
    )


@form_methods
@reader_required
def source_edit(request, key):
    source = get_object_or_404(Source, key=key)
    page = {
        "title": f"Edit source “{source.title}”",
        "cancel_url": reverse("source_detail", kwargs={"key": source.key}),
    }
    return _edit_page(
        request,
        source,
        "source",
        "sources",
        form_class=SourceForm,
        form_kwargs=lambda: {
            "initial": {
                **{name: getattr(source, name) for name in SourceForm.base_fields if name != "author_people"},
                "author_people": list(source.author_people.all()),
            },
            "editing": True,
        },
        page=page,
        save=lambda form: services.source_update(
            actor=request.user, source=source, data=form.record_data(), expected_version=form.cleaned_data["version"]
        ),
        shown=lambda source: (f"Source “{source.title}”", reverse("source_detail", args=[source.key])),
    )


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
    def save(form):
        try:
            return services.person_create(actor=request.user, **form.record_data())
        except ValidationError as exc:
            raise _derived_slug_errors(form, exc) from None

    return _add_page(
        request,
        "a person",
        form_class=PersonForm,
        form_kwargs={"adding": True},
        save=save,
        page={"title": "Add a person", "cancel_url": reverse("home")},
        shown=lambda person: (person.name, reverse("person_detail", args=[person.slug])),
    )


@form_methods
@reader_required
def person_edit(request, slug):
    person = get_object_or_404(Person, slug=slug)
    page = {"title": f"Edit {person.name}", "cancel_url": reverse("person_detail", kwargs={"slug": person.slug})}
    return _edit_page(
        request,
        person,
        "person",
        "people",
        form_class=PersonForm,
        form_kwargs=lambda: {"initial": {name: getattr(person, name) for name in PersonForm.base_fields}},
        page=page,
        save=lambda form: services.person_update(
            actor=request.user, person=person, data=form.record_data(), expected_version=form.cleaned_data["version"]
        ),
        shown=lambda person: (person.name, reverse("person_detail", args=[person.slug])),
    )
