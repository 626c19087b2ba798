"""Reviewer agreement (issue 14, point 1): Krippendorff's alpha (ordinal) of the reviewers'
source reliability and citation credibility grades, on /agreement/ and /agreement.json, with
the breakdown by pair, reviewer and target for editors and staff only (blind grading)."""

import io
import math

import krippendorff
import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from claims import services, tasks
from claims.models import Citation, CitationAssessment, Claim, Source, SourceAssessment, Topic, User
from claims.roles import Role
from claims.selectors import agreement
from claims.views.agreement import NOT_COMPUTED
from tests.conftest import make_user
from tests.jobs_support import run_jobs_in_this_transaction

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers
# (rows) × twelve units (columns), values 1-5, None where an observer gave no value. Published:
# nominal .743, ordinal .815, interval .849; 11 pairable units, 40 pairable values.
WORKED_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
LETTERS = "ABCDE"


def make_sources(researcher: User, count: int, prefix: str = "src") -> list[Source]:
    return [
        services.source_create(
            actor=researcher,
            key=f"{prefix}-{i}",
            kind=Source.Kind.MONOGRAPH,
            level=Source.Level.SECONDARY,
            title=f"Book {i}",
        )
        for i in range(count)
    ]


def make_citations(researcher: User, claim: Claim, source: Source, count: int, prefix: str = "p.") -> list[Citation]:
    return [
        services.citation_create(actor=researcher, claim=claim, source=source, locator=f"{prefix} {i + 1}")
        for i in range(count)
    ]


def observers(count: int = 4) -> list[User]:
    return [make_user(f"observer_{'abcd'[i]}", Role.REVIEWER) for i in range(count)]


def grade(reviewer: User, target: Source | Citation, value: int | str) -> None:
    services.grade_set(actor=reviewer, target=target, grade=value, rationale="As the worked example has it.")


def enter_worked_example(coders: list[User], targets: list, *, letters: bool) -> None:
    for coder, row in zip(coders, WORKED_EXAMPLE):
        for target, value in zip(targets, row):
            if value is not None:
                grade(coder, target, LETTERS[value - 1] if letters else value)


def figures(scale_key: str, topic: Topic | None = None) -> agreement.Agreement:
    return next(item.overall for item in agreement.agreement(topic=topic) if item.scale.key == scale_key)


@pytest.fixture
def example_sources(researcher) -> list[Source]:
    return make_sources(researcher, 12)


@pytest.fixture
def example_citations(researcher, claim, source) -> list[Citation]:
    return make_citations(researcher, claim, source, 12)


# --- The computation against the published example ------------------------------------


def test_the_package_gives_the_published_alphas_of_krippendorffs_worked_example():
    data = [[np.nan if v is None else v for v in row] for row in WORKED_EXAMPLE]
    published = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849}
    for level, alpha in published.items():
        assert round(krippendorff.alpha(reliability_data=data, level_of_measurement=level), 3) == alpha


def test_the_worked_example_entered_as_source_grades_has_an_ordinal_alpha_of_0_815(db, example_sources):
    enter_worked_example(observers(), example_sources, letters=True)
    found = figures("source_reliability")
    assert round(found.alpha, 3) == 0.815
    assert (found.items, found.graders, found.pairable) == (11, 4, 40)


def test_the_worked_example_entered_as_citation_grades_has_an_ordinal_alpha_of_0_815(db, example_citations):
    enter_worked_example(observers(), example_citations, letters=False)
    found = figures("citation_credibility")
    assert round(found.alpha, 3) == 0.815
    assert (found.items, found.graders, found.pairable) == (11, 4, 40)
    assert figures("source_reliability").alpha is None  # (no source grades)


def test_the_bootstraps_own_alpha_computation_is_the_packages():
    rng = np.random.default_rng(0)
    for _ in range(20):
        counts = rng.integers(0, 3, size=(25, agreement.RANKS))
        counts = counts[counts.sum(axis=1) >= 2]
        weights = rng.integers(0, 3, size=len(counts))
        repeated = np.repeat(counts, weights, axis=0)
        ours = agreement.ordinal_alphas(counts, weights[None, :])[0]
        assert math.isclose(ours, agreement.package_alpha(repeated), rel_tol=1e-9, abs_tol=1e-12)


# --- What counts ---------------------------------------------------------------------------


