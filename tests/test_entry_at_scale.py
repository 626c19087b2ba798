"""The citation and claim forms cost the same however many sources and people there are (issue 11):
a citation's source and a claim's people are typed (a key or slug, or words of a title or name,
matched on submit) with suggestions as one types, not chosen from a menu of every one of them."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from playwright.sync_api import expect

from claims import services
from claims.models import Citation, Claim, Person, Source
from tests.browser import log_in
from tests.forms_support import page_text

SMALL_PAGE = 30_000  # bytes: the citation form was 288 KB with 2,000 sources, the claim form 57 KB with 300 people


def errors_of(response, name: str) -> str:
    """The error text shown beside one field."""
    match = re.search(rf'<ul class="errorlist" id="id_{name}_error"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    assert match, f"no error shown beside {name}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


@pytest.fixture
def people(researcher) -> dict[str, Person]:
    made = {
        "tukhachevsky": dict(name="Mikhail Tukhachevsky", name_original="Тухачевский, Михаил Николаевич"),
        "yakir": dict(name="Iona Yakir", name_original="Якир, Иона Эммануилович"),
        "uborevich": dict(
            name="Ieronim Uborevich",
            name_original="Уборевич, Иероним Петрович",
            aliases="Uborevič\nHieronymus Uborewitsch",
        ),
    }
    return {slug: services.person_create(actor=researcher, slug=slug, **names) for slug, names in made.items()}


@pytest.fixture
def about_two(claim, people) -> Claim:
    claim.people.set([people["tukhachevsky"], people["yakir"]])
    return claim


def form_pages(claim: Claim, citation: Citation) -> list[str]:
    return [
        "/claims/new/",
        f"/claims/{claim.key}/edit/",
        f"/claims/{claim.key}/citations/new/",
        f"/citations/{citation.pk}/edit/",
    ]


def measured(client, url: str) -> tuple[int, int]:
    """(bytes, queries) of a GET of url, after one GET that warms what is cached once."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(response.content), len(queries)


def add_many(researcher, *, sources: int, people: int) -> None:
    Source.objects.bulk_create(
        [
            Source(
                key=f"memoir-{n:04}",
                kind="memoir",
                level="primary",
                created_by=researcher,
                title=f"Memoir of the purge, volume {n}",
            )
            for n in range(sources)
        ]
    )
    Person.objects.bulk_create(
        [
            Person(slug=f"officer-{n:04}", name=f"Officer {n}", name_original=f"Офицер {n}", created_by=researcher)
            for n in range(people)
        ]
    )


# --- The same cost with 3 or 3,000 sources and 1,000 people ------------------------------------


def test_the_citation_and_claim_forms_stay_small_and_run_the_same_queries_among_thousands(
    client, researcher, about_two, citation
):
    client.force_login(researcher)
    pages = form_pages(about_two, citation)
    assert (Source.objects.count(), Person.objects.count()) == (1, 3)
    few = {url: measured(client, url) for url in pages}
    add_many(researcher, sources=2_999, people=997)
    assert (Source.objects.count(), Person.objects.count()) == (3_000, 1_000)
    many = {url: measured(client, url) for url in pages}
    for url in pages:
        (few_bytes, few_queries), (many_bytes, many_queries) = few[url], many[url]
        assert many_queries == few_queries, url
        assert many_bytes < SMALL_PAGE and abs(many_bytes - few_bytes) < 200, (url, few_bytes, many_bytes)
    for url in pages:
        assert "Memoir of the purge" not in client.get(url).content.decode() and "Офицер" not in page_text(
            client.get(url)
        )


