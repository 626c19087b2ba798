"""The JSON API's records (/api/v1/ topics, people, sources, claims, citations), as a historian's
script uses them with a personal token: read with what the pages show (blind grading too),
the claim list's filters, search and orders a page at a time, writes through the services,
a stale version refused with 409."""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import ApiToken, Citation, Claim, Person, Source, Topic, User
from claims.selectors import lists
from tests.conftest import make_personas, world_for_the_module


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    topic: Topic
    tukhachevsky: Person
    yakir: Person
    rogovin: Source
    shvernik: Source
    shot_12: Claim  # about Tukhachevsky, in Latin; cited from Rogovin, graded B2 by the editor's reviewers
    shot_11: Claim  # written in Cyrillic
    citation: Citation


def token_for(user: User) -> str:
    return services.api_token_create(actor=user, name=f"scripts {ApiToken.objects.filter(user=user).count()}")[1]


def build_world() -> World:
    users = make_personas("researcher", "reviewer", "second_reviewer", "editor", "staff", "no_role")
    tokens = {name: token_for(user) for name, user in users.items()}
    researcher = users["researcher"]
    topic = services.topic_create(actor=users["editor"], title="Date of execution")
    tukhachevsky = services.person_create(
        actor=researcher,
        name="Mikhail Tukhachevsky",
        name_original="Тухачевский, Михаил Николаевич",
        slug="tukhachevsky",
        wikidata_id="Q193236",
    )
    yakir = services.person_create(actor=researcher, name="Iona Yakir", name_original="Якир, Иона Эммануилович")
    rogovin = services.source_create(
        actor=researcher,
        key="rogovin-1937",
        kind=Source.Kind.MONOGRAPH,
        level=Source.Level.SECONDARY,
        title="1937: Stalin's Year of Terror",
        publisher_place="Oak Park",
        isbn="978-0-929087-77-5",
    )
    shvernik = services.source_create(
        actor=researcher,
        key="shvernik-1964",
        kind=Source.Kind.OFFICIAL_REPORT,
        level=Source.Level.PRIMARY,
        title="Report of the Shvernik commission",
    )
    shot_12 = services.claim_create(
        actor=researcher,
        key="execution-12-june",
        topic=topic,
        statement="Tukhachevsky and the others were shot on 12 June 1937.",
        event_date="1937-06-12",
        people=[tukhachevsky, yakir],
    )
    shot_11 = services.claim_create(
        actor=researcher,
        key="execution-11-june",
        topic=topic,
        statement="Осуждённых расстреляли 11 июня 1937 года, сразу после приговора.",
        event_date="1937-06-11",
        attributed_to=[yakir],
    )
    citation = services.citation_create(actor=researcher, claim=shot_12, source=rogovin, locator="ch. 9")
    services.citation_create(actor=researcher, claim=shot_12, source=shvernik, stance=Citation.Stance.CONTRADICTS)
    services.grade_set(actor=users["second_reviewer"], target=rogovin, grade="B", rationale="Careful historian.")
    services.grade_set(actor=users["second_reviewer"], target=citation, grade=2, rationale="Probably true.")
    return World(users, tokens, topic, tukhachevsky, yakir, rogovin, shvernik, shot_12, shot_11, citation)


shared_world, world = world_for_the_module(build_world)