def test_f_and_6_are_no_value_and_leave_the_alpha_as_it_was(db, example_sources, example_citations):
    coders = observers()
    enter_worked_example(coders, example_sources, letters=True)
    enter_worked_example(coders, example_citations, letters=False)
    # Unit 12 had a single value; "cannot be judged" from the others must not make it pairable.
    for coder in coders[2:]:
        grade(coder, example_sources[11], "F")
        grade(coder, example_citations[11], 6)
    for key in ("source_reliability", "citation_credibility"):
        found = figures(key)
        assert round(found.alpha, 3) == 0.815 and (found.items, found.pairable) == (11, 40)


def test_grades_of_an_earlier_version_of_a_citation_do_not_count(db, researcher, example_citations):
    enter_worked_example(observers(), example_citations, letters=False)
    services.citation_update(actor=researcher, citation=example_citations[0], data={"locator": "p. 100, corrected"})
    assert CitationAssessment.objects.filter(outdated=True).count() == 3
    found = figures("citation_credibility")
    assert (found.items, found.pairable) == (10, 37)


def test_too_few_items_or_a_single_grade_throughout_is_not_enough_data_said_in_words(
    client, editor, researcher, reviewer, second_reviewer, example_sources
):
    client.force_login(editor)
    services.agreement_figures_refresh()
    assert client.get("/agreement.json").json()["source_reliability"]["alpha"] is None
    grade(reviewer, example_sources[0], "B")
    grade(second_reviewer, example_sources[0], "C")
    found = figures("source_reliability")
    assert (found.alpha, found.items, found.undefined) == (None, 1, agreement.TOO_FEW_ITEMS)
    grade(reviewer, example_sources[1], "B")
    grade(second_reviewer, example_sources[1], "B")
    services.assessment_update(
        actor=second_reviewer,
        assessment=SourceAssessment.objects.get(source=example_sources[0], reviewer=second_reviewer),
        grade="B",
        rationale="On reflection.",
    )
    found = figures("source_reliability")
    assert (found.alpha, found.items, found.undefined) == (None, 2, agreement.NO_VARIATION)
    services.agreement_figures_refresh()
    page = client.get("/agreement/").content.decode()
    assert "not enough data: every grade given is the same" in page
    assert "not enough data: fewer than 2 items" in page  # (citations: none graded)
    assert client.get("/agreement.json").json()["source_reliability"] == {
        "alpha": None,
        "items": 2,
        "graders": 2,
        "pairable": 4,
        "low": None,
        "high": None,
    }


# --- Scopes ------------------------------------------------------------------------------------


def test_a_topic_counts_its_claims_citations_and_the_sources_they_cite(db, editor, researcher, topic, claim, source):
    other_topic = services.topic_create(actor=editor, title="Motives")
    other_claim = services.claim_create(actor=researcher, key="motive-plot", topic=other_topic, statement="A plot.")
    elsewhere = make_sources(researcher, 1, prefix="elsewhere")[0]
    here = make_citations(researcher, claim, source, 2)
    there = make_citations(researcher, other_claim, elsewhere, 2)
    first, second = observers(2)
    for target, a, b in [(here[0], 1, 2), (here[1], 3, 3), (there[0], 5, 1), (there[1], 4, 4)]:
        grade(first, target, a)
        grade(second, target, b)
    for target in (source, elsewhere):
        grade(first, target, "A")
        grade(second, target, "D")
    found = figures("citation_credibility", topic)
    assert (found.items, found.pairable) == (2, 4)
    assert found.alpha == pytest.approx(agreement.package_alpha(np.array([[1, 1, 0, 0, 0], [0, 0, 2, 0, 0]])))
    assert figures("citation_credibility", other_topic).items == 2
    assert figures("citation_credibility").items == 4
    # The topic's one cited source, whatever other topics cite.
    assert figures("source_reliability", topic).items == 1
    assert figures("source_reliability").items == 2


