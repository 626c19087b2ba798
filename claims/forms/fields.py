"""Form fields that refuse impossible values before they reach a query, and that quote at
most claims.quoting's limit of a value in their messages.

Django's own fields pass a choice on to the database as it came: an id beyond 64 bits in a
ModelMultipleChoiceField reaches an `IN (...)` query, which SQLite cannot even hold
(OverflowError: a 500), and a version one below the column's limit makes the save's
`version + 1` overflow it. And their messages name the offending value whole: "%(value)s is
not one of the available choices" with a megabyte pasted into a choice is a megabyte message.
The fields here have the same names and arguments as Django's, so a form swaps the class only.
"""

import contextlib
import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Field
from django.urls import reverse_lazy

from claims import authority
from claims.models import CSV_SEPARATOR, Claim, Person, Topic
from claims.quoting import shorten
from claims.selectors import lists
from claims.typed_dates import read_date


def _shortened(exc: ValidationError) -> ValidationError:
    """The same errors, each value named in a message cut to the quoting limit."""
    if hasattr(exc, "error_dict"):
        return ValidationError({name: [_shortened(e) for e in errors] for name, errors in exc.error_dict.items()})
    if not hasattr(exc, "message"):  # a list of errors
        return ValidationError([_shortened(e) for e in exc.error_list])
    params = exc.params
    if isinstance(params, dict):
        params = {key: shorten(value) if isinstance(value, str) else value for key, value in params.items()}
    return ValidationError(exc.message, code=exc.code, params=params)


class ShortQuotes:
    """A field whose messages quote a value sent at most claims.quoting.QUOTE_LIMIT long."""

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError as exc:
            raise _shortened(exc) from None


class ChoiceField(ShortQuotes, forms.ChoiceField):
    pass


class TypedChoiceField(ShortQuotes, forms.TypedChoiceField):
    pass


class MultipleChoiceField(ShortQuotes, forms.MultipleChoiceField):
    pass


class ModelChoiceField(ShortQuotes, forms.ModelChoiceField):
    pass


class ShortQuotesForm:
    """For a form made elsewhere (Django's own): its choice fields quote a value short too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # Each class here is Django's with ShortQuotes mixed in, so a field becomes one by its class alone.
            field.__class__ = _SHORT_QUOTING.get(type(field), type(field))


def beyond_column(field: Field, value, using: str | None = None) -> bool:
    """Whether value is a number that the field's column cannot hold: no row has it, and
    SQLite cannot even be asked about it."""
    if not isinstance(value, int):
        try:
            value = field.to_python(value)
        except ValidationError:
            return False
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    try:
        low, high = connections[using or "default"].ops.integer_field_range(field.get_internal_type())
    except KeyError:  # not an integer column
        return False
    return (low is not None and value < low) or (high is not None and value > high)


def can_be_key(field: Field, value, using: str | None = None) -> bool:
    """Whether value could be the field's value in some row: it converts, and it fits the column."""
    try:
        field.to_python(value)
    except ValidationError:
        return False
    return not beyond_column(field, value, using)


class ModelMultipleChoiceField(ShortQuotes, forms.ModelMultipleChoiceField):
    """Ids that no column holds are "not one of the available choices", said before the `IN` query."""

    def _check_values(self, value):
        opts = self.queryset.model._meta
        key = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        try:
            values = frozenset(value)
        except TypeError:
            values = frozenset()  # (Django's own check names a value that is not a list)
        for item in values:
            if beyond_column(key, item, self.queryset.db):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super()._check_values(value)


_SHORT_QUOTING = {
    forms.ChoiceField: ChoiceField,
    forms.TypedChoiceField: TypedChoiceField,
    forms.MultipleChoiceField: MultipleChoiceField,
    forms.ModelMultipleChoiceField: ModelMultipleChoiceField,
}


class VersionField(forms.IntegerField):
    """The version of a record a form was filled from (services.check_version).

    A save takes the next version, so the largest version accepted is one below the largest
    number the version column holds (2**31 - 1 on PostgreSQL, 2**63 - 1 on SQLite).
    """

    widget = forms.HiddenInput
    NOT_SAVED = "This form was not filled from a saved version of the record: open the edit page again."

    def __init__(self, **kwargs):
        _low, high = connection.ops.integer_field_range(Claim._meta.get_field("version").get_internal_type())
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", high - 1)
        kwargs.setdefault("error_messages", dict.fromkeys(("invalid", "min_value", "max_value"), self.NOT_SAVED))
        super().__init__(**kwargs)


# --- Typed, not chosen from a menu ---------------------------------------------------
# A menu of every source (every person) makes a page grow with them: 2,000 sources made the
# citation form 288 KB. These fields take what one types (a key or slug, or words of a title
# or name, matched on submit) and the static script suggests matches as one types.


