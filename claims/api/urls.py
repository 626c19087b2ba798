"""/api/v1/: the JSON API; /api/schema/: its OpenAPI 3 schema; /api/docs/: the schema, browsable."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import records, schema  # noqa: F401 (schema: the token's security scheme, registered on import)
from .names import API_NAMES
from .review_agreement import AgreementViewSet
from .review_annotations import AnnotationViewSet
from .review_disputes import DisputeViewSet
from .review_grades import CitationGradeViewSet, SourceGradeViewSet
from .review_ratings import ConsistencyRatingViewSet

router = DefaultRouter()
router.include_format_suffixes = False  # (JSON only: no …/claims.json twins of every address)
# Each resource module registers its viewsets here (claims/api/records.py, review.py, …).
router.register("source-grades", SourceGradeViewSet, basename="source-grade")
router.register("citation-grades", CitationGradeViewSet, basename="citation-grade")
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("consistency-ratings", ConsistencyRatingViewSet, basename="consistency-rating")
router.register("agreement", AgreementViewSet, basename="agreement")
router.register("topics", records.TopicViewSet, basename=API_NAMES["topic"])
router.register("people", records.PersonViewSet, basename=API_NAMES["person"])
router.register("sources", records.SourceViewSet, basename=API_NAMES["source"])
router.register("claims", records.ClaimViewSet, basename=API_NAMES["claim"])
router.register("citations", records.CitationViewSet, basename=API_NAMES["citation"])

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # A page like every other: the login page first (the split view serves Swagger UI's start-up
    # script as a file of its own, ?script: no inline script, for the CSP).
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api_schema")), name="api_docs"),
]
