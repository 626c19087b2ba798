"""The admin's form fields, lookups and searches, made to refuse impossible values.

Django's admin (and the apps it uses) passes what a request sends on to the database in
places that fail on values no row can have, a 500 instead of a form error or a 404:
- a many-to-many field's `IN (...)` check of the chosen ids (people, a user's groups), which
  SQLite cannot run with an id beyond 64 bits;
- the autocomplete widgets, which look up the chosen ids again to show the form once more
  with its errors: an id beyond 64 bits overflows SQLite, one that is not a number at all
  ("1\\x00") fails the lookup on every database;
- the autocomplete's search, which PostgreSQL refuses outright when the term holds a NUL;
- an empty `?_to_field=` on any object's page, taken for the name of a field;
- django-simple-history's pages of a record's history, whose URLs take any text for an id.
Their choice fields also quote a rejected value whole in the message. The fields of
claims/forms/fields.py answer each with a form error; the pages answer 404.
"""

from django.apps import apps
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.http import Http404

from claims.forms import fields


class _ChosenKeysOnly:
    """Shows again only the chosen values that could be keys; the others are not choices,
    which the field's own error already says."""

    def optgroups(self, name, value, attr=None):
        opts = self.field.remote_field.model._meta
        key = opts.get_field(getattr(self.field.remote_field, "field_name", None) or opts.pk.name)
        value = [v for v in value if str(v) in self.choices.field.empty_values or fields.can_be_key(key, v, self.db)]
        return super().optgroups(name, value, attr)


class CheckedAutocompleteSelect(_ChosenKeysOnly, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(_ChosenKeysOnly, AutocompleteSelectMultiple):
    pass


class CheckedInputAdmin:
    """For a ModelAdmin or an inline: its form fields refuse impossible values with a form error."""

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        kwargs.setdefault("choices_form_class", fields.TypedChoiceField)
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", fields.ModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_object(self, request, object_id, from_field=None):
        # The admin's pages take the field an object is named by from `?_to_field=`; an empty
        # one passed the admin's own check and failed the field lookup (FieldDoesNotExist).
        return super().get_object(request, object_id, from_field or None)

    def get_search_results(self, request, queryset, search_term):
        # No record holds a NUL (PostgreSQL cannot store one; the forms refuse it), so a term
        # with one matches nothing, rather than PostgreSQL's error. The changelist's own search
        # form refuses such a term before this; the autocomplete does not.
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class CheckedHistoryAdmin(CheckedInputAdmin):
    """For a SimpleHistoryAdmin: its history pages answer 404 for ids that are none.

    django-simple-history looks the ids of its URLs up as they come: an object "a", a version
    "v" or one of 5,000 digits was a ValueError (a 500), not the 404 of a missing one."""

    def _history(self):
        return getattr(self.model, self.model._meta.simple_history_manager_attribute).model._meta

    def history_view(self, request, object_id, extra_context=None):
        if not fields.can_be_key(self._history().get_field(self.model._meta.pk.attname), unquote(object_id)):
            raise Http404("No such record.")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history = self._history()
        if not (
            fields.can_be_key(history.get_field(self.model._meta.pk.attname), object_id)
            and fields.can_be_key(history.get_field("history_id"), version_id)
        ):
            raise Http404("No such version of this record.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class AccountCreationForm(fields.ShortQuotesForm, AdminUserCreationForm):
    pass


class AccountPasswordForm(fields.ShortQuotesForm, AdminPasswordChangeForm):
    pass


class CheckedAccountAdmin(CheckedInputAdmin):
    """For the user admin: Django's forms for a new account and a new password too."""

    add_form = AccountCreationForm
    change_password_form = AccountPasswordForm


def check_every_admin(site) -> None:
    """Give the admins that other apps register (auth's groups, django-axes' login records)
    the same checks, as a subclass registered in their place."""
    for model in apps.get_models():
        if site.is_registered(model) and not isinstance(site.get_model_admin(model), CheckedInputAdmin):
            own = type(site.get_model_admin(model))
            site.unregister(model)
            site.register(model, type(own.__name__, (CheckedInputAdmin, own), {"__module__": own.__module__}))