class SuggestInput(forms.TextInput):
    """A text input with a <datalist> that claims/static/claims/suggest.js fills from `endpoint`
    (a JSON list of matches for ?q=) as one types. With a separator the input names several
    things and the script suggests for the text after the last separator."""

    template_name = "claims/widgets/suggest_input.html"

    class Media:
        js = [forms.Script("claims/suggest.js", defer=True)]

    def __init__(self, *, endpoint, separator: str = "", attrs: dict | None = None):
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})
        self.endpoint, self.separator = endpoint, separator

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        shown = context["widget"]["attrs"]
        shown.setdefault("list", f"{shown.get('id') or name}-suggestions")
        shown["data-suggest"] = str(self.endpoint)
        if self.separator:
            shown["data-separator"] = self.separator
        return context


class SourceWidget(SuggestInput):
    """A source field: its key or words of its title, with suggestions (SuggestInput), and a
    "New source" button (claims/static/claims/source_picker.js) that opens a small form inside
    this one and adds the source through `add_endpoint` (sources/add.json), then fills the field
    with its key. The small form waits in a <template>: inert, never sent with this form."""

    template_name = "claims/widgets/source_widget.html"

    class Media:
        css = {"all": ["claims/entry.css"]}
        js = [forms.Script("claims/source_picker.js", defer=True), forms.Script("claims/date_reading.js", defer=True)]

    def __init__(self, *, endpoint, add_endpoint=None, attrs: dict | None = None):
        super().__init__(endpoint=endpoint, attrs=attrs)
        self.add_endpoint = add_endpoint

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.add_endpoint:
            from claims.forms.entry import SourceQuickForm  # (that module builds on this one)

            context["widget"]["attrs"]["data-source-add"] = str(self.add_endpoint)
            context["widget"]["quick_form"] = SourceQuickForm(prefix="new_source")
        return context


def one_match(text: str, found: list, *, kind: str, key_name: str, names=None):
    """The one record of `found` (what the suggestions' search found for text), or a
    ValidationError saying that none or several match, naming up to five by their keys.

    names(record): its names as written; among several matches, the only one named exactly
    text is meant ("Ivan Petrov" beside "Ivan Petrovsky")."""
    if len(found) > 1 and names is not None:
        exact = [obj for obj in found if text.casefold() in {name.strip().casefold() for name in names(obj)}]
        if len(exact) == 1:
            return exact[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValidationError(
            "No %(kind)s has the %(key)s “%(value)s”, and none matches it.",
            code="invalid_choice",
            params={"kind": kind, "key": key_name, "value": text},
        )
    listed = ", ".join(getattr(obj, key_name) for obj in found[:5])
    raise ValidationError(
        "“%(value)s” matches more than one %(kind)s (%(listed)s%(more)s): type the %(key)s of the one you mean.",
        code="ambiguous",
        params={
            "kind": kind,
            "key": key_name,
            "value": text,
            "listed": listed,
            "more": ", …" if len(found) > 5 else "",
        },
    )


def person_names(person: Person) -> list[str]:
    return [person.name, person.name_original, *person.aliases.splitlines()]


def source_names(source) -> list[str]:
    return [source.title, source.title_original]


def refuse_null_characters(value) -> None:
    """No record holds a NUL, and PostgreSQL refuses to be asked about one: say so on the field."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError("Null characters are not allowed.", code="null_characters_not_allowed")


class KeyOrNameField(ModelChoiceField):
    """A source's key (a person's slug), or words that match exactly one source (person):
    matches(text) is the suggestions' search (claims.selectors.lists)."""

    def __init__(self, *, matches, kind: str, key_name: str, names=None, max_typed: int = 500, **kwargs):
        self.matches, self.kind, self.key_name, self.names, self.max_typed = matches, kind, key_name, names, max_typed
        kwargs.setdefault("to_field_name", key_name)
        super().__init__(**kwargs)
        self._typed: tuple[str, object] | None = None  # what was typed last, and what it matched

    def to_python(self, value):
        refuse_null_characters(value)
        try:
            return super().to_python(value)
        except ValidationError:
            text = str(value).strip()
            if self._typed and self._typed[0] == text:
                return self._typed[1]
            if len(text) > self.max_typed:
                raise ValidationError(
                    "Type at most %(limit)d characters: the %(key)s or a few words.",
                    code="max_length",
                    params={"limit": self.max_typed, "key": self.key_name},
                ) from None
            found = one_match(text, self.matches(text), kind=self.kind, key_name=self.key_name, names=self.names)
            self._typed = (text, found)
            return found

    def has_changed(self, initial, data):
        """Words naming the record the form showed are no change."""
        if not super().has_changed(initial, data):
            return False
        try:
            typed = self.to_python(data)
        except ValidationError:
            return True
        return str(self.prepare_value(typed) or "") != str(self.prepare_value(initial) or "")


