"""The claim list a person can read (issue 15): the statement is the link, clipped to three
lines with the rest at hand, dates wrap, each cell named for a phone's stacked cards, and the
columns a historian sorts by (date, status, evidence grade, updated) sort both ways from their
headers, the other filters kept, each from an index so that a page costs the same at any size.
(The layout itself, at 1280 and 375 px, is checked in a browser: test_lists_browser.py.)"""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Source
from claims.selectors import lists
from tests.test_evidence_sort import World

pytestmark = pytest.mark.django_db

LONG = (
    "In September 1938 the People's Commissar for Defence reported that 37,761 officers and commissars had been "
    "dismissed from the army, 10,868 arrested and 7,211 convicted, a figure historians have read in many ways."
)


@pytest.fixture
def world(researcher, reviewer, editor, topic) -> World:
    return World(researcher=researcher, reviewer=reviewer, editor=editor, topic=topic)


def _page(client, user, query: str = "") -> str:
    client.force_login(user)
    response = client.get("/claims/" + query)
    assert response.status_code == 200
    return response.content.decode()


def _keys(page: str) -> list[str]:
    return re.findall(r'<td><a href="/claims/([a-z0-9-]+)/">', page.split("<tbody>", 1)[1])


def _header(page: str, label: str) -> str:
    return next(th for th in re.findall(r"<th [^>]*>.*?</th>", page) if f">{label}<" in th or f">{label} <" in th)


def test_the_statement_is_the_link_to_its_claim_and_its_key_and_topic_are_named_under_it(client, researcher, claim):
    page = _page(client, researcher)
    row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert f'<a href="/claims/{claim.key}/"><span class="clamp">{claim.statement}</span></a>' in row
    assert row.count('href="/claims/') == 1  # the key is no second link
    assert f'<small class="muted row-meta">{claim.key} · <a href="/topics/{claim.topic.slug}/">' in row


def test_a_long_statement_keeps_its_full_text_in_its_title_for_the_clipped_rest(client, researcher, topic):
    services.claim_create(actor=researcher, key="voroshilov-1938", topic=topic, statement=LONG)
    page = _page(client, researcher)
    assert f'<span class="clamp" title="{html.escape(LONG)}">' in page


def test_every_cell_but_the_statement_is_named_for_a_narrow_screens_cards(client, researcher, claim):
    row = _page(client, researcher).split("<tbody>", 1)[1].split("</tr>", 1)[0]
    labels = re.findall(r'<td data-label="([^"]+)"', row)
    assert labels == ["Date", "Status", "Evidence", "Updated", "Citations", "Open disputes"]
    assert row.count("<td") == len(labels) + 1


@pytest.mark.parametrize(
    ("label", "first", "other"),
    [
        ("Date", "date", "-date"),
        ("Status", "status", "-status"),
        ("Evidence", "evidence", "-evidence"),
        ("Updated", "-updated", "updated"),
    ],
)
def test_each_sortable_header_sorts_one_way_then_the_other_keeping_the_filters(
    client, researcher, world, label, first, other
):
    query = f"?status=open&kind=fact&page=1&sort={first}"
    th = _header(_page(client, researcher, query), label)
    assert 'aria-sort="ascending"' in th
    assert f'href="?status=open&amp;kind=fact&amp;sort={other}"' in th  # the page is dropped, the filters kept
    th = _header(_page(client, researcher, f"?status=open&sort={other}"), label)
    assert 'aria-sort="descending"' in th and f'href="?status=open&amp;sort={first}"' in th
    # Sorted by another column, this one offers its first order and claims no sort.
    th = _header(_page(client, researcher, "?sort=key"), label)
    assert "aria-sort" not in th and f'href="?sort={first}"' in th


def test_the_citations_and_disputes_columns_do_not_pretend_to_sort(client, researcher, claim):
    page = _page(client, researcher)
    assert '<th scope="col" class="num">Citations</th>' in page
    assert '<th scope="col" class="num">Open disputes</th>' in page


def test_status_sorts_open_first_and_refuted_first_when_reversed(client, researcher, editor, world):
    for key, status in [("june-10", "refuted"), ("june-13", "contested"), ("june-12", "supported")]:
        services.claim_update(actor=editor, claim=world.claims[key], data={"status": status})
    # Each status's claims by date; reversed, the whole order turned round.
    by_status = ["dawn", "june-11", "june-14", "june-12", "june-13", "june-10"]
    assert _keys(_page(client, researcher, "?sort=status")) == by_status
    assert _keys(_page(client, researcher, "?sort=-status")) == list(reversed(by_status))


def test_evidence_sorts_weakest_first_when_reversed_the_exact_reverse_of_strongest_first(client, researcher, world):
    strongest = _keys(_page(client, researcher, "?sort=evidence"))
    weakest = _keys(_page(client, researcher, "?sort=-evidence"))
    assert strongest == ["june-11", "june-12", "june-13", "june-10", "dawn", "june-14"]
    assert weakest == list(reversed(strongest))


def test_a_blind_reviewer_cannot_sort_by_evidence_either_way(client, world):
    blind = world.second_reviewer
    page = _page(client, blind)
    assert _header(page, "Evidence") == '<th scope="col">Evidence</th>'
    assert 'value="-evidence"' not in page
    page = _page(client, blind, "?sort=-evidence")
    assert lists.EVIDENCE_SORT_BLIND in page
    assert _keys(page) == ["dawn", "june-10", "june-11", "june-12", "june-13", "june-14"]  # by date


@pytest.mark.parametrize(
    ("sort", "index"), [("-status", "claim_by_status_idx"), ("-evidence", "claim_by_evidence_idx")]
)
def test_the_reversed_sorts_read_their_index_backwards_rather_than_sorting(world, sort, index):
    ordered = lists.claim_search(filters=lists.ClaimFilters(sort=sort)).values("pk")[:25]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # (A handful of rows: the planner would rather sort them; the point is that it can use the index.)
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        plan = ordered.explain()
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan.replace("Sort Key", ""), plan


@pytest.mark.parametrize("sort", ["-status", "-evidence", "updated", "-date"])
def test_each_sort_costs_the_same_queries_for_six_claims_as_for_sixty(client, researcher, world, sort):
    client.force_login(researcher)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/claims/?sort={sort}").status_code == 200
    source = Source.objects.get(key="rogovin-1937")
    for i in range(54):
        claim = services.claim_create(actor=researcher, key=f"more-{i}", topic=world.topic, statement=f"More {i}.")
        services.citation_create(actor=researcher, claim=claim, source=source, locator=f"p. {i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/claims/?sort={sort}&page=2").status_code == 200
    assert len(few) == len(many)
