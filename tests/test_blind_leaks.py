"""Blind grading leaks nothing through differences (issue 10, point 15): a note or dispute on
a grade hidden from a reviewer answers every URL as a thing that does not exist would (404),
and the lists name neither the reviewer of a grade hidden from the viewer nor who disputed it.
"""

import pytest
from django.urls import reverse

from claims import services
from tests.forms_support import page_text

MISSING = 987654


@pytest.fixture
def hidden(researcher, reviewer, editor, citation, source):
    """victor_reviewer's grades of the citation and of its source, a note on each, a dispute of
    each by the editor, and a note on each dispute; vera_reviewer has graded neither."""
    citation_grade = services.grade_set(actor=reviewer, target=citation, grade=3, rationale="Victor.")
    source_grade = services.grade_set(actor=reviewer, target=source, grade="B", rationale="Victor.")
    things = {"citation-grade": citation_grade, "source-grade": source_grade}
    for kind, grade in list(things.items()):
        things[f"note on {kind}"] = services.annotation_create(actor=researcher, target=grade, body="Why?")
        dispute = services.dispute_raise(
            actor=editor, target=grade, reason="Too generous.", proposed=5 if kind == "citation-grade" else "D"
        )
        things[f"dispute of {kind}"] = dispute
        things[f"note on dispute of {kind}"] = services.annotation_create(
            actor=researcher, target=dispute, body="Agreed."
        )
    return things


def urls(kind: str, pk: int) -> list[tuple[str, str]]:
    """Every URL about one such thing: (method, path)."""
    if kind.startswith("note"):
        return [
            ("get", f"/annotations/{pk}/reply/"),
            ("post", f"/annotations/{pk}/reply/"),
            ("get", f"/annotations/{pk}/edit/"),
            ("post", f"/annotations/{pk}/edit/"),
            ("post", f"/annotations/{pk}/withdraw/"),
        ]
    if kind.startswith("dispute"):
        return [
            ("get", f"/disputes/{pk}/"),
            ("post", f"/disputes/{pk}/withdraw/"),
            ("get", f"/annotations/on/dispute/{pk}/"),
            ("post", f"/annotations/on/dispute/{pk}/"),
        ]
    return [
        ("get", f"/disputes/new/{kind}/{pk}/"),
        ("post", f"/disputes/new/{kind}/{pk}/"),
        ("get", f"/annotations/on/{kind}/{pk}/"),
        ("post", f"/annotations/on/{kind}/{pk}/"),
    ]


@pytest.mark.parametrize("persona", ["second_reviewer", "researcher_and_blind"])
@pytest.mark.parametrize(
    "thing",
    [
        "citation-grade",
        "source-grade",
        "note on citation-grade",
        "note on source-grade",
        "dispute of citation-grade",
        "dispute of source-grade",
        "note on dispute of citation-grade",
        "note on dispute of source-grade",
    ],
)
def test_everything_about_a_hidden_grade_answers_as_if_it_did_not_exist(client, request, hidden, thing, persona):
    viewer = request.getfixturevalue("second_reviewer" if persona == "second_reviewer" else "researcher")
    if persona != "second_reviewer":  # a reviewer who also wrote the notes, blind to the grades they are on
        viewer.groups.add(*request.getfixturevalue("reviewer").groups.all())
    client.force_login(viewer)
    family = "note" if thing.startswith("note") else "dispute" if thing.startswith("dispute") else thing
    sent = {"body": "x", "reason": "x", "proposed": "5", "version": 1}
    for (method, path), (_, missing) in zip(urls(family, hidden[thing].pk), urls(family, MISSING)):
        got, expected = getattr(client, method)(path, sent), getattr(client, method)(missing, sent)
        assert (got.status_code, expected.status_code) == (404, 404), f"{method.upper()} {path}"


def test_the_disputes_list_names_no_one_behind_a_hidden_grade(client, second_reviewer, hidden):
    client.force_login(second_reviewer)
    page = page_text(client.get(reverse("dispute_list")))
    assert "Citation grade hidden" in page and "Source grade hidden" in page
    assert "victor_reviewer" not in page and "edith_editor" not in page
    assert (
        f"/disputes/{hidden['dispute of citation-grade'].pk}/"
        not in client.get(reverse("dispute_list")).content.decode()
    )


def test_the_claim_and_source_pages_show_only_that_a_hidden_grade_is_disputed(
    client, second_reviewer, hidden, citation
):
    client.force_login(second_reviewer)
    for url in (f"/claims/{citation.claim.key}/", f"/sources/{citation.source.key}/"):
        response = client.get(url)
        page = page_text(response)
        assert "Dispute of a grade open" in page
        assert "victor_reviewer" not in page and "Too generous." not in page and "edith_editor" not in page
        for dispute in (hidden["dispute of citation-grade"], hidden["dispute of source-grade"]):
            assert f"/disputes/{dispute.pk}/" not in response.content.decode()


def test_once_graded_the_reviewer_sees_the_dispute_and_its_notes(client, second_reviewer, hidden, citation):
    services.grade_set(actor=second_reviewer, target=citation, grade=4, rationale="Vera.")
    client.force_login(second_reviewer)
    dispute = hidden["dispute of citation-grade"]
    page = page_text(client.get(f"/disputes/{dispute.pk}/"))
    assert "Too generous." in page and "Agreed." in page and "victor_reviewer" in page


def test_the_raiser_of_a_dispute_always_sees_it(client, reviewer, second_reviewer, researcher, citation):
    """Vera graded and disputed victor's grade; the citation then changed, so her own grade no
    longer counts and she grades blind again: her dispute stays hers to read and withdraw."""
    victors = services.grade_set(actor=reviewer, target=citation, grade=3, rationale="Victor.")
    services.grade_set(actor=second_reviewer, target=citation, grade=5, rationale="Vera.")
    dispute = services.dispute_raise(actor=second_reviewer, target=victors, reason="The 1957 report.", proposed=5)
    services.citation_update(actor=researcher, citation=citation, data={"quote": "Иначе."}, expected_version=1)
    client.force_login(second_reviewer)
    assert "The 1957 report." in page_text(client.get(f"/disputes/{dispute.pk}/"))
