"""Timelines (issue 13, point 5): a topic's and a person's claims drawn on a time axis as a
server-rendered SVG, with the same rows as a table, a page of claims at a time."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Claim, Person, Topic
from tests.test_pages import main_text, text_of

ROLE_HOLDERS = ["researcher", "reviewer", "editor", "staff"]
TIMELINES = ["/topics/date-of-execution/timeline/", "/people/tukhachevsky/timeline/"]


@pytest.fixture
def seed(db, seed_for_the_module) -> None:
    """The seed data set (loaded once for the module)."""


def svg_of(response) -> str:
    page = response.content.decode()
    return page[page.index("<svg") : page.index("</svg>", page.index('class="timeline"')) + 6]


def bars(svg: str) -> dict[str, str]:
    """Each claim's link in the drawing: its address -> its <title>."""
    return dict(re.findall(r'<a href="(/claims/[^/]+/)"><title>(.*?)</title>', svg, flags=re.S))


def tick_labels(svg: str) -> list[str]:
    return re.findall(r'<text class="tick-label"[^>]*>(.*?)</text>', svg)


def table_rows(response) -> list[str]:
    page = response.content.decode()
    table = page.split('<table class="timeline-rows', 1)[1].split("</tbody>", 1)[0]
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S)]


def test_the_execution_night_is_drawn_on_an_axis_of_hours_a_bar_per_claim(client, researcher, seed):
    client.force_login(researcher)
    response = client.get("/topics/date-of-execution/timeline/")
    assert response.status_code == 200
    svg = svg_of(response)
    dated = Claim.objects.filter(topic__slug="date-of-execution").exclude(event_date="")
    assert bars(svg) == {f"/claims/{c.key}/": c.statement for c in dated}
    labels = tick_labels(svg)
    assert "11 Jun 00:00" in labels and "12 Jun 00:00" in labels
    assert any(re.fullmatch(r"(0[1-9]|1\d|2[0-3]):00", label) for label in labels), labels
    assert "Axis in hours" in main_text(response)


def test_a_bar_runs_from_earliest_to_latest_and_a_time_is_a_dot_at_that_time(client, researcher, seed):
    client.force_login(researcher)
    svg = svg_of(client.get("/topics/date-of-execution/timeline/"))
    rows = dict(re.findall(r'<a href="/claims/([^/]+)/">.*?</text>(<(?:rect|circle)[^>]*>)', svg, flags=re.S))
    night = re.search(r'width="([\d.]+)"', rows["execution-night-11-12"])
    one_day = re.search(r'width="([\d.]+)"', rows["execution-11-june"])
    assert night and one_day and float(night[1]) == pytest.approx(2 * float(one_day[1]), rel=0.02)
    assert rows["verdict-2335"].startswith("<circle")  # 1937-06-11T23:35:00: one moment
    assert "status-fill-supported" in rows["execution-night-11-12"]
    assert "status-fill-contested" in rows["execution-11-june"]


def test_the_table_under_it_has_the_same_rows_with_dates_in_words_and_conflicts(client, researcher, seed):
    client.force_login(researcher)
    response = client.get("/topics/date-of-execution/timeline/")
    rows = {row.split(" ", 3)[-1]: row for row in table_rows(response)}
    assert len(table_rows(response)) == Claim.objects.filter(topic__slug="date-of-execution").count()
    eleventh = next(row for row in table_rows(response) if "execution-11-june" in row.split("Conflicts")[0])
    assert eleventh.startswith("11 June 1937 contested")
    assert "execution-12-june" in eleventh
    night = next(row for row in table_rows(response) if row.startswith("11–12 June 1937"))
    assert night.endswith("—")  # the night holds both days: no conflict
    assert rows
    svg = svg_of(response)
    assert svg.count('class="conflict-marker"') == 3  # 11 June, 12 June and the 23:35 verdict


def test_the_legend_names_every_status_and_the_conflict_marker(client, researcher, seed):
    client.force_login(researcher)
    response = client.get("/topics/date-of-execution/timeline/")
    legend = text_of(response.content.decode().split('<ul class="timeline-legend">', 1)[1].split("</ul>", 1)[0])
    assert legend == "open supported contested refuted conflicts with another claim"