def _person_label(person: Person) -> str:
    return f"{person.name} ({person.name_original})" if person.name_original else person.name


class PeopleWidget(forms.TextInput):
    """Any people field: the people chosen, shown as removable chips, and a type-ahead that
    suggests people from `endpoint` (people/suggest.json) and offers to add a name that matches
    nobody (POSTed to `add_endpoint`, people/add.json), by claims/static/claims/people_picker.js.

    What is posted is the one text input, the slugs separated by "|" (PeopleField): without the
    script it is that input, names typed and matched on submit. Not a menu of every person, so
    the form does not grow with them (tests/test_entry_at_scale.py)."""

    template_name = "claims/widgets/people_widget.html"

    class Media:
        css = {"all": ["claims/entry.css"]}
        js = [forms.Script("claims/people_picker.js", defer=True)]

    def __init__(self, *, endpoint, add_endpoint=None, attrs: dict | None = None):
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})
        self.endpoint, self.add_endpoint = endpoint, add_endpoint

    def _chosen(self, value) -> list[dict[str, str]]:
        """{value, label} of each person the value names: Person objects (a form filled from a
        record) or the text sent (a form shown again: one query for the slugs in it)."""
        if not value:
            return []
        if not isinstance(value, str):
            return [{"value": p.slug, "label": _person_label(p)} for p in value if isinstance(p, Person)]
        if len(value) > PeopleField.MAX_LENGTH or "\x00" in value:
            return []
        parts = [part.strip() for part in value.split(CSV_SEPARATOR) if part.strip()][: PeopleField.MAX_PEOPLE]
        found = {p.slug: p for p in Person.objects.filter(slug__in=parts)}
        return [{"value": part, "label": _person_label(found[part]) if part in found else part} for part in parts]

    def format_value(self, value):
        # A list of people, empty too (an edit form of a claim nobody made: "", not "[]").
        if value is not None and not isinstance(value, str):
            value = f" {CSV_SEPARATOR} ".join(p.slug if isinstance(p, Person) else str(p) for p in value)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        shown = context["widget"]["attrs"]
        shown["data-people-picker"] = str(self.endpoint)
        shown["data-separator"] = CSV_SEPARATOR
        if self.add_endpoint:
            shown["data-people-add"] = str(self.add_endpoint)
        shown["data-chosen"] = json.dumps(self._chosen(value), ensure_ascii=False)
        return context


class PeopleField(ShortQuotes, forms.Field):
    """People named by slug or by name (any script, an alias, words: lists.person_suggestions),
    separated by "|" as in the claims CSV; cleans to a list of Person. Each name must be one
    person, else an error naming which name failed and why. Empty: nobody.

    Shown with PeopleWidget: chips and a type-ahead that can add a new person; can_add False
    leaves the adding out (a form for those who may not add people)."""

    MAX_PEOPLE = 100
    MAX_LENGTH = 10_000

    def __init__(self, *, endpoint=None, can_add: bool = True, attrs: dict | None = None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            PeopleWidget(
                # (not `endpoint or …`: that would ask a lazy URL for its truth, reversing it while
                # the URLconf is still being imported)
                endpoint=reverse_lazy("person_suggestions") if endpoint is None else endpoint,
                add_endpoint=reverse_lazy("person_add") if can_add else None,
                attrs=attrs,
            ),
        )
        super().__init__(**kwargs)
        self._typed: tuple[str, list[Person]] | None = None

    def prepare_value(self, value):
        # People stay people: PeopleWidget names them without asking the database again.
        return value

    def to_python(self, value) -> list[Person]:
        text = "" if value in self.empty_values else str(value).strip()
        refuse_null_characters(text)
        if self._typed and self._typed[0] == text:
            return self._typed[1]
        if len(text) > self.MAX_LENGTH:
            raise ValidationError(
                "Type at most %(limit)d characters here.", code="max_length", params={"limit": self.MAX_LENGTH}
            )
        parts = [part.strip() for part in text.split(CSV_SEPARATOR) if part.strip()]
        if len(parts) > self.MAX_PEOPLE:
            raise ValidationError(
                "Name at most %(limit)d people (%(count)d are named).",
                code="too_many",
                params={"limit": self.MAX_PEOPLE, "count": len(parts)},
            )
        by_slug = {person.slug: person for person in Person.objects.filter(slug__in=parts)} if parts else {}
        people: list[Person] = []
        errors = []
        for number, part in enumerate(parts, 1):
            person = by_slug.get(part)
            if person is None:
                try:
                    person = one_match(
                        part, lists.person_suggestions(q=part), kind="person", key_name="slug", names=person_names
                    )
                except ValidationError as exc:
                    errors.append(
                        ValidationError(
                            f"Name %(number)d of %(count)d: {exc.message}",
                            code=exc.code,
                            params={**(exc.params or {}), "number": number, "count": len(parts)},
                        )
                    )
                    continue
            if person not in people:
                people.append(person)
        if errors:
            raise ValidationError(errors)
        self._typed = (text, people)
        return people

    def has_changed(self, initial, data):
        """The same people, however they are named now, are no change."""
        try:
            typed = self.to_python(data)
        except ValidationError:
            return True
        return {person.pk for person in typed} != {person.pk for person in initial or []}


