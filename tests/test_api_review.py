"""The JSON API's review resources (issue 16, point 1): grades, annotations, disputes and the
reviewers' agreement at /api/v1/, with the pages' rules: the same services, the same blind
grading (nothing the pages hide shows through the API), versions on every change (409 when
stale, nothing written), cursor pages, 401 / 403 / 404 as the pages answer.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims import services
from claims.models import (
    AgreementFigures,
    Annotation,
    Citation,
    CitationAssessment,
    Claim,
    ConsistencyRating,
    Dispute,
    Source,
    SourceAssessment,
    User,
)
from claims.roles import Role
from claims.selectors import blind_filters
from claims.selectors.detail import hidden_from
from tests.conftest import make_personas, make_user, rows_for_the_module

MISSING = 987654


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    claim: Claim
    source: Source
    citation: Citation
    source_grade: SourceAssessment  # victor's
    citation_grade: CitationAssessment  # victor's
    note_on_claim: Annotation  # rita's
    note_on_grade: Annotation  # rita's, on victor's citation grade
    dispute: Dispute  # edith's, of victor's citation grade
    note_on_dispute: Annotation  # rita's
    rival: Claim  # rita's, of the same topic
    rating: ConsistencyRating  # victor's, of the citation against the rival claim


def build_world() -> World:
    users = make_personas("researcher", "reviewer", "second_reviewer", "editor", "second_editor", "staff", "no_role")
    tokens = {}
    for persona, user in users.items():
        tokens[persona] = services.api_token_create(actor=user, name="scripts")[1]
    rita, victor, edith = users["researcher"], users["reviewer"], users["editor"]
    topic = services.topic_create(actor=edith, title="Date of execution")
    claim = services.claim_create(
        actor=rita, key="execution-12-june", topic=topic, statement="The convicted were shot on 12 June 1937."
    )
    source = services.source_create(
        actor=rita,
        key="rogovin-1937",
        kind=Source.Kind.MONOGRAPH,
        level=Source.Level.SECONDARY,
        title="1937: Stalin's Year of Terror",
    )
    citation = services.citation_create(actor=rita, claim=claim, source=source, locator="ch. 9", quote="Shot at once.")
    source_grade = services.grade_set(actor=victor, target=source, grade="B", rationale="Victor: sound.")
    citation_grade = services.grade_set(actor=victor, target=citation, grade=3, rationale="Victor: one witness.")
    note_on_grade = services.annotation_create(actor=rita, target=citation_grade, body="Why only 3?")
    dispute = services.dispute_raise(actor=edith, target=citation_grade, reason="Too generous.", proposed=5)
    rival = services.claim_create(
        actor=rita, key="execution-11-june", topic=topic, statement="The convicted were shot on 11 June 1937."
    )
    return World(
        users=users,
        tokens=tokens,
        claim=claim,
        source=source,
        citation=citation,
        source_grade=source_grade,
        citation_grade=citation_grade,
        note_on_claim=services.annotation_create(actor=rita, target=claim, body="Compare the protocol."),
        note_on_grade=note_on_grade,
        dispute=dispute,
        note_on_dispute=services.annotation_create(actor=rita, target=dispute, body="Agreed."),
        rival=rival,
        rating=services.consistency_rating_set(
            actor=victor, citation=citation, claim=rival, grade="I", rationale="Victor: after midnight."
        ),
    )


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    with rows_for_the_module(django_db_blocker, tmp_path_factory):
        yield build_world()


@pytest.fixture
def world(db, shared_world) -> World:
    return shared_world


def api(world: World, persona: str | None) -> APIClient:
    """A script's client, with the persona's personal token (none: anonymous)."""
    client = APIClient()
    if persona is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.tokens[persona]}")
    return client


def fresh(record):
    """The record as stored now: a service changes the object it is given, and the world's
    objects outlive each test's rollback."""
    return type(record).objects.get(pk=record.pk)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- Who may ask -----------------------------------------------------------------------

LISTS = [
    "/api/v1/source-grades/",
    "/api/v1/citation-grades/",
    "/api/v1/annotations/",
    "/api/v1/disputes/",
    "/api/v1/consistency-ratings/",
]


