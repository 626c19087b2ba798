"""A service's refusal shown on the form that asked for the change: one way for every form."""

from collections.abc import Iterable

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_service_errors(form: forms.Form, exc: ValidationError, rename: dict[str, str | None] | None = None) -> None:
    """Put a service's ValidationError onto the form: each message on its field.

    A message about a field the form does not show goes to the errors at the top; `rename`
    maps the service's field names to this form's (e.g. a dispute's proposed_credibility to
    the form's "proposed"; None: to the top). The same message given twice for one field (a
    model's validator and its clean() can both report it) is shown once.
    """
    rename = rename or {}
    items: Iterable[tuple[str, list[str]]]
    if hasattr(exc, "error_dict"):
        items = exc.message_dict.items()
    else:
        items = [(NON_FIELD_ERRORS, exc.messages)]
    for name, messages in items:
        target = rename.get(name, name)
        if target not in form.fields:
            target = None
        already = set(form.errors.get(target or NON_FIELD_ERRORS, []))
        fresh = [m for m in dict.fromkeys(messages) if m not in already]
        if fresh:
            form.add_error(target, fresh)
