"""Data entry for staff. Every save and delete goes through claims.services."""

import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet, construct_instance
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django_tasks_db.models import DBTaskResult
from simple_history.admin import SimpleHistoryAdmin

from . import authority, roles, selectors, services, targets
from .admin_csv import ClaimCSVResource, ContractImportExportMixin, SourceCSVResource, claim_chunks, source_chunks
from .admin_input import CheckedAccountAdmin, CheckedHistoryAdmin, CheckedInputAdmin
from .admin_paging import LargeTablePaginator
from .forms import fields as checked
from .forms.records import version_field
from .models import (
    Annotation,
    ApiToken,
    Citation,
    CitationAssessment,
    Claim,
    ConsistencyRating,
    Dispute,
    Person,
    Source,
    SourceAssessment,
    SourceRelation,
    Topic,
    User,
)
from .search import query as search
from .selectors.lists import NEWEST, RANK_LIMIT, ClaimFilters, about_carrier, claim_search


class StaffOnlyMixin:
    """Staff admins may enter and correct anything (docs/design.md), with no per-model permissions to hand out."""

    # Who may use these pages: a predicate of claims.roles, never a permission stored in the database.
    allowed = staticmethod(roles.can_use_admin)

    def has_module_permission(self, request):
        return self.allowed(request.user)

    def has_view_permission(self, request, obj=None):
        return self.allowed(request.user)

    def has_add_permission(self, request, *args):
        return self.allowed(request.user)

    def has_change_permission(self, request, obj=None):
        return self.allowed(request.user)

    def has_delete_permission(self, request, obj=None):
        return self.allowed(request.user)


def _reverting(request) -> bool:
    """Whether this is simple_history's page of an earlier version (its Revert)."""
    return request.resolver_match is not None and request.resolver_match.url_name.endswith("_simple_history")


class VersionedModelForm(forms.ModelForm):
    """An admin form of a stored record carries the version it was filled from
    (services.check_version): a save after someone else's is refused, not allowed to overwrite it."""

    version = version_field()
    stored_version: int | None = None  # set where the instance is not the stored row (see get_form)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["version"].required = False  # a new row (an inline's empty form) has none yet
        else:
            self.fields["version"].initial = self.stored_version or self.instance.version

    def clean(self):
        cleaned = super().clean()
        if "version" in self._errors:  # (a hidden field: its error goes to the top of the form)
            self.add_error(None, self._errors.pop("version"))
        return cleaned


def _without_version(fields):
    # version is not editable, so a model form may not name it: the form declares its own.
    return None if fields is None else [f for f in fields if f != "version"]


class NamedRowsFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The row's delete box, like its other boxes, is named only by a column heading.
        if DELETION_FIELD_NAME in form.fields:
            form.fields[DELETION_FIELD_NAME].widget.attrs["aria-label"] = "Delete this row"


class ServiceInline(StaffOnlyMixin, CheckedInputAdmin, admin.TabularInline):
    form = VersionedModelForm
    formset = NamedRowsFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A tabular row names its fields only in the column headings, which a screen reader
        # does not read out for each box: give every box its field's name.
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.setdefault("aria-label", str(field.label))
        return field

    def get_fieldsets(self, request, obj=None):
        # The version is a field of each row, so that the inline's template renders it (hidden).
        (name, options), *rest = super().get_fieldsets(request, obj)
        if not hasattr(self.model, "version") or "version" in options["fields"]:
            return [(name, options), *rest]
        return [(name, {**options, "fields": (*options["fields"], "version")}), *rest]

    def get_formset(self, request, obj=None, **kwargs):
        fields = kwargs.pop("fields", None) or flatten_fieldsets(self.get_fieldsets(request, obj))
        return super().get_formset(request, obj, fields=_without_version(fields), **kwargs)