# --- Authority ids ---------------------------------------------------------------------

# A pasted address (https://www.wikidata.org/wiki/Q855) is longer than the id it ends in.
ADDRESS_LENGTH = 200
AUTHORITY_HELP = {
    "wikidata_id": "The item's Q number, e.g. Q855; or paste the address of its Wikidata page.",
    "viaf_id": "The number of its VIAF cluster; or paste the address (https://viaf.org/viaf/…).",
    "gnd_id": "Its id in the German National Library's GND; or paste the address (https://d-nb.info/gnd/…).",
}


class AuthorityIdField(forms.CharField):
    """A Wikidata, VIAF or GND id (claims/authority.py), typed or pasted as its address: cleans
    to the id, checked against the authority's format. kind: the model field's name."""

    def __init__(self, *, kind: str, **kwargs):
        self.normalize = authority.NORMALIZERS[kind]
        kwargs["max_length"] = ADDRESS_LENGTH
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", AUTHORITY_HELP[kind])
        kwargs["validators"] = [*kwargs.get("validators", ()), *Person._meta.get_field(kind).validators]
        super().__init__(**kwargs)

    def to_python(self, value):
        return self.normalize(super().to_python(value))


def authority_id_fields() -> dict[str, forms.Field]:
    """The three ids' fields, labelled as the model labels them."""
    return {
        kind: AuthorityIdField(kind=kind, label=Person._meta.get_field(kind).verbose_name) for kind in authority.FIELDS
    }


# --- Dates as historians write them -----------------------------------------------------

TYPED_DATE_HELP = (
    "As you would write it: 12 June 1937, June 1937, 12 June 1937? (uncertain), about 1937, "
    "11 or 12 June 1937, before 22 May 1937, after 1937, February to March 1937, 11.06.1937, 12 июня 1937; "
    "or EDTF (e.g. 1937-06-11T23:35:00, [1937-06-11,1937-06-12], ../1937). "
    "What it is understood as shows below the field; the EDTF is what is kept."
)


class TypedDateInput(forms.TextInput):
    """The date's text input, and below it what the date is understood as (EDTF and words):
    filled here when the form is shown again, and by claims/static/claims/date_reading.js from
    `endpoint` (/dates/parse.json) as one types."""

    template_name = "claims/widgets/typed_date_input.html"

    class Media:
        css = {"all": ["claims/entry.css"]}
        js = [forms.Script("claims/date_reading.js", defer=True)]

    def __init__(self, *, endpoint, attrs: dict | None = None):
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})
        self.endpoint = endpoint

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-date-parse"] = str(self.endpoint)
        context["widget"]["reading"] = None
        if value and isinstance(value, str) and len(value) <= TypedDateField.MAX_TYPED:
            with contextlib.suppress(ValidationError):  # (the field's own error says what is wrong)
                context["widget"]["reading"] = read_date(value)
        return context


class TypedDateField(forms.CharField):
    """A date typed as a historian writes it (claims.typed_dates), cleaned to its EDTF."""

    MAX_TYPED = 200

    def __init__(self, *, endpoint, **kwargs):
        kwargs["widget"] = TypedDateInput(endpoint=endpoint, attrs={"size": 30})
        kwargs.setdefault("help_text", TYPED_DATE_HELP)
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        text = super().to_python(value) or ""
        refuse_null_characters(text)
        if len(text) > self.MAX_TYPED:
            raise ValidationError(
                "Type at most %(limit)d characters for a date.", code="max_length", params={"limit": self.MAX_TYPED}
            )
        return read_date(text).edtf


def topic_filter() -> ModelChoiceField:
    """A list's "Topic" filter: any topic, or one by its slug (?topic=<slug>), as the claim list
    and /conflicts/ take it."""
    return ModelChoiceField(
        label="Topic",
        queryset=Topic.objects.order_by("title"),
        to_field_name="slug",
        required=False,
        empty_label="any topic",
    )
