"""/api/v1/consistency-ratings/: the cells of a topic's competing-hypotheses matrix, rated by reviewers.

As on a cell's page (claims/views/ratings.py): whoever grades rates (never their own work),
through services.consistency_rating_set; a reviewer revises only their own rating, carrying its
version. Blind as grades are: a reviewer who grades blind sees another's rating of a cell only
once they have rated the cell (selectors.ratings; the list's filter: selectors.blind_filters).
"""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from claims import roles, services, targets
from claims.grading import Consistency
from claims.models import ConsistencyRating
from claims.selectors import blind_filters

from .fields import Choice
from .review_common import (
    ReviewViewSet,
    Revisable,
    api_url,
    find_target,
    query_params,
    target_version_field,
    version_field,
)

OWN_RATINGS_ONLY = "Reviewers may change only their own ratings; rate the cell yourself instead."


class RatingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="consistency-rating-detail")
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    grade_label = serializers.CharField(source="get_grade_display", read_only=True)
    citation = serializers.SerializerMethodField(help_text="The evidence rated (a citation's API address).")
    claim = serializers.SerializerMethodField(help_text="The claim it is rated against (its API address).")
    claim_key = serializers.CharField(source="claim.key", read_only=True)

    class Meta:
        model = ConsistencyRating
        fields = (
            "id",
            "url",
            "reviewer",
            "citation",
            "citation_id",
            "claim",
            "claim_key",
            "grade",
            "grade_label",
            "rationale",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_citation(self, rating: ConsistencyRating) -> str:
        return api_url(self.context.get("request"), "citation", rating.citation_id)

    def get_claim(self, rating: ConsistencyRating) -> str:
        return api_url(self.context.get("request"), "claim", rating.claim.key)


class _RatingIn(serializers.Serializer):
    grade = Choice(choices=Consistency.choices)
    rationale = serializers.CharField(help_text="Why: what in the evidence agrees or disagrees with this claim?")
    citation_version = target_version_field("citation")
    claim_version = target_version_field("claim rated against")


class RatingCreate(_RatingIn):
    citation = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The id of the citation rated.")
    claim = serializers.SlugField(help_text="The key of another claim of its topic, rated against.")


class RatingUpdate(_RatingIn):
    version = version_field("rating")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("claim", str, description="Only the ratings against this claim (its key)."),
            OpenApiParameter("reviewer", str, description="Only this reviewer's ratings (a username)."),
        ]
    ),
    create=extend_schema(request=RatingCreate, responses={201: RatingSerializer}),
    update=extend_schema(request=RatingUpdate, responses=RatingSerializer),
    partial_update=extend_schema(request=RatingUpdate, responses=RatingSerializer),
)
class ConsistencyRatingViewSet(Revisable, ReviewViewSet):
    """Consistency ratings (CC, C, N, I, II) of evidence against a topic's other claims."""

    serializer_class = RatingSerializer

    def get_queryset(self) -> QuerySet[ConsistencyRating]:
        ratings = ConsistencyRating.objects.select_related("claim", "reviewer").filter(
            blind_filters.ratings_visible(self.request.user)
        )
        params = query_params(self.request)
        if params.get("claim"):
            ratings = ratings.filter(claim__key=params["claim"])
        if params.get("reviewer"):
            ratings = ratings.filter(reviewer__username=params["reviewer"])
        return ratings

    def _rate(self, values: dict, *, citation, claim, expected_version: int) -> ConsistencyRating:
        return services.consistency_rating_set(
            actor=self.request.user,
            citation=citation,
            claim=claim,
            grade=values["grade"],
            rationale=values["rationale"],
            expected_version=expected_version,
            target_version=values.get("citation_version"),
            claim_version=values.get("claim_version"),
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        roles.require(roles.can_assess(request.user), services.GRADER_NEEDED)
        given = RatingCreate(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        citation = find_target(request.user, targets.by_field("citation"), values["citation"])
        claim = find_target(request.user, targets.by_field("claim"), values["claim"])
        rating = self._rate(values, citation=citation, claim=claim, expected_version=services.NO_GRADE_YET)
        return self.saved(rating, status.HTTP_201_CREATED)

    def update(self, request: Request, *args, partial: bool = False, **kwargs) -> Response:
        roles.require(roles.can_assess(request.user), services.GRADER_NEEDED)
        rating = self.get_object()
        roles.require(rating.reviewer_id == request.user.pk, OWN_RATINGS_ONLY)
        given = RatingUpdate(data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        values = {"grade": rating.grade, "rationale": rating.rationale, **given.validated_data}
        if "version" not in values:
            raise ValidationError({"version": ["This field is required."]})
        self._rate(values, citation=rating.citation, claim=rating.claim, expected_version=values["version"])
        return self.saved(rating)
