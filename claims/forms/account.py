"""The account page's form: a name for a new personal API token."""

from django import forms

from claims.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name of a new token",
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What it is for, so that you can tell it from your others: e.g. “scripts on my laptop”.",
    )
