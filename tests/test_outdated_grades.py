"""Grades follow what was graded (issue 10, point 8): when a citation's source, locator, quote
or stance changes (or it is put back to another version), the grades given to it are kept but
marked "given to an earlier version", no longer count towards the consensus or the evidence
grade, and their reviewers see the citation again as waiting for their grade.
"""

import io

import pytest

from claims import services
from claims.csv.claims_csv import claims_export
from claims.models import Citation, CitationAssessment
from claims.selectors import claim_evidence_grades
from tests.forms_support import form_values, page_text, submit


@pytest.fixture
def graded(citation, source, reviewer, second_reviewer, editor):
    """Two reviewers' credibility grades of the citation; the source graded B."""
    services.grade_set(actor=editor, target=source, grade="B", rationale="A careful historian.")
    for actor, grade in ((reviewer, 2), (second_reviewer, 2)):
        services.grade_set(actor=actor, target=citation, grade=grade, rationale="Matches the report.")
    return citation


def claim_page(client, user, citation) -> str:
    client.force_login(user)
    return page_text(client.get(f"/claims/{citation.claim.key}/"))


def export_grade(claim) -> str:
    out = io.StringIO()
    claims_export(out=out)
    header, *rows = out.getvalue().splitlines()
    grade = header.split(",").index("grade")
    return next(row for row in rows if row.startswith(claim.key + ",")).split(",")[grade]


@pytest.mark.parametrize("change", [{"quote": "Расстреляны 11 июня."}, {"locator": "ch. 10"}, {"stance": "mentions"}])
def test_a_change_of_what_was_graded_outdates_its_grades(client, researcher, reviewer, graded, change):
    assert claim_evidence_grades([graded.claim])[graded.claim_id] == "B2"
    services.citation_update(actor=researcher, citation=graded, data=change, expected_version=graded.version)
    assert set(CitationAssessment.objects.values_list("outdated", flat=True)) == {True}
    assert CitationAssessment.objects.count() == 2  # kept on record
    evidence = claim_evidence_grades([graded.claim])[graded.claim_id]
    assert evidence in {"B-", None}  # no credibility counts ("mentions" supports nothing)
    page = claim_page(client, researcher, graded)
    assert "given to an earlier version of this citation; not counted" in page
    assert "- consensus of 0 grades" in page


def test_a_new_source_for_the_citation_outdates_its_grades(researcher, graded):
    other = services.source_create(
        actor=researcher,
        key="shvernik-1964",
        kind="official_report",
        level="primary",
        title="Report of the Shvernik commission",
    )
    services.citation_update(actor=researcher, citation=graded, data={"source": other}, expected_version=1)
    assert not CitationAssessment.objects.filter(outdated=False).exists()


def test_a_new_translation_does_not_outdate_the_grades(researcher, graded):
    services.citation_update(
        actor=researcher, citation=graded, data={"quote_translation": "Shot on 12 June."}, expected_version=1
    )
    assert not CitationAssessment.objects.filter(outdated=True).exists()
    assert claim_evidence_grades([graded.claim])[graded.claim_id] == "B2"


def test_the_reviewer_sees_the_citation_waiting_for_their_grade_again_and_grades_it_blind(
    client, researcher, reviewer, second_reviewer, graded
):
    services.citation_update(
        actor=researcher, citation=graded, data={"quote": "Расстреляны 11 июня."}, expected_version=1
    )
    page = claim_page(client, reviewer, graded)
    assert "Your grade ( 2 ) was given to an earlier version of this citation: it no longer counts." in page
    assert "Grade this citation again" in page
    assert "Credibility Grades hidden until you enter your own" in page  # blind again
    url = f"/citations/{graded.pk}/grade/"
    form = page_text(client.get(url))
    assert "Grade again: this citation" in form and "no longer counts" in form
    submit(client, url, {"grade": "4", "rationale": "The new quote says 11 June: doubtful for 12 June."})
    own = CitationAssessment.objects.get(reviewer=reviewer)
    assert (own.grade, own.outdated) == (4, False)
    page = claim_page(client, reviewer, graded)
    assert "Credibility 4 consensus of 1 grade" in page  # vera's old 2 still does not count
    assert "Grade this citation again" not in page


def test_an_unchanged_grade_given_again_counts_again(client, researcher, reviewer, graded):
    services.citation_update(actor=researcher, citation=graded, data={"locator": "ch. 10"}, expected_version=1)
    client.force_login(reviewer)
    url = f"/citations/{graded.pk}/grade/"
    submit(client, url, {"grade": "2", "rationale": "Matches the report."})
    assert not CitationAssessment.objects.get(reviewer=reviewer).outdated
    assert claim_evidence_grades([graded.claim])[graded.claim_id] == "B2"


def test_the_csv_grade_column_leaves_outdated_grades_out(researcher, graded):
    assert export_grade(graded.claim) == "B2"
    services.citation_update(actor=researcher, citation=graded, data={"quote": "Иначе."}, expected_version=1)
    assert export_grade(graded.claim) == "B-"


def test_the_history_records_who_outdated_a_grade(client, researcher, reviewer, graded):
    services.citation_update(actor=researcher, citation=graded, data={"quote": "Иначе."}, expected_version=1)
    record = CitationAssessment.history.filter(reviewer=reviewer).latest()
    assert record.outdated and record.history_user == researcher


def test_a_change_in_the_admin_outdates_the_grades_too(client, staff, graded):
    client.force_login(staff)
    url = f"/admin/claims/citation/{graded.pk}/change/"
    client.post(url, {**form_values(client.get(url), "", itself=True), "locator": "p. 412"})
    assert Citation.objects.get(pk=graded.pk).locator == "p. 412"
    assert set(CitationAssessment.objects.values_list("outdated", flat=True)) == {True}


def test_putting_an_earlier_version_back_in_the_admin_outdates_the_grades(client, researcher, staff, graded):
    first = graded.history.earliest()
    services.citation_update(actor=researcher, citation=graded, data={"locator": "ch. 10"}, expected_version=1)
    for grade in CitationAssessment.objects.all():  # both reviewers grade the new version
        services.grade_set(
            actor=grade.reviewer,
            target=graded,
            grade=3,
            rationale="Again.",
            expected_version=grade.version,
            target_version=2,
        )
    assert not CitationAssessment.objects.filter(outdated=True).exists()
    client.force_login(staff)
    url = f"/admin/claims/citation/{graded.pk}/history/{first.history_id}/"
    client.post(url, form_values(client.get(url), "", itself=True))
    assert Citation.objects.get(pk=graded.pk).locator == "ch. 9"
    assert set(CitationAssessment.objects.values_list("outdated", flat=True)) == {True}
