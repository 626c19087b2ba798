"""/api/v1/ topics, people, sources, claims and citations: read by every role that may read
the pages, written through the services the pages' forms call.

Reading: the records come with what their pages show of them, from the same selectors (the
claim list's filters, search and orders: lists.claim_list_order; evidence grades and lines:
lists.with_evidence_grades; consensus grades hidden from a blind reviewer: GradeVisibility),
a page at a time from an index (claim_cursor.ClaimCursor; paging.Cursor for the others).
Writing: POST adds (services.<thing>_create), PUT and PATCH change (<thing>_update, with the
version the change started from: 409 when the record moved on since), DELETE removes
(services.staff_delete: as in the admin, staff only). The services refuse what a role may not
do (403) and what the records may not hold (400); errors.py says so.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from claims import roles, services
from claims.keys import key_from_text, unique_key
from claims.models import Citation, Claim, Person, Source, Topic
from claims.search import query as search
from claims.selectors import lists
from claims.selectors.blind import GradeVisibility
from claims.selectors.detail import CITATION_ORDER, with_citation_pages
from claims.selectors.grades import citation_grades
from claims.selectors.lines import claim_evidence_lines
from claims.views.pages import ClaimFilterForm

from . import paging
from .claim_cursor import ClaimCursor
from .records_serializers import (
    CitationSerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    PersonSerializer,
    SourceSerializer,
    TopicSerializer,
)

VERSION_NEEDED = (
    "Send the version you started from (the record's `version` when you read it): a change is saved only "
    "if nobody changed the record since."
)
EDIT_NEEDED = f"{roles.EDITOR_NEEDED} Without it you may edit only what you added yourself."
CITATIONS_SHOWN = 50  # on a claim; the rest: its citations_url
SEARCH_LENGTH = 200  # (as the claim list's search: views.pages.ClaimFilterForm)


class RecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """A record type of the API. Subclasses say how to read (queryset, with_details) and how the
    services write (add, change); the writes here check nothing themselves but the version's
    presence and, as the edit pages do, roles.can_edit before an edit."""

    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def with_details(self, records: list) -> list:
        """Set what the serializer reads besides the row (counts, grades the user may see)."""
        return records

    def add(self, data: dict[str, Any]):
        raise NotImplementedError

    def change(self, record, data: dict[str, Any], version: int):
        raise NotImplementedError

    def _read_again(self, record):
        fresh = get_object_or_404(self.get_queryset(), pk=record.pk)
        return self.with_details([fresh])[0]

    def get_object(self):
        return self.with_details([super().get_object()])[0]

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_records(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(self.with_details(list(page or [])), many=True).data)

    def filter_records(self, queryset: QuerySet) -> QuerySet:
        return queryset

    def param(self, name: str) -> str:
        """A query parameter as a filter reads it ("" when absent): no record holds a NUL (nor
        may PostgreSQL be asked about one), and no search is longer than the claim list's."""
        value = self.request.query_params.get(name, "")
        if "\x00" in value or len(value) > SEARCH_LENGTH:
            raise ValidationError({name: [f"Send at most {SEARCH_LENGTH} characters, none of them NUL."]})
        return value

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        record = self._read_again(self.add(data))
        body = self.get_serializer(record).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["api_url"]})

    def update(self, request, *args, **kwargs):
        record = super().get_object()
        roles.require(roles.can_edit(request.user, record), EDIT_NEEDED)
        serializer = self.get_serializer(record, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise ValidationError({"version": [VERSION_NEEDED]})
        self.change(record, data, version)
        return Response(self.get_serializer(self._read_again(record)).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance) -> None:
        services.staff_delete(actor=self.request.user, instance=instance)


# --- topics and people ------------------------------------------------------------------


class TopicViewSet(RecordViewSet):
    """The questions the claims answer, by title's slug."""

    serializer_class = TopicSerializer
    lookup_field = "slug"
    pagination_class = paging.BySlug

    def get_queryset(self):
        return Topic.objects.select_related("summary", "created_by")

    def with_details(self, topics: list) -> list:
        for topic in topics:
            summary = getattr(topic, "summary", None)
            topic.claim_count = summary.claim_count if summary else 0
            topic.open_dispute_count = summary.open_dispute_count if summary else 0
        return topics

    def add(self, data):
        return services.topic_create(actor=self.request.user, **data)

    def change(self, topic, data, version):
        services.topic_update(actor=self.request.user, topic=topic, data=data, expected_version=version)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("q", str, description="Words of a name, in any script or spelling, or alias.")]
    )
)
class PersonViewSet(RecordViewSet):
    """The people claims are about, made by, and sources written by, by slug."""

    serializer_class = PersonSerializer
    lookup_field = "slug"
    pagination_class = paging.BySlug

    def get_queryset(self):
        return Person.objects.select_related("created_by")

    def filter_records(self, people):
        q = self.param("q")
        if not lists.search_terms(q):
            return people
        return people.filter(pk__in=lists.person_search(q=q).order_by().values("pk"))

    def add(self, data):
        return services.person_create(actor=self.request.user, **data)

    def change(self, person, data, version):
        services.person_update(actor=self.request.user, person=person, data=data, expected_version=version)


