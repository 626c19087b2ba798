"""CSV import and export in the admin, through django-import-export's screens.

django-import-export gives the admin its upload form, its preview of what will be
created, updated or left unchanged, its confirm step and its export button. The work
itself is done by claims/csv (the same code the commands and the web pages call), so the
admin obeys the same contract and rules: the file is handed over as raw bytes (so
encoding and delimiter are detected the same way), the import is all or nothing, and
every bad row is listed before anything can be confirmed.

The preview keeps the file in PENDING_UPLOADS_DIR (claims.uploads.PendingUploadStorage,
the temporary storage) with the versions of the records it names beside it; the confirm
writes nothing if any of them changed since, lists them, and offers to preview the kept
file again (a POST to the import page, see import_action).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from import_export import fields, resources
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import Result, RowResult
from tablib import Dataset

from claims import roles, uploads
from claims.csv.claims_csv import CLAIM_COLUMNS, claims_csv_chunks, claims_import
from claims.csv.reading import FILE, ImportReport, RowError, RowOutcome
from claims.csv.shown import VALUE_SHOWN
from claims.csv.sources_csv import SOURCE_COLUMNS, sources_csv_chunks, sources_import
from claims.forms import fields as checked
from claims.models import Claim, Source
from claims.quoting import shorten

PREVIEW_ROWS = 500  # rows listed in the preview; the counts above it cover every row
GONE = (
    "That upload is no longer waiting to be confirmed (it was imported, or it expired a day after its "
    "preview). Upload the file again."
)


class RawFile(Dataset):
    """The uploaded bytes, untouched: claims/csv decodes and splits them itself."""

    def __init__(self, raw: bytes):
        super().__init__()
        self.raw = raw

    def __bool__(self) -> bool:
        # An empty file is reported by the importer with its own message, like on every path.
        return True


class ContractCSV(base_formats.CSV):
    """The CSV of docs/design.md: read as bytes by claims/csv, written by claims/csv."""

    def get_title(self):
        return "csv"

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return RawFile(in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8"))


IMPORT_TYPE = {
    RowOutcome.CREATED: RowResult.IMPORT_TYPE_NEW,
    RowOutcome.UPDATED: RowResult.IMPORT_TYPE_UPDATE,
    RowOutcome.UNCHANGED: RowResult.IMPORT_TYPE_SKIP,
}


# What a row needs imported first (RowError.needs) -> the admin's import of it.
ADMIN_IMPORT_OF = {"sources": "admin:claims_source_import", "claims": "admin:claims_claim_import"}


def _with_link(error: RowError) -> str:
    """The message, and where a row names what does not exist, a link to the admin's import of it
    (the message escaped by format_html; the admin's template shows the result as it is)."""
    if error.needs not in ADMIN_IMPORT_OF:
        return error.message
    return format_html(
        '{} <a href="{}">Import {}</a>', error.message, reverse(ADMIN_IMPORT_OF[error.needs]), error.needs
    )


def _old_and_new(outcome: RowOutcome) -> str:
    """statement: old → new; status: open → refuted (as the web preview shows them, in text)."""
    return "; ".join(
        f"{column}: {shorten(old, VALUE_SHOWN) or '(empty)'} → {shorten(new, VALUE_SHOWN) or '(empty)'}"
        for column, old, new in outcome.values
    )


def report_as_result(report: ImportReport) -> Result:
    """Our report in the shape django-import-export's templates show."""
    result = Result()
    result.changed_since_preview = report.changed_since_preview
    if report.errors:
        by_row: dict[int, dict[str, list[str]]] = {}
        for error in report.errors:
            by_row.setdefault(error.row, {}).setdefault(error.column or NON_FIELD_ERRORS, []).append(_with_link(error))
        for number, messages in list(by_row.items())[:PREVIEW_ROWS]:  # (the page lists the first rows' errors)
            result.append_invalid_row(number if number else "file", {}, ValidationError(messages))
        result.error_rows_count = len(by_row)
        return result
    result.diff_headers = ["row", "key", "change"]
    result.total_rows = len(report.rows)
    listed = 0
    for outcome in report.rows:
        row = RowResult()
        row.import_type = IMPORT_TYPE[outcome.action]
        result.increment_row_result_total(row)
        # Unchanged rows are counted, not listed; long files list their first changes.
        if outcome.action == RowOutcome.UNCHANGED or listed >= PREVIEW_ROWS:
            continue
        listed += 1
        row.object_repr = outcome.key
        row.diff = [outcome.row, outcome.key, _old_and_new(outcome) or ", ".join(outcome.changes) or outcome.action]
        result.append_row_result(row)
    result.listed_rows = listed
    return result


class ContractResource(resources.ModelResource):
    """Delegates import to claims/csv; the fields listed are the contract's columns."""

    importer: Callable[..., Any] | None = None  # set by the subclass

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """pending: the name of the kept upload (its preview keeps the versions it saw beside
        it; its confirm expects them)."""
        pending = kwargs.get("pending")
        expected = None if dry_run or pending is None else uploads.read_versions(pending)
        if pending is not None and not dry_run and expected is None:
            report = ImportReport(errors=[RowError(FILE, "", GONE)])
        else:
            report = type(self).importer(
                actor=kwargs.get("user"), data=dataset.raw, dry_run=dry_run, expected_versions=expected
            )
        if pending is not None and dry_run:
            if report.ok:
                uploads.write_versions(pending, report.versions)
            else:
                uploads.forget(pending)  # (nothing can be confirmed)
        return report_as_result(report)


class ClaimCSVResource(ContractResource):
    importer = staticmethod(claims_import)
    # Not model fields, but columns of the contract: listed on the import page with the rest.
    people = fields.Field(column_name="people")
    attributed_to = fields.Field(column_name="attributed_to")
    sources = fields.Field(column_name="sources")

    class Meta:
        model = Claim
        fields = CLAIM_COLUMNS
        import_id_fields = ["key"]


class SourceCSVResource(ContractResource):
    importer = staticmethod(sources_import)

    class Meta:
        model = Source
        fields = SOURCE_COLUMNS
        import_id_fields = ["key"]


class ContractImportForm(ImportForm):
    """django-import-export's upload form, whose messages quote at most the quoting limit of a value."""

    resource = checked.ChoiceField(label=ImportForm.base_fields["resource"].label, choices=(), required=False)
    format = checked.ChoiceField(label=ImportForm.base_fields["format"].label, choices=())


class ContractConfirmForm(ConfirmImportForm):
    """The confirm step, checked before anything is read: a format and a resource that this
    admin has (django-import-export takes any text as their index), and a file that a preview
    of this admin kept and that is still waiting."""

    format = checked.ChoiceField(widget=forms.HiddenInput, choices=())
    resource = checked.ChoiceField(widget=forms.HiddenInput, choices=(), required=False)

    def __init__(self, formats, resources, **kwargs):
        super().__init__(**kwargs)
        self.fields["format"].choices = [(str(i), f().get_title()) for i, f in enumerate(formats)]
        self.fields["resource"].choices = [(str(i), r.__name__) for i, r in enumerate(resources)]

    def clean_import_file_name(self):
        name = super().clean_import_file_name()
        if not uploads.waiting(name):  # (a token of a kept upload, never a path)
            raise ValidationError(GONE, code="gone")
        return name


class ContractImportExportMixin(ImportExportMixin):
    """Import with preview and confirm, export of the filtered changelist, for staff and editors."""

    formats = [ContractCSV]
    import_formats = [ContractCSV]
    export_formats = [ContractCSV]
    import_template_name = "admin/claims/csv_import.html"
    skip_export_form = True  # the contract fixes the columns; there is nothing to choose
    # History (django-simple-history) records every imported change with its user.
    skip_admin_log = True
    csv_chunks: Callable[..., Any] | None = None  # set by the subclass
    import_form_class = ContractImportForm
    confirm_form_class = ContractConfirmForm

    def get_confirm_form_kwargs(self, request, import_form=None):
        return {
            **super().get_confirm_form_kwargs(request, import_form),
            "formats": self.get_import_formats(),
            "resources": self.get_import_resource_classes(request),
        }

    def write_to_tmp_storage(self, import_file, input_format):
        """As django-import-export's, but the upload's chunks are joined once: its `data +=
        chunk` copies the file so far for every 64 KB chunk, 17 s of a 100,000-row (53 MB)
        preview."""
        tmp_storage = self.get_tmp_storage_class()(
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        tmp_storage.save(b"".join(import_file.chunks()))
        return tmp_storage

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        kwargs = super().get_import_data_kwargs(**kwargs)
        if form is not None:  # the import form (its file just kept) or the confirm form (naming it)
            name = form.cleaned_data.get("import_file_name")
            upload = form.cleaned_data.get("import_file")
            kwargs["pending"] = name or getattr(upload, "tmp_storage_name", None)
        return kwargs

    def import_action(self, request, **kwargs):
        """The upload form and its preview; also "Preview again" of a kept file (a POST naming it)."""
        if request.method == "POST" and "again" in request.POST:
            if not self.has_import_permission(request):
                raise PermissionDenied
            return self._preview_again(request, **kwargs)
        return super().import_action(request, **kwargs)

    def _preview_again(self, request, **kwargs):
        form = self.create_confirm_form(request)
        data = uploads.read(form.cleaned_data["import_file_name"]) if form.is_valid() else None
        if data is None:
            messages.error(request, GONE)
            return redirect(self._import_url())
        resource = self.choose_import_resource_class(form, request)(
            **self.get_import_resource_kwargs(request, form=form, **kwargs)
        )
        result = resource.import_data(
            RawFile(data),
            dry_run=True,
            raise_errors=False,
            file_name=form.cleaned_data["original_file_name"],
            user=request.user,
            **self.get_import_data_kwargs(request=request, form=form, **kwargs),
        )
        ok = not result.has_errors() and not result.has_validation_errors()
        confirm = ConfirmImportForm(initial=form.cleaned_data) if ok else None
        return self._import_page(request, result=result, confirm_form=confirm)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirm: writes the kept file unless a record it names changed since its preview.
        Then it writes nothing, keeps the file and offers "Preview again"."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        if not form.is_valid():
            return super().process_import(request, **kwargs)  # (its page of the form's errors)
        name = form.cleaned_data["import_file_name"]
        data = uploads.read(name)
        if data is None:
            messages.error(request, GONE)
            return redirect(self._import_url())
        result = self.process_dataset(RawFile(data), form, request, **kwargs)
        if result.has_validation_errors():
            if result.changed_since_preview:
                return self._import_page(
                    request, result=result, again_form=ConfirmImportForm(initial=form.cleaned_data)
                )
            uploads.forget(name)  # (the same file would fail the same way)
            return self._import_page(request, result=result)
        uploads.forget(name)
        return self.process_result(result, request)

    def _import_url(self) -> str:
        return reverse("admin:{}_{}_import".format(*self.get_model_info()), current_app=self.admin_site.name)

    def _import_page(self, request, *, result, confirm_form=None, again_form=None):
        """django-import-export's import page (as import_action renders it) showing this result."""
        resource_classes = self.get_import_resource_classes(request)
        import_form = self.get_import_form_class(request)(self.get_import_formats(), resource_classes)
        resource_kwargs = self.get_import_resource_kwargs(request=request, form=import_form)
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "form": import_form,
            "opts": self.model._meta,
            "media": self.media + import_form.media,
            "fields_list": [
                (resource.get_display_name(), [f.column_name for f in resource.get_user_visible_fields()])
                for resource in (cls(**resource_kwargs) for cls in resource_classes)
            ],
            "import_error_display": self.import_error_display,
            "result": result,
            "confirm_form": confirm_form,
            "again_form": again_form,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def has_import_permission(self, request):
        return roles.can_use_admin(request.user) and roles.can_import_csv(request.user)

    def has_export_permission(self, request):
        return roles.can_use_admin(request.user)

    def export_action(self, request):
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            # The export applies the changelist's filters from the query string, but did not
            # answer filters it cannot apply as the changelist does: with the list again.
            self.message_user(
                request, "Those filters do not apply to this list; choose them on the list again.", messages.ERROR
            )
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def get_export_data(self, file_format, request, queryset, **kwargs):
        return "".join(type(self).csv_chunks(actor=request.user, queryset=queryset)).encode("utf-8")

    def get_export_filename(self, request, queryset, file_format):
        return super().get_export_filename(request, queryset, file_format).lower()

    def add_success_message(self, result, request):
        totals = result.totals
        messages.success(
            request,
            format_html(
                "Imported: created {}, updated {}, unchanged {}.",
                totals[RowResult.IMPORT_TYPE_NEW],
                totals[RowResult.IMPORT_TYPE_UPDATE],
                totals[RowResult.IMPORT_TYPE_SKIP],
            ),
        )


def claim_chunks(*, actor, queryset):
    return claims_csv_chunks(actor=actor, claims=queryset)


def source_chunks(*, actor, queryset):
    return sources_csv_chunks(actor=actor, sources=queryset)
