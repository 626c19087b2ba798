"""The records as the API reads and writes them: topics, people, sources, claims, citations.

A link to another record is its key (a claim's key, a source's key, a person's or a topic's
slug), the same way in and out, so a record read can be sent back; beside it, read only, the
record's address in the API (`…_url`, `…_urls`). `api_url` is the record's own address here,
`page_url` its page on the site. Every record carries its `version`: an update sends the
version it started from (claims/api/records.py).

What needs care to read (the evidence grade, consensus grades hidden from a blind reviewer,
the lines of evidence, counts) is set on the records by the selectors before they get here.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.links import citation_url
from claims.models import Citation, Claim, Person, Source, Topic
from claims.selectors.grades import HIDDEN

from .fields import Choice, QuotesBriefly
from .names import API_NAMES

VERSION_LIMIT = 2**31 - 2  # (the column holds 2**31 - 1 on PostgreSQL, and a save takes the next)


def _absolute(serializer: serializers.Field, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def api_url(serializer: serializers.Field, kind: str, key: Any) -> str:
    return _absolute(serializer, reverse(f"{API_NAMES[kind]}-detail", args=[key]))


class ApiUrl(serializers.Field):
    """The address of a record (or of each of several) in the API, read only, from its key."""

    def __init__(self, kind: str, key: str, **kwargs):
        self.kind, self.key = kind, key
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        return api_url(self, self.kind, getattr(value, self.key))


@extend_schema_field({"type": "array", "items": {"type": "string", "format": "uri"}})
class ApiUrls(ApiUrl):
    def get_attribute(self, instance):
        return getattr(instance, self.source_attrs[0]).all()

    def to_representation(self, value):
        return [api_url(self, self.kind, getattr(record, self.key)) for record in value]


extend_schema_field(OpenApiTypes.URI)(ApiUrl)


class PageUrl(serializers.Field):
    """The record's page on the site."""

    def __init__(self, view_name: str, key: str, **kwargs):
        self.view_name, self.key = view_name, key
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return _absolute(self, reverse(self.view_name, args=[getattr(value, self.key)]))


extend_schema_field(OpenApiTypes.URI)(PageUrl)


class ListUrl(serializers.Field):
    """A list of the API filtered to this record (its claims, its citations)."""

    def __init__(self, kind: str, param: str, key: str, **kwargs):
        self.kind, self.param, self.key = kind, param, key
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return _absolute(self, f"{reverse(f'{API_NAMES[self.kind]}-list')}?{self.param}={getattr(value, self.key)}")


extend_schema_field(OpenApiTypes.URI)(ListUrl)


class ByKey(QuotesBriefly, serializers.SlugRelatedField):
    """A linked record, named by its key (or slug)."""

    default_error_messages = {"nul": "No key holds a NUL character."}

    def to_internal_value(self, data):
        # Refused before the look-up: PostgreSQL cannot take a NUL in a query at all (a 500).
        if isinstance(data, str) and "\x00" in data:
            self.fail("nul")
        return super().to_internal_value(data)


def people_field(**kwargs) -> serializers.ManyRelatedField:
    return ByKey(slug_field="slug", queryset=Person.objects.all(), many=True, **kwargs)


class Consensus(serializers.Serializer):
    """A consensus grade, or that blind grading hides it from you until you grade it yourself."""

    consensus = serializers.CharField(allow_null=True, help_text="A-F or 1-6; null when nobody graded it yet.")
    hidden = serializers.BooleanField(help_text="Hidden from you by blind grading until you enter your own grade.")


def consensus(value, hidden: bool) -> dict:
    return {"consensus": None if hidden or value is None else str(value), "hidden": hidden}


# --- what records share -----------------------------------------------------------------


class Recorded(serializers.Serializer):
    """Who added the record and when, and its version (an update sends the one it started from)."""

    created_by = serializers.StringRelatedField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=VERSION_LIMIT,
        help_text="Required on update: the version you started from.",
    )


class Identified(serializers.Serializer):
    """Ids of the person or source in the authority files (claims/authority.py checks them)."""

    wikidata_id = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text="e.g. Q193236")
    viaf_id = serializers.CharField(max_length=30, required=False, allow_blank=True)
    gnd_id = serializers.CharField(max_length=20, required=False, allow_blank=True)