def test_each_pair_of_reviewers_gets_the_alpha_of_the_items_both_graded(db, example_sources):
    coders = observers()
    enter_worked_example(coders, example_sources, letters=True)
    [scale] = [s for s in agreement.agreement(breakdown=True) if s.scale.key == "source_reliability"]
    pairs = {(p.first, p.second): p.agreement for p in scale.breakdown.pairs}
    assert len(pairs) == 6
    for i, j in [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]:
        both = [(a, b) for a, b in zip(WORKED_EXAMPLE[i], WORKED_EXAMPLE[j]) if a is not None and b is not None]
        expected = krippendorff.alpha(
            reliability_data=np.array(both).T, value_domain=[1, 2, 3, 4, 5], level_of_measurement="ordinal"
        )
        found = pairs[coders[i].username, coders[j].username]
        assert found.items == len(both) and found.graders == 2 and found.pairable == 2 * len(both)
        assert found.alpha == pytest.approx(expected)
    # Observers B and D share the most items (10, as C and D do): listed first, by name among equals.
    first = scale.breakdown.pairs[0]
    assert (first.first, first.second, first.agreement.items) == ("observer_b", "observer_d", 10)


def test_the_bootstrap_interval_holds_the_alpha_and_is_the_same_each_time(db, example_citations):
    enter_worked_example(observers(), example_citations, letters=False)
    found = figures("citation_credibility")
    assert found.low is not None and found.low <= found.alpha <= found.high <= 1
    assert found.low < found.high  # eleven items: far from certain
    assert figures("citation_credibility") == found


def test_the_interval_narrows_as_the_items_grow():
    rng = np.random.default_rng(3)
    truth = rng.integers(1, 6, size=2000)
    noisy = np.clip(truth + rng.integers(-1, 2, size=2000), 1, 5)
    grades = [(u, 1, int(truth[u])) for u in range(2000)] + [(u, 2, int(noisy[u])) for u in range(2000)]
    few, many = agreement.agreement_of(grades[:50] + grades[2000:2050]), agreement.agreement_of(grades)
    assert few.low <= few.alpha <= few.high and many.low <= many.alpha <= many.high
    assert many.high - many.low < (few.high - few.low) / 3


def test_krippendorffs_reading_of_each_alpha():
    assert [agreement.reading(a) for a in (1.0, 0.8, 0.7999, 0.667, 0.6669, 0.0, -0.4, None)] == [
        "reliable",
        "reliable",
        "tentative",
        "tentative",
        "not reliable",
        "not reliable",
        "not reliable",
        "",
    ]


def test_the_page_shows_the_reading_next_to_each_alpha(client, researcher, example_sources):
    enter_worked_example(observers(), example_sources, letters=True)
    services.agreement_figures_refresh()
    client.force_login(researcher)
    page = client.get("/agreement/").content.decode()
    assert '<td class="num">0.815</td>' in page
    row = page.split('<td class="num">0.815</td>', 1)[1].split("</tr>", 1)[0]
    assert "<strong>reliable</strong>" in row


# --- The JSON ----------------------------------------------------------------------------------


def test_the_json_holds_exactly_both_scales_figures_rounded_to_3_decimals(client, reviewer, example_sources):
    enter_worked_example(observers(), example_sources, letters=True)
    services.agreement_figures_refresh()
    client.force_login(reviewer)
    response = client.get("/agreement.json")
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["source_reliability", "citation_credibility"]
    for figures_of_scale in body.values():
        assert list(figures_of_scale) == ["alpha", "items", "graders", "pairable", "low", "high"]
    source = body["source_reliability"]
    assert source["alpha"] == 0.815 and (source["items"], source["graders"], source["pairable"]) == (11, 4, 40)
    for name in ("low", "high"):
        assert source[name] == round(source[name], 3)
    assert source["low"] <= 0.815 <= source["high"]
    assert body["citation_credibility"] == {
        "alpha": None,
        "items": 0,
        "graders": 0,
        "pairable": 0,
        "low": None,
        "high": None,
    }


def test_the_json_of_a_topic_and_an_unknown_topic(client, reviewer, topic, claim, source):
    services.agreement_figures_refresh()
    client.force_login(reviewer)
    assert client.get(f"/agreement.json?topic={topic.slug}").status_code == 200
    assert client.get("/agreement.json?topic=no-such-topic").status_code == 404
    assert client.get("/agreement/?topic=no-such-topic").status_code == 404
    page = client.get(f"/agreement/?topic={topic.slug}").content.decode()
    assert f"Reviewer agreement on {topic.title}" in page


