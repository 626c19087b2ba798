"""/api/v1/source-grades/ and /api/v1/citation-grades/: the reviewers' grades, blind as on the pages.

A reviewer who grades blind lists and reads only their own grades and the grades of what they
have graded (selectors.blind_filters; a grade given to an earlier version of a citation does
not count); everything else answers 404, as on the pages. Grading is the grade form's service:
POST enters the reviewer's own grade (services.grade_set, as a form that showed no grade yet),
PUT/PATCH revises one, carrying its version: the reviewer's own through grade_set (so that a
grade of an earlier version of the citation becomes a grade of the citation as it is),
another's, by an editor with no stake in it, through services.assessment_update.
"""

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from claims import roles, services, targets
from claims.grading import Credibility, Reliability
from claims.models import CitationAssessment, SourceAssessment
from claims.selectors import blind_filters

from .fields import Choice
from .review_common import (
    ReviewViewSet,
    Revisable,
    api_url,
    find_target,
    number,
    query_params,
    target_version_field,
    version_field,
)

OWN_GRADES_ONLY = services.EDITOR_NEEDED + " Reviewers may change only their own grades."


class _GradeOut(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    grade_label = serializers.CharField(source="get_grade_display", read_only=True)

    COMMON = ("id", "url", "reviewer", "grade", "grade_label", "rationale", "version", "created_at", "updated_at")


class SourceGradeSerializer(_GradeOut):
    url = serializers.HyperlinkedIdentityField(view_name="source-grade-detail")
    source = serializers.SerializerMethodField(help_text="The source graded (its API address).")
    source_key = serializers.CharField(source="source.key", read_only=True)

    class Meta:
        model = SourceAssessment
        fields = (*_GradeOut.COMMON, "source", "source_key")
        read_only_fields = fields

    def get_source(self, grade: SourceAssessment) -> str:
        return api_url(self.context.get("request"), "source", grade.source.key)


class CitationGradeSerializer(_GradeOut):
    url = serializers.HyperlinkedIdentityField(view_name="citation-grade-detail")
    citation = serializers.SerializerMethodField(help_text="The citation graded (its API address).")
    citation_id = serializers.IntegerField(read_only=True)
    outdated = serializers.BooleanField(
        read_only=True,
        help_text="Given to an earlier version of the citation: it no longer counts; its reviewer grades again.",
    )

    class Meta:
        model = CitationAssessment
        fields = (*_GradeOut.COMMON, "citation", "citation_id", "outdated")
        read_only_fields = fields

    def get_citation(self, grade: CitationAssessment) -> str:
        return api_url(self.context.get("request"), "citation", grade.citation_id)


class _GradeIn(serializers.Serializer):
    rationale = serializers.CharField(help_text="Why this grade. Other reviewers and editors read it.")
    target_version = target_version_field("source or citation")


class SourceGradeCreate(_GradeIn):
    source = serializers.SlugField(help_text="The key of the source to grade.")
    grade = Choice(choices=Reliability.choices)


class CitationGradeCreate(_GradeIn):
    citation = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The id of the citation to grade.")
    grade = Choice(choices=Credibility.choices)


class SourceGradeUpdate(_GradeIn):
    grade = Choice(choices=Reliability.choices)
    version = version_field("grade")


class CitationGradeUpdate(_GradeIn):
    grade = Choice(choices=Credibility.choices)
    version = version_field("grade")


class _Grades(Revisable, ReviewViewSet):
    model: type[SourceAssessment] | type[CitationAssessment]
    graded: str  # "source" or "citation"
    create_serializer: type[serializers.Serializer]
    update_serializer: type[serializers.Serializer]

    def get_queryset(self) -> QuerySet:
        visible = getattr(blind_filters, f"{self.graded}_grades_visible")(self.request.user)
        grades = self.model.objects.select_related(self.graded, "reviewer").filter(visible)
        params = query_params(self.request)
        reviewer = params.get("reviewer")
        if reviewer:
            grades = grades.filter(reviewer__username=reviewer)
        return self._of_target(grades, params.get(self.graded))

    def _of_target(self, grades: QuerySet, value: str | None) -> QuerySet:
        return grades

    def _target(self, value) -> Model:
        kind = targets.by_field(self.graded)
        return find_target(self.request.user, kind, value)

    def create(self, request: Request, *args, **kwargs) -> Response:
        roles.require(roles.can_assess(request.user), services.GRADER_NEEDED)
        given = self.create_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        target = self._target(values[self.graded])
        grade = services.grade_set(
            actor=request.user,
            target=target,  # type: ignore[arg-type]  # (a source or a citation, by self.graded)
            grade=values["grade"],
            rationale=values["rationale"],
            expected_version=services.NO_GRADE_YET,
            target_version=values.get("target_version"),
        )
        return self.saved(grade, status.HTTP_201_CREATED)

    def update(self, request: Request, *args, partial: bool = False, **kwargs) -> Response:
        roles.require(roles.can_assess(request.user), services.GRADER_NEEDED)
        grade = self.get_object()
        # (services.assessment_update's own rule, asked before the input is read, as a page would.)
        roles.require(grade.reviewer_id == request.user.pk or roles.can_edit_any(request.user), OWN_GRADES_ONLY)
        given = self.update_serializer(data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        if "version" not in values:
            raise ValidationError({"version": ["This field is required."]})
        new = {"grade": values.get("grade", grade.grade), "rationale": values.get("rationale", grade.rationale)}
        if grade.reviewer_id == request.user.pk:
            grade = services.grade_set(
                actor=request.user,
                target=getattr(grade, self.graded),
                **new,
                expected_version=values["version"],
                target_version=values.get("target_version"),
            )
        else:
            services.assessment_update(actor=request.user, assessment=grade, **new, expected_version=values["version"])
        return self.saved(grade, status.HTTP_200_OK)


def _schema(target: OpenApiParameter):
    """The schema of a grade viewset: its list's filters, and what its writes take and give."""
    reviewer = OpenApiParameter("reviewer", str, description="Only this reviewer's grades (a username).")

    def described(viewset: type["_Grades"]) -> type["_Grades"]:
        out, update = viewset.serializer_class, viewset.update_serializer
        return extend_schema_view(
            list=extend_schema(parameters=[reviewer, target]),
            create=extend_schema(request=viewset.create_serializer, responses={201: out}),
            update=extend_schema(request=update, responses=out),
            partial_update=extend_schema(request=update, responses=out),
        )(viewset)

    return described


@_schema(OpenApiParameter("source", str, description="Only the grades of this source (its key)."))
class SourceGradeViewSet(_Grades):
    """Reliability grades (A–F) of sources."""

    serializer_class = SourceGradeSerializer
    create_serializer = SourceGradeCreate
    update_serializer = SourceGradeUpdate
    model = SourceAssessment
    graded = "source"

    def _of_target(self, grades: QuerySet, value: str | None) -> QuerySet:
        return grades.filter(source__key=value) if value else grades


@_schema(OpenApiParameter("citation", int, description="Only the grades of this citation (its id)."))
class CitationGradeViewSet(_Grades):
    """Credibility grades (1–6) of citations."""

    serializer_class = CitationGradeSerializer
    create_serializer = CitationGradeCreate
    update_serializer = CitationGradeUpdate
    model = CitationAssessment
    graded = "citation"

    def _of_target(self, grades: QuerySet, value: str | None) -> QuerySet:
        return grades.filter(citation_id=number("citation", value)) if value else grades