# --- sources ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Words of the key, titles or authors, in any script."),
            OpenApiParameter("kind", str, enum=Source.Kind.values),
        ]
    )
)
class SourceViewSet(RecordViewSet):
    """Documents, books, articles and archive files claims are cited from, by key."""

    serializer_class = SourceSerializer
    lookup_field = "key"
    pagination_class = paging.ByKey

    def get_queryset(self):
        return Source.objects.select_related("created_by").prefetch_related(
            Prefetch("author_people", queryset=Person.objects.order_by("name"))
        )

    def filter_records(self, sources):
        q, kind = self.param("q"), self.param("kind")
        if kind and kind not in Source.Kind.values:
            raise ValidationError({"kind": [f"Choose one of {', '.join(Source.Kind.values)}."]})
        if not (kind or lists.search_terms(q)):
            return sources
        return sources.filter(pk__in=lists.source_search(q=q, kind=kind).order_by().values("pk"))

    def with_details(self, sources: list) -> list:
        return lists.with_consensus(sources=sources, user=self.request.user)

    def add(self, data):
        data.setdefault("key", unique_key(Source, "key", key_from_text(data["title"], max_length=80) or "source"))
        return services.source_create(actor=self.request.user, **data)

    def change(self, source, data, version):
        services.source_update(actor=self.request.user, source=source, data=data, expected_version=version)


# --- citations --------------------------------------------------------------------------


def with_citation_details(citations: Iterable[Citation], *, user) -> list[Citation]:
    """Set on each citation its consensus credibility and its source's consensus reliability
    (each None when ungraded, hidden from a blind reviewer who has not graded it: GradeVisibility)
    and its line of evidence (lines.py), and which page of its claim's shows it. At most seven queries."""
    citations = list(citations)
    if not citations:
        return citations
    visibility = GradeVisibility.query(
        user, source_ids={c.source_id for c in citations}, citation_ids=[c.pk for c in citations]
    )
    grades = citation_grades(citations)
    lines = claim_evidence_lines({c.claim_id for c in citations})
    with_citation_pages(citations)  # (which page of its claim's citations shows each: its page_url)
    for citation in citations:
        citation.hidden = not visibility.citation_visible(citation.pk)
        citation.source_hidden = not visibility.source_visible(citation.source_id)
        citation.consensus = grades[citation.pk].credibility
        citation.source_consensus = grades[citation.pk].reliability
        citation.line = lines[citation.claim_id].line_of.get(citation.pk)
    return citations