# --- Who sees what -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/agreement/", "/agreement.json"])
def test_a_login_and_a_role_that_may_read_are_needed(client, outsider, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(path).status_code == 403
    assert client.post(path).status_code == 405


@pytest.fixture
def disagreement(researcher, second_reviewer, claim, source) -> dict:
    """The second Reviewer and a third have graded a few sources and citations, differently."""
    third = make_user("tanya_reviewer", Role.REVIEWER)
    sources = [source, *make_sources(researcher, 2)]
    citations = make_citations(researcher, claim, source, 3)
    for target, a, b in zip(sources, "ABC", "EBD"):
        grade(second_reviewer, target, a)
        grade(third, target, b)
    for target, a, b in zip(citations, (1, 2, 3), (5, 2, 4)):
        grade(second_reviewer, target, a)
        grade(third, target, b)
    services.agreement_figures_refresh()
    return {"third": third, "sources": sources, "citations": citations}


@pytest.mark.parametrize("persona", ["editor", "staff"])
def test_editors_and_staff_see_the_breakdown_by_pair_reviewer_and_target(client, request, persona, disagreement):
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/agreement/").content.decode()
    assert "vera_reviewer and tanya_reviewer" in page
    assert "Each reviewer against the others" in page and "Most disagreed upon" in page
    # The widest spread first: rogovin-1937, graded A and E (4 steps).
    targets = page.split("Most disagreed upon", 1)[1]
    assert targets.index('href="/sources/rogovin-1937/"') < targets.index('href="/sources/src-1/"')
    assert 'vera_reviewer: <span class="grade">A</span>' in targets
    assert 'tanya_reviewer: <span class="grade">E</span>' in targets
    citation = disagreement["citations"][0]
    assert f'#citation-{citation.pk}"' in page


def test_a_reviewers_departure_from_the_others_consensus(db, researcher, example_sources):
    coders = observers(3)
    # The third is always two steps less trusting than the other two, who agree.
    for target, value in zip(example_sources[:6], (1, 2, 3, 1, 2, 3)):
        grade(coders[0], target, LETTERS[value - 1])
        grade(coders[1], target, LETTERS[value - 1])
        grade(coders[2], target, LETTERS[value + 1])
    [scale] = [s for s in agreement.agreement(breakdown=True) if s.scale.key == "source_reliability"]
    first = scale.breakdown.departures[0]
    assert (first.reviewer, first.n, first.mean_absolute, first.mean_signed) == ("observer_c", 6, 2.0, 2.0)
    # The others, against the consensus of one agreeing and one two steps lower: one step off,
    # rounded towards the less trusting grade.
    others = {d.reviewer: (d.n, d.mean_absolute, d.mean_signed) for d in scale.breakdown.departures[1:]}
    assert others == {"observer_a": (6, 1.0, -1.0), "observer_b": (6, 1.0, -1.0)}


@pytest.mark.parametrize("persona", ["researcher", "reviewer"])
def test_a_blind_reviewer_or_a_researcher_sees_the_aggregates_and_no_grade_name_or_target(
    client, request, persona, disagreement
):
    user = request.getfixturevalue(persona)
    assert not SourceAssessment.objects.filter(reviewer=user).exists()  # (graded nothing)
    client.force_login(user)
    for path in ("/agreement/", "/agreement/?topic=date-of-execution"):
        page = client.get(path).content.decode()
        assert "All reviewers" in page and "Items" in page
        for leak in ("vera_reviewer", "tanya_reviewer", "Each reviewer against", "Most disagreed", 'class="grade"'):
            assert leak not in page, leak
        for target in disagreement["sources"]:
            assert f"/sources/{target.key}/" not in page
        for citation in disagreement["citations"]:
            assert f"citation-{citation.pk}" not in page
    body = client.get("/agreement.json").content.decode()
    assert "vera_reviewer" not in body and "tanya_reviewer" not in body
    assert set(client.get("/agreement.json").json()) == {"source_reliability", "citation_credibility"}


def test_the_navigation_links_to_the_agreement_page(client, reviewer):
    client.force_login(reviewer)
    assert 'href="/agreement/">Agreement</a>' in client.get("/").content.decode()


# --- Cost ----------------------------------------------------------------------------------


def bulk_grades(reviewers: list[User], sources: list[Source], citations: list[Citation]) -> None:
    """Every reviewer grades every source and citation (spread over the scale), in bulk."""
    SourceAssessment.objects.bulk_create(
        SourceAssessment(source=s, reviewer=r, grade=LETTERS[(i + j) % 5], rationale="Bulk.")
        for i, s in enumerate(sources)
        for j, r in enumerate(reviewers)
    )
    CitationAssessment.objects.bulk_create(
        CitationAssessment(citation=c, reviewer=r, grade=(i * j) % 5 + 1, rationale="Bulk.")
        for i, c in enumerate(citations)
        for j, r in enumerate(reviewers)
    )


@pytest.mark.parametrize("persona", ["reviewer", "editor"])
def test_the_page_and_the_json_cost_the_same_queries_however_many_grades(
    client, request, persona, researcher, claim, source, topic, django_assert_num_queries
):
    client.force_login(request.getfixturevalue(persona))
    reviewers = [make_user(f"bulk_{i}", Role.REVIEWER) for i in range(3)]
    bulk_grades(reviewers, make_sources(researcher, 2), make_citations(researcher, claim, source, 2))
    services.agreement_figures_refresh()
    paths = ["/agreement/", f"/agreement/?topic={topic.slug}", "/agreement.json", f"/agreement.json?topic={topic.slug}"]
    small = {}
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        small[path] = len(queries)
    more = [make_user(f"more_{i}", Role.REVIEWER) for i in range(4)]
    bulk_grades(
        reviewers + more,
        make_sources(researcher, 60, prefix="more"),
        make_citations(researcher, claim, source, 60, prefix="f."),
    )
    assert SourceAssessment.objects.count() + CitationAssessment.objects.count() > 800
    services.agreement_figures_refresh()
    for path in paths:
        with django_assert_num_queries(small[path]):
            assert client.get(path).status_code == 200


# --- Stored figures: computed in the background, read by the pages ----------------------------


def queued_refreshes() -> int:
    return DBTaskResult.objects.filter(task_path=tasks.agreement_refresh.module_path, status="READY").count()


def test_before_the_first_computation_the_page_and_the_json_say_so(client, reviewer, topic):
    client.force_login(reviewer)
    page = client.get("/agreement/").content.decode()
    assert "Not computed yet" in page and "All reviewers" not in page
    response = client.get("/agreement.json")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert response.json() == {"error": NOT_COMPUTED}


def test_a_grade_queues_one_recomputation_and_the_page_says_its_figures_are_behind_until_it_runs(
    client, researcher, reviewer, second_reviewer, example_sources, django_capture_on_commit_callbacks
):
    grade(reviewer, example_sources[0], "A")
    grade(second_reviewer, example_sources[0], "A")
    services.agreement_figures_refresh()
    client.force_login(researcher)
    page = client.get("/agreement/").content.decode()
    assert "from every grade given until then" in page and "grades have changed since" not in page
    assert client.get("/agreement.json").json()["source_reliability"]["items"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        grade(reviewer, example_sources[1], "B")
    with django_capture_on_commit_callbacks(execute=True):
        grade(second_reviewer, example_sources[1], "E")
    assert queued_refreshes() == 1  # (the second found the first still waiting)
    page = client.get("/agreement/").content.decode()
    assert "grades have changed since" in page
    assert client.get("/agreement.json").json()["source_reliability"]["items"] == 1  # (as computed)

    run_jobs_in_this_transaction()
    assert queued_refreshes() == 0
    page = client.get("/agreement/").content.decode()
    assert "grades have changed since" not in page
    assert client.get("/agreement.json").json()["source_reliability"] == figures("source_reliability").as_json()
    assert client.get("/agreement.json").json()["source_reliability"]["items"] == 2


def test_a_grade_not_saved_queues_nothing(db, reviewer, example_sources, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        grade(reviewer, example_sources[0], "Z")
    assert queued_refreshes() == 0


def test_deleting_a_graded_source_and_outdating_citation_grades_queue_a_recomputation(
    staff, researcher, reviewer, claim, source, django_capture_on_commit_callbacks
):
    [citation] = make_citations(researcher, claim, source, 1)
    grade(reviewer, citation, 2)
    run_jobs_in_this_transaction()  # (the grade's: none waiting now)
    fingerprint = agreement.grades_fingerprint()
    with django_capture_on_commit_callbacks(execute=True):
        services.citation_update(actor=researcher, citation=citation, data={"quote": "Another passage."})
    assert queued_refreshes() == 1 and agreement.grades_fingerprint() != fingerprint
    run_jobs_in_this_transaction()
    other = make_sources(researcher, 1, prefix="to-delete")[0]
    grade(reviewer, other, "C")
    run_jobs_in_this_transaction()
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_delete(actor=staff, instance=other)
    assert queued_refreshes() == 1


def test_each_topics_stored_figures_are_those_computed_for_it_alone(db, editor, researcher, topic, claim, source):
    other_topic = services.topic_create(actor=editor, title="Motives")
    other_claim = services.claim_create(actor=researcher, key="motive-plot", topic=other_topic, statement="A plot.")
    empty_topic = services.topic_create(actor=editor, title="Nobody graded this")
    shared = make_sources(researcher, 1, prefix="shared")[0]
    coders = observers(3)
    citations = make_citations(researcher, claim, source, 4) + make_citations(researcher, other_claim, shared, 4)
    for i, target in enumerate(citations):
        for j, coder in enumerate(coders):
            grade(coder, target, (i + j * (i % 3)) % 5 + 1)
    make_citations(researcher, other_claim, source, 1, prefix="f.")  # (source is cited by both topics)
    for j, coder in enumerate(coders):
        grade(coder, source, "ABC"[j])
        grade(coder, shared, "BBD"[j])
    assert services.agreement_figures_refresh() == Topic.objects.count() + 1
    for scope in (None, topic, other_topic, empty_topic):
        stored = agreement.stored_agreement(topic=scope, breakdown=True)
        live = agreement.agreement(topic=scope, breakdown=True)
        assert stored.current
        assert [s.overall for s in stored.scales] == [s.overall for s in live]
        assert [s.breakdown for s in stored.scales] == [s.breakdown for s in live]
    assert agreement.stored_agreement(topic=topic).scales[0].overall.items == 1  # (source only)
    assert agreement.stored_agreement(topic=other_topic).scales[0].overall.items == 2
    assert agreement.stored_agreement(topic=empty_topic).scales[1].overall.undefined == agreement.TOO_FEW_ITEMS


def test_a_renamed_reviewer_shows_under_the_new_name_without_a_recomputation(client, editor, disagreement):
    third = disagreement["third"]
    third.username = "tatiana_reviewer"
    third.save()
    client.force_login(editor)
    page = client.get("/agreement/").content.decode()
    assert "vera_reviewer and tatiana_reviewer" in page and "tanya_reviewer" not in page


@pytest.mark.parametrize("persona", ["editor", "staff"])
def test_an_editor_or_staff_may_ask_for_the_figures_again(
    client, request, persona, topic, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(f"/agreement/?topic={topic.slug}").content.decode()
    assert 'action="/agreement/recompute/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/agreement/recompute/", {"topic": topic.slug})
    assert response.status_code == 302 and response["Location"] == f"/agreement/?topic={topic.slug}"
    assert queued_refreshes() == 1
    run_jobs_in_this_transaction()
    assert client.get(f"/agreement.json?topic={topic.slug}").status_code == 200


@pytest.mark.parametrize("persona", ["reviewer", "researcher"])
def test_a_reviewer_or_researcher_may_not_ask_for_the_figures_again(
    client, request, persona, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(persona))
    assert 'action="/agreement/recompute/"' not in client.get("/agreement/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/agreement/recompute/").status_code == 403
    assert client.get("/agreement/recompute/").status_code == 405
    assert queued_refreshes() == 0


def test_the_shipped_data_gives_these_figures_computed_by_the_seed(client, reviewer):
    out = io.StringIO()
    call_command("seed", stdout=out)
    assert f"Computed reviewer agreement for {Topic.objects.count() + 1} scopes" in out.getvalue()
    client.force_login(reviewer)
    assert client.get("/agreement.json").json() == {
        "source_reliability": {"alpha": 0.72, "items": 4, "graders": 2, "pairable": 8, "low": -0.167, "high": 0.964},
        "citation_credibility": {
            "alpha": 0.337,
            "items": 5,
            "graders": 2,
            "pairable": 10,
            "low": -0.704,
            "high": 0.605,
        },
    }


def test_refresh_counts_computes_the_figures_of_rows_written_raw(client, reviewer, example_sources):
    bulk_grades(observers(2), example_sources, [])  # (raw rows: no history, no job queued)
    out = io.StringIO()
    call_command("refresh_counts", stdout=out)
    assert f"Computed reviewer agreement for {Topic.objects.count() + 1} scopes." in out.getvalue()
    client.force_login(reviewer)
    assert client.get("/agreement.json").json()["source_reliability"]["items"] == 12