def test_saving_a_claim_or_a_citation_runs_the_same_queries_among_thousands(client, researcher, about_two, source):
    client.force_login(researcher)

    def saves(n: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            claim = client.post(
                "/claims/new/",
                {
                    "key": f"claim-{n}",
                    "topic": about_two.topic.pk,
                    "kind": "fact",
                    "statement": "Shot on 12 June.",
                    "people": "tukhachevsky | Якир",
                },
            )
            cited = client.post(
                f"/claims/claim-{n}/citations/new/",
                {"source": "Stalin's Year of Terror", "locator": "ch. 9", "stance": "supports"},
            )
        assert (claim.status_code, cited.status_code) == (302, 302)
        return len(queries)

    saves(0)  # (what the first request caches)
    few = saves(1)
    add_many(researcher, sources=2_999, people=997)
    assert saves(2) == few
    assert Claim.objects.get(key="claim-2").citations.get().source == source


# --- A citation's source, typed -----------------------------------------------------------


def test_a_citation_is_saved_by_the_sources_key_and_by_words_of_its_title(client, researcher, claim, source):
    Source.objects.create(key="izvestiya-1989", kind="periodical", level="primary", title="Izvestiya TsK KPSS")
    client.force_login(researcher)
    url = f"/claims/{claim.key}/citations/new/"
    by_key = client.post(url, {"source": "rogovin-1937", "locator": "p. 412", "stance": "supports"})
    by_words = client.post(url, {"source": "  stalin's year  ", "locator": "p. 413", "stance": "supports"})
    assert (by_key.status_code, by_words.status_code) == (302, 302)
    assert [(c.locator, c.source.key) for c in claim.citations.order_by("locator")] == [
        ("p. 412", "rogovin-1937"),
        ("p. 413", "rogovin-1937"),
    ]


def test_the_citation_edit_form_shows_the_sources_key_and_takes_another_by_its_title(client, researcher, citation):
    other = Source.objects.create(key="izvestiya-1989", kind="periodical", level="primary", title="Izvestiya TsK KPSS")
    client.force_login(researcher)
    url = f"/citations/{citation.pk}/edit/"
    assert re.search(r'<input type="text" name="source" value="rogovin-1937"', client.get(url).content.decode())
    response = client.post(
        url, {"version": citation.version, "source": "Izvestiya", "locator": "ch. 9", "stance": "mentions"}, follow=True
    )
    assert "Citation of “Izvestiya TsK KPSS” saved." in page_text(response)
    citation.refresh_from_db()
    assert citation.source == other


def test_the_sources_title_typed_again_is_no_change(client, researcher, citation):
    client.force_login(researcher)
    response = client.post(
        f"/citations/{citation.pk}/edit/",
        {
            "version": citation.version,
            "source": "1937: Stalin's Year of Terror",
            "locator": "ch. 9",
            "stance": citation.stance,
        },
        follow=True,
    )
    assert "nothing was changed" in page_text(response)
    assert Citation.objects.get(pk=citation.pk).version == citation.version


def test_words_that_fit_several_sources_are_refused_naming_five_of_their_keys(client, researcher, claim):
    Source.objects.bulk_create(
        [
            Source(key=f"pravda-1937-{n:02}", kind="periodical", level="primary", title=f"Pravda, 1937, no. {n}")
            for n in range(1, 8)
        ]
    )
    client.force_login(researcher)
    response = client.post(f"/claims/{claim.key}/citations/new/", {"source": "Pravda", "stance": "supports"})
    assert response.status_code == 200
    assert errors_of(response, "source") == (
        "“Pravda” matches more than one source (pravda-1937-01, pravda-1937-02, pravda-1937-03, pravda-1937-04, "
        "pravda-1937-05, …): type the key of the one you mean."
    )
    assert 'value="Pravda"' in response.content.decode()  # what was typed is kept
    assert not Citation.objects.exists()


def test_a_title_typed_whole_is_that_source_though_its_words_fit_another_too(client, researcher, claim):
    Source.objects.bulk_create(
        [
            Source(key="pravda-1937", kind="periodical", level="primary", title="Pravda 1937"),
            Source(key="pravda-1937-index", kind="periodical", level="primary", title="Pravda 1937: an index"),
        ]
    )
    client.force_login(researcher)
    response = client.post(f"/claims/{claim.key}/citations/new/", {"source": "pravda 1937", "stance": "supports"})
    assert response.status_code == 302
    assert Citation.objects.get().source.key == "pravda-1937"


def test_a_source_nobody_added_is_refused_by_name_and_the_citation_left_as_it_was(client, researcher, citation):
    client.force_login(researcher)
    added = client.post(
        f"/claims/{citation.claim.key}/citations/new/", {"source": "Nobody wrote this", "stance": "supports"}
    )
    edited = client.post(
        f"/citations/{citation.pk}/edit/",
        {"version": citation.version, "source": "Nobody wrote this", "locator": "p. 1", "stance": "supports"},
    )
    for response in (added, edited):
        assert response.status_code == 200
        assert errors_of(response, "source") == "No source has the key “Nobody wrote this”, and none matches it."
        assert '<a href="/sources/new/">Add the source first</a>' in response.content.decode()
    assert list(Citation.objects.values_list("pk", "source__key", "locator")) == [
        (citation.pk, "rogovin-1937", "ch. 9")
    ]


# --- A claim's people, typed ----------------------------------------------------------------


def claim_data(claim: Claim | None = None, **changes) -> dict:
    data = {
        "key": "shot-11-june",
        "topic": "",
        "new_topic": "Date of execution",
        "kind": "fact",
        "statement": "Shot on 11 June 1937.",
        "event_date": "",
    }
    if claim is not None:
        data.update(
            key=claim.key,
            topic=claim.topic_id,
            new_topic="",
            kind=claim.kind,
            statement=claim.statement,
            event_date=claim.event_date,
            version=claim.version,
        )
    return {**data, **changes}


def test_a_claim_is_saved_with_people_named_by_slug_by_cyrillic_name_and_by_alias(client, researcher, topic, people):
    client.force_login(researcher)
    response = client.post("/claims/new/", claim_data(people=" tukhachevsky|Якир, Иона Эммануилович |  Uborevič "))
    assert response.status_code == 302
    assert {p.slug for p in Claim.objects.get(key="shot-11-june").people.all()} == {
        "tukhachevsky",
        "yakir",
        "uborevich",
    }


def test_words_of_a_name_in_either_script_and_a_person_named_twice_are_one_person_each(
    client, researcher, topic, people
):
    client.force_login(researcher)
    response = client.post("/claims/new/", claim_data(people="Тухачевский | Tukhachevsky | tukhachevsky | yakir"))
    assert response.status_code == 302
    assert sorted(p.slug for p in Claim.objects.get(key="shot-11-june").people.all()) == ["tukhachevsky", "yakir"]


def test_no_people_typed_is_a_claim_about_nobody(client, researcher, about_two):
    client.force_login(researcher)
    response = client.post(f"/claims/{about_two.key}/edit/", claim_data(about_two, people="  "))
    assert response.status_code == 302
    assert not about_two.people.exists()


def test_the_edit_form_shows_the_peoples_slugs_and_sending_them_back_changes_nothing(client, researcher, about_two):
    client.force_login(researcher)
    url = f"/claims/{about_two.key}/edit/"
    shown = client.get(url).content.decode()
    assert re.search(r'<input type="text" name="people" value="yakir \| tukhachevsky"', shown)  # by name: Iona, Mikhail
    response = client.post(url, claim_data(about_two, people="Tukhachevsky | yakir"), follow=True)
    assert f"Claim “{about_two.key}”: nothing was changed." in page_text(response)
    assert Claim.objects.get(pk=about_two.pk).version == about_two.version


def test_each_person_who_is_not_one_is_named_with_why_and_nothing_is_saved(client, researcher, about_two, people):
    services.person_create(actor=researcher, name="Pyotr Yakir", slug="yakir-pyotr")
    client.force_login(researcher)
    typed = "uborevich | Yakir | Nobody at all"
    added = client.post("/claims/new/", claim_data(people=typed))
    edited = client.post(f"/claims/{about_two.key}/edit/", claim_data(about_two, statement="Changed.", people=typed))
    for response in (added, edited):
        assert response.status_code == 200
        assert errors_of(response, "people") == (
            "Name 2 of 3: “Yakir” matches more than one person (yakir, yakir-pyotr): type the slug of the one you mean. "
            "Name 3 of 3: No person has the slug “Nobody at all”, and none matches it."
        )
        assert f'value="{typed}"' in response.content.decode()  # what was typed is kept
        assert '<a href="/people/new/">Add a person</a>' in response.content.decode()
    assert not Claim.objects.filter(key="shot-11-june").exists()
    about_two.refresh_from_db()
    assert about_two.statement != "Changed." and {p.slug for p in about_two.people.all()} == {"tukhachevsky", "yakir"}


def test_a_name_typed_whole_is_that_person_though_its_words_fit_another_too(client, researcher, topic, people):
    services.person_create(actor=researcher, name="Iona Yakir junior", slug="yakir-junior")
    client.force_login(researcher)
    response = client.post("/claims/new/", claim_data(people="iona yakir"))
    assert response.status_code == 302
    assert [p.slug for p in Claim.objects.get(key="shot-11-june").people.all()] == ["yakir"]


@pytest.mark.parametrize(
    "typed,message",
    [
        (" | ".join(["tukhachevsky"] * 101), "Name at most 100 people (101 are named)."),
        ("Тухачевский " * 90_000, "Type at most 10000 characters here."),
    ],
)
def test_too_many_names_or_a_megabyte_of_them_is_refused_in_a_short_message(
    client, researcher, topic, people, typed, message
):
    client.force_login(researcher)
    response = client.post("/claims/new/", claim_data(people=typed))
    assert response.status_code == 200
    assert errors_of(response, "people") == message
    assert not Claim.objects.exists()


# --- Suggestions as one types, in a real browser ----------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_typing_a_second_persons_name_in_the_claim_form_suggests_them_after_the_first(
    live_server, page, researcher, topic, two_accused
):
    log_in(page, live_server, researcher)
    page.goto(f"{live_server.url}/claims/new/")
    page.get_by_label("Key").fill("shot-12-june")
    page.locator("#id_topic").select_option(label="Date of execution")
    page.get_by_label("Statement").fill("Shot on 12 June 1937.")
    # The people are chips (people_picker.js, issue 15): each chosen from the suggestions for what is typed.
    people = page.get_by_label("People the claim is about")
    people.press_sequentially("yakir", delay=30)
    page.get_by_role("option", name="Iona Yakir (Якир, Иона Эммануилович)").click()
    people.press_sequentially("Тухач", delay=30)
    options = page.locator(".picker-options [role=option]")
    expect(options).to_have_count(2)  # the one match, and adding "Тухач" as someone new
    expect(options.first).to_have_text("Mikhail Tukhachevsky (Тухачевский, Михаил Николаевич)")
    options.first.click()
    expect(page.locator("#id_people_value")).to_have_value("yakir | tukhachevsky")  # what the form posts
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Claim “shot-12-june” added.")
    assert sorted(p.slug for p in Claim.objects.get(key="shot-12-june").people.all()) == ["tukhachevsky", "yakir"]
