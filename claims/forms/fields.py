"""Form fields that refuse impossible values before they reach a query, and that quote at
most claims.quoting's limit of a value in their messages.

Django's own fields pass a choice on to the database as it came: an id beyond 64 bits in a
ModelMultipleChoiceField reaches an `IN (...)` query, which SQLite cannot even hold
(OverflowError: a 500), and a version one below the column's limit makes the save's
`version + 1` overflow it. And their messages name the offending value whole: "%(value)s is
not one of the available choices" with a megabyte pasted into a choice is a megabyte message.
The fields here have the same names and arguments as Django's, so a form swaps the class only.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Field

from claims.models import Claim
from claims.quoting import shorten


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
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                      params={"value": item})
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
