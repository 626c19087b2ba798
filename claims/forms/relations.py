"""The form of a source's genealogy on its page: what the source is a copy, translation, … of.

The other source is typed by its key, as in the sources CSV's derived_from column; the
service (services.source_relation_add/update) checks everything else, a circle included.
"""

from django import forms
from django.core.exceptions import ValidationError

from claims.models import Source, SourceRelation
from claims.quoting import quoted

from .records import RecordForm, model_field, version_field

KEY_MAX: int = Source._meta.get_field("key").max_length  # type: ignore[assignment]


class SourceRelationForm(RecordForm):
    """Adding: the other source's key, the kind and a note. Editing (editing=True): the kind
    and the note, with the version the form was filled from; the other source stays."""

    version = version_field()
    derived_from = forms.CharField(
        label="Derived from (the other source's key)",
        # A key longer than any stored one is still looked up, so that its message is the usual one.
        max_length=KEY_MAX * 4,
        help_text="The key of the source this one is a copy, translation, quotation, … of, e.g. rogovin-1937-ru.",
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "a source's key"}),
    )
    kind = model_field(SourceRelation, "kind")
    note = model_field(SourceRelation, "note", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, editing=editing, **kwargs)
        if editing:
            del self.fields["derived_from"]

    def clean_derived_from(self) -> Source:
        key = self.cleaned_data["derived_from"].strip()
        source = Source.objects.filter(key=key).first() if len(key) <= KEY_MAX else None
        if source is None:
            raise ValidationError(f"No source with the key {quoted(key)}.")
        return source
