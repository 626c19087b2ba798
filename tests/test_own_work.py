"""No one rules on their own work (issue 10, points 5 and 6).

An editor never resolves a dispute they raised, of their own grade, of their own claim, or of
a grade of a citation or source they added (nor of a citation of their claim); another editor
must, and the 403 page says why. Nobody grades a source they added, a citation they added, or
the citations of a claim they added: the grade form is not offered, and a POST is 403 with
the reason. The rule holds for staff too, and in the admin.
"""

import pytest
from django.urls import reverse

from claims import roles, services
from claims.models import CitationAssessment, Dispute, SourceAssessment
from claims.roles import Role
from tests.conftest import make_user
from tests.forms_support import form_values, hidden_fields, page_text

# --- Resolving disputes --------------------------------------------------------------------


@pytest.fixture
def cast(db):
    """Who added what: the stakes an editor can have in a dispute."""
    users = {
        name: make_user(name, *roles_)
        for name, roles_ in {
            "claim_author": (Role.RESEARCHER, Role.EDITOR),
            "citation_author": (Role.RESEARCHER, Role.EDITOR),
            "source_author": (Role.RESEARCHER, Role.EDITOR),
            "grader": (Role.REVIEWER, Role.EDITOR),
            "raiser": (Role.REVIEWER, Role.EDITOR),
            "impartial": (Role.EDITOR,),
        }.items()
    }
    topic = services.topic_create(actor=users["impartial"], title="Date of execution")
    claim = services.claim_create(
        actor=users["claim_author"],
        key="execution-12-june",
        topic=topic,
        statement="The convicted were shot on 12 June 1937.",
    )
    source = services.source_create(
        actor=users["source_author"],
        key="rogovin-1937",
        kind="monograph",
        level="secondary",
        title="1937: Stalin's Year of Terror",
    )
    citation = services.citation_create(actor=users["citation_author"], claim=claim, source=source, locator="ch. 9")
    citation_grade = services.grade_set(actor=users["grader"], target=citation, grade=3, rationale="One witness.")
    source_grade = services.grade_set(actor=users["grader"], target=source, grade="B", rationale="A careful historian.")
    services.grade_set(actor=users["raiser"], target=citation, grade=5, rationale="No.")
    services.grade_set(actor=users["raiser"], target=source, grade="D", rationale="A thesis.")
    disputes = {
        "citation grade": services.dispute_raise(
            actor=users["raiser"], target=citation_grade, reason="The 1957 report.", proposed=5
        ),
        "source grade": services.dispute_raise(
            actor=users["raiser"], target=source_grade, reason="No archival access.", proposed="D"
        ),
        "claim": services.dispute_raise(
            actor=users["raiser"], target=claim, reason="Two sources say 11 June.", proposed="contested"
        ),
    }
    return users, disputes


# (who tries, which dispute) -> the reason on the 403 page; "" where they may resolve it
STAKES = {
    ("raiser", "citation grade"): "You raised this dispute: a decision from you would rule on your own work",
    ("raiser", "claim"): "You raised this dispute: a decision from you would rule on your own work",
    ("grader", "citation grade"): "The disputed grade is yours",
    ("grader", "source grade"): "The disputed grade is yours",
    ("claim_author", "claim"): "You added the claim this dispute is about",
    ("claim_author", "citation grade"): "You added the claim whose citation the disputed grade is of",
    ("citation_author", "citation grade"): "You added the citation of the disputed grade",
    ("source_author", "source grade"): "You added the source of the disputed grade",
    ("impartial", "citation grade"): "",
    ("impartial", "source grade"): "",
    ("impartial", "claim"): "",
    ("source_author", "citation grade"): "",  # (a citation of a source is not the source's grade)
    ("citation_author", "claim"): "",
}


@pytest.mark.parametrize("who,which", list(STAKES))
def test_an_editor_resolves_only_disputes_they_have_no_stake_in(client, cast, who, which):
    users, disputes = cast
    dispute = disputes[which]
    client.force_login(users[who])
    page = client.get(f"/disputes/{dispute.pk}/")
    resolve = f"/disputes/{dispute.pk}/resolve/"
    why = STAKES[who, which]
    if why:
        assert resolve not in page.content.decode()  # the form is not offered ...
        assert why in page_text(page)  # ... and the page says why
        sent = {"version": dispute.version, "target_version": dispute.target.version}
        response = client.post(resolve, {**sent, "outcome": "upheld", "note": "Mine to decide."})
        assert response.status_code == 403
        assert why in page_text(response) and "a decision from you would rule on your own work" in page_text(response)
        dispute.refresh_from_db()
        assert dispute.state == "open"
    else:
        response = client.post(resolve, {**hidden_fields(page, resolve), "outcome": "rejected", "note": "Both stand."})
        assert response.status_code == 302
        dispute.refresh_from_db()
        assert (dispute.state, dispute.resolved_by) == ("rejected", users[who])


def test_an_editor_cannot_reject_a_dispute_of_their_own_grade_even_through_the_service(cast):
    users, disputes = cast
    with pytest.raises(Exception) as refused:
        services.dispute_resolve(
            actor=users["grader"], dispute=disputes["citation grade"], outcome="rejected", note="My grade stands."
        )
    assert "The disputed grade is yours" in str(refused.value)
    assert Dispute.objects.get(pk=disputes["citation grade"].pk).state == "open"