@pytest.mark.parametrize("path", [*LISTS, "/api/v1/agreement/"])
def test_anonymous_scripts_are_asked_for_a_token(world, path):
    response = api(world, None).get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("path", [*LISTS, "/api/v1/agreement/"])
def test_an_account_without_a_role_reads_nothing(world, path):
    response = api(world, "no_role").get(path)
    assert response.status_code == 403
    assert "no role" in response.json()["detail"]


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "editor", "staff"])
def test_every_role_reads_the_lists_a_page_at_a_time(world, persona):
    client = api(world, persona)
    for path in LISTS:
        first = client.get(path, {"page_size": 1})
        assert first.status_code == 200 and len(first.json()["results"]) == 1, path
        assert first.json()["previous"] is None
    # Cursor pages: the next page continues where the first stopped, nothing twice.
    seen = []
    response = client.get("/api/v1/annotations/", {"page_size": 1})
    while True:
        seen += ids(response)
        if not response.json()["next"]:
            break
        response = client.get(response.json()["next"])
    assert sorted(seen) == sorted(Annotation.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen))


def more_of_everything(world: World, n: int) -> None:
    """n more reviewers, each grading the source and the citation, rating the cell, noting and
    disputing victor's citation grade."""
    for i in range(n):
        other = make_user(f"reviewer_{i}", Role.REVIEWER)
        services.grade_set(actor=other, target=world.source, grade="C", rationale="More.")
        grade = services.grade_set(actor=other, target=world.citation, grade=2, rationale="More.")
        services.consistency_rating_set(
            actor=other, citation=world.citation, claim=world.rival, grade="N", rationale="More."
        )
        services.annotation_create(actor=other, target=grade, body="More.")
        services.dispute_raise(actor=other, target=world.citation_grade, reason="More.", proposed=2)


@pytest.mark.parametrize("persona", ["reviewer", "editor"])
def test_a_page_of_each_list_costs_the_same_queries_however_many_rows_it_shows(world, persona):
    client = api(world, persona)
    client.get("/api/v1/")  # (a token's first use in a minute also records when it was used)

    def queries() -> tuple[list[int], list[int]]:
        counts, rows = [], []
        for path in LISTS:
            with CaptureQueriesContext(connection) as done:
                rows.append(len(ids(client.get(path))))
            counts.append(len(done))
        return counts, rows

    before, rows_before = queries()
    more_of_everything(world, 3)
    after, rows_after = queries()
    assert after == before
    assert all(now == then + 3 for now, then in zip(rows_after, rows_before)), (rows_before, rows_after)


def test_a_filter_no_row_could_match_is_refused_naming_it(world):
    editor = api(world, "editor")
    nul = editor.get("/api/v1/source-grades/", {"source": "rogovin\x001937"})
    assert nul.status_code == 400 and nul.json() == {"source": ["No key, name or id holds a NUL character."]}
    huge = editor.get("/api/v1/annotations/", {"parent": "9" * 5000})
    assert huge.status_code == 400 and "An id is a number" in huge.json()["parent"][0]
    assert len(huge.json()["parent"][0]) < 200  # (the value quoted shortened)
    unknown = editor.get("/api/v1/annotations/", {"target_kind": "claim", "target_id": "no\x00such"})
    assert unknown.status_code == 400
    for beyond in ("9" * 5000, str(2**63)):
        assert editor.get("/api/v1/annotations/", {"target_kind": "citation", "target_id": beyond}).status_code == 404


# --- Grades, blind --------------------------------------------------------------------


def test_a_reviewer_who_has_not_graded_sees_no_one_elses_grades(world):
    vera = api(world, "second_reviewer")
    assert ids(vera.get("/api/v1/citation-grades/")) == []
    assert ids(vera.get("/api/v1/source-grades/")) == []
    for path, missing in [
        (f"/api/v1/citation-grades/{world.citation_grade.pk}/", f"/api/v1/citation-grades/{MISSING}/"),
        (f"/api/v1/source-grades/{world.source_grade.pk}/", f"/api/v1/source-grades/{MISSING}/"),
    ]:
        assert (vera.get(path).status_code, vera.get(missing).status_code) == (404, 404)
    assert "Victor" not in vera.get("/api/v1/citation-grades/", {"citation": world.citation.pk}).content.decode()


