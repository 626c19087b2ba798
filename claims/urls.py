"""Readable, stable URLs: /claims/<key>/, /sources/<key>/, /topics/<slug>/, /people/<slug>/.

Pages answer GET and HEAD (a GET without the body); actions (withdraw, reply, resolve, …)
answer POST only (405 otherwise); forms (new, edit, grade, dispute) show on GET or HEAD and
save on POST.
"""

from django.urls import path

from .views import (
    agreement,
    chronology,
    entry,
    exchange,
    jobs,
    legend,
    linked_data,
    matrix,
    pages,
    queues,
    ratings,
    records,
    relations,
    review,
)

urlpatterns = [
    path("", pages.home, name="home"),
    path("topics/<slug:slug>/", pages.topic_detail, name="topic_detail"),
    path("topics/<slug:slug>/timeline/", chronology.topic_timeline, name="topic_timeline"),
    path("topics/<slug:slug>/matrix/", matrix.topic_matrix, name="topic_matrix"),
    path("topics/<slug:slug>/matrix.csv", matrix.topic_matrix_csv, name="topic_matrix_csv"),
    path("people/<slug:slug>/timeline/", chronology.person_timeline, name="person_timeline"),
    path("conflicts/", chronology.conflict_list, name="conflict_list"),
    path("agreement/", agreement.agreement, name="agreement"),
    path("grades/legend/", legend.grade_legend, name="grade_legend"),
    path("agreement.json", agreement.agreement_json, name="agreement_json"),
    path("agreement/recompute/", agreement.agreement_recompute, name="agreement_recompute"),
    # Claims
    path("claims/", pages.claim_list, name="claim_list"),
    path("claims/new/", records.claim_create, name="claim_create"),
    path("claims/export.csv", exchange.claim_export, name="claim_export"),
    path("claims/import/", exchange.claim_import, name="claim_import"),
    path("claims/import/confirm/", exchange.claim_import_confirm, name="claim_import_confirm"),
    path("claims/example.csv", exchange.claim_example, name="claim_example"),
    path("citations/export.csv", exchange.citation_export, name="citation_export"),
    path("citations/import/", exchange.citation_import, name="citation_import"),
    path("citations/import/confirm/", exchange.citation_import_confirm, name="citation_import_confirm"),
    path("citations/example.csv", exchange.citation_example, name="citation_example"),
    path("claims/<slug:key>/", review.claim_detail, name="claim_detail"),
    # Linked data (docs/design.md): the claim as a schema.org ClaimReview, its annotations as W3C ones
    path("claims/<slug:key>.jsonld", linked_data.claim_jsonld, name="claim_jsonld"),
    path("claims/<slug:key>/annotations.jsonld", linked_data.claim_annotations_jsonld, name="claim_annotations_jsonld"),
    path("claims/<slug:key>/edit/", records.claim_edit, name="claim_edit"),
    path("claims/<slug:key>/history/<int:history_id>/restore/", records.claim_restore, name="claim_restore"),
    path("claims/<slug:key>/citations/new/", records.citation_create, name="citation_create"),
    path("citations/<int:pk>/edit/", records.citation_edit, name="citation_edit"),
    path("citations/<int:pk>/grade/", review.grade, {"graded": "citation"}, name="citation_grade"),
    # A cell of a topic's competing-hypotheses matrix: the citation rated against another claim
    path("citations/<int:pk>/consistency/<slug:claim_key>/", ratings.consistency_cell, name="consistency_cell"),
    # Sources
    path("sources/", pages.source_list, name="source_list"),
    path("sources/new/", records.source_create, name="source_create"),
    path("sources/suggest.json", pages.source_suggestions, name="source_suggestions"),
    path("sources/add.json", entry.source_add, name="source_add"),
    path("sources/export.csv", exchange.source_export, name="source_export"),
    path("sources/import/", exchange.source_import, name="source_import"),
    path("sources/import/confirm/", exchange.source_import_confirm, name="source_import_confirm"),
    path("sources/example.csv", exchange.source_example, name="source_example"),
    # Sources from and to reference managers (claims/refs/)
    path("sources/import/references/", exchange.source_references_import, name="source_references_import"),
    path(
        "sources/import/references/confirm/",
        exchange.source_references_import_confirm,
        name="source_references_import_confirm",
    ),
    path("sources/export.json", exchange.source_export_references, {"fmt": "csl-json"}, name="source_export_json"),
    path("sources/export.bib", exchange.source_export_references, {"fmt": "bibtex"}, name="source_export_bibtex"),
    path("sources/export.ris", exchange.source_export_references, {"fmt": "ris"}, name="source_export_ris"),
    path("sources/<slug:key>/", review.source_detail, name="source_detail"),
    path("sources/<slug:key>/edit/", records.source_edit, name="source_edit"),
    path("sources/<slug:key>/grade/", review.grade, {"graded": "source"}, name="source_grade"),
    path("sources/<slug:key>/relations/new/", relations.relation_create, name="source_relation_create"),
    path("sources/<slug:key>/relations/<int:pk>/edit/", relations.relation_edit, name="source_relation_edit"),
    path("sources/<slug:key>/relations/<int:pk>/remove/", relations.relation_remove, name="source_relation_remove"),
    # People
    path("people/new/", records.person_create, name="person_create"),
    path("people/suggest.json", pages.person_suggestions, name="person_suggestions"),
    path("people/add.json", entry.person_add, name="person_add"),
    path("people/<slug:slug>/", pages.person_detail, name="person_detail"),
    path("people/<slug:slug>/edit/", records.person_edit, name="person_edit"),
    # Dates as typed, read into EDTF (the date fields show what they understood as one types)
    path("dates/parse.json", entry.date_parse, name="date_parse"),
    # Annotations: <kind> is claim, source, citation, source-grade, citation-grade, dispute or consistency-rating
    path("annotations/on/<str:kind>/<int:pk>/", review.annotation_create, name="annotation_create"),
    path("annotations.jsonld", linked_data.annotations_jsonld, name="annotations_jsonld"),
    path("annotations/<int:pk>.jsonld", linked_data.annotation_jsonld, name="annotation_jsonld"),
    path("users/<int:pk>.jsonld", linked_data.user_jsonld, name="user_jsonld"),
    path("annotations/<int:pk>/reply/", review.annotation_reply, name="annotation_reply"),
    path("annotations/<int:pk>/edit/", review.annotation_edit, name="annotation_edit"),
    path("annotations/<int:pk>/withdraw/", review.annotation_withdraw, name="annotation_withdraw"),
    # Disputes: <kind> is source-grade, citation-grade, consistency-rating or claim
    path("disputes/", pages.dispute_list, name="dispute_list"),
    path("disputes/new/<str:kind>/<int:pk>/", review.dispute_raise, name="dispute_raise"),
    path("disputes/<int:pk>/", review.dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/withdraw/", review.dispute_withdraw, name="dispute_withdraw"),
    path("disputes/<int:pk>/resolve/", review.dispute_resolve, name="dispute_resolve"),
    # Review queues: what waits for a reviewer's grade; what waits for an editor's judgement
    path("review/", queues.review_queue, name="review_queue"),
    path("review/adjudicate/", queues.review_adjudicate, name="review_adjudicate"),
    # Background jobs (large CSV imports and exports): only their starter sees them
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/claims-export/", jobs.claims_export_start, name="claims_export_start"),
    path("jobs/<uuid:job_id>/", jobs.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/progress.json", jobs.job_progress, name="job_progress"),
    path("jobs/<uuid:job_id>/download/", jobs.job_download, name="job_download"),
]
