"""The researchers' reading pages: topics at a glance, one topic's competing claims, the
claim and source lists with their filters, one person's claims, and the open disputes.

Every page needs a login and a role that may read (reader_required), answers GET and
HEAD only (a HEAD is a GET without the body), and runs a fixed number of queries however much data there is (claims/selectors/lists.py).
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_safe

from claims import roles
from claims.forms import fields
from claims.models import Claim, Dispute, Person, Source, Topic
from claims.search import highlight
from claims.search import query as search
from claims.selectors import conflicts, lists
from claims.selectors.blind import BLIND_NOTICE, is_blind_grader
from claims.selectors.paging import page_of

from .access import reader_required

PAGE_SIZE = 25

DATE_HELP = "YYYY, YYYY-MM or YYYY-MM-DD"


# --- filter forms (GET, always bound; an invalid value is reported and left out) -----


class PartialDateField(forms.CharField):
    """YYYY, YYYY-MM or YYYY-MM-DD; cleans to the (first day, last day) it covers."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return lists.partial_date_bounds(value)
        except ValueError:
            raise forms.ValidationError(
                "Enter a date as %(format)s, e.g. 1937, 1937-06 or 1937-06-11.",
                code="invalid_date",
                params={"format": DATE_HELP},
            ) from None


def _blank_first(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class ClaimFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text="Statements, people (any spelling or script) and source titles.",
    )
    topic = fields.topic_filter()
    kind = fields.ChoiceField(label="Kind", choices=_blank_first("any kind", Claim.Kind.choices), required=False)
    status = fields.ChoiceField(
        label="Status", choices=_blank_first("any status", Claim.Status.choices), required=False
    )
    disputed = fields.ChoiceField(
        label="Open dispute",
        choices=[("", "either"), ("yes", "has an open dispute"), ("no", "has no open dispute")],
        required=False,
    )
    # Typed, not chosen from a menu: a menu of every source (or person) would make the page
    # grow with them. A key or slug, or words of a title or name matched on submit; the
    # static script offers matches as one types (lists.source_suggestions, person_suggestions).
    source = fields.KeyOrNameField(
        label="Cites source",
        queryset=Source.objects.all(),
        required=False,
        widget=fields.SuggestInput(
            endpoint=reverse_lazy("source_suggestions"),
            attrs={"placeholder": "any source", "size": 16, "list": "source-suggestions"},
        ),
        help_text="A source's key (e.g. rogovin-1937) or words of its title.",
        matches=lambda text: lists.source_suggestions(q=text),
        kind="source",
        key_name="key",
        names=fields.source_names,
    )
    person = fields.KeyOrNameField(
        label="About person",
        queryset=Person.objects.all(),
        required=False,
        widget=fields.SuggestInput(
            endpoint=reverse_lazy("person_suggestions"),
            attrs={"placeholder": "anyone", "size": 16, "list": "person-suggestions"},
        ),
        help_text="A person's name in any spelling or script, or their slug (the end of their page's address).",
        matches=lambda text: lists.person_suggestions(q=text),
        kind="person",
        key_name="slug",
        names=fields.person_names,
    )
    date_from = PartialDateField(label="Date from", required=False, help_text=DATE_HELP)
    date_to = PartialDateField(label="Date to", required=False, help_text=DATE_HELP)
    sort = fields.ChoiceField(
        label="Sort by",
        choices=[
            (lists.RELEVANCE, "relevance (when searching)"),
            ("date", "date, earliest first"),
            ("-date", "date, latest first"),
            ("key", "key"),
            ("status", "status, open first"),
            ("-status", "status, refuted first"),
            ("-updated", "recently changed first"),
            ("updated", "least recently changed first"),
            (lists.BY_EVIDENCE, "evidence grade, strongest first"),
            ("-evidence", "evidence grade, weakest first"),
        ],
        required=False,
    )

    # The URL says from= and to=; a field cannot be named after the keyword "from".
    PARAMS = {"date_from": "from", "date_to": "to"}

    def __init__(self, data, *, user):
        super().__init__(data)
        # The order of the evidence grades would give away the consensus grades a blind
        # reviewer may not see yet: not offered to them, and asked for, refused (filters()).
        self.evidence_sort_refused = False
        self.blind = is_blind_grader(user)
        if self.blind:
            field = self.fields["sort"]
            field.choices = [(value, label) for value, label in field.choices if value not in lists.EVIDENCE_SORTS]
            if self.data.get("sort") in lists.EVIDENCE_SORTS:
                self.data = self.data.copy()
                self.data["sort"] = "date"
                self.evidence_sort_refused = True

    def add_prefix(self, field_name):
        return self.PARAMS.get(field_name, field_name)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start[0] > end[1]:
            self.add_error("date_to", "The end of the date range is before its start.")
        return cleaned

    def filters(self) -> lists.ClaimFilters:
        """The valid values only: a value with an error is reported beside its field and ignored."""
        self.is_valid()
        data = {name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors}
        start, end = data.get("date_from"), data.get("date_to")
        q = data.get("q", "").strip()
        return lists.ClaimFilters(
            q=q if lists.search_terms(q) else "",
            topic=data.get("topic"),
            kind=data.get("kind", ""),
            status=data.get("status", ""),
            disputed=data.get("disputed", ""),
            source=data.get("source"),
            person=data.get("person"),
            date_from=start[0] if start else None,
            date_to=end[1] if end else None,
            # A search lists the best matches first unless asked otherwise; a list without one, by date.
            sort=data.get("sort") or (lists.RELEVANCE if lists.search_terms(q) else "date"),
        )


class SourceFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text="Key, title, original title or author.",
    )
    kind = fields.ChoiceField(label="Kind", choices=_blank_first("any kind", Source.Kind.choices), required=False)


# --- helpers -----------------------------------------------------------------------


def source_filters(query: QueryDict) -> tuple[SourceFilterForm, dict]:
    """The source list's filter form and the filters of it that are valid (the others are
    left out, and the form shows their errors): for the list and its downloads."""
    form = SourceFilterForm(query)
    form.is_valid()
    return form, {name: value for name, value in form.cleaned_data.items() if name not in form.errors}


def _without(request: HttpRequest, *names: str) -> str:
    """The current query string without the named parameters (and without the page)."""
    params = request.GET.copy()
    for name in (*names, "page"):
        params.pop(name, None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _active_filters(request: HttpRequest, form: ClaimFilterForm, filters: lists.ClaimFilters) -> list[dict]:
    """The filters in effect, in words, each with a link that drops it."""
    shown = []

    def add(label: str, value, *params: str) -> None:
        shown.append({"label": label, "value": value, "remove": _without(request, *params)})

    if filters.q:
        add("search", filters.q, "q")
    if filters.topic:
        add("topic", filters.topic.title, "topic")
    if filters.kind:
        add("kind", Claim.Kind(filters.kind).label, "kind")
    if filters.status:
        add("status", Claim.Status(filters.status).label, "status")
    if filters.disputed:
        add("open dispute", "yes" if filters.disputed == "yes" else "no", "disputed")
    if filters.source:
        add("cites", filters.source.title, "source")
    if filters.person:
        add("about", filters.person.name, "person")
    if filters.date_from:
        add("from", form.data.get("from"), "from")
    if filters.date_to:
        add("to", form.data.get("to"), "to")
    return shown


def _can_contribute(request: HttpRequest) -> bool:
    return roles.can_contribute(request.user)


def _claims_of(
    request: HttpRequest, name: str, record, claims: Callable[..., Page], extra: dict | None = None
) -> HttpResponse:
    """The page of a record (a topic, a person) that lists its claims a page at a time:
    claims/<name>_detail.html, with the record as `name` and the page of claims(name=record)."""
    page = claims(**{name: record}, user=request.user, page=request.GET.get("page"))
    return render(
        request,
        f"claims/{name}_detail.html",
        {
            name: record,
            "page": page,
            "claims": page.object_list,
            "can_contribute": _can_contribute(request),
            **(extra or {}),
        },
    )


# --- views -------------------------------------------------------------------------


@require_safe
@reader_required
def home(request: HttpRequest) -> HttpResponse:
    """The subjects at a glance: the topics, a page at a time, with their claims, open disputes
    and latest activity."""
    page = lists.topics_at_a_glance(page=request.GET.get("page"))
    return render(
        request,
        "claims/home.html",
        {"page": page, "topics": page.object_list, "can_contribute": _can_contribute(request)},
    )


@require_safe
@reader_required
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The competing claims of one question side by side, a page at a time."""
    topic = get_object_or_404(Topic, slug=slug)
    # The topic's date conflicts, paged on their own (?conflicts=N): claims/selectors/conflicts.py.
    found = conflicts.conflicts_page(topic=topic, number=request.GET.get("conflicts"), user=request.user)
    return _claims_of(request, "topic", topic, lists.topic_claims, {"conflicts": found})


@require_safe
@reader_required
def claim_list(request: HttpRequest) -> HttpResponse:
    """All claims, filtered, searched, sorted and paginated by GET parameters."""
    form = ClaimFilterForm(request.GET, user=request.user)
    filters = form.filters()
    match = search.parse(filters.q) if filters.q else None
    page = lists.claim_list_page(
        filters=filters, match=match, number=request.GET.get("page"), user=request.user, per_page=PAGE_SIZE
    )
    highlight.annotate(list(page.object_list), match)
    return render(
        request,
        "claims/claim_list.html",
        {
            "form": form,
            "page": page,
            "claims": page.object_list,
            # The column headers sort by what they show (claims_extras.claim_head); a search's relevance is no column.
            "sort": filters.sort,
            "active_filters": _active_filters(request, form, filters),
            "clear_url": request.path,
            "can_contribute": _can_contribute(request),
            "can_import": roles.can_import_csv(request.user),
            # (A longer list is written by a background job: the link leads to the page offering it.)
            # (A search past lists.RANK_LIMIT was not counted: its file is written in the background too.)
            "export_in_background": page.ranked_out or page.paginator.count > settings.CSV_BACKGROUND_ROWS,
            "rank_limit": lists.RANK_LIMIT,
            "evidence_sort_refused": lists.EVIDENCE_SORT_BLIND if form.evidence_sort_refused else "",
        },
    )


@require_safe
@reader_required
def source_list(request: HttpRequest) -> HttpResponse:
    """All sources with their archive reference, consensus reliability and citing claims."""
    form, data = source_filters(request.GET)
    page = page_of(
        lists.source_search(q=data.get("q", ""), kind=data.get("kind", "")),
        request.GET.get("page"),
        rows=Source.objects.all(),
        per_page=PAGE_SIZE,
    )
    page.object_list = lists.with_consensus(sources=lists.with_citing_claim_counts(page.object_list), user=request.user)
    return render(
        request,
        "claims/source_list.html",
        {
            "form": form,
            "page": page,
            "sources": page.object_list,
            "filtered": bool(data.get("q") or data.get("kind")),
            # (the downloads keep the filters, not the page)
            "query": urlencode({name: data[name] for name in ("q", "kind") if data.get(name)}),
            "can_contribute": _can_contribute(request),
            "can_import": roles.can_import_csv(request.user),
        },
    )


@require_safe
@reader_required
def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A person's names in every script, the claims they made (?made=N) and the claims about
    them (?page=N), each list a page at a time, and the sources they wrote."""
    person = get_object_or_404(Person, slug=slug)
    made = lists.person_claims_made(person=person, user=request.user, page=request.GET.get("made"))
    written = list(person.sources_written.order_by("key")[: SOURCES_WRITTEN_SHOWN + 1])  # (one more: are there more?)
    return _claims_of(
        request,
        "person",
        person,
        lists.person_claims,
        extra={
            "made": made,
            "sources_written": written[:SOURCES_WRITTEN_SHOWN],
            "more_written": len(written) > SOURCES_WRITTEN_SHOWN,
        },
    )


SOURCES_WRITTEN_SHOWN = 20  # (the rest: the source list)


@require_safe
@reader_required
def source_suggestions(request: HttpRequest) -> JsonResponse:
    """Sources matching what is typed in a source field (the claim list's filter, the citation form): at most ten."""
    found = lists.source_suggestions(q=request.GET.get("q", "")[:200])
    return JsonResponse({"results": [{"value": s.key, "label": f"{s.key}: {s.title}"} for s in found]})


@require_safe
@reader_required
def person_suggestions(request: HttpRequest) -> JsonResponse:
    """People matching what is typed in a person field (the claim list's filter, the claim form): at most ten."""
    found = lists.person_suggestions(q=request.GET.get("q", "")[:200])
    return JsonResponse(
        {
            "results": [
                {"value": p.slug, "label": f"{p.name} ({p.name_original})" if p.name_original else p.name}
                for p in found
            ]
        }
    )


@require_safe
@reader_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    """The open disputes, oldest first, and the last ones closed."""
    page = page_of(
        Dispute.objects.open().order_by("created_at", "pk"),
        request.GET.get("page"),
        rows=lists.open_disputes(),
        per_page=PAGE_SIZE,
    )
    page.object_list = lists.mark_hidden_grades(disputes=page.object_list, user=request.user)
    return render(
        request,
        "claims/dispute_list.html",
        {
            "page": page,
            "disputes": page.object_list,
            "closed": lists.mark_hidden_grades(disputes=lists.recently_closed_disputes(limit=10), user=request.user),
            "blind_notice": BLIND_NOTICE,
        },
    )