# --- topics and people ------------------------------------------------------------------


class TopicSerializer(Recorded):
    api_url = ApiUrl("topic", "slug", source="*")
    page_url = PageUrl("topic_detail", "slug")
    slug = serializers.SlugField(max_length=200, required=False, help_text="Made from the title when left out.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    claim_count = serializers.IntegerField(read_only=True)
    open_dispute_count = serializers.IntegerField(read_only=True)
    claims_url = ListUrl("claim", "topic", "slug")


class PersonSerializer(Identified, Recorded):
    api_url = ApiUrl("person", "slug", source="*")
    page_url = PageUrl("person_detail", "slug")
    slug = serializers.SlugField(max_length=200, required=False, help_text="Made from the name when left out.")
    name = serializers.CharField(max_length=200)
    name_original = serializers.CharField(max_length=200, required=False, allow_blank=True)
    aliases = serializers.CharField(required=False, allow_blank=True, help_text="One a line.")
    claims_url = ListUrl("claim", "person", "slug")


# --- sources ----------------------------------------------------------------------------


class SourceSerializer(Identified, Recorded):
    api_url = ApiUrl("source", "key", source="*")
    page_url = PageUrl("source_detail", "key")
    key = serializers.SlugField(max_length=100, required=False, help_text="Made from the title when left out.")
    kind = Choice(choices=Source.Kind.choices)
    level = Choice(choices=Source.Level.choices)
    title = serializers.CharField(max_length=500)
    title_original = serializers.CharField(max_length=500, required=False, allow_blank=True)
    authors = serializers.CharField(max_length=500, required=False, allow_blank=True)
    author_people = people_field(required=False, help_text="Slugs of the recorded people who wrote it.")
    author_people_urls = ApiUrls("person", "slug", source="author_people")
    date = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="EDTF, e.g. 1937-06")
    date_earliest = serializers.DateField(read_only=True)
    date_latest = serializers.DateField(read_only=True)
    publisher = serializers.CharField(max_length=300, required=False, allow_blank=True)
    publisher_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    archive = serializers.CharField(max_length=200, required=False, allow_blank=True)
    archive_fond = serializers.CharField(max_length=50, required=False, allow_blank=True)
    archive_opis = serializers.CharField(max_length=50, required=False, allow_blank=True)
    archive_delo = serializers.CharField(max_length=50, required=False, allow_blank=True)
    archive_list = serializers.CharField(max_length=50, required=False, allow_blank=True)
    archive_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    doi = serializers.CharField(max_length=200, required=False, allow_blank=True)
    isbn = serializers.CharField(max_length=40, required=False, allow_blank=True)
    url = serializers.CharField(max_length=1000, required=False, allow_blank=True, help_text="The source on the web.")
    language = serializers.CharField(max_length=35, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    citation_count = serializers.IntegerField(read_only=True)
    reliability = serializers.SerializerMethodField(help_text="The reviewers' consensus reliability (A-F).")
    claims_url = ListUrl("claim", "source", "key")
    citations_url = ListUrl("citation", "source", "key")
    updated_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(Consensus)
    def get_reliability(self, source: Source) -> dict:
        return consensus(source.consensus_reliability, source.consensus_reliability == HIDDEN)


# --- citations --------------------------------------------------------------------------


class Line(serializers.Serializer):
    stance = serializers.CharField()
    number = serializers.IntegerField(help_text="Among the claim's lines of this stance, by their first citation.")
    roots = serializers.ListField(child=serializers.CharField(), help_text="Keys of the originals it goes back to.")


class CitationPageUrl(serializers.Field):
    """The claim page at the citation (the page of its citations that shows it)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return _absolute(self, citation_url(value))


extend_schema_field(OpenApiTypes.URI)(CitationPageUrl)


class CitationSerializer(Recorded):
    api_url = ApiUrl("citation", "pk", source="*")
    page_url = CitationPageUrl()
    id = serializers.IntegerField(read_only=True)
    claim = ByKey(slug_field="key", queryset=Claim.objects.all())
    claim_url = ApiUrl("claim", "key", source="claim")
    source = ByKey(slug_field="key", queryset=Source.objects.all())
    source_url = ApiUrl("source", "key", source="source")
    locator = serializers.CharField(max_length=200, required=False, allow_blank=True)
    quote = serializers.CharField(required=False, allow_blank=True)
    quote_translation = serializers.CharField(required=False, allow_blank=True)
    stance = Choice(choices=Citation.Stance.choices, required=False)
    credibility = serializers.SerializerMethodField(help_text="The reviewers' consensus credibility (1-6).")
    source_reliability = serializers.SerializerMethodField(help_text="Its source's consensus reliability (A-F).")
    line = serializers.SerializerMethodField(help_text="Its line of evidence; null for a mention.")
    updated_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(Consensus)
    def get_credibility(self, citation: Citation) -> dict:
        return consensus(citation.consensus, citation.hidden)

    @extend_schema_field(Consensus)
    def get_source_reliability(self, citation: Citation) -> dict:
        return consensus(citation.source_consensus, citation.source_hidden)

    @extend_schema_field(Line(allow_null=True))
    def get_line(self, citation: Citation) -> dict | None:
        line = citation.line
        if line is None:
            return None
        return {"stance": line.stance, "number": line.number, "roots": [root.key for root in line.roots]}


# --- claims -----------------------------------------------------------------------------


class Evidence(serializers.Serializer):
    grade = serializers.CharField(
        allow_null=True, help_text="e.g. B2: the best supporting citation; null when none, or hidden."
    )
    hidden = serializers.BooleanField(help_text="Hidden from you by blind grading until you grade what it rests on.")
    explanation = serializers.CharField()
    summary = serializers.CharField(
        help_text="e.g. supports: 3 citations, 1 independent line · contradicts: 1 citation"
    )
    supporting_citations = serializers.IntegerField()
    supporting_lines = serializers.IntegerField()
    contradicting_citations = serializers.IntegerField()
    contradicting_lines = serializers.IntegerField()


class ClaimSerializer(Recorded):
    api_url = ApiUrl("claim", "key", source="*")
    page_url = PageUrl("claim_detail", "key")
    key = serializers.SlugField(max_length=100, required=False, help_text="Made from the statement when left out.")
    topic = ByKey(slug_field="slug", queryset=Topic.objects.all())
    topic_url = ApiUrl("topic", "slug", source="topic")
    statement = serializers.CharField()
    kind = Choice(choices=Claim.Kind.choices, required=False)
    event_date = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="EDTF")
    date_earliest = serializers.DateField(read_only=True)
    date_latest = serializers.DateField(read_only=True)
    status = Choice(
        choices=Claim.Status.choices, required=False, help_text="An editor's decision: others leave it open."
    )
    people = people_field(required=False, help_text="Slugs of the people it is about.")
    people_urls = ApiUrls("person", "slug", source="people")
    attributed_to = people_field(required=False, help_text="Slugs of the people who made it.")
    attributed_to_urls = ApiUrls("person", "slug", source="attributed_to")
    evidence = serializers.SerializerMethodField()
    citation_count = serializers.IntegerField(read_only=True)
    open_dispute_count = serializers.IntegerField(read_only=True)
    citations_url = ListUrl("citation", "claim", "key")
    updated_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(Evidence)
    def get_evidence(self, claim: Claim) -> dict:
        lines = claim.evidence_lines
        hidden = claim.evidence_grade == HIDDEN
        return {
            "grade": None if hidden else claim.evidence_grade,
            "hidden": hidden,
            "explanation": claim.evidence_grade_title,
            "summary": lines.summary,
            "supporting_citations": lines.supporting_citations,
            "supporting_lines": lines.supporting_lines,
            "contradicting_citations": lines.contradicting_citations,
            "contradicting_lines": lines.contradicting_lines,
        }


class ClaimDetailSerializer(ClaimSerializer):
    citations = CitationSerializer(
        many=True, read_only=True, source="citations_shown", help_text="The first 50, by source key and locator."
    )
