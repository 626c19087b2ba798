"""The competing-hypotheses matrix (issue 14, point 3): /topics/<slug>/matrix/ and its CSV.

The hand-computed example (`ach`): three claims of one topic, four citations.

    row            weight          h1-11-june   h2-12-june   h3-13-june   diagnosticity
    c1 (h1, s-a)   A × 2 = 0.80    CC (own)     II (I, II)   C (C, I, CC)  2 − (−2) = 4
    c4 (h1, s-a)   A × – = 0.50    N  (own)     N            N             0: not diagnostic
    c2 (h2, s-b)   C × – = 0.30    I            CC (own)     N             2 − (−1) = 3
    c3 (h3, s-b)   C × 4 = 0.24    N            N            II (own)      0 − (−2) = 2

    inconsistency: h1 = 0.30 × 1 = 0.30; h2 = 0.80 × 2 = 1.60; h3 = 0.24 × 2 = 0.48
    columns: h1 (0.30), h3 (0.48), h2 (1.60)

c2's outdated grade of 1 does not count (it is ungraded: 0.5).
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from claims import services
from claims.models import Citation, CitationAssessment, Claim, ConsistencyRating, Source, Topic, User
from claims.roles import Role
from claims.selectors import matrix
from tests.browser import save_screenshot
from tests.conftest import PASSWORD, make_user
from tests.test_pages import main_text
from tests.test_security import inline_code

URL = "/topics/date-of-execution/matrix/"
CSV_URL = "/topics/date-of-execution/matrix.csv"


@dataclass
class Ach:
    topic: Topic
    h1: Claim
    h2: Claim
    h3: Claim
    c1: Citation
    c2: Citation
    c3: Citation
    c4: Citation


def rate(citation: Citation, claim: Claim, reviewer: User, grade: str) -> ConsistencyRating:
    return ConsistencyRating.objects.create(
        citation=citation, claim=claim, reviewer=reviewer, grade=grade, rationale=f"{grade} because."
    )


def new_source(actor: User, key: str) -> Source:
    return services.source_create(
        actor=actor, key=key, kind=Source.Kind.MONOGRAPH, level=Source.Level.SECONDARY, title=f"Title of {key}"
    )


@pytest.fixture
def ach(topic, researcher, reviewer, second_reviewer, editor) -> Ach:
    h1, h2, h3 = (
        services.claim_create(
            actor=researcher,
            key=f"h{n}-{day}-june",
            topic=topic,
            statement=f"Shot on {day} June.",
            event_date=f"1937-06-{day}",
        )
        for n, day in ((1, 11), (2, 12), (3, 13))
    )
    s_a, s_b = new_source(researcher, "s-a"), new_source(researcher, "s-b")
    c1 = services.citation_create(actor=researcher, claim=h1, source=s_a, locator="p. 1", quote="On the 11th.")
    c4 = services.citation_create(actor=researcher, claim=h1, source=s_a, locator="p. 4", stance="mentions")
    c2 = services.citation_create(actor=researcher, claim=h2, source=s_b, locator="p. 2")
    c3 = services.citation_create(actor=researcher, claim=h3, source=s_b, locator="p. 3", stance="contradicts")
    services.grade_set(actor=editor, target=s_a, grade="A", rationale="Archival.")
    services.grade_set(actor=editor, target=s_b, grade="C", rationale="Memoir.")
    services.grade_set(actor=editor, target=c1, grade=2, rationale="Probably.")
    services.grade_set(actor=editor, target=c3, grade=4, rationale="Doubtful.")
    CitationAssessment.objects.create(citation=c2, reviewer=editor, grade=1, rationale="Before.", outdated=True)
    rate(c1, h2, reviewer, "I")
    rate(c1, h2, second_reviewer, "II")  # two ratings: the lower middle one
    rate(c1, h3, reviewer, "C")
    rate(c1, h3, second_reviewer, "I")
    rate(c1, h3, editor, "CC")  # three: the middle one
    rate(c2, h1, reviewer, "I")
    rate(c2, h3, reviewer, "N")
    rate(c3, h1, reviewer, "N")
    rate(c3, h2, reviewer, "N")
    rate(c4, h2, reviewer, "N")
    rate(c4, h3, reviewer, "N")
    return Ach(topic, h1, h2, h3, c1, c2, c3, c4)


def cells(found: matrix.Matrix) -> dict[tuple[int, str], str | None]:
    return {(row.citation.pk, cell.claim_key): cell.value for row in found.rows for cell in row.cells}


def rows_by_pk(found: matrix.Matrix) -> dict[int, matrix.Row]:
    return {row.citation.pk: row for row in found.rows}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- Cells, weights, scores, order -------------------------------------------------------


def test_own_claim_cells_come_from_the_stance_and_the_others_from_the_median_rating(ach, editor):
    found = matrix.topic_matrix(topic=ach.topic, user=editor)
    got = cells(found)
    assert got[ach.c1.pk, ach.h1.key] == "CC"  # supports
    assert got[ach.c3.pk, ach.h3.key] == "II"  # contradicts
    assert got[ach.c4.pk, ach.h1.key] == "N"  # mentions
    assert got[ach.c1.pk, ach.h2.key] == "II"  # I and II: the lower middle
    assert got[ach.c1.pk, ach.h3.key] == "C"  # C, I, CC: the median
    assert got[ach.c2.pk, ach.h1.key] == "I"
    by_pk = rows_by_pk(found)
    c1_h2 = next(c for c in by_pk[ach.c1.pk].cells if c.claim_key == ach.h2.key)
    assert (c1_h2.ratings, c1_h2.own) == (2, False)


def test_an_unrated_cell_is_empty_and_links_to_its_rating_page(ach, editor, client):
    ConsistencyRating.objects.filter(citation=ach.c2, claim=ach.h3).delete()
    found = matrix.topic_matrix(topic=ach.topic, user=editor)
    cell = next(c for c in rows_by_pk(found)[ach.c2.pk].cells if c.claim_key == ach.h3.key)
    assert (cell.value, cell.ratings) == (None, 0)
    client.force_login(editor)
    cell_page = reverse("consistency_cell", args=[ach.c2.pk, ach.h3.key])
    assert f'<a href="{cell_page}" title="Rate {ach.h2.key}' in client.get(URL).content.decode()


def test_weights_multiply_the_consensus_grades_ungraded_and_outdated_counting_half(ach, editor):
    by_pk = rows_by_pk(matrix.topic_matrix(topic=ach.topic, user=editor))
    assert {pk: row.weight for pk, row in by_pk.items()} == {
        ach.c1.pk: Decimal("0.80"),  # A, 2
        ach.c4.pk: Decimal("0.50"),  # A, ungraded
        ach.c2.pk: Decimal("0.30"),  # C, only an outdated grade
        ach.c3.pk: Decimal("0.24"),  # C, 4
    }
    assert by_pk[ach.c1.pk].grade == "A2" and by_pk[ach.c2.pk].grade == "C-"


def test_f_and_6_weigh_as_ungraded():
    assert matrix.row_weight("F", 6) == matrix.row_weight(None, None) == Decimal("0.25")
    assert matrix.row_weight("E", 5) == Decimal("0.04")


def test_each_row_has_its_diagnosticity_and_a_row_alike_for_all_is_not_diagnostic(ach, editor, client):
    by_pk = rows_by_pk(matrix.topic_matrix(topic=ach.topic, user=editor))
    assert {pk: row.diagnosticity for pk, row in by_pk.items()} == {
        ach.c1.pk: 4,
        ach.c2.pk: 3,
        ach.c3.pk: 2,
        ach.c4.pk: 0,
    }
    client.force_login(editor)
    page = client.get(URL).content.decode()
    assert page.count('class="not-diagnostic"') == 1
    assert "0 not diagnostic" in main_text(client.get(URL))


def test_a_row_with_a_single_valued_cell_has_no_diagnosticity_yet(ach, editor):
    ConsistencyRating.objects.filter(citation=ach.c2).delete()
    assert rows_by_pk(matrix.topic_matrix(topic=ach.topic, user=editor))[ach.c2.pk].diagnosticity is None


def test_claims_are_scored_by_their_weighted_inconsistent_evidence_and_ordered_least_first(ach, editor):
    found = matrix.topic_matrix(topic=ach.topic, user=editor)
    assert [(c.claim.key, c.score) for c in found.columns] == [
        (ach.h1.key, Decimal("0.30")),
        (ach.h3.key, Decimal("0.48")),
        (ach.h2.key, Decimal("1.60")),
    ]
    # The cells follow their columns.
    assert [c.claim_key for c in found.rows[0].cells] == [ach.h1.key, ach.h3.key, ach.h2.key]


def test_equal_scores_keep_date_order_then_key(topic, researcher, editor):
    for key, date in (("b-later", "1937-06-12"), ("z-first", "1937-06-11"), ("a-later", "1937-06-12")):
        services.claim_create(actor=researcher, key=key, topic=topic, statement="Shot.", event_date=date)
    found = matrix.topic_matrix(topic=topic, user=editor)
    assert [c.claim.key for c in found.columns] == ["z-first", "a-later", "b-later"]
    assert all(c.score == 0 for c in found.columns)


def test_rows_are_grouped_under_their_sources(ach, editor, client):
    found = matrix.topic_matrix(topic=ach.topic, user=editor)
    assert [(g.source.key, [r.citation.pk for r in g.rows]) for g in found.groups] == [
        ("s-a", [ach.c1.pk, ach.c4.pk]),
        ("s-b", [ach.c2.pk, ach.c3.pk]),
    ]
    client.force_login(editor)
    text = main_text(client.get(URL))
    assert (
        "s-a Title of s-a h1-11-june , p. 1 supports On the 11th. 0.80 (A2) 4 CC C 3 ratings, yours among them II 2 ratings"
        in text
    )


def test_the_page_shows_the_scores_in_the_column_headers(ach, editor, client):
    client.force_login(editor)
    text = main_text(client.get(URL))
    assert "h1-11-june Shot on 11 June. 11 June 1937 Inconsistency 0.30" in text
    assert "h2-12-june Shot on 12 June. 12 June 1937 Inconsistency 1.60" in text


# --- Caps and the claim picker ------------------------------------------------------------


def test_a_topic_with_more_claims_shows_its_first_by_date_and_says_so(ach, editor, client, monkeypatch):
    monkeypatch.setattr(matrix, "MATRIX_CLAIMS", 2)
    found = matrix.topic_matrix(topic=ach.topic, user=editor)
    assert {c.claim.key for c in found.columns} == {ach.h1.key, ach.h2.key}
    assert found.more_claims and not found.picked
    assert {r.citation.claim_id for r in found.rows} == {ach.h1.pk, ach.h2.pk}
    client.force_login(editor)
    assert "The topic has more than 2 claims: its first 2 by date are shown." in main_text(client.get(URL))


def test_rows_are_capped_with_and_n_more_and_the_scores_are_over_the_shown_rows(ach, editor, client, monkeypatch):
    monkeypatch.setattr(matrix, "MATRIX_ROWS", 2)
    found = matrix.topic_matrix(topic=ach.topic, user=editor)
    assert [r.citation.pk for r in found.rows] == [ach.c1.pk, ach.c4.pk]
    assert (found.row_count, found.rows_left_out) == (4, 2)
    assert {c.claim.key: c.score for c in found.columns}[ach.h2.key] == Decimal("1.60")
    assert {c.claim.key: c.score for c in found.columns}[ach.h3.key] == 0  # c3 not shown
    client.force_login(editor)
    assert "the first 2 by source are shown, and 2 more are not. The scores are over the rows shown." in main_text(
        client.get(URL)
    )


def test_the_picker_lists_a_capped_number_of_claims(ach, editor, client, monkeypatch):
    monkeypatch.setattr(matrix, "PICKER_CLAIMS", 2)
    found = matrix.topic_matrix(topic=ach.topic, user=editor)
    assert [c.key for c in found.picker] == [ach.h1.key, ach.h2.key] and found.picker_more
    client.force_login(editor)
    page = client.get(URL).content.decode()
    assert page.count('type="checkbox" name="claim"') == 2
    assert "Other claims by key" in page


def test_picked_claims_are_the_columns_and_their_citations_the_rows(ach, editor, client):
    client.force_login(editor)
    response = client.get(URL, {"claim": [ach.h2.key, ach.h3.key]})
    found = matrix.topic_matrix(topic=ach.topic, user=editor, picked=[ach.h2.key, ach.h3.key])
    # h2: 0.00 (c1, its II, is not a row: it cites h1); h3: 0.48 (c3 contradicts it).
    assert [(c.claim.key, c.score) for c in found.columns] == [(ach.h2.key, 0), (ach.h3.key, Decimal("0.48"))]
    assert {r.citation.pk for r in found.rows} == {ach.c2.pk, ach.c3.pk}
    assert found.picked
    page = response.content.decode()
    assert f'value="{ach.h2.key}" id="pick-2" checked' in page
    assert f'value="{ach.h1.key}" id="pick-1">' in page
    assert "The 2 claims you picked are shown; the topic has others." in main_text(response)


def test_keys_typed_together_are_picked_and_unknown_keys_are_named(ach, editor, client, other_topic_claim):
    client.force_login(editor)
    response = client.get(URL, {"claim": [f"{ach.h1.key}, {ach.h3.key}", "no-such-claim", other_topic_claim.key]})
    assert response.status_code == 200
    text = main_text(response)
    assert f"Not a claim of this topic: 'no-such-claim', '{other_topic_claim.key}'." in text
    found = matrix.topic_matrix(topic=ach.topic, user=editor, picked=matrix.parse_keys([f"{ach.h1.key} {ach.h3.key}"]))
    assert [c.claim.key for c in found.columns] == [ach.h1.key, ach.h3.key]


def test_only_unknown_keys_show_the_first_claims_by_date_with_the_error(ach, editor):
    found = matrix.topic_matrix(topic=ach.topic, user=editor, picked=["nope"])
    assert len(found.columns) == 3 and not found.picked and found.errors


def test_picking_more_than_fit_shows_the_first_ones_and_says_so(ach, editor, monkeypatch):
    monkeypatch.setattr(matrix, "MATRIX_CLAIMS", 2)
    found = matrix.topic_matrix(topic=ach.topic, user=editor, picked=[ach.h3.key, ach.h2.key, ach.h1.key])
    assert {c.claim.key for c in found.columns} == {ach.h3.key, ach.h2.key}
    assert found.errors == ["At most 2 claims fit side by side; the first 2 picked are shown."]


@pytest.fixture
def other_topic_claim(researcher, editor) -> Claim:
    other = services.topic_create(actor=editor, title="Motives")
    return services.claim_create(actor=researcher, key="motive-fear", topic=other, statement="Fear.")


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_has_the_shown_columns_a_row_per_citation_and_the_scores_last(ach, editor, client):
    client.force_login(editor)
    response = client.get(CSV_URL)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="matrix-date-of-execution.csv"' in response["Content-Disposition"]
    assert csv_rows(response) == [
        ["source", "claim", "locator", "stance", "weight", "diagnosticity", ach.h1.key, ach.h3.key, ach.h2.key],
        ["s-a", ach.h1.key, "p. 1", "supports", "0.80", "4", "CC", "C", "II"],
        ["s-a", ach.h1.key, "p. 4", "mentions", "0.50", "0", "N", "N", "N"],
        ["s-b", ach.h2.key, "p. 2", "supports", "0.30", "3", "I", "N", "CC"],
        ["s-b", ach.h3.key, "p. 3", "contradicts", "0.24", "2", "N", "II", "N"],
        ["inconsistency score", "", "", "", "", "", "0.30", "0.48", "1.60"],
    ]


def test_the_csv_follows_the_pick_and_escapes_formulas(ach, editor, researcher, client):
    services.citation_create(actor=researcher, claim=ach.h3, source=ach.c1.source, locator="=HYPERLINK(1)")
    client.force_login(editor)
    rows = csv_rows(client.get(CSV_URL, {"claim": ach.h3.key}))
    assert rows[0][6:] == [ach.h3.key]
    assert ["s-a", ach.h3.key, "'=HYPERLINK(1)", "supports", "0.50", "", "CC"] in rows


# --- Blind grading ------------------------------------------------------------------------------


@pytest.fixture
def blind(db, ach) -> User:
    """A reviewer who has rated one cell (c2 against h1) and graded nothing."""
    user = make_user("walter_reviewer", Role.REVIEWER)
    rate(ach.c2, ach.h1, user, "CC")
    return user


def test_a_blind_reviewer_sees_stances_and_the_cells_they_rated_only(ach, blind):
    found = matrix.topic_matrix(topic=ach.topic, user=blind)
    assert found.blind
    by_pk = rows_by_pk(found)
    mine = next(c for c in by_pk[ach.c2.pk].cells if c.claim_key == ach.h1.key)
    # Once they have rated it, the cell's consensus (their CC and another's I: I), as with grades.
    assert (mine.value, mine.ratings, mine.mine, mine.hidden) == ("I", 2, True, False)
    others = [c for row in found.rows for c in row.cells if not c.own and not c.mine]
    assert others and all(c.value is None and c.hidden for c in others)
    assert all(row.weight is None and row.grade == "" for row in found.rows)
    assert all(c.score is None for c in found.columns)
    assert [c.claim.key for c in found.columns] == [ach.h1.key, ach.h2.key, ach.h3.key]  # by date


def test_a_blind_reviewers_page_holds_no_other_reviewers_rating_or_grade(ach, blind, client):
    client.force_login(blind)
    response = client.get(URL)
    text = main_text(response)
    assert matrix.HIDDEN_NOTICE in text
    assert "Inconsistency" not in text.split(matrix.HIDDEN_NOTICE)[1]
    for grade in ("A2", "C4", "C-", "0.80", "0.24", "1.60", "1 rating", "3 ratings"):
        assert grade not in text
    assert text.count("rated by others, hidden until you rate") == 7
    assert "I 2 ratings, yours among them" in text
    # Diagnosticity is of the cells shown: c2 has CC (own) and I (the cell they rated).
    assert "0 not diagnostic" not in text


def test_a_blind_reviewers_csv_holds_no_other_reviewers_rating_or_grade(ach, blind, client):
    client.force_login(blind)
    rows = csv_rows(client.get(CSV_URL))
    assert rows[0][6:] == [ach.h1.key, ach.h2.key, ach.h3.key]
    by_locator = {row[2]: row for row in rows[1:-1]}
    assert by_locator["p. 1"] == ["s-a", ach.h1.key, "p. 1", "supports", "hidden", "", "CC", "hidden", "hidden"]
    assert by_locator["p. 2"] == ["s-b", ach.h2.key, "p. 2", "supports", "hidden", "3", "I", "CC", "hidden"]
    assert rows[-1][6:] == ["hidden", "hidden", "hidden"]


def test_a_blind_reviewers_own_grade_does_not_reveal_weights(ach, blind):
    services.grade_set(actor=blind, target=ach.c1.source, grade="B", rationale="Mine.")
    services.grade_set(actor=blind, target=ach.c1, grade=3, rationale="Mine.")
    found = matrix.topic_matrix(topic=ach.topic, user=blind)
    assert all(row.weight is None for row in found.rows)


@pytest.mark.parametrize("persona", ["researcher", "editor", "staff"])
def test_researchers_editors_and_staff_see_every_rating_and_weight(ach, request, persona):
    found = matrix.topic_matrix(topic=ach.topic, user=request.getfixturevalue(persona))
    assert not found.blind
    assert cells(found)[ach.c1.pk, ach.h2.key] == "II"
    assert [c.score for c in found.columns] == [Decimal("0.30"), Decimal("0.48"), Decimal("1.60")]


# --- Access and cost ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [URL, CSV_URL])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("researcher", 200),
        ("reviewer", 200),
        ("second_reviewer", 200),
        ("editor", 200),
        ("staff", 200),
        ("outsider", 403),
    ],
)
def test_every_reader_may_open_the_matrix_and_no_one_else(ach, client, request, path, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(path).status_code == status


@pytest.mark.parametrize("path", [URL, CSV_URL])
def test_anonymous_visitors_are_sent_to_the_login_and_unknown_topics_are_404(ach, client, editor, path):
    response = client.get(path)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(editor)
    assert client.get(path.replace("date-of-execution", "no-such-topic")).status_code == 404


def test_the_topic_page_links_to_the_matrix(ach, client, researcher):
    client.force_login(researcher)
    assert (
        f'<a href="{URL}">Competing-hypotheses matrix</a>' in client.get("/topics/date-of-execution/").content.decode()
    )


def test_an_empty_topic_has_an_empty_matrix(topic, client, researcher):
    client.force_login(researcher)
    assert "No claims on this topic yet." in main_text(client.get(URL))
    assert csv_rows(client.get(CSV_URL)) == [
        ["source", "claim", "locator", "stance", "weight", "diagnosticity"],
        ["inconsistency score", "", "", "", "", ""],
    ]


def grow(ach: Ach, researcher: User, reviewers: list[User], size: int) -> None:
    """More claims, sources, citations, grades and ratings in the topic."""
    for n in range(size):
        claim = services.claim_create(
            actor=researcher,
            key=f"more-{size}-{n}",
            topic=ach.topic,
            statement="More.",
            event_date=f"1938-01-{n % 28 + 1:02d}",
        )
        source = new_source(researcher, f"src-{size}-{n}")
        citation = services.citation_create(actor=researcher, claim=claim, source=source, locator=f"p. {n}")
        for reviewer in reviewers:
            services.grade_set(actor=reviewer, target=source, grade="B", rationale="Fine.")
            services.grade_set(actor=reviewer, target=citation, grade=2, rationale="Fine.")
            rate(ach.c1, claim, reviewer, "I")
            rate(citation, ach.h1, reviewer, "C")


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "editor"])
@pytest.mark.parametrize("path", [URL, CSV_URL, URL + "?claim=h1-11-june&claim=h2-12-june"])
def test_the_matrix_costs_the_same_number_of_queries_at_two_sizes(
    ach, client, request, researcher, reviewer, second_reviewer, persona, path, monkeypatch
):
    monkeypatch.setattr(matrix, "MATRIX_CLAIMS", 4)
    monkeypatch.setattr(matrix, "PICKER_CLAIMS", 6)
    client.force_login(request.getfixturevalue(persona))
    small = queries(client, path)
    grow(ach, researcher, [reviewer, second_reviewer], 12)
    assert queries(client, path) == small
    assert small <= 12


def test_a_query_count_is_fixed_with_django_assert_num_queries(
    ach, client, editor, researcher, reviewer, django_assert_num_queries
):
    client.force_login(editor)
    client.get(URL)  # (the session is read once more on a first request)
    expected = queries(client, URL)
    grow(ach, researcher, [reviewer], 20)
    with django_assert_num_queries(expected):
        client.get(URL)


def test_the_matrix_page_has_no_inline_script_or_style(ach, client, editor, blind):
    for user in (editor, blind):
        client.force_login(user)
        assert inline_code(client.get(URL).content.decode()).found == []


# --- In a browser ---------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_editor_opens_the_matrix_from_the_topic_page_and_its_headers_stay_in_view(
    live_server, page, request, ach, researcher, editor
):
    # Enough evidence to scroll: 40 more citations of h2 from one source.
    source = new_source(researcher, "s-many")
    for n in range(40):
        services.citation_create(actor=researcher, claim=ach.h2, source=source, locator=f"l. {n}")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    page.goto(f"{live_server.url}/topics/date-of-execution/")
    page.get_by_role("link", name="Competing-hypotheses matrix").click()
    expect(page.get_by_role("heading", name="Competing-hypotheses matrix")).to_be_visible()
    headers = page.locator("table.matrix thead th.hypothesis")
    expect(headers).to_have_count(3)
    expect(headers.first).to_contain_text("h1-11-june")
    expect(headers.first).to_contain_text("Inconsistency 0.30")
    save_screenshot(page, request, "matrix")

    wrap = page.locator(".matrix-wrap")
    wrap.evaluate("box => box.scrollIntoView()")
    top = wrap.bounding_box()["y"]
    wrap.evaluate("box => { box.scrollTop = box.scrollHeight; }")
    expect(page.locator("table.matrix tbody tr").last).to_be_in_viewport()
    header_box = headers.first.bounding_box()
    assert header_box is not None and abs(header_box["y"] - top) < 3
    save_screenshot(page, request, "matrix-scrolled")

    page.get_by_text("Pick the claims to compare").click()
    page.get_by_label("h3-13-june").check()
    page.get_by_label("h1-11-june").check()
    page.get_by_role("button", name="Compare").click()
    expect(headers).to_have_count(2)
    assert violations == []


def test_thousands_of_keys_in_one_value_are_read_no_further_than_one_past_the_limit(ach, editor):
    keys = matrix.parse_keys([" ".join(f"k{n}" for n in range(20_000))])
    assert keys == [f"k{n}" for n in range(matrix.MATRIX_CLAIMS + 1)]
    found = matrix.topic_matrix(topic=ach.topic, user=editor, picked=keys)
    assert found.errors[0].startswith(f"At most {matrix.MATRIX_CLAIMS} claims fit side by side")