def test_a_reviewer_grades_blind_over_the_api_then_sees_the_other_grades(world):
    vera = api(world, "second_reviewer")
    response = vera.post(
        "/api/v1/citation-grades/",
        {"citation": world.citation.pk, "grade": 4, "rationale": "Vera: doubtful.", "target_version": 1},
        format="json",
    )
    assert response.status_code == 201, response.content
    mine = response.json()
    assert (mine["reviewer"], mine["grade"], mine["grade_label"], mine["version"]) == (
        "vera_reviewer",
        4,
        "4: doubtful",
        1,
    )
    assert mine["citation"].endswith(f"/api/v1/citations/{world.citation.pk}/") and mine["outdated"] is False
    listed = vera.get("/api/v1/citation-grades/", {"citation": world.citation.pk}).json()["results"]
    assert {row["reviewer"]: row["grade"] for row in listed} == {"vera_reviewer": 4, "victor_reviewer": 3}
    assert vera.get(f"/api/v1/citation-grades/{world.citation_grade.pk}/").json()["rationale"] == "Victor: one witness."
    # …and, the grade being visible, its notes and disputes too.
    assert vera.get(f"/api/v1/annotations/{world.note_on_grade.pk}/").status_code == 200
    assert vera.get(f"/api/v1/disputes/{world.dispute.pk}/").status_code == 200


def test_once_the_citation_changes_its_reviewer_grades_blind_again(world):
    vera = api(world, "second_reviewer")
    services.grade_set(actor=world.users["second_reviewer"], target=world.citation, grade=4, rationale="Vera.")
    assert len(ids(vera.get("/api/v1/citation-grades/"))) == 2
    services.citation_update(
        actor=world.users["researcher"],
        citation=fresh(world.citation),
        data={"quote": "Shot at dawn."},
        expected_version=1,
    )
    listed = vera.get("/api/v1/citation-grades/").json()["results"]
    assert [(row["reviewer"], row["outdated"]) for row in listed] == [("vera_reviewer", True)]


def test_editors_researchers_and_staff_see_every_grade(world):
    for persona in ("researcher", "editor", "staff"):
        listed = api(world, persona).get("/api/v1/citation-grades/").json()["results"]
        assert [row["rationale"] for row in listed] == ["Victor: one witness."], persona


def test_who_may_not_grade_is_refused_and_nothing_is_saved(world):
    body = {"source": "rogovin-1937", "grade": "A", "rationale": "Fine."}
    response = api(world, "researcher").post("/api/v1/source-grades/", body, format="json")
    assert response.status_code == 403 and "Reviewer or Editor" in response.json()["detail"]
    # The Researcher who added the source, made a Reviewer too, still may not grade it.
    world.users["researcher"].groups.add(*world.users["reviewer"].groups.all())
    response = api(world, "researcher").post("/api/v1/source-grades/", body, format="json")
    assert response.status_code == 403 and "You added this source" in response.json()["detail"]
    assert SourceAssessment.objects.count() == 1


def test_a_grade_off_the_scale_is_refused_naming_the_field(world):
    response = api(world, "second_reviewer").post(
        "/api/v1/source-grades/", {"source": "rogovin-1937", "grade": "Z", "rationale": "?"}, format="json"
    )
    assert response.status_code == 400 and "grade" in response.json()
    response = api(world, "second_reviewer").post(
        "/api/v1/source-grades/", {"source": "no-such-source", "grade": "A", "rationale": "?"}, format="json"
    )
    assert response.status_code == 404
    assert SourceAssessment.objects.count() == 1


