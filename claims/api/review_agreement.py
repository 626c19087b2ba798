"""/api/v1/agreement/: the reviewers' agreement (Krippendorff's alpha) as /agreement.json gives it.

The figures every reader sees, over every grade or a topic's (?topic=<slug>; an unknown slug is
404): they name no reviewer and show no grade, so blind grading hides nothing of them. Read from
what the background job stored (selectors.agreement.stored_agreement): 503 with Retry-After
until it first ran; Last-Modified says when it did.
"""

from django.utils.http import http_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from claims.selectors import agreement as selector
from claims.views.agreement import NOT_COMPUTED, _topic_asked

from .review_common import HeadAsGet, Reader


class FigureSerializer(serializers.Serializer):
    alpha = serializers.FloatField(allow_null=True, help_text="Krippendorff's alpha (ordinal); null: not enough data.")
    items = serializers.IntegerField(help_text="Sources or citations graded by two reviewers or more.")
    graders = serializers.IntegerField()
    pairable = serializers.IntegerField(help_text="The grades of those items.")
    low = serializers.FloatField(allow_null=True, help_text="The 95% bootstrap interval's lower end.")
    high = serializers.FloatField(allow_null=True, help_text="Its upper end.")


class AgreementSerializer(serializers.Serializer):
    source_reliability = FigureSerializer(help_text="Source grades, A–E (F: no value).")
    citation_credibility = FigureSerializer(help_text="Citation grades, 1–5 (6: no value).")


class AgreementViewSet(HeadAsGet, viewsets.ViewSet):
    """Reviewer agreement on the two scales."""

    permission_classes = [Reader]

    @extend_schema(
        parameters=[OpenApiParameter("topic", str, description="Only this topic's grades (its slug).")],
        responses={
            200: AgreementSerializer,
            503: OpenApiResponse(description="Not computed yet; try again after Retry-After seconds."),
        },
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        _, topic = _topic_asked(request)  # (a DRF request reads GET as Django's does)
        stored = selector.stored_agreement(topic=topic)
        if stored.scales is None or stored.computed_at is None:
            return Response(
                {"detail": NOT_COMPUTED}, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "10"}
            )
        response = Response({item.scale.key: item.overall.as_json() for item in stored.scales})
        response["Last-Modified"] = http_date(stored.computed_at.timestamp())
        return response
