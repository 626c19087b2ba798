"""A source's genealogy, edited from its page: add, edit or remove what it derives from.

Who may: whoever may edit the source (roles.can_edit: its author, or an editor); others who
may read get a 403 naming the role, checked before the relation is looked up. A relation is
looked up among its own source's (404 otherwise). Every write goes through
services.source_relation_add/update/remove, whose refusals (a circle, a pair related already,
a version moved on) are shown on the form, and nothing is saved.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from claims import roles, services
from claims.forms.records import VersionForm
from claims.forms.relations import SourceRelationForm
from claims.models import Source, SourceRelation

from .access import AuthenticatedHttpRequest, form_methods, reader_required, require

EDITING_NEEDED = (
    f"Recording what a source someone else added derives from needs {roles.EDITOR_ROLE}. "
    "Without it you may do so only for the sources you added yourself."
)


def _editable_source(request: AuthenticatedHttpRequest, key: str) -> Source:
    source = get_object_or_404(Source, key=key)
    require(roles.can_edit(request.user, source), EDITING_NEEDED)
    return source


def _relation(source: Source, pk: int) -> SourceRelation:
    relation = get_object_or_404(SourceRelation.objects.select_related("derived_from"), pk=pk, source=source)
    relation.source = source  # (the one looked up already: its key names the relation in messages)
    return relation


def _genealogy_url(source: Source) -> str:
    return reverse("source_detail", kwargs={"key": source.key}) + "#genealogy"


def _render(request, form: SourceRelationForm, *, source: Source, title: str) -> HttpResponse:
    return render(
        request,
        "claims/record_form.html",
        {
            "form": form,
            "title": title,
            "intro": f"Source “{source.key}”: {source.title}",
            "cancel_url": _genealogy_url(source),
        },
    )


def _form_page(request, *, source: Source, title: str, editing: bool, initial: dict, save) -> HttpResponse:
    """GET shows the form; POST saves it with save(form) (one service call, returning what to
    say it did), then back to the genealogy; a refusal shows the form again, nothing saved."""
    if request.method != "POST":
        form = SourceRelationForm(initial=initial, editing=editing)
        return _render(request, form, source=source, title=title)
    form = SourceRelationForm(request.POST, editing=editing)
    if form.is_valid():
        try:
            done = save(form)
        except ValidationError as exc:
            # (The one-per-pair constraint names the source too: its message belongs at the top.)
            form.add_service_errors(exc, rename={"source": None})
        else:
            messages.success(request, done)
            return redirect(_genealogy_url(source))
    return _render(request, form, source=source, title=title)


@reader_required
@form_methods
def relation_create(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    source = _editable_source(request, key)

    def save(form: SourceRelationForm) -> str:
        relation = services.source_relation_add(
            actor=request.user,
            source=source,
            **{name: form.cleaned_data[name] for name in ("derived_from", "kind", "note")},
        )
        return f"Recorded: {relation}."

    title = f"Record what “{source.title}” derives from"
    return _form_page(request, source=source, title=title, editing=False, initial={}, save=save)


@reader_required
@form_methods
def relation_edit(request: AuthenticatedHttpRequest, key: str, pk: int) -> HttpResponse:
    source = _editable_source(request, key)
    relation = _relation(source, pk)

    def save(form: SourceRelationForm) -> str:
        services.source_relation_update(
            actor=request.user,
            relation=relation,
            data={"kind": form.cleaned_data["kind"], "note": form.cleaned_data["note"]},
            expected_version=form.cleaned_data["version"],
        )
        return f"Saved: {relation}."

    title = f"Edit how “{source.key}” derives from “{relation.derived_from.key}”"
    initial = {"kind": relation.kind, "note": relation.note, "version": relation.version}
    return _form_page(request, source=source, title=title, editing=True, initial=initial, save=save)


@reader_required
@require_POST
def relation_remove(request: AuthenticatedHttpRequest, key: str, pk: int) -> HttpResponse:
    source = _editable_source(request, key)
    relation = _relation(source, pk)
    shown = str(relation)
    try:
        services.source_relation_remove(
            actor=request.user, relation=relation, expected_version=VersionForm(request.POST).expected_version()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Removed: {shown}.")
    return redirect(_genealogy_url(source))