def test_a_reviewer_revises_their_grade_from_the_version_they_read(world):
    victor = api(world, "reviewer")
    path = f"/api/v1/source-grades/{world.source_grade.pk}/"
    response = victor.patch(path, {"grade": "C", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["grade"], response.json()["version"], response.json()["rationale"]) == (
        "C",
        2,
        "Victor: sound.",
    )
    stale = victor.patch(path, {"grade": "A", "version": 1}, format="json")
    assert stale.status_code == 409
    assert "you started from version 1, it is now at version 2" in stale.json()["non_field_errors"][0]
    assert SourceAssessment.objects.get(pk=world.source_grade.pk).grade == "C"
    assert victor.patch(path, {"grade": "A"}, format="json").status_code == 400  # (no version: refused)


def test_grading_a_citation_changed_since_it_was_read_is_a_conflict(world):
    services.citation_update(
        actor=world.users["researcher"], citation=fresh(world.citation), data={"locator": "ch. 10"}, expected_version=1
    )
    body = {"citation": world.citation.pk, "grade": 2, "rationale": "Read at ch. 9.", "target_version": 1}
    response = api(world, "second_reviewer").post("/api/v1/citation-grades/", body, format="json")
    assert response.status_code == 409 and ": locator changed." in response.json()["non_field_errors"][0]
    assert not CitationAssessment.objects.filter(reviewer=world.users["second_reviewer"]).exists()


def test_grading_what_one_graded_in_another_window_is_a_conflict(world):
    response = api(world, "reviewer").post(
        "/api/v1/source-grades/", {"source": "rogovin-1937", "grade": "E", "rationale": "Again."}, format="json"
    )
    assert response.status_code == 409 and "in another window" in response.json()["non_field_errors"][0]
    assert SourceAssessment.objects.get(pk=world.source_grade.pk).grade == "B"


def test_an_editor_revises_another_reviewers_grade_and_a_reviewer_may_not(world):
    path = f"/api/v1/citation-grades/{world.citation_grade.pk}/"
    body = {"grade": 2, "rationale": "Corrected.", "version": 1}
    services.grade_set(actor=world.users["second_reviewer"], target=world.citation, grade=4, rationale="Vera.")
    refused = api(world, "second_reviewer").put(path, body, format="json")
    assert refused.status_code == 403 and "only their own grades" in refused.json()["detail"]
    stale = api(world, "second_editor").put(path, {**body, "version": 7}, format="json")
    assert stale.status_code == 409
    assert CitationAssessment.objects.get(pk=world.citation_grade.pk).grade == 3
    response = api(world, "second_editor").put(path, body, format="json")
    assert response.status_code == 200 and response.json()["grade"] == 2


# --- Annotations ---------------------------------------------------------------------


def test_notes_on_a_hidden_grade_or_its_dispute_are_not_there_for_a_blind_reviewer(world):
    vera = api(world, "second_reviewer")
    assert ids(vera.get("/api/v1/annotations/")) == [world.note_on_claim.pk]
    for note in (world.note_on_grade, world.note_on_dispute):
        for method, suffix, body in [
            ("get", "", {}),
            ("post", "reply/", {"body": "x"}),
            ("patch", "", {"body": "x", "version": 1}),
            ("post", "withdraw/", {"version": 1}),
        ]:
            got = getattr(vera, method)(f"/api/v1/annotations/{note.pk}/{suffix}", body, format="json")
            missing = getattr(vera, method)(f"/api/v1/annotations/{MISSING}/{suffix}", body, format="json")
            assert (got.status_code, missing.status_code) == (404, 404), f"{method} {suffix}"
    on_grade = {"target_kind": "citation-grade", "target_id": world.citation_grade.pk, "body": "x"}
    assert vera.post("/api/v1/annotations/", on_grade, format="json").status_code == 404
    assert (
        vera.get("/api/v1/annotations/", {"target_kind": "dispute", "target_id": world.dispute.pk}).status_code == 404
    )
    assert Annotation.objects.count() == 3


def test_a_note_is_added_to_a_claim_and_answered_in_a_thread(world):
    victor = api(world, "reviewer")
    response = victor.post(
        "/api/v1/annotations/",
        {"target_kind": "claim", "target_id": "execution-12-june", "body": "Which protocol?", "motivation": "question"},
        format="json",
    )
    assert response.status_code == 201, response.content
    note = response.json()
    assert note["target"]["kind"] == "claim" and note["target"]["id"] == "execution-12-june"
    assert note["target"]["url"].endswith("/api/v1/claims/execution-12-june/")
    assert (note["author"], note["motivation"], note["parent"]) == ("victor_reviewer", "question", None)
    reply = api(world, "researcher").post(f"/api/v1/annotations/{note['id']}/reply/", {"body": "The 11 June one."})
    assert reply.status_code == 201
    assert reply.json()["parent"] == note["url"] and reply.json()["target"] == note["target"]
    assert ids(victor.get(note["replies"])) == [reply.json()["id"]]
    on_source = {
        "target_kind": "source",
        "target_id": "rogovin-1937",
        "body": "Reprinted 2004.",
        "quoted_passage": "1937",
    }
    assert victor.post("/api/v1/annotations/", on_source, format="json").status_code == 201


def test_a_quote_not_in_the_target_is_refused_and_nothing_saved(world):
    response = api(world, "reviewer").post(
        "/api/v1/annotations/",
        {"target_kind": "claim", "target_id": "execution-12-june", "body": "x", "quoted_passage": "10 June"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"quoted_passage": ["The quoted passage does not occur in the text it annotates."]}
    assert Annotation.objects.count() == 3


def test_only_the_author_or_an_editor_edits_a_note_from_its_version(world):
    path = f"/api/v1/annotations/{world.note_on_claim.pk}/"
    refused = api(world, "reviewer").patch(path, {"body": "Mine now.", "version": 1}, format="json")
    assert refused.status_code == 403 and "only your own annotations" in refused.json()["detail"]
    edited = api(world, "researcher").patch(path, {"body": "Compare both protocols.", "version": 1}, format="json")
    assert edited.status_code == 200
    assert (edited.json()["body"], edited.json()["version"], edited.json()["motivation"]) == (
        "Compare both protocols.",
        2,
        "comment",
    )
    stale = api(world, "editor").patch(path, {"body": "Edited by the editor.", "version": 1}, format="json")
    assert stale.status_code == 409 and "rita_researcher" in stale.json()["non_field_errors"][0]
    assert Annotation.objects.get(pk=world.note_on_claim.pk).body == "Compare both protocols."


def test_a_withdrawn_note_keeps_its_place_but_shows_no_text(world):
    path = f"/api/v1/annotations/{world.note_on_claim.pk}/withdraw/"
    assert api(world, "reviewer").post(path, {"version": 1}, format="json").status_code == 403
    stale = api(world, "researcher").post(path, {"version": 0}, format="json")
    assert stale.status_code == 409
    assert Annotation.objects.get(pk=world.note_on_claim.pk).withdrawn_at is None
    response = api(world, "researcher").post(path, {"version": 1}, format="json")
    assert response.status_code == 200
    note = response.json()
    assert note["withdrawn_at"] and note["body"] is None and note["quoted_passage"] is None and note["version"] == 2
    again = api(world, "researcher").post(f"/api/v1/annotations/{world.note_on_claim.pk}/reply/", {"body": "x"})
    assert again.status_code == 400 and "withdrawn" in again.json()["parent"][0]


# --- Disputes --------------------------------------------------------------------------


def test_a_dispute_of_a_hidden_grade_is_not_there_for_a_blind_reviewer(world):
    vera = api(world, "second_reviewer")
    assert ids(vera.get("/api/v1/disputes/")) == []
    for method, suffix, body in [("get", "", {}), ("post", "withdraw/", {"version": 1})]:
        got = getattr(vera, method)(f"/api/v1/disputes/{world.dispute.pk}/{suffix}", body, format="json")
        missing = getattr(vera, method)(f"/api/v1/disputes/{MISSING}/{suffix}", body, format="json")
        assert (got.status_code, missing.status_code) == (404, 404), suffix
    raise_it = {"target_kind": "citation-grade", "target_id": world.citation_grade.pk, "reason": "x", "proposed": "1"}
    assert vera.post("/api/v1/disputes/", raise_it, format="json").status_code == 404


def test_the_disputes_list_filters_by_state(world):
    editor = api(world, "editor")
    assert ids(editor.get("/api/v1/disputes/", {"state": "open"})) == [world.dispute.pk]
    assert ids(editor.get("/api/v1/disputes/", {"state": "upheld"})) == []
    wrong = editor.get("/api/v1/disputes/", {"state": "pending"})
    assert wrong.status_code == 400 and "open, upheld, rejected, withdrawn" in wrong.json()["state"][0]
    shown = editor.get(f"/api/v1/disputes/{world.dispute.pk}/").json()
    assert (shown["raised_by"], shown["proposed"], shown["state"], shown["target"]["kind"]) == (
        "edith_editor",
        "5",
        "open",
        "citation-grade",
    )
    assert shown["target"]["url"].endswith(f"/api/v1/citation-grades/{world.citation_grade.pk}/")


def test_a_researcher_disputes_a_claims_status_but_not_a_grade(world):
    rita = api(world, "researcher")
    grade = {"target_kind": "source-grade", "target_id": world.source_grade.pk, "reason": "Biased.", "proposed": "D"}
    assert rita.post("/api/v1/disputes/", grade, format="json").status_code == 403
    claim = {
        "target_kind": "claim",
        "target_id": "execution-12-june",
        "reason": "Two witnesses.",
        "proposed": "supported",
    }
    response = rita.post("/api/v1/disputes/", claim, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["proposed"], response.json()["target"]["id"]) == ("supported", "execution-12-june")
    same = rita.post("/api/v1/disputes/", {**claim, "proposed": "open"}, format="json")
    assert same.status_code == 400 and "proposed" in same.json()


def test_a_grade_dispute_from_an_older_version_of_the_grade_is_a_conflict(world):
    body = {
        "target_kind": "source-grade",
        "target_id": world.source_grade.pk,
        "reason": "Biased.",
        "proposed": "D",
        "target_version": 1,
    }
    services.grade_set(actor=world.users["reviewer"], target=world.source, grade="C", rationale="On reflection.")
    response = api(world, "second_editor").post("/api/v1/disputes/", body, format="json")
    assert response.status_code == 409
    assert not Dispute.objects.filter(source_assessment=world.source_grade).exists()


def test_only_the_raiser_withdraws_a_dispute_from_its_version(world):
    path = f"/api/v1/disputes/{world.dispute.pk}/withdraw/"
    assert api(world, "second_editor").post(path, {"version": 1}, format="json").status_code == 403
    stale = api(world, "editor").post(path, {"version": 2}, format="json")
    assert stale.status_code == 409
    assert Dispute.objects.get(pk=world.dispute.pk).state == "open"
    response = api(world, "editor").post(path, {"version": 1}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"


def test_an_editor_with_no_stake_resolves_a_dispute_and_the_grade_follows(world):
    path = f"/api/v1/disputes/{world.dispute.pk}/resolve/"
    body = {"outcome": "upheld", "note": "The protocol was never found.", "version": 1, "target_version": 1}
    assert api(world, "reviewer").post(path, body, format="json").status_code == 403
    own = api(world, "editor").post(path, body, format="json")
    assert own.status_code == 403 and "You raised this dispute" in own.json()["detail"]
    stale = api(world, "second_editor").post(path, {**body, "version": 3}, format="json")
    assert stale.status_code == 409
    assert Dispute.objects.get(pk=world.dispute.pk).state == "open"
    assert CitationAssessment.objects.get(pk=world.citation_grade.pk).grade == 3
    response = api(world, "second_editor").post(path, body, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["resolved_by"]) == ("upheld", "emil_editor")
    assert CitationAssessment.objects.get(pk=world.citation_grade.pk).grade == 5
    missing_note = api(world, "second_editor").post(f"/api/v1/disputes/{MISSING}/resolve/", body, format="json")
    assert missing_note.status_code == 404


def test_a_resolution_from_an_older_version_of_the_grade_is_a_conflict(world):
    services.grade_set(actor=world.users["reviewer"], target=world.citation, grade=4, rationale="Revised.")
    body = {"outcome": "rejected", "note": "Stands.", "version": 1, "target_version": 1}
    response = api(world, "second_editor").post(f"/api/v1/disputes/{world.dispute.pk}/resolve/", body, format="json")
    assert response.status_code == 409
    assert Dispute.objects.get(pk=world.dispute.pk).state == "open"


# --- Consistency ratings --------------------------------------------------------------


def test_a_reviewer_rates_a_cell_blind_then_sees_the_other_ratings(world):
    vera = api(world, "second_reviewer")
    assert ids(vera.get("/api/v1/consistency-ratings/")) == []
    assert vera.get(f"/api/v1/consistency-ratings/{world.rating.pk}/").status_code == 404
    cell = {"citation": world.citation.pk, "claim": "execution-11-june", "claim_version": 1}
    response = vera.post("/api/v1/consistency-ratings/", {**cell, "grade": "N", "rationale": "Vera."}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["grade_label"], response.json()["claim_key"]) == (
        "N: neutral or not applicable",
        "execution-11-june",
    )
    listed = vera.get("/api/v1/consistency-ratings/", {"claim": "execution-11-june"}).json()["results"]
    assert {row["reviewer"]: row["grade"] for row in listed} == {"vera_reviewer": "N", "victor_reviewer": "I"}


def test_a_rating_against_the_citations_own_claim_is_refused(world):
    cell = {"citation": world.citation.pk, "claim": "execution-12-june", "grade": "C", "rationale": "Own."}
    response = api(world, "second_reviewer").post("/api/v1/consistency-ratings/", cell, format="json")
    assert response.status_code == 400 and "through its stance" in response.json()["claim"][0]
    assert ConsistencyRating.objects.count() == 1


def test_only_its_reviewer_revises_a_rating_from_its_version(world):
    path = f"/api/v1/consistency-ratings/{world.rating.pk}/"
    assert api(world, "editor").patch(path, {"grade": "N", "version": 1}, format="json").status_code == 403
    victor = api(world, "reviewer")
    assert victor.patch(path, {"grade": "II", "version": 1}, format="json").json()["grade"] == "II"
    stale = victor.patch(path, {"grade": "C", "version": 1}, format="json")
    assert stale.status_code == 409
    assert ConsistencyRating.objects.get(pk=world.rating.pk).grade == "II"


# --- Agreement -------------------------------------------------------------------------


def test_the_agreement_figures_are_those_of_agreement_json(world, client):
    editor = api(world, "editor")
    AgreementFigures.objects.all().delete()
    waiting = editor.get("/api/v1/agreement/")
    assert waiting.status_code == 503 and waiting["Retry-After"] == "10"
    services.agreement_figures_refresh()
    response = editor.get("/api/v1/agreement/")
    client.force_login(world.users["editor"])
    page = client.get("/agreement.json")
    assert response.status_code == 200
    assert response.json() == page.json() and set(response.json()) == {"source_reliability", "citation_credibility"}
    assert response["Last-Modified"] == page["Last-Modified"]
    assert editor.get("/api/v1/agreement/", {"topic": "no-such-topic"}).status_code == 404


# --- The blind filters agree with the pages' rule -------------------------------------


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "second_reviewer", "editor", "staff"])
def test_the_lists_filters_hide_exactly_what_the_pages_hide(world, persona):
    user = world.users[persona]
    services.grade_set(actor=world.users["second_reviewer"], target=world.source, grade="C", rationale="Vera.")
    cases = [
        (SourceAssessment, blind_filters.source_grades_visible(user), lambda g: g),
        (CitationAssessment, blind_filters.citation_grades_visible(user), lambda g: g),
        (Dispute, blind_filters.disputes_visible(user), lambda d: d),
        (Annotation, blind_filters.annotations_visible(user), lambda a: a.target),
        (ConsistencyRating, blind_filters.ratings_visible(user), lambda r: r),
    ]
    for model, visible, shown in cases:
        filtered = set(model.objects.filter(visible).values_list("pk", flat=True))
        by_page_rule = {obj.pk for obj in model.objects.all() if not hidden_from(user, shown(obj))}
        assert filtered == by_page_rule, model.__name__
