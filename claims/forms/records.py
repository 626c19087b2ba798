"""Forms for adding and editing claims, citations, sources and people.

Plain forms: they render the fields (label, help text, choices and length taken from the
model field) and check what a form can check on its own. Everything else (EDTF dates,
unique keys, the archive a file needs, permissions) is checked by claims/services.py,
which is also the only place that saves; its ValidationError is put back onto the form
with add_service_errors().
"""

import json
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.text import format_lazy

from claims import translit
from claims.authority import FIELDS as AUTHORITY_FIELDS
from claims.keys import KEY_WORDS_LENGTH
from claims.models import Citation, Claim, Person, Source, Topic
from claims.selectors import lists
from claims.services import SOURCE_FIELDS

from . import fields
from .service_errors import add_service_errors

VERSION_MISSING = (
    "This form did not carry the version of the record it was opened at, so it cannot tell whether "
    "someone changed the record since. Nothing was saved: reload the page and make your change again."
)


def version_field(*, min_value: int = 1) -> forms.IntegerField:
    """The version of the record the form was filled from: a save from an older one is
    refused (services.check_version), so nobody overwrites a change they have not seen.
    Required: without it a save could not tell a stale form from a fresh one."""
    return fields.VersionField(
        min_value=min_value,
        error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), VERSION_MISSING),
    )


class VersionedForm(forms.Form):
    """A form with hidden version fields: a problem with one is shown at the top of the form
    (a hidden field has no place of its own to show it)."""

    def clean(self):
        cleaned = super().clean()
        for name in [name for name, field in self.fields.items() if field.widget.is_hidden and name in self._errors]:
            self.add_error(None, self._errors.pop(name))
        return cleaned


class VersionForm(VersionedForm):
    """A button that changes a record (withdraw, restore): the version of what the page showed."""

    version = version_field()

    def expected_version(self) -> int:
        """The version the button was shown with; ValidationError when the POST has none."""
        if not self.is_valid():
            raise ValidationError(VERSION_MISSING, code="version")
        return self.cleaned_data["version"]


def model_field(model, name: str, **overrides) -> forms.Field:
    """The form field Django would make for the model field: label, help, choices, length."""
    return model._meta.get_field(name).formfield(**{"choices_form_class": fields.TypedChoiceField, **overrides})


def typed_date() -> dict:
    """model_field's arguments for a date typed as historians write it (fields.TypedDateField)."""
    return {
        "form_class": fields.TypedDateField,
        "endpoint": reverse_lazy("date_parse"),
        "help_text": fields.TYPED_DATE_HELP,
        "label": "Date",  # (not "Date (EDTF)": EDTF is what is kept, not what one must type)
    }


def model_fields(model, names: Iterable[str], **overrides: dict) -> dict[str, forms.Field]:
    """model_field of each name, in their order; overrides[name]: the arguments of that one."""
    return {name: model_field(model, name, **overrides.get(name, {})) for name in names}


class FieldGroup:
    """Some of a form's fields, shown together (in a fieldset when there is a legend).

    It answers what claims/form_fields.html asks of a form, so that template renders it.
    """

    def __init__(self, form: forms.Form, legend: str, names: list[str]):
        self.legend = legend
        self._fields = [form[name] for name in names]

    def visible_fields(self):
        return [field for field in self._fields if not field.is_hidden]

    def hidden_fields(self):
        return []

    def non_field_errors(self):
        return []


class RecordForm(VersionedForm):
    """A form whose fields may be shown in groups; `groups` lists (legend, [names]).

    editing: the form edits a stored record, so it carries the version it was filled from
    (a form that adds one has no version field)."""

    groups: list[tuple[str, list[str]]] = []

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            self.fields.pop("version", None)

    def record_data(self) -> dict:
        """The cleaned values of the record's own fields (not the version the form carries)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    def field_groups(self) -> list[FieldGroup]:
        grouped = {name for _legend, names in self.groups for name in names}
        result = []
        # Ungrouped fields come first, in their declared order, then each group.
        loose = [name for name in self.fields if name not in grouped]
        if loose:
            result.append(FieldGroup(self, "", loose))
        for legend, names in self.groups:
            result.append(FieldGroup(self, legend, [n for n in names if n in self.fields]))
        return result

    def add_service_errors(self, exc: ValidationError, rename: dict[str, str | None] | None = None) -> None:
        """A service's refusal on this form (forms/service_errors.py)."""
        add_service_errors(self, exc, rename)


# --- Claims --------------------------------------------------------------------------