def test_staff_who_graded_cannot_decide_on_the_dispute_in_the_admin_either(client, db):
    staff = make_user("stan_staff", staff=True)
    researcher = make_user("rita_researcher", Role.RESEARCHER)
    vera = make_user("vera_reviewer", Role.REVIEWER)
    topic = services.topic_create(actor=researcher, title="Date of execution")
    claim = services.claim_create(actor=researcher, key="k", topic=topic, statement="12 June.")
    source = services.source_create(actor=researcher, key="s", kind="memoir", level="primary", title="Memoir")
    citation = services.citation_create(actor=researcher, claim=claim, source=source)
    grade = services.grade_set(actor=staff, target=citation, grade=2, rationale="Sure.")
    services.grade_set(actor=vera, target=citation, grade=5, rationale="No.")
    dispute = services.dispute_raise(actor=vera, target=grade, reason="No.", proposed=5)
    client.force_login(staff)
    url = f"/admin/claims/dispute/{dispute.pk}/change/"
    opened = form_values(client.get(url), "", itself=True)
    response = client.post(url, {**opened, "decision": "rejected", "note": "My grade stands."}, follow=True)
    assert "The disputed grade is yours" in page_text(response)
    dispute.refresh_from_db()
    assert dispute.state == "open"


# --- Grading -------------------------------------------------------------------------------


@pytest.fixture
def reviewers_claim(reviewer, second_reviewer, topic, source):
    """A citation whose claim victor_reviewer added and which vera_reviewer added (of rita's source)."""
    claim = services.claim_create(actor=reviewer, key="victors-claim", topic=topic, statement="Victor's claim.")
    return services.citation_create(actor=second_reviewer, claim=claim, source=source, locator="p. 1")


def test_a_reviewer_does_not_grade_a_source_they_added(client, db):
    victor = make_user("victor_reviewer", Role.REVIEWER)
    source = services.source_create(
        actor=victor, key="suvorov-1998", kind="monograph", level="secondary", title="Ochishchenie"
    )
    client.force_login(victor)
    page = client.get(f"/sources/{source.key}/")
    grade = reverse("source_grade", args=[source.key])
    assert grade not in page.content.decode()
    why = "You added this source: a grade from you would rule on your own work; another reviewer must grade it."
    assert why in page_text(page)
    for response in (
        client.get(grade),
        client.post(
            grade, {"version": 0, "target_version": source.version, "grade": "A", "rationale": "Mine is good."}
        ),
    ):
        assert response.status_code == 403 and why in page_text(response)
    assert not SourceAssessment.objects.exists()


def test_a_reviewer_does_not_grade_the_citations_of_a_claim_they_added(client, reviewer, reviewers_claim):
    citation = reviewers_claim  # victor added its claim, vera the citation itself
    client.force_login(reviewer)
    page = client.get(f"/claims/{citation.claim.key}/")
    grade = reverse("citation_grade", args=[citation.pk])
    assert grade not in page.content.decode()
    why = "You added the claim this citation belongs to"
    assert why in page_text(page)
    response = client.post(
        grade, {"version": 0, "target_version": citation.version, "grade": "1", "rationale": "Confirmed."}
    )
    assert response.status_code == 403 and why in page_text(response)
    assert not CitationAssessment.objects.exists()


def test_a_reviewer_does_not_grade_a_citation_they_added_to_someone_elses_claim(
    client, second_reviewer, editor, reviewers_claim
):
    citation = reviewers_claim
    client.force_login(second_reviewer)
    response = client.post(
        reverse("citation_grade", args=[citation.pk]),
        {"version": 0, "target_version": citation.version, "grade": "2", "rationale": "Sure."},
    )
    assert response.status_code == 403 and "You added this citation" in page_text(response)
    # Someone with no stake in it grades it.
    client.force_login(editor)
    url = reverse("citation_grade", args=[citation.pk])
    response = client.post(
        url, {**hidden_fields(client.get(url), url, itself=True), "grade": "2", "rationale": "Sure."}
    )
    assert response.status_code == 302 and CitationAssessment.objects.get().reviewer == editor


def test_the_admin_refuses_a_grade_entered_for_a_reviewer_who_added_the_source(client, staff, db):
    victor = make_user("victor_reviewer", Role.REVIEWER)
    source = services.source_create(
        actor=victor, key="suvorov-1998", kind="monograph", level="secondary", title="Ochishchenie"
    )
    client.force_login(staff)
    response = client.post(
        "/admin/claims/sourceassessment/add/",
        {"source": source.pk, "reviewer": victor.pk, "grade": "A", "rationale": "Entered for him."},
        follow=True,
    )
    assert (
        "The reviewer victor_reviewer added this source, so a grade by them would rule on their own work"
        in page_text(response)
    )
    assert not SourceAssessment.objects.exists()


def test_the_rule_names_no_stake_where_there_is_none(researcher, reviewer, citation):
    assert roles.own_work_in_grading(reviewer, citation) == ""
    assert roles.own_work_in_grading(researcher, citation).startswith("You added this citation")
