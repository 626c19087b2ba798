"""The claim list's source and person filters: typed, matched on submit, with suggestions as
one types (a small JSON endpoint each, and a static script that fills a <datalist>)."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims import services
from claims.models import Person, Source
from tests.conftest import PASSWORD


@pytest.fixture
def seed(db, seed_for_the_module) -> None:
    """The seed data set (loaded once for the module)."""


def listed_keys(response) -> list[str]:
    return re.findall(r'<a href="/claims/([^/"]+)/">', response.content.decode())


def test_the_source_endpoint_offers_sources_by_key_and_by_words_of_their_titles(client, researcher, seed):
    client.force_login(researcher)
    by_key = client.get("/sources/suggest.json", {"q": "rogovin"}).json()["results"]
    assert [s["value"] for s in by_key][:1] == ["rogovin-1937"]
    assert by_key[0]["label"].startswith("rogovin-1937: ")
    by_title = client.get("/sources/suggest.json", {"q": "Izvestiya"}).json()["results"]
    assert by_title and all("izvestiya" in (s["label"]).casefold() for s in by_title)
    assert client.get("/sources/suggest.json", {"q": "no such thing at all"}).json() == {"results": []}
    assert client.get("/sources/suggest.json").json() == {"results": []}


def test_the_person_endpoint_finds_a_person_in_any_script_and_spelling(client, researcher, seed):
    client.force_login(researcher)
    for typed in ("Тухачевский", "тухач", "Tukhachevsk", "Tukhachevskii"):
        found = client.get("/people/suggest.json", {"q": typed}).json()["results"]
        assert [p["value"] for p in found] == ["tukhachevsky"], typed
        assert found[0]["label"].startswith("Mikhail Tukhachevsky (")


def test_the_suggestions_stop_at_ten_among_thousands(client, researcher, db):
    Source.objects.bulk_create(
        [Source(key=f"memoir-{n:04}", kind="memoir", level="primary", title=f"Memoir {n}") for n in range(3000)]
    )
    client.force_login(researcher)
    found = client.get("/sources/suggest.json", {"q": "memoir"}).json()["results"]
    assert [s["value"] for s in found] == [f"memoir-{n:04}" for n in range(10)]


def test_a_part_of_a_word_finds_its_source_in_either_case_of_either_script(client, researcher, seed, editor):
    services.source_create(
        actor=editor,
        key="pravda-1937",
        kind="periodical",
        level="primary",
        title="Pravda, 12 June 1937",
        title_original="Приговор суда. Правда, 12 июня 1937",
    )
    client.force_login(researcher)
    for typed in ("ПРИГОВОР", "приговор", "иговор", "PRAVDA june", "Pravd 1937"):
        found = client.get("/sources/suggest.json", {"q": typed}).json()["results"]
        assert "pravda-1937" in [s["value"] for s in found], typed
    assert client.get("/sources/suggest.json", {"q": "приговор сталина"}).json() == {"results": []}
    # The index follows a change of title in the same transaction.
    source = Source.objects.get(key="pravda-1937")
    services.source_update(
        actor=editor, source=source, data={"title": "Izvestiya, 12 June 1937", "title_original": "Известия"}
    )
    assert client.get("/sources/suggest.json", {"q": "приговор"}).json() == {"results": []}
    found = client.get("/sources/suggest.json", {"q": "звести"}).json()["results"]
    assert "pravda-1937" in [s["value"] for s in found]


def test_a_person_is_found_by_a_part_of_an_alias_in_capitals(client, researcher, seed, editor, staff):
    services.person_create(
        actor=editor,
        name="Semyon Uritsky",
        name_original="Урицкий, Семён Петрович",
        aliases="Uritskii\nУрицкий С. П.",
        slug="uritsky",
    )
    client.force_login(researcher)
    for typed in ("УРИЦКИЙ", "урицк", "URITSKII", "itsk", "semyon"):
        found = client.get("/people/suggest.json", {"q": typed}).json()["results"]
        assert "uritsky" in [p["value"] for p in found], typed
    services.staff_delete(actor=staff, instance=Person.objects.get(slug="uritsky"))
    assert client.get("/people/suggest.json", {"q": "урицк"}).json() == {"results": []}


def test_words_of_a_title_or_a_name_filter_the_claim_list_when_they_match_one(client, researcher, seed):
    client.force_login(researcher)
    by_key = listed_keys(client.get("/claims/", {"person": "tukhachevsky"}))
    by_name = client.get("/claims/", {"person": "Тухачевский"})
    assert by_key and listed_keys(by_name) == by_key
    assert "about: Mikhail Tukhachevsky" in " ".join(by_name.content.decode().split())


def test_a_name_that_matches_several_people_asks_for_the_slug_and_names_them(client, researcher, seed, editor):
    services.person_create(actor=editor, name="Mikhail Tukhachevsky junior", slug="tukhachevsky-junior")
    client.force_login(researcher)
    page = client.get("/claims/", {"person": "Tukhachevsky"}).content.decode()
    assert (
        "“Tukhachevsky” matches more than one person (tukhachevsky, tukhachevsky-junior): "
        "type the slug of the one you mean."
    ) in page
    assert Person.objects.count() > 2


def test_a_name_that_matches_nobody_is_reported_and_the_filter_left_out(client, researcher, seed):
    client.force_login(researcher)
    response = client.get("/claims/", {"source": "Nobody wrote this"})
    page = " ".join(response.content.decode().split())
    assert "No source has the key “Nobody wrote this”, and none matches it." in page
    assert listed_keys(response) == listed_keys(client.get("/claims/"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_typing_in_the_person_filter_offers_matching_people(live_server, page, researcher):
    call_command("seed", verbosity=0, stdout=io.StringIO())
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(researcher.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/claims/")
    page.get_by_label("About person").press_sequentially("Тухач", delay=30)
    expect(page.locator("#person-suggestions option")).to_have_count(1)
    expect(page.locator("#person-suggestions option")).to_have_attribute("value", "tukhachevsky")
    page.get_by_label("About person").fill("tukhachevsky")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".result-count")).to_contain_text("about: Mikhail Tukhachevsky")