class ClaimForm(RecordForm):
    version = version_field()
    key = model_field(Claim, "key")
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.order_by("title"),
        required=False,
        empty_label="(choose a topic)",
        help_text="The question this claim answers.",
    )
    new_topic = forms.CharField(
        label="or a new topic",
        max_length=Topic._meta.get_field("title").max_length,
        required=False,
        help_text="If the question is not in the list yet: its title. This takes the place of the choice above.",
    )
    statement = model_field(Claim, "statement", widget=forms.Textarea(attrs={"rows": 4}))
    kind = model_field(Claim, "kind")
    status = model_field(Claim, "status")
    event_date = model_field(Claim, "event_date", **typed_date())
    # Typed, as in the claims CSV, with chips and a type-ahead (fields.PeopleWidget): a checkbox
    # a person made the form grow with the people.
    people = fields.PeopleField(
        label="People the claim is about",
        attrs={"size": 60, "placeholder": "e.g. tukhachevsky | Якир"},
        help_text=format_lazy(
            "Everyone the claim names: type a name (any spelling or script) and choose from the suggestions. "
            "Someone new? Choose “Add … as a new person” there, or "
            '<a href="{}">Add a person</a> first. (Without the suggestions: names or slugs separated by “|”.)',
            reverse_lazy("person_create"),
        ),
    )

    # Who made the claim (whose hypothesis, view or point it is), apart from who it is about.
    attributed_to = fields.PeopleField(
        label="Attributed to",
        endpoint=reverse_lazy("person_suggestions"),
        attrs={"size": 60, "placeholder": "e.g. suvorov | Роговин"},
        help_text="Who made the claim (whose hypothesis, view or point it is), separated by “|”, named as above.",
    )

    groups = [("People", ["people", "attributed_to"])]

    class Media:
        js = [forms.Script("claims/key_suggest.js", defer=True)]

    def __init__(self, *args, can_set_status: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # The status is an editor's decision (services.STATUS_IS_EDITORIAL), and a new claim starts open.
        if not (can_set_status and "version" in self.fields):
            del self.fields["status"]
        if "version" not in self.fields:
            # A new claim's key is suggested from its statement as one types (key_suggest.js,
            # with the transliteration the server uses), and made from it when left empty.
            key = self.fields["key"]
            key.required = False
            key.help_text = (
                "A short stable name for the claim's address, e.g. execution-date-11-june. "
                "Suggested from the statement; change it if you like. Left empty, it is made from the statement."
            )
            key.widget.attrs.update(
                {
                    "data-key-from": "id_statement",
                    "data-key-length": str(KEY_WORDS_LENGTH),
                    "data-translit": json.dumps(translit.TABLE, ensure_ascii=False),
                }
            )

    def clean(self):
        data = super().clean()
        if not data.get("topic") and not data.get("new_topic") and "topic" not in self.errors:
            self.add_error("topic", "Choose a topic, or give the title of a new one below.")
        return data


# --- Citations -----------------------------------------------------------------------


class CitationForm(RecordForm):
    version = version_field()
    # Typed, not chosen from a menu of every source (fields.KeyOrNameField).
    source = fields.KeyOrNameField(
        queryset=Source.objects.all(),
        key_name="key",
        kind="source",
        matches=lambda text: lists.source_suggestions(q=text),
        names=fields.source_names,
        widget=fields.SourceWidget(
            endpoint=reverse_lazy("source_suggestions"),
            add_endpoint=reverse_lazy("source_add"),
            attrs={"size": 40, "placeholder": "a key, or words of the title"},
        ),
        help_text=format_lazy(
            "The source's key (e.g. rogovin-1937) or words of its title. "
            'Not there yet? Add it here with “New source”, or <a href="{}">Add the source first</a> on its own page.',
            reverse_lazy("source_create"),
        ),
    )
    locator = model_field(Citation, "locator")
    quote = model_field(Citation, "quote", widget=forms.Textarea(attrs={"rows": 4}))
    quote_translation = model_field(Citation, "quote_translation", widget=forms.Textarea(attrs={"rows": 4}))
    stance = model_field(Citation, "stance")


# --- Sources -------------------------------------------------------------------------

ARCHIVE_FIELDS = ["archive", "archive_place", "archive_fond", "archive_opis", "archive_delo", "archive_list"]


class SourceForm(RecordForm):
    version = version_field()
    # The fields of a source as the services (and the sources CSV) name them, in that order.
    locals().update(  # (the class's namespace: declared here as if one by one)
        model_fields(
            Source,
            SOURCE_FIELDS,
            url={"assume_scheme": "https"},
            notes={"widget": forms.Textarea(attrs={"rows": 4})},
            date=typed_date(),
        )
    )
    locals().update(fields.authority_id_fields())

    # The authors among the recorded people (the field above keeps the names as written on the source).
    author_people = fields.PeopleField(
        label="Authors (people)",
        endpoint=reverse_lazy("person_suggestions"),
        attrs={"size": 60, "placeholder": "e.g. rogovin | Суворов"},
        help_text="Which recorded people wrote it, separated by “|”: each by name (any spelling or script) or slug.",
    )

    groups = [
        ("Archival reference (for an archival file)", ARCHIVE_FIELDS),
        ("", ["url", "doi", "isbn", "language", "notes", "author_people"]),
        ("Authority ids (if the work has them)", list(AUTHORITY_FIELDS)),
    ]


# --- People --------------------------------------------------------------------------


class PersonForm(RecordForm):
    version = version_field()
    name = model_field(Person, "name")
    name_original = model_field(Person, "name_original")
    aliases = model_field(Person, "aliases", widget=forms.Textarea(attrs={"rows": 3}))
    slug = model_field(Person, "slug")
    locals().update(fields.authority_id_fields())

    groups = [("Authority ids (who the person is elsewhere)", list(AUTHORITY_FIELDS))]

    def __init__(self, *args, adding: bool = False, **kwargs):
        super().__init__(*args, editing=not adding, **kwargs)
        if adding:
            self.fields["slug"].required = False
            self.fields[
                "slug"
            ].help_text = (
                "The name in the page's address, e.g. tukhachevskii. Leave it empty to derive it from the name."
            )
        else:
            self.fields["slug"].help_text = "The name in the page's address; changing it changes the address."

    def clean_aliases(self):
        # One a line: drop blank lines and stray spaces, keep the order.
        lines = [line.strip() for line in self.cleaned_data["aliases"].splitlines()]
        return "\n".join(line for line in lines if line)
