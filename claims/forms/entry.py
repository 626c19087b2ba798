"""The small forms of the data-entry helpers: a person or a source added from within another
form (the claim's people, the citation's source) without leaving it (claims/views/entry.py)."""

from django import forms

from claims.models import Person, Source

from .records import model_field, typed_date


class QuickForm(forms.Form):
    # Shown inside another form (the citation's): no browser "required" check, or that form
    # could not be sent while this one stands empty; the view checks instead.
    use_required_attribute = False


class PersonQuickForm(QuickForm):
    name = model_field(Person, "name")
    name_original = model_field(Person, "name_original")


class SourceQuickForm(QuickForm):
    """What a source needs (Source.clean): a title, its kind and level; an archival file its
    archive. The key is made from the title when none is typed."""

    title = model_field(Source, "title")
    kind = model_field(Source, "kind")
    level = model_field(Source, "level")
    authors = model_field(Source, "authors")
    date = model_field(Source, "date", **typed_date())
    archive = model_field(Source, "archive", help_text="Needed for an archival file, e.g. RGVA.")
    key = model_field(
        Source,
        "key",
        required=False,
        help_text="The source's short name in addresses, e.g. rogovin-1937. Left empty, it is made from the title.",
    )