def test_a_span_of_decades_is_drawn_in_years(client, researcher, editor):
    topic = services.topic_create(actor=editor, title="Rehabilitation")
    for key, date in (("arrest", "1937-05-22"), ("rehabilitated", "1957-01-31"), ("report", "1964")):
        services.claim_create(actor=editor, key=key, topic=topic, statement=f"The {key}.", event_date=date)
    client.force_login(researcher)
    response = client.get(f"/topics/{topic.slug}/timeline/")
    labels = tick_labels(svg_of(response))
    assert labels and all(re.fullmatch(r"\d{4}", label) for label in labels), labels
    assert "1940" in labels and "1960" in labels
    assert "Axis in years" in main_text(response)


def test_the_person_timeline_draws_their_claims_across_topics(client, researcher, seed):
    client.force_login(researcher)
    person = Person.objects.get(slug="tukhachevsky")
    response = client.get(f"/people/{person.slug}/timeline/")
    assert response.status_code == 200
    dated = person.claims.exclude(event_date="").order_by("key")
    assert set(bars(svg_of(response))) == {f"/claims/{c.key}/" for c in dated}
    assert len(table_rows(response)) == person.claims.count()


def test_the_topic_and_person_pages_link_their_timelines(client, researcher, seed):
    client.force_login(researcher)
    assert 'href="/topics/date-of-execution/timeline/"' in client.get("/topics/date-of-execution/").content.decode()
    person_page = client.get("/people/tukhachevsky/").content.decode()
    assert 'href="/people/tukhachevsky/timeline/"' in person_page


def test_the_drawing_scrolls_in_its_own_box_and_uses_no_inline_style(client, researcher, seed):
    client.force_login(researcher)
    page = client.get("/topics/date-of-execution/timeline/").content.decode()
    assert '<div class="timeline-scroll"' in page
    assert "style=" not in page and "<script" not in page.split("</header>", 1)[-1]
    css = Path(finders.find("claims/site.css")).read_text(encoding="utf-8")
    assert re.search(r"\.timeline-scroll \{[^}]*overflow-x: auto", css)


@pytest.mark.parametrize("role", ROLE_HOLDERS)
def test_every_role_holder_opens_the_timelines(client, request, role, seed):
    client.force_login(request.getfixturevalue(role))
    for url in TIMELINES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<svg" in response.content.decode()


def test_outsiders_and_visitors_get_what_the_site_gives_them(client, outsider, seed):
    for url in TIMELINES:
        assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(outsider)
    for url in TIMELINES:
        response = client.get(url)
        assert response.status_code == 403 and "has no role" in response.content.decode()
    client.force_login(outsider)
    assert client.get("/topics/no-such-topic/timeline/").status_code == 403


def test_an_unknown_topic_or_person_has_no_timeline(client, researcher, seed):
    client.force_login(researcher)
    assert client.get("/topics/no-such-topic/timeline/").status_code == 404
    assert client.get("/people/no-such-person/timeline/").status_code == 404


def test_a_long_topic_is_drawn_a_page_at_a_time_by_date(client, researcher, editor):
    topic = services.topic_create(actor=editor, title="Crowded question")
    for n in range(60):
        services.claim_create(
            actor=editor, key=f"claim-{n:02}", topic=topic, statement=f"Claim {n}.", event_date=f"{1900 + n}-01-01"
        )
    client.force_login(researcher)
    first = client.get(f"/topics/{topic.slug}/timeline/")
    assert len(bars(svg_of(first))) == 50
    assert "/claims/claim-00/" in bars(svg_of(first)) and "/claims/claim-59/" not in bars(svg_of(first))
    second = client.get(f"/topics/{topic.slug}/timeline/?page=2")
    assert set(bars(svg_of(second))) == {f"/claims/claim-{n}/" for n in range(50, 60)}
    assert "Later claims" in main_text(first) and "Earlier claims" in main_text(second)


@pytest.mark.parametrize("kind", ["topic", "person"])
def test_each_timeline_runs_the_same_queries_however_many_claims(client, researcher, editor, kind):
    topic = services.topic_create(actor=editor, title="Date of execution")
    person = services.person_create(actor=editor, name="Mikhail Tukhachevsky")

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            services.claim_create(
                actor=editor,
                key=f"shot-{n}",
                topic=topic,
                statement=f"Shot ({n}).",
                event_date=f"{1900 + n}-06-11",
                people=[person],
            )

    add(5, 0)
    url = f"/topics/{topic.slug}/timeline/" if kind == "topic" else f"/people/{person.slug}/timeline/"
    client.force_login(researcher)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and "<svg" in response.content.decode()
        return len(queries)

    small = measure()
    add(70, 5)
    assert Topic.objects.get(pk=topic.pk).claims.count() == 75
    assert measure() == small
