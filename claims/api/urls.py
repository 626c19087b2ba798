"""/api/v1/: the JSON API; /api/schema/: its OpenAPI 3 schema; /api/docs/: the schema, browsable."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from .review_agreement import AgreementViewSet
from .review_annotations import AnnotationViewSet
from .review_disputes import DisputeViewSet
from .review_grades import CitationGradeViewSet, SourceGradeViewSet
from .review_ratings import ConsistencyRatingViewSet

router = DefaultRouter()
# Each resource module registers its viewsets here (claims/api/records.py, review.py, …).
router.register("source-grades", SourceGradeViewSet, basename="source-grade")
router.register("citation-grades", CitationGradeViewSet, basename="citation-grade")
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("consistency-ratings", ConsistencyRatingViewSet, basename="consistency-rating")
router.register("agreement", AgreementViewSet, basename="agreement")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's start-up script as a file of its own (no inline script: CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]