class ServiceAdmin(StaffOnlyMixin, CheckedHistoryAdmin, SimpleHistoryAdmin):
    """Saves through claims.services so the admin obeys the same rules as every other path."""

    # A filtered list counts its own rows only, not the whole table beside them (100,000 claims).
    show_full_result_count = False
    # A whole large table is counted from the statistics on PostgreSQL (admin_paging.py).
    paginator = LargeTablePaginator

    m2m_fields: tuple[str, ...] = ()
    # Django 6 will assume https for scheme-less URLs; say so now rather than rely on http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The fieldsets' fields, but version is the form's own (VersionedModelForm), not the model form's.
        fields = kwargs["fields"] if "fields" in kwargs else flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = _without_version(fields)
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None or not hasattr(obj, "version"):
            return form
        # simple_history's page of an earlier version fills the form from that version's copy,
        # whose own version number is the old one: the form starts from the stored row's.
        stored = (
            {"stored_version": type(obj).objects.filter(pk=obj.pk).values_list("version", flat=True).first()}
            if _reverting(request)
            else {}
        )
        if issubclass(form, VersionedModelForm) and not stored:
            return form
        return type(f"Versioned{form.__name__}", (VersionedModelForm, form), stored)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not hasattr(obj, "version") or any("version" in f["fields"] for _, f in fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": (*options["fields"], "version")}), *rest]

    def save_model(self, request, obj, form, change):
        if not change and hasattr(obj, "created_by_id") and obj.created_by_id is None:
            obj.created_by = request.user
        # The many-to-many fields go in the same call: saving the row a second time for
        # them wrote a second, empty "Changed" history row on every save.
        m2m = {name: form.cleaned_data[name] for name in self.m2m_fields if name in form.cleaned_data}
        # Putting an earlier version back (simple_history's page of it) is a change even when
        # the form's fields are those of that version as shown.
        services.staff_save(
            actor=request.user,
            instance=obj,
            m2m=m2m,
            changed=_reverting(request) or bool(set(form.changed_data) - {"version"}),
            expected_version=form.cleaned_data.get("version"),
        )

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.staff_delete(actor=request.user, instance=obj)
        # Each row's form carries the version it was filled from (VersionedModelForm).
        versions = {id(f.instance): f.cleaned_data.get("version") for f in formset.forms if f.cleaned_data}
        for obj in instances:
            if getattr(obj, "created_by_id", "absent") is None:
                obj.created_by = request.user
            services.staff_save(actor=request.user, instance=obj, expected_version=versions.get(id(obj)))

    def delete_model(self, request, obj):
        services.staff_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                services.staff_delete(actor=request.user, instance=obj)

    def changeform_view(self, request, *args, **kwargs):
        # A service's refusal (a cited source, a dispute already decided) is shown with its
        # reason, not as a server error; the admin's transaction has rolled back by then.
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (ValidationError, PermissionDenied) as exc:
            return self._refused(request, exc)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Putting an earlier version back is a save like any other: all of it or nothing, and
        # a refusal (the record changed since the page was opened) is shown with its reason.
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            return self._refused(request, exc)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            return self._refused(request, exc)

    def _refused(self, request, exc: Exception):
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        self.message_user(request, text, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


# --- Inlines -----------------------------------------------------------------------


class CitationInline(ServiceInline):
    model = Citation
    fk_name = "claim"
    fields = ("source", "locator", "stance", "quote", "quote_translation")
    autocomplete_fields = ("source",)
    # Three empty rows: a claim with three citations is entered on one page.
    extra = 3
    # Short boxes keep a row of the inline readable.
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


class SourceAssessmentInline(ServiceInline):
    model = SourceAssessment
    fields = ("reviewer", "grade", "rationale")
    autocomplete_fields = ("reviewer",)
    extra = 1


class SourceRelationInline(ServiceInline):
    """What this source derives from (a copy, translation, … of another source)."""

    model = SourceRelation
    fk_name = "source"
    fields = ("derived_from", "kind", "note")
    autocomplete_fields = ("derived_from",)
    extra = 1
    verbose_name = "derived from"
    verbose_name_plural = "derived from (copies, translations, quotations, reliance, summaries)"
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


class CitationAssessmentInline(ServiceInline):
    model = CitationAssessment
    fields = ("reviewer", "grade", "rationale", "outdated")
    readonly_fields = ("outdated",)
    autocomplete_fields = ("reviewer",)
    extra = 1


# --- Models ------------------------------------------------------------------------


@admin.register(Topic)
class TopicAdmin(ServiceAdmin):
    list_display = ("title", "slug", "created_at")
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_by", "created_at")


class HasAuthorityIdFilter(admin.SimpleListFilter):
    """Records that carry some authority id, or none: what is left to identify."""

    title = "authority ids"
    parameter_name = "has_ids"

    def lookups(self, request, model_admin):
        return [("yes", "has a Wikidata, VIAF or GND id"), ("wikidata", "has a Wikidata id"), ("no", "has none")]

    def queryset(self, request, queryset):
        blank = Q(**dict.fromkeys(authority.FIELDS, ""))
        if self.value() == "yes":
            return queryset.exclude(blank)
        if self.value() == "wikidata":
            return queryset.exclude(wikidata_id="")
        if self.value() == "no":
            return queryset.filter(blank)
        return queryset


class AuthorityIdsAdmin:
    """The ids of a person or a source: typed or pasted as an address (read as the id), and
    found by the search box exactly (the unique constraints' indexes serve it)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in authority.FIELDS:
            return checked.AuthorityIdField(
                kind=db_field.name, label=db_field.verbose_name, widget=forms.TextInput(attrs={"class": "vTextField"})
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        carrying = authority.carrying_q(search_term.strip())
        if carrying is not None:
            results = results | queryset.filter(carrying)
        return results, duplicates


@admin.register(Person)
class PersonAdmin(AuthorityIdsAdmin, ServiceAdmin):
    list_display = ("name", "name_original", "slug", "wikidata_id")
    list_filter = (HasAuthorityIdFilter,)
    search_fields = ("name", "name_original", "aliases", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_by", "created_at")


@admin.register(Source)
class SourceAdmin(AuthorityIdsAdmin, ContractImportExportMixin, ServiceAdmin):
    resource_classes = [SourceCSVResource]
    csv_chunks = staticmethod(source_chunks)
    list_display = ("key", "title", "title_original", "kind", "level", "date", "archive_reference", "language")
    list_filter = ("kind", "level", "language", HasAuthorityIdFilter)
    search_fields = (
        "key",
        "title",
        "title_original",
        "authors",
        "publisher",
        "archive",
        "archive_fond",
        "notes",
        "=doi",
        "=isbn",
    )
    readonly_fields = ("date_earliest", "date_latest", "created_by", "created_at", "updated_at")
    autocomplete_fields = ("author_people",)
    m2m_fields = ("author_people",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "key",
                    "kind",
                    "level",
                    "title",
                    "title_original",
                    "authors",
                    "author_people",
                    "date",
                    "publisher",
                    "publisher_place",
                    "language",
                    "url",
                    "doi",
                    "isbn",
                )
            },
        ),
        (
            "Archival reference",
            {
                "fields": (
                    ("archive", "archive_place"),
                    ("archive_fond", "archive_opis", "archive_delo", "archive_list"),
                )
            },
        ),
        ("Authority ids", {"fields": (authority.FIELDS,)}),
        (None, {"fields": ("notes",)}),
        (
            "Record",
            {
                "classes": ("collapse",),
                "fields": ("date_earliest", "date_latest", "created_by", "created_at", "updated_at"),
            },
        ),
    )
    inlines = (SourceRelationInline, SourceAssessmentInline)


@admin.register(Claim)
class ClaimAdmin(ContractImportExportMixin, ServiceAdmin):
    # Recently changed first, read backwards from claim_by_updated_idx: the model's own order
    # (by topic title) would sort every claim for each page of the list.
    ordering = ("-updated_at", "-key")
    resource_classes = [ClaimCSVResource]
    csv_chunks = staticmethod(claim_chunks)
    list_display = ("key", "short_statement", "topic", "kind", "status", "event_date", "updated_at")
    list_filter = ("topic", "kind", "status")
    list_select_related = ("topic",)
    # The search box searches the site's index (get_search_results), not these fields.
    search_fields = ("key", "statement")
    autocomplete_fields = ("topic", "people", "attributed_to")
    readonly_fields = ("evidence_grade", "date_earliest", "date_latest", "created_by", "created_at", "updated_at")
    fields = (
        "key",
        "topic",
        "statement",
        "kind",
        "status",
        "event_date",
        "people",
        "attributed_to",
        "evidence_grade",
        "date_earliest",
        "date_latest",
        "created_by",
        "created_at",
        "updated_at",
    )
    inlines = (CitationInline,)
    m2m_fields = ("people", "attributed_to")

    def get_search_results(self, request, queryset, search_term):
        """The site's search (claims/search/): every word, any script or spelling, inflections;
        a claim's key typed whole finds it too."""
        if not search_term.strip():
            return queryset, False
        about = about_carrier(search_term)
        if about is not None:  # (an authority id of a person or a source, as on the site's list)
            return queryset.filter(about), False
        match = search.parse(search_term)
        found = Q(key=search_term.strip())
        if match is not None:
            # At most the RANK_LIMIT claims last added that match, as on the site's list
            # (selectors.lists.claim_list_page): sorting and counting every match of a name
            # found on most claims would read them all.
            limit = RANK_LIMIT
            newest = claim_search(filters=ClaimFilters(sort=NEWEST), match=match)
            ids = list(newest.values_list("pk", flat=True)[: limit + 1])
            if len(ids) > limit:
                ids = ids[:limit]
                if request is not None and getattr(request.resolver_match, "url_name", "").endswith("_changelist"):
                    messages.info(
                        request,
                        f"More than {limit} claims match: the {limit} added last are listed. "
                        "Add a word or a filter to narrow the search.",
                    )
            found |= Q(pk__in=ids)
        return queryset.filter(found), False

    @admin.display(description="statement")
    def short_statement(self, obj: Claim) -> str:
        return obj.statement if len(obj.statement) <= 90 else obj.statement[:89] + "…"

    @admin.display(description="evidence grade")
    def evidence_grade(self, obj: Claim) -> str:
        if not obj.pk:
            return "-"
        return selectors.claim_evidence_grades([obj])[obj.pk] or "no supporting citation"


@admin.register(Citation)
class CitationAdmin(ServiceAdmin):
    ordering = ("-pk",)  # newest first, from the primary key: the model's order joins and sorts every citation
    list_display = ("claim", "source", "locator", "stance")
    list_filter = ("stance", "source__kind")
    list_select_related = ("claim", "source")
    search_fields = (
        "claim__key",
        "claim__statement",
        "source__key",
        "source__title",
        "source__title_original",
        "locator",
        "quote",
        "quote_translation",
    )
    autocomplete_fields = ("claim", "source")
    readonly_fields = ("created_by", "created_at", "updated_at")
    inlines = (CitationAssessmentInline,)


@admin.register(SourceAssessment)
class SourceAssessmentAdmin(ServiceAdmin):
    ordering = ("-pk",)  # newest first (as CitationAdmin)
    list_display = ("source", "grade", "reviewer", "updated_at")
    list_filter = ("grade",)
    list_select_related = ("source", "reviewer")
    search_fields = ("source__key", "source__title", "source__title_original", "reviewer__username", "rationale")
    autocomplete_fields = ("source", "reviewer")


@admin.register(CitationAssessment)
class CitationAssessmentAdmin(ServiceAdmin):
    ordering = ("-pk",)  # newest first (as CitationAdmin)
    list_display = ("citation", "grade", "reviewer", "outdated", "updated_at")
    list_filter = ("grade", "outdated")
    readonly_fields = ("outdated",)
    list_select_related = ("citation__claim", "citation__source", "reviewer")
    search_fields = ("citation__claim__key", "citation__source__key", "reviewer__username", "rationale")
    autocomplete_fields = ("citation", "reviewer")


@admin.register(ConsistencyRating)
class ConsistencyRatingAdmin(ServiceAdmin):
    ordering = ("-pk",)  # newest first (as CitationAdmin)
    list_display = ("citation", "claim", "grade", "reviewer", "updated_at")
    list_filter = ("grade",)
    list_select_related = ("citation__claim", "citation__source", "claim", "reviewer")
    search_fields = ("claim__key", "citation__claim__key", "citation__source__key", "reviewer__username", "rationale")
    autocomplete_fields = ("citation", "claim", "reviewer")


class DisputeForm(forms.ModelForm):
    """Deciding a dispute goes through dispute_resolve, so an upheld proposal takes effect."""

    DECISIONS = [("", "leave open"), ("upheld", "uphold"), ("rejected", "reject"), ("withdrawn", "withdraw")]
    decision = checked.ChoiceField(
        choices=DECISIONS, required=False, help_text="Upholding applies the proposed grade or status."
    )
    note = forms.CharField(
        label="resolution note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why it is upheld or rejected; shown to everyone involved.",
    )
    # The disputed grade or claim as this page showed it: a decision on it, changed since, is refused.
    target_version = version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None or self.instance.state != Dispute.State.OPEN:
            self.fields.pop("target_version", None)
        else:
            self.fields["target_version"].initial = self.instance.target.version

    class Meta:
        model = Dispute
        fields = (
            "raised_by",
            *targets.DISPUTE_FIELDS,
            "reason",
            "proposed_reliability",
            "proposed_credibility",
            "proposed_status",
            "proposed_consistency",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") in {"upheld", "rejected"} and not cleaned.get("note", "").strip():
            self.add_error("note", "Say why the dispute is upheld or rejected.")
        return cleaned


@admin.register(Dispute)
class DisputeAdmin(ServiceAdmin):
    form = DisputeForm
    list_display = ("__str__", "state", "proposal", "raised_by", "created_at", "resolved_by", "closed_at")
    list_filter = ("state",)
    list_select_related = ("raised_by", "resolved_by")
    search_fields = (
        "reason",
        "resolution_note",
        "raised_by__username",
        "claim__key",
        "source_assessment__source__key",
        "citation_assessment__citation__claim__key",
        "consistency_rating__claim__key",
    )
    autocomplete_fields = ("raised_by", *targets.DISPUTE_FIELDS)
    RECORD = ("state", "resolved_by", "resolution_note", "created_at", "closed_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return DisputeForm.Meta.fields
        decide = ("decision", "note", "target_version") if obj.state == Dispute.State.OPEN else ()
        return DisputeForm.Meta.fields + self.RECORD + decide

    def get_readonly_fields(self, request, obj=None):
        # A raised dispute keeps its target, reason and proposal; only a decision changes it.
        return () if obj is None else DisputeForm.Meta.fields + self.RECORD

    def save_model(self, request, obj, form, change):
        if not change:
            services.staff_save(actor=request.user, instance=obj)
            return
        decision = form.cleaned_data.get("decision")
        versions = {"expected_version": form.cleaned_data.get("version")}
        if decision in {"upheld", "rejected"}:
            services.dispute_resolve(
                actor=request.user,
                dispute=obj,
                outcome=decision,
                note=form.cleaned_data["note"],
                target_version=form.cleaned_data.get("target_version"),
                **versions,
            )
        elif decision == "withdrawn":
            services.dispute_withdraw(actor=request.user, dispute=obj, **versions)


class AnnotationAdminForm(forms.ModelForm):
    def clean(self):
        # The rules that read the parent and the target's text are the services' (not the
        # model's clean), so the form asks for them itself, to show them on their fields.
        cleaned = super().clean()
        for name, message in services.annotation_link_errors(
            construct_instance(self, copy.copy(self.instance))
        ).items():
            self.add_error(name, message)
        return cleaned


@admin.register(Annotation)
class AnnotationAdmin(ServiceAdmin):
    form = AnnotationAdminForm
    ordering = ("-pk",)  # newest first (as CitationAdmin)
    list_display = ("__str__", "motivation", "author", "excerpt", "created_at", "withdrawn_at")
    list_filter = ("motivation", ("withdrawn_at", admin.EmptyFieldListFilter))
    list_select_related = ("author",)
    search_fields = ("body", "quoted_passage", "author__username")
    autocomplete_fields = ("author", "parent", *targets.ANNOTATION_FIELDS)
    readonly_fields = ("created_at", "updated_at", "withdrawn_at")
    fields = (
        "author",
        "motivation",
        "body",
        "quoted_passage",
        "parent",
        *targets.ANNOTATION_FIELDS,
        "created_at",
        "updated_at",
        "withdrawn_at",
    )

    @admin.display(description="note")
    def excerpt(self, obj: Annotation) -> str:
        return format_html("{}", obj.body[:80])


@admin.register(ApiToken)
class ApiTokenAdmin(StaffOnlyMixin, CheckedInputAdmin, admin.ModelAdmin):
    """Everyone's personal API tokens, for staff to see and revoke (a token leaked, a colleague
    gone). Read-only: a token is made by its owner on the account page, which alone ever
    shows it; here is only what is stored, its hash, which opens nothing."""

    list_display = ("name", "user", "shown_prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    search_fields = ("user__username", "name")
    fields = ("user", "name", "shown_prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke_selected",)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: the row says when it was last used

    @admin.display(description="begins", ordering="prefix")
    def shown_prefix(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    @admin.action(description="Revoke the selected API tokens")
    def revoke_selected(self, request, queryset):
        try:
            with transaction.atomic():
                revoked = [
                    services.api_token_revoke(actor=request.user, token=token)
                    for token in queryset.active().select_related("user")
                ]
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, f"Nothing was revoked: {text}", messages.ERROR)
            return
        if revoked:
            names = ", ".join(str(token) for token in revoked)
            self.message_user(request, f"Revoked {len(revoked)}: {names}.", messages.SUCCESS)
        else:
            self.message_user(request, "The selected tokens were revoked already.", messages.WARNING)


class PasswordSummaryWidget(ReadOnlyPasswordHashWidget):
    """An account's password as its admin page shows it, saying where this user may set it
    (note) with a button to that page (password_url), if anywhere."""

    template_name = "admin/claims/user/password_hash.html"

    def __init__(self, note: str, password_url: str | None):
        super().__init__()
        self.note, self.password_url = note, password_url

    def get_context(self, name, value, attrs):
        return {**super().get_context(name, value, attrs), "note": self.note, "password_url": self.password_url}


@admin.register(User)
class AccountAdmin(StaffOnlyMixin, CheckedAccountAdmin, UserAdmin):
    """Staff see every account and manage the plain ones; who may do what (superuser and staff
    status, active, role groups, permissions) only a superuser changes (claims.roles)."""

    list_display = ("username", "email", "roles", "is_staff", "is_active", "last_login")
    list_filter = ("groups", "is_staff", "is_superuser", "is_active")

    def has_change_permission(self, request, obj=None):
        return roles.can_change_account(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return roles.can_delete_account(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        # When an account joined and last logged in are the system's record, not anyone's to
        # edit (and Django's split date and time boxes for them carry no label of their own).
        fields = (*super().get_readonly_fields(request, obj), "last_login", "date_joined")
        if not roles.can_grant_privileges(request.user):
            fields = (*fields, *roles.PRIVILEGE_FIELDS)
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and not roles.can_set_password(request.user, obj):
            # A copy: the field object is shared with Django's UserChangeForm and every form made from it.
            password = copy.deepcopy(form.base_fields["password"])
            own = obj.pk == request.user.pk
            password.widget = PasswordSummaryWidget(
                OWN_PASSWORD if own else OTHERS_PASSWORD, reverse("password_change") if own else None
            )
            password.help_text = ""
            form.base_fields["password"] = password
        return form

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        account = self.get_object(request, unquote(id))
        if account is not None and not roles.can_set_password(request.user, account):
            raise PermissionDenied(OWN_PASSWORD if account.pk == request.user.pk else OTHERS_PASSWORD)
        return super().user_change_password(request, id, form_url)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def roles(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all())


OWN_PASSWORD = format_lazy(
    "Change your own password at {}, which asks for your current one.", reverse_lazy("password_change")
)
OTHERS_PASSWORD = "Only a superuser may set the password of a superuser or of another staff account."


admin.site.unregister(Group)
# The background jobs' table (django-tasks-db registers it) holds each job's arguments, the
# token of an editor's pending upload among them: it is no business of other staff. Each job
# is its starter's alone (claims/views/jobs.py).
admin.site.unregister(DBTaskResult)


@admin.register(Group)
class RoleGroupAdmin(StaffOnlyMixin, GroupAdmin):
    """What a group may do, each account in it may do: only a superuser changes it, whatever
    permissions a staff account holds."""

    allowed = staticmethod(roles.can_grant_privileges)
