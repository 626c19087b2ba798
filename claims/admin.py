"""Data entry for staff. Every save and delete goes through claims.services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import roles, selectors, services
from .admin_csv import ClaimCSVResource, ContractImportExportMixin, SourceCSVResource, claim_chunks, source_chunks
from .admin_input import CheckedAccountAdmin, CheckedHistoryAdmin, CheckedInputAdmin
from .forms import fields as checked
from .models import (
    Annotation,
    Citation,
    CitationAssessment,
    Claim,
    Dispute,
    Person,
    Source,
    SourceAssessment,
    Topic,
    User,
)


class StaffOnlyMixin:
    """Staff admins may enter and correct anything (docs/design.md), with no per-model permissions to hand out."""

    def has_module_permission(self, request):
        return roles.can_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.can_use_admin(request.user)

    def has_add_permission(self, request, *args):
        return roles.can_use_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return roles.can_use_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return roles.can_use_admin(request.user)


class ServiceInline(StaffOnlyMixin, CheckedInputAdmin, admin.TabularInline):
    pass


class ServiceAdmin(StaffOnlyMixin, CheckedHistoryAdmin, SimpleHistoryAdmin):
    """Saves through claims.services so the admin obeys the same rules as every other path."""

    m2m_fields: tuple[str, ...] = ()
    # Django 6 will assume https for scheme-less URLs; say so now rather than rely on http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The fieldsets' fields, but version is the form's own (below), not the model form's.
        fields = kwargs["fields"] if "fields" in kwargs else flatten_fieldsets(self.get_fieldsets(request, obj))
        if fields is not None:
            kwargs["fields"] = [f for f in fields if f != "version"]
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None or not hasattr(obj, "version"):
            return form

        class VersionedForm(form):
            # The version the form was filled from (services.check_version): a save after
            # someone else's is refused, not allowed to overwrite it.
            version = checked.VersionField(required=False)

            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                self.fields["version"].initial = self.instance.version

        return VersionedForm

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
        services.staff_save(actor=request.user, instance=obj, m2m=m2m,
                            changed=bool(set(form.changed_data) - {"version"}),
                            expected_version=form.cleaned_data.get("version"))

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.staff_delete(actor=request.user, instance=obj)
        for obj in instances:
            if getattr(obj, "created_by_id", "absent") is None:
                obj.created_by = request.user
            services.staff_save(actor=request.user, instance=obj)

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


class CitationAssessmentInline(ServiceInline):
    model = CitationAssessment
    fields = ("reviewer", "grade", "rationale")
    autocomplete_fields = ("reviewer",)
    extra = 1


# --- Models ------------------------------------------------------------------------


@admin.register(Topic)
class TopicAdmin(ServiceAdmin):
    list_display = ("title", "slug", "created_at")
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_by", "created_at")


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    list_display = ("name", "name_original", "slug")
    search_fields = ("name", "name_original", "aliases", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_by", "created_at")


@admin.register(Source)
class SourceAdmin(ContractImportExportMixin, ServiceAdmin):
    resource_classes = [SourceCSVResource]
    csv_chunks = staticmethod(source_chunks)
    list_display = ("key", "title", "title_original", "kind", "level", "date", "archive_reference", "language")
    list_filter = ("kind", "level", "language")
    search_fields = ("key", "title", "title_original", "authors", "publisher", "archive", "archive_fond", "notes")
    readonly_fields = ("date_earliest", "date_latest", "created_by", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("key", "kind", "level", "title", "title_original", "authors", "date",
                           "publisher", "language", "url")}),
        ("Archival reference", {"fields": (("archive", "archive_fond", "archive_opis", "archive_delo", "archive_list"),)}),
        (None, {"fields": ("notes",)}),
        ("Record", {"classes": ("collapse",), "fields": ("date_earliest", "date_latest", "created_by",
                                                         "created_at", "updated_at")}),
    )
    inlines = (SourceAssessmentInline,)


@admin.register(Claim)
class ClaimAdmin(ContractImportExportMixin, ServiceAdmin):
    resource_classes = [ClaimCSVResource]
    csv_chunks = staticmethod(claim_chunks)
    list_display = ("key", "short_statement", "topic", "kind", "status", "event_date", "updated_at")
    list_filter = ("topic", "kind", "status")
    list_select_related = ("topic",)
    search_fields = (
        "key", "statement", "people__name", "people__name_original", "people__aliases",
        "citations__source__title", "citations__source__title_original",
    )
    autocomplete_fields = ("topic", "people")
    readonly_fields = ("evidence_grade", "date_earliest", "date_latest", "created_by", "created_at", "updated_at")
    fields = ("key", "topic", "statement", "kind", "status", "event_date", "people", "evidence_grade",
              "date_earliest", "date_latest", "created_by", "created_at", "updated_at")
    inlines = (CitationInline,)
    m2m_fields = ("people",)

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
    list_display = ("claim", "source", "locator", "stance")
    list_filter = ("stance", "source__kind")
    list_select_related = ("claim", "source")
    search_fields = ("claim__key", "claim__statement", "source__key", "source__title", "source__title_original",
                     "locator", "quote", "quote_translation")
    autocomplete_fields = ("claim", "source")
    readonly_fields = ("created_by", "created_at", "updated_at")
    inlines = (CitationAssessmentInline,)


@admin.register(SourceAssessment)
class SourceAssessmentAdmin(ServiceAdmin):
    list_display = ("source", "grade", "reviewer", "updated_at")
    list_filter = ("grade",)
    list_select_related = ("source", "reviewer")
    search_fields = ("source__key", "source__title", "source__title_original", "reviewer__username", "rationale")
    autocomplete_fields = ("source", "reviewer")


@admin.register(CitationAssessment)
class CitationAssessmentAdmin(ServiceAdmin):
    list_display = ("citation", "grade", "reviewer", "updated_at")
    list_filter = ("grade",)
    list_select_related = ("citation__claim", "citation__source", "reviewer")
    search_fields = ("citation__claim__key", "citation__source__key", "reviewer__username", "rationale")
    autocomplete_fields = ("citation", "reviewer")


class DisputeForm(forms.ModelForm):
    """Deciding a dispute goes through dispute_resolve, so an upheld proposal takes effect."""

    DECISIONS = [("", "leave open"), ("upheld", "uphold"), ("rejected", "reject"), ("withdrawn", "withdraw")]
    decision = checked.ChoiceField(choices=DECISIONS, required=False,
                                   help_text="Upholding applies the proposed grade or status.")
    note = forms.CharField(label="resolution note", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Why it is upheld or rejected; shown to everyone involved.")

    class Meta:
        model = Dispute
        fields = ("raised_by", "source_assessment", "citation_assessment", "claim", "reason",
                  "proposed_reliability", "proposed_credibility", "proposed_status")

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
    search_fields = ("reason", "resolution_note", "raised_by__username", "claim__key",
                     "source_assessment__source__key", "citation_assessment__citation__claim__key")
    autocomplete_fields = ("raised_by", "source_assessment", "citation_assessment", "claim")
    RECORD = ("state", "resolved_by", "resolution_note", "created_at", "closed_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return DisputeForm.Meta.fields
        decide = ("decision", "note") if obj.state == Dispute.State.OPEN else ()
        return DisputeForm.Meta.fields + self.RECORD + decide

    def get_readonly_fields(self, request, obj=None):
        # A raised dispute keeps its target, reason and proposal; only a decision changes it.
        return () if obj is None else DisputeForm.Meta.fields + self.RECORD

    def save_model(self, request, obj, form, change):
        if not change:
            services.staff_save(actor=request.user, instance=obj)
            return
        decision = form.cleaned_data.get("decision")
        if decision in {"upheld", "rejected"}:
            services.dispute_resolve(actor=request.user, dispute=obj, outcome=decision, note=form.cleaned_data["note"])
        elif decision == "withdrawn":
            services.dispute_withdraw(actor=request.user, dispute=obj)


@admin.register(Annotation)
class AnnotationAdmin(ServiceAdmin):
    list_display = ("__str__", "motivation", "author", "excerpt", "created_at", "withdrawn_at")
    list_filter = ("motivation", ("withdrawn_at", admin.EmptyFieldListFilter))
    list_select_related = ("author",)
    search_fields = ("body", "quoted_passage", "author__username")
    autocomplete_fields = ("author", "parent", "claim", "source", "citation", "source_assessment",
                           "citation_assessment", "dispute")
    readonly_fields = ("created_at", "updated_at", "withdrawn_at")
    fields = ("author", "motivation", "body", "quoted_passage", "parent", "claim", "source", "citation",
              "source_assessment", "citation_assessment", "dispute", "created_at", "updated_at", "withdrawn_at")

    @admin.display(description="note")
    def excerpt(self, obj: Annotation) -> str:
        return format_html("{}", obj.body[:80])


@admin.register(User)
class AccountAdmin(StaffOnlyMixin, CheckedAccountAdmin, UserAdmin):
    """Staff give people their roles (docs/design.md: staff may do everything); only a superuser
    may hand out superuser status or raw model permissions, so staff cannot promote themselves."""

    list_display = ("username", "email", "roles", "is_staff", "is_active", "last_login")
    list_filter = ("groups", "is_staff", "is_superuser", "is_active")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            fields = (*fields, "is_superuser", "user_permissions")
        return fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def roles(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all())
