"""The JSON endpoints that let a form be filled without leaving it (docs/design.md, "Data entry").

/dates/parse.json reads a date as typed (GET: nothing changes); /people/add.json and
/sources/add.json add a person or a source from within the claim or citation form (POST with
CSRF, through claims/services.py like every write) and answer what the form needs to select it.
A refused addition answers 400 with each message by field, and changes nothing.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST, require_safe

from claims import roles, services
from claims.forms.entry import PersonQuickForm, SourceQuickForm
from claims.forms.fields import TypedDateField
from claims.keys import key_from_text, unique_key
from claims.models import Person, Source
from claims.typed_dates import read_date

from .access import AuthenticatedHttpRequest, reader_required, require


@require_safe
@reader_required
def date_parse(request: HttpRequest) -> JsonResponse:
    """{"edtf", "words", "error"} of ?q=: what a date field will keep of what is typed in it."""
    text = request.GET.get("q", "")
    if len(text) > TypedDateField.MAX_TYPED:
        return JsonResponse({"edtf": "", "words": "", "error": f"Type at most {TypedDateField.MAX_TYPED} characters."})
    try:
        reading = read_date(text)
    except ValidationError as exc:
        return JsonResponse({"edtf": "", "words": "", "error": " ".join(exc.messages)})
    return JsonResponse({"edtf": reading.edtf, "words": reading.words, "error": ""})


def _refused(errors: dict[str, list[str]]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=400)


def _form_errors(form) -> dict[str, list[str]]:
    return {
        ("" if name == "__all__" else name): [e["message"] for e in errors]
        for name, errors in form.errors.get_json_data().items()
    }


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {("" if name == "__all__" else name): messages for name, messages in exc.message_dict.items()}
    return {"": exc.messages}


@require_POST
@reader_required
def person_add(request: AuthenticatedHttpRequest) -> JsonResponse:
    """A person added by name from the claim form's people field: {"value": slug, "label": name}.
    The slug is made from the name, numbered when a namesake has it already."""
    require(roles.can_contribute(request.user), f"Adding a person needs {roles.CONTRIBUTOR_ROLES}.")
    form = PersonQuickForm(request.POST)
    if not form.is_valid():
        return _refused(_form_errors(form))
    name = form.cleaned_data["name"].strip()
    base = key_from_text(name, max_length=190)
    if not base:
        return _refused(
            {"name": ["The name gives no address in Latin letters: add the person on the “Add a person” page."]}
        )
    try:
        with transaction.atomic():
            person = services.person_create(
                actor=request.user,
                name=name,
                name_original=form.cleaned_data["name_original"],
                slug=unique_key(Person, "slug", base),
            )
    except ValidationError as exc:
        return _refused(_errors_of(exc))
    return JsonResponse({"value": person.slug, "label": person.name}, status=201)


@require_POST
@reader_required
def source_add(request: AuthenticatedHttpRequest) -> JsonResponse:
    """A source added from the citation form: {"value": key, "label": "key: title"}."""
    require(roles.can_contribute(request.user), f"Adding a source needs {roles.CONTRIBUTOR_ROLES}.")
    form = SourceQuickForm(request.POST, prefix="new_source")
    if not form.is_valid():
        return _refused(_form_errors(form))
    data = dict(form.cleaned_data)
    if not data["key"]:
        base = key_from_text(data["title"], max_length=80)
        if not base:
            return _refused({"key": ["The title gives no key in Latin letters: type one, e.g. rogovin-1937."]})
        data["key"] = unique_key(Source, "key", base)
    try:
        with transaction.atomic():
            source = services.source_create(actor=request.user, **data)
    except ValidationError as exc:
        return _refused(_errors_of(exc))
    return JsonResponse({"value": source.key, "label": f"{source.key}: {source.title}"}, status=201)