def api(world: World, persona: str) -> Client:
    """A script's client: no session, the persona's token on every request."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens[persona]}")


def keys(response) -> list[str]:
    return [row["key"] for row in response.json()["results"]]


# --- reading ----------------------------------------------------------------------------


def test_a_search_in_cyrillic_finds_tukhachevskys_claims_written_in_latin(world):
    response = api(world, "researcher").get("/api/v1/claims/", {"q": "Тухачевский"})
    assert response.status_code == 200
    assert keys(response) == ["execution-12-june"]


def test_a_search_in_latin_finds_a_claim_written_in_cyrillic(world):
    response = api(world, "researcher").get("/api/v1/claims/", {"q": "rasstrelyali"})
    assert keys(response) == ["execution-11-june"]


def test_the_claim_list_takes_the_filters_of_the_claim_page(world):
    client = api(world, "researcher")
    assert keys(client.get("/api/v1/claims/", {"person": "tukhachevsky"})) == ["execution-12-june"]
    assert keys(client.get("/api/v1/claims/", {"person": "Тухачевский"})) == ["execution-12-june"]
    assert keys(client.get("/api/v1/claims/", {"source": "rogovin-1937"})) == ["execution-12-june"]
    assert keys(client.get("/api/v1/claims/", {"topic": world.topic.slug, "sort": "-date"})) == [
        "execution-12-june",
        "execution-11-june",
    ]
    assert keys(client.get("/api/v1/claims/", {"from": "1937-06-12"})) == ["execution-12-june"]
    assert keys(client.get("/api/v1/claims/", {"status": "refuted"})) == []


def test_a_filter_the_claim_page_would_not_understand_is_refused_naming_the_parameter(world):
    response = api(world, "researcher").get("/api/v1/claims/", {"from": "June 1937", "status": "maybe"})
    assert response.status_code == 400
    assert set(response.json()) == {"from", "status"}
    assert "1937-06" in response.json()["from"][0]


def test_a_claim_carries_its_people_citations_and_evidence_as_its_page_shows_them(world):
    claim = api(world, "researcher").get("/api/v1/claims/execution-12-june/").json()
    assert claim["version"] == world.shot_12.version
    assert claim["topic"] == world.topic.slug
    assert claim["topic_url"] == f"http://testserver/api/v1/topics/{world.topic.slug}/"
    assert claim["page_url"] == "http://testserver/claims/execution-12-june/"
    assert claim["people"] == ["iona-yakir", "tukhachevsky"]  # (by name, as on the page)
    assert "http://testserver/api/v1/people/tukhachevsky/" in claim["people_urls"]
    assert claim["evidence"]["grade"] == "B2"
    assert claim["evidence"]["summary"] == "supports: 1 citation · contradicts: 1 citation"
    assert claim["citation_count"] == 2
    by_source = {c["source"]: c for c in claim["citations"]}
    assert by_source["rogovin-1937"]["credibility"] == {"consensus": "2", "hidden": False}
    assert by_source["rogovin-1937"]["source_reliability"] == {"consensus": "B", "hidden": False}
    assert by_source["rogovin-1937"]["line"] == {"stance": "supports", "number": 1, "roots": ["rogovin-1937"]}
    assert by_source["shvernik-1964"]["credibility"] == {"consensus": None, "hidden": False}
    rogovin = by_source["rogovin-1937"]
    assert rogovin["page_url"] == f"http://testserver/claims/execution-12-june/#citation-{rogovin['id']}"


def test_a_blind_reviewer_is_shown_no_grade_they_have_not_given_themselves(world):
    client = api(world, "reviewer")
    claim = client.get("/api/v1/claims/execution-12-june/").json()
    assert claim["evidence"]["grade"] is None
    assert claim["evidence"]["hidden"] is True
    citation = client.get(f"/api/v1/citations/{world.citation.pk}/").json()
    assert citation["credibility"] == {"consensus": None, "hidden": True}
    assert citation["source_reliability"] == {"consensus": None, "hidden": True}
    assert client.get("/api/v1/sources/rogovin-1937/").json()["reliability"] == {"consensus": None, "hidden": True}
    # Nor the order of the evidence grades, which would give them away: by date, and why.
    listed = client.get("/api/v1/claims/", {"sort": "evidence"}).json()
    assert [c["key"] for c in listed["results"]] == ["execution-11-june", "execution-12-june"]
    assert listed["notice"] == lists.EVIDENCE_SORT_BLIND


def test_people_and_sources_carry_their_authority_ids_and_reference_fields(world):
    client = api(world, "researcher")
    person = client.get("/api/v1/people/tukhachevsky/").json()
    assert person["wikidata_id"] == "Q193236"
    assert {"viaf_id", "gnd_id", "version"} <= set(person)
    source = client.get("/api/v1/sources/rogovin-1937/").json()
    assert (source["publisher_place"], source["isbn"]) == ("Oak Park", "978-0-929087-77-5")
    assert {"archive_place", "doi", "wikidata_id", "viaf_id", "gnd_id", "version"} <= set(source)
    assert source["reliability"] == {"consensus": "B", "hidden": False}


def test_each_list_is_paged_by_cursor_and_filtered(world):
    client = api(world, "researcher")
    first = client.get("/api/v1/sources/", {"page_size": 1}).json()
    second = client.get(first["next"]).json()
    assert [s["key"] for s in first["results"] + second["results"]] == ["rogovin-1937", "shvernik-1964"]
    assert second["next"] is None
    assert list(client.get("/api/v1/sources/", {"cursor": "bz1hYmM="}).json()) == ["cursor"]
    assert [p["slug"] for p in client.get("/api/v1/people/", {"q": "Якир"}).json()["results"]] == [world.yakir.slug]
    citations = client.get("/api/v1/citations/", {"claim": "execution-12-june"}).json()["results"]
    assert {c["source"] for c in citations} == {"rogovin-1937", "shvernik-1964"}
    assert client.get("/api/v1/citations/", {"claim": "no-such-claim"}).status_code == 400
    assert [t["slug"] for t in client.get("/api/v1/topics/").json()["results"]] == [world.topic.slug]


SORTS = ["date", "-date", "key", "status", "-status", "updated", "-updated", "evidence", "-evidence"]


@pytest.mark.parametrize(
    "params", [{"sort": sort} for sort in SORTS] + [{"q": "claim"}, {"q": "claim", "sort": "-date"}]
)
def test_following_next_and_previous_walks_the_claim_list_in_the_pages_order(world, params):
    client = api(world, "editor")
    for n in range(3):  # (more claims, undated, to walk a page at a time)
        services.claim_create(actor=world.users["researcher"], key=f"k-{n}", topic=world.topic, statement=f"Claim {n}.")
    filters = lists.ClaimFilters(
        q=params.get("q", ""), sort=params.get("sort", lists.RELEVANCE if "q" in params else "date")
    )
    expected = list(lists.claim_search(filters=filters).values_list("key", flat=True))
    assert len(expected) >= 3
    page = client.get("/api/v1/claims/", {**params, "page_size": 2}).json()
    assert page["previous"] is None
    walked, pages = [], [page]
    while True:
        walked += [c["key"] for c in page["results"]]
        if page["next"] is None:
            break
        page = client.get(page["next"]).json()
        pages.append(page)
    assert walked == expected
    back = client.get(pages[-1]["previous"]).json()
    assert back["results"] == pages[-2]["results"]


def test_a_cursor_the_list_did_not_give_out_is_refused(world):
    response = api(world, "researcher").get("/api/v1/claims/", {"cursor": "bz1hYmM="})
    assert response.status_code == 400
    assert "cursor" in response.json()


@pytest.mark.django_db
def test_a_page_of_claims_costs_the_same_queries_with_5_and_with_60_claims(researcher, editor):
    topic = services.topic_create(actor=editor, title="Many claims")
    person = services.person_create(actor=researcher, name="Iona Yakir")
    source = services.source_create(actor=researcher, key="s", kind="monograph", level="secondary", title="S")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(researcher)}")
    client.get("/api/v1/")  # (a token's first use in a minute also records when it was used)

    def page_queries() -> tuple[int, int]:
        """The queries of the first page and of the next one (cut after a cursor)."""
        counts = []
        url, params = "/api/v1/claims/", {"page_size": 2}
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, params)
            assert response.status_code == 200
            counts.append(len(queries))
            url, params = response.json()["next"], {}
        return counts[0], counts[1]

    def add(numbers: range) -> None:
        # (Written raw, for speed: each claim about the person and cited from the source.)
        claims = Claim.objects.bulk_create(
            Claim(key=f"c-{n}", topic=topic, statement=f"Claim {n}", event_date=f"1937-06-{n % 28 + 1:02}")
            for n in numbers
        )
        Claim.people.through.objects.bulk_create(Claim.people.through(claim=c, person=person) for c in claims)
        Citation.objects.bulk_create(Citation(claim=c, source=source) for c in claims)

    add(range(5))
    few = page_queries()
    add(range(5, 60))
    assert page_queries() == few


# --- writing ----------------------------------------------------------------------------


def test_a_script_adds_a_citation_with_a_post(world):
    response = api(world, "researcher").post(
        "/api/v1/citations/",
        {"claim": "execution-11-june", "source": "shvernik-1964", "locator": "p. 12", "stance": "supports"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    added = Citation.objects.get(claim=world.shot_11, source=world.shvernik)
    assert (added.locator, added.created_by) == ("p. 12", world.users["researcher"])
    assert response["Location"] == f"http://testserver/api/v1/citations/{added.pk}/"
    assert response.json()["version"] == 1


def test_a_patch_from_a_stale_version_gets_409_and_writes_nothing(world):
    client = api(world, "researcher")
    url = "/api/v1/claims/execution-11-june/"
    version = client.get(url).json()["version"]
    fresh = client.patch(
        url, {"event_date": "1937-06-11T23:35:00", "version": version}, content_type="application/json"
    )
    assert fresh.status_code == 200, fresh.json()
    assert fresh.json()["version"] == version + 1
    stale = client.patch(url, {"statement": "Shot at dawn.", "version": version}, content_type="application/json")
    assert stale.status_code == 409
    assert "you started from version" in stale.json()["non_field_errors"][0]
    claim = Claim.objects.get(key="execution-11-june")
    assert (claim.version, claim.event_date) == (version + 1, "1937-06-11T23:35:00")
    assert claim.statement.startswith("Осуждённых")


def test_an_update_without_its_version_is_refused(world):
    response = api(world, "researcher").patch(
        "/api/v1/claims/execution-11-june/", {"statement": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "version" in response.json()


def test_what_the_pages_refuse_a_role_the_api_refuses_too(world):
    reviewer = api(world, "reviewer")
    url = "/api/v1/claims/execution-11-june/"
    version = world.shot_11.version
    edit = reviewer.patch(url, {"statement": "x", "version": version}, content_type="application/json")
    assert edit.status_code == 403
    status = api(world, "researcher").patch(
        url, {"status": "refuted", "version": version}, content_type="application/json"
    )
    assert status.status_code == 403
    assert "editorial decision" in status.json()["detail"]
    assert api(world, "editor").delete(url).status_code == 403  # (as in the admin: staff delete)
    assert api(world, "no_role").get(url).status_code == 403
    assert Claim.objects.get(key="execution-11-june").version == version


def test_an_editor_sets_a_status_and_staff_delete(world):
    url = "/api/v1/claims/execution-11-june/"
    response = api(world, "editor").patch(
        url, {"status": "contested", "version": world.shot_11.version}, content_type="application/json"
    )
    assert response.json()["status"] == "contested"
    assert api(world, "staff").delete(url).status_code == 204
    assert not Claim.objects.filter(key="execution-11-june").exists()


def test_a_claim_is_added_with_its_people_and_a_key_made_from_its_statement(world):
    response = api(world, "researcher").post(
        "/api/v1/claims/",
        {
            "topic": world.topic.slug,
            "statement": "Yakir wrote to Stalin before the shooting.",
            "people": ["tukhachevsky"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    claim = Claim.objects.get(key=response.json()["key"])
    assert claim.key == "yakir-wrote-to-stalin-before-the-shooting"
    assert list(claim.people.all()) == [world.tukhachevsky]


def test_bad_input_is_refused_by_field_and_nothing_is_added(world):
    before = Source.objects.count()
    response = api(world, "researcher").post(
        "/api/v1/sources/",
        {
            "title": "A memoir",
            "kind": "memoir",
            "level": "primary",
            "date": "June the 12th",
            "author_people": ["nobody"],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "author_people" in response.json()
    response = api(world, "researcher").post(
        "/api/v1/sources/",
        {"title": "A memoir", "kind": "memoir", "level": "primary", "date": "June the 12th"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"date"}
    assert Source.objects.count() == before


def test_authority_ids_are_written_through_the_services_and_checked_there(world):
    client = api(world, "researcher")
    url = f"/api/v1/people/{world.yakir.slug}/"
    bad = client.patch(url, {"wikidata_id": "Yakir", "version": world.yakir.version}, content_type="application/json")
    assert bad.status_code == 400
    assert "wikidata_id" in bad.json()
    good = client.patch(
        url, {"wikidata_id": "Q1387540", "version": world.yakir.version}, content_type="application/json"
    )
    assert good.status_code == 200, good.json()
    assert Person.objects.get(pk=world.yakir.pk).wikidata_id == "Q1387540"


def test_a_record_read_can_be_put_back_whole(world):
    client = api(world, "researcher")
    url = f"/api/v1/citations/{world.citation.pk}/"
    citation = client.get(url).json()
    response = client.put(url, {**citation, "locator": "ch. 10"}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert Citation.objects.get(pk=world.citation.pk).locator == "ch. 10"


def test_a_nul_or_a_megabyte_in_a_filter_is_refused_naming_it(world):
    client = api(world, "researcher")
    for path, name in (("/api/v1/people/", "q"), ("/api/v1/sources/", "q"), ("/api/v1/citations/", "claim")):
        for value in ("a\x00b", "x" * 1_000_000):
            response = client.get(path, {name: value})
            assert response.status_code == 400
            assert list(response.json()) == [name]
            assert len(response.content) < 200
    response = client.get("/api/v1/claims/", {"q": "a\x00b", "person": "x" * 1_000_000})
    assert response.status_code == 400
    assert len(response.content) < 1000


def test_a_megabyte_key_or_choice_is_named_in_a_short_message(world):
    huge = "x" * 1_000_000
    response = api(world, "researcher").post(
        "/api/v1/citations/", {"claim": huge, "source": "rogovin-1937", "stance": huge}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"claim", "stance"}
    assert len(response.content) < 500