def citations_queryset() -> QuerySet[Citation]:
    return Citation.objects.select_related("claim", "source", "created_by")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("claim", str, description="Only the citations of the claim of this key."),
            OpenApiParameter("source", str, description="Only the citations of the source of this key."),
        ]
    )
)
class CitationViewSet(RecordViewSet):
    """Where a source says something about a claim, which way, by id."""

    serializer_class = CitationSerializer
    lookup_value_regex = "[0-9]+"
    pagination_class = paging.ById

    def get_queryset(self):
        return citations_queryset()

    def filter_records(self, citations):
        for name, model in (("claim", Claim), ("source", Source)):
            key = self.param(name)
            if key:
                found = model.objects.filter(key=key).first()
                if found is None:
                    raise ValidationError({name: [f"No {name} with the key '{key[:80]}'."]})
                citations = citations.filter(**{name: found})
        return citations

    def with_details(self, citations: list) -> list:
        return with_citation_details(citations, user=self.request.user)

    def add(self, data):
        return services.citation_create(actor=self.request.user, **data)

    def change(self, citation, data, version):
        if data.get("claim", citation.claim) == citation.claim:  # (a citation stays with its claim)
            data.pop("claim", None)
        services.citation_update(actor=self.request.user, citation=citation, data=data, expected_version=version)


# --- claims -----------------------------------------------------------------------------

CLAIM_LIST_PARAMS = [
    OpenApiParameter("q", str, description="Words of statements, people (any spelling or script) and source titles."),
    OpenApiParameter("topic", str, description="A topic's slug."),
    OpenApiParameter("kind", str, enum=Claim.Kind.values),
    OpenApiParameter("status", str, enum=Claim.Status.values),
    OpenApiParameter("disputed", str, enum=["yes", "no"], description="Has an open dispute, or has none."),
    OpenApiParameter("source", str, description="Cites this source: its key, or words of its title."),
    OpenApiParameter("person", str, description="About this person: their slug, or their name in any script."),
    OpenApiParameter("from", str, description="Dated on or after: YYYY, YYYY-MM or YYYY-MM-DD."),
    OpenApiParameter("to", str, description="Dated on or before: YYYY, YYYY-MM or YYYY-MM-DD."),
    OpenApiParameter(
        "sort",
        str,
        enum=[value for value, _ in ClaimFilterForm.base_fields["sort"].choices],
        description="As on /claims/: by date unless searching (then by relevance).",
    ),
]


@extend_schema_view(list=extend_schema(parameters=CLAIM_LIST_PARAMS))
class ClaimViewSet(RecordViewSet):
    """Assertions that can be true or false, with their evidence, by key."""

    serializer_class = ClaimSerializer
    lookup_field = "key"
    pagination_class = ClaimCursor

    def get_serializer_class(self):
        return ClaimDetailSerializer if self.action != "list" else ClaimSerializer

    def get_queryset(self):
        return Claim.objects.select_related("topic", "created_by").prefetch_related(
            Prefetch("people", queryset=Person.objects.order_by("name")),
            Prefetch("attributed_to", queryset=Person.objects.order_by("name")),
        )

    def with_details(self, claims: list) -> list:
        claims = lists.with_evidence_grades(claims=lists.with_row_counts(claims), user=self.request.user)
        if self.action != "list":
            for claim in claims:
                shown = citations_queryset().filter(claim=claim).order_by(*CITATION_ORDER)[:CITATIONS_SHOWN]
                claim.citations_shown = with_citation_details(shown, user=self.request.user)
        return claims

    def list(self, request, *args, **kwargs):
        """The claim list of /claims/: the same parameters, meaning and order, a page at a time."""
        form = ClaimFilterForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise ValidationError(
                {form.PARAMS.get(name, name): [str(m) for m in messages] for name, messages in form.errors.items()}
            )
        filters = form.filters()
        match = search.parse(filters.q) if filters.q else None
        ordered, _, ranked_out = lists.claim_list_order(filters=filters, match=match)
        order = lists.NEWEST if ranked_out else filters.sort
        ids = self.paginator.paginate_queryset(ordered, request, view=self, order=order)
        found = self.get_queryset().in_bulk(ids)
        claims = self.with_details([found[pk] for pk in ids if pk in found])
        notice = lists.EVIDENCE_SORT_BLIND if form.evidence_sort_refused else ""
        return self.paginator.get_paginated_response(self.get_serializer(claims, many=True).data, notice=notice)

    def add(self, data):
        data.setdefault("key", unique_key(Claim, "key", key_from_text(data["statement"]) or "claim"))
        return services.claim_create(actor=self.request.user, **data)

    def change(self, claim, data, version):
        services.claim_update(actor=self.request.user, claim=claim, data=data, expected_version=version)
