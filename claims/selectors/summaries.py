"""A topic's counts and latest activity, worked out from the records themselves.

The home page reads them from TopicSummary rows, which the services keep as they write
(services.topic_summaries_refresh); these reads compute them afresh, for the topics a
write touched, for `manage.py refresh_counts`, and for the tests that compare the two.
Each is a fixed number of grouped queries however many topics are asked about.
"""

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Count, Manager, Max, QuerySet

from claims.models import Annotation, Citation, CitationAssessment, Claim, Dispute, Topic


@dataclass(frozen=True)
class Summary:
    claim_count: int
    open_dispute_count: int
    latest_activity: datetime.datetime


def _among(queryset: QuerySet, topic_field: str, topic_ids: Collection[int] | None) -> QuerySet:
    return queryset if topic_ids is None else queryset.filter(**{f"{topic_field}__in": topic_ids})


def claim_counts(topic_ids: Collection[int] | None = None) -> dict[int, int]:
    claims = _among(Claim.objects.order_by(), "topic_id", topic_ids)
    return dict(claims.values("topic_id").annotate(n=Count("pk")).values_list("topic_id", "n"))


def open_dispute_counts(topic_ids: Collection[int] | None = None) -> dict[int, int]:
    """Open disputes of each topic's claims, of their citations' grades and of the grades of
    the sources they cite, each dispute counted once per topic.

    Read from the open disputes (a few thousand at most), never from all claims: the
    dispute's claim, the claim of its graded citation, or the topics citing its graded source.
    """
    open_disputes = Dispute.objects.open().order_by()
    disputes: dict[int, set[int]] = defaultdict(set)
    direct = (
        _among(open_disputes.filter(claim__isnull=False), "claim__topic_id", topic_ids).values_list(
            "pk", "claim__topic_id"
        ),
        _among(
            open_disputes.filter(citation_assessment__isnull=False),
            "citation_assessment__citation__claim__topic_id",
            topic_ids,
        ).values_list("pk", "citation_assessment__citation__claim__topic_id"),
    )
    for rows in direct:
        for dispute_id, topic_id in rows:
            disputes[topic_id].add(dispute_id)
    by_source: dict[int, list[int]] = defaultdict(list)
    for dispute_id, source_id in open_disputes.filter(source_assessment__isnull=False).values_list(
        "pk", "source_assessment__source_id"
    ):
        by_source[source_id].append(dispute_id)
    if by_source:
        citing = _among(Citation.objects.order_by().filter(source_id__in=list(by_source)), "claim__topic_id", topic_ids)
        for source_id, topic_id in citing.values_list("source_id", "claim__topic_id").distinct():
            disputes[topic_id].update(by_source[source_id])
    return {topic_id: len(ids) for topic_id, ids in disputes.items()}


def latest_activities(topic_ids: Collection[int] | None = None) -> dict[int, datetime.datetime]:
    """The newest time each topic, its claims, their citations and credibility grades, the
    notes on those, and the disputes of its claims and their grades were made or changed."""
    times: list[tuple[Manager, str, str]] = [
        (Topic.objects, "pk", "created_at"),
        (Claim.objects, "topic_id", "updated_at"),
        (Citation.objects, "claim__topic_id", "updated_at"),
        (CitationAssessment.objects, "citation__claim__topic_id", "updated_at"),
        (Annotation.objects, "claim__topic_id", "updated_at"),
        (Annotation.objects, "citation__claim__topic_id", "updated_at"),
        (Annotation.objects, "citation_assessment__citation__claim__topic_id", "updated_at"),
        (Dispute.objects, "claim__topic_id", "created_at"),
        (Dispute.objects, "claim__topic_id", "closed_at"),
        (Dispute.objects, "citation_assessment__citation__claim__topic_id", "created_at"),
        (Dispute.objects, "citation_assessment__citation__claim__topic_id", "closed_at"),
    ]
    latest: dict[int, datetime.datetime] = {}
    for manager, topic_field, time_field in times:
        rows = _among(manager.order_by().filter(**{f"{topic_field}__isnull": False}), topic_field, topic_ids)
        for topic_id, time in rows.values(topic_field).annotate(t=Max(time_field)).values_list(topic_field, "t"):
            if time is not None and (topic_id not in latest or time > latest[topic_id]):
                latest[topic_id] = time
    return latest


def fresh_topic_summaries(topic_ids: Collection[int] | None = None) -> dict[int, Summary]:
    """Every asked-for topic's summary as the records make it now (all topics when None)."""
    ids = list(Topic.objects.order_by().values_list("pk", flat=True) if topic_ids is None else topic_ids)
    claims, disputes, latest = claim_counts(ids), open_dispute_counts(ids), latest_activities(ids)
    return {pk: Summary(claims.get(pk, 0), disputes.get(pk, 0), latest[pk]) for pk in ids if pk in latest}
