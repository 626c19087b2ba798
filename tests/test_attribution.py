"""Who said it, not only who it is about (issue 15): a claim attributed to the people who made
it, apart from the people it is about; person pages list the two apart; a source's authors
linked to people."""

import html
import re

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.models import Claim, Person, Source

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def suvorov(researcher) -> Person:
    return services.person_create(
        actor=researcher, name="Viktor Suvorov", name_original="Суворов, Виктор", aliases="Rezun", slug="suvorov"
    )


@pytest.fixture
def hypothesis(topic, researcher, suvorov, tukhachevsky) -> Claim:
    return services.claim_create(
        actor=researcher,
        key="generals-incompetent",
        topic=topic,
        statement="The executed generals were incompetent as military leaders.",
        kind=Claim.Kind.HYPOTHESIS,
        people=[tukhachevsky],
        attributed_to=[suvorov],
    )


def claim_form(topic, **changes) -> dict:
    return {
        "key": "two-clans",
        "topic": topic.pk,
        "new_topic": "",
        "statement": "The purge settled a feud of two Civil War clans.",
        "kind": "hypothesis",
        "event_date": "",
        "people": "",
        "attributed_to": "",
        **changes,
    }


def test_the_claim_page_shows_who_made_the_claim_apart_from_who_it_is_about(client, researcher, hypothesis):
    client.force_login(researcher)
    text = text_of(client.get("/claims/generals-incompetent/"))
    assert "Attributed to Viktor Suvorov (Суворов, Виктор)" in text
    assert "People it is about Mikhail Tukhachevsky (Тухачевский, Михаил Николаевич)" in text


def test_a_claim_nobody_is_named_for_says_so(client, researcher, claim):
    client.force_login(researcher)
    assert "Attributed to nobody named" in text_of(client.get(f"/claims/{claim.key}/"))


def test_the_person_page_lists_claims_made_by_and_claims_about_apart(client, researcher, hypothesis, topic):
    services.claim_create(
        actor=researcher,
        key="suvorov-emigrated",
        topic=topic,
        statement="Suvorov defected to Britain in 1978.",
        people=[Person.objects.get(slug="suvorov")],
    )
    client.force_login(researcher)
    text = text_of(client.get("/people/suvorov/"))
    made, about = text.split("Claims made by Viktor Suvorov (1)")[1].split("Claims about Viktor Suvorov (1)")
    assert "incompetent as military leaders" in made and "defected" not in made
    assert "defected to Britain" in about and "incompetent" not in about
    # And the generals' page has the hypothesis among the claims about him, none made by him.
    text = text_of(client.get("/people/mikhail-tukhachevsky/"))
    assert "Claims made by Mikhail Tukhachevsky (0) No claims are attributed to Mikhail Tukhachevsky." in text
    assert "Claims about Mikhail Tukhachevsky (1)" in text


def test_the_claims_made_by_a_person_are_paged_on_their_own(client, researcher, topic, suvorov):
    for n in range(55):
        services.claim_create(
            actor=researcher, key=f"view-{n:02}", topic=topic, statement=f"View {n}.", attributed_to=[suvorov]
        )
    client.force_login(researcher)
    first = client.get("/people/suvorov/")
    assert "Claims 1–50 of 55" in text_of(first)
    assert 'href="?made=2#claims-made"' in first.content.decode()
    second = text_of(client.get("/people/suvorov/?made=2"))
    assert "Claims 51–55 of 55" in second and "View 54." in second and "View 0." not in second


def test_the_claim_form_takes_who_made_it_by_any_name(client, researcher, topic, suvorov, tukhachevsky):
    client.force_login(researcher)
    response = client.post("/claims/new/", claim_form(topic, people="Тухачевский", attributed_to="Rezun"))
    assert response.status_code == 302, response.content.decode()[:3000]
    claim = Claim.objects.get(key="two-clans")
    assert list(claim.attributed_to.all()) == [suvorov]
    assert list(claim.people.all()) == [tukhachevsky]
    edit = client.get("/claims/two-clans/edit/").content.decode()
    assert re.search(r'name="attributed_to"[^>]*value="suvorov"', edit)


def test_an_unknown_name_in_attributed_to_is_a_form_error_and_nothing_is_saved(client, researcher, topic):
    client.force_login(researcher)
    response = client.post("/claims/new/", claim_form(topic, attributed_to="Nobody Known"))
    assert response.status_code == 200
    assert "Name 1 of 1" in text_of(response)
    assert not Claim.objects.filter(key="two-clans").exists()


def test_changing_who_made_a_claim_is_in_its_history(client, researcher, hypothesis, tukhachevsky):
    services.claim_update(actor=researcher, claim=hypothesis, data={"attributed_to": [tukhachevsky]})
    client.force_login(researcher)
    text = text_of(client.get("/claims/generals-incompetent/"))
    assert (
        "attributed to: Viktor Suvorov (Суворов, Виктор) → Mikhail Tukhachevsky (Тухачевский, Михаил Николаевич)"
        in text
    )
    assert Claim.objects.get(pk=hypothesis.pk).version == 2


def test_the_service_refuses_someone_not_recorded(researcher, topic):
    with pytest.raises(ValidationError) as refused:
        services.claim_create(
            actor=researcher, key="x", topic=topic, statement="X.", attributed_to=[Person(name="Unsaved")]
        )
    assert "attributed_to" in refused.value.message_dict
    assert not Claim.objects.filter(key="x").exists()


def test_restoring_a_version_restores_who_made_the_claim(editor, hypothesis, tukhachevsky):
    first = Claim.history.filter(id=hypothesis.pk).earliest("history_date", "history_id")
    services.claim_update(actor=editor, claim=hypothesis, data={"attributed_to": [tukhachevsky]})
    claim = Claim.objects.get(pk=hypothesis.pk)
    services.claim_restore(actor=editor, claim=claim, history_id=first.history_id)
    assert list(claim.attributed_to.values_list("slug", flat=True)) == ["suvorov"]


def test_a_claim_is_found_by_the_name_of_who_made_it(client, researcher, hypothesis):
    client.force_login(researcher)
    assert "incompetent as military leaders" in text_of(client.get("/claims/?q=Суворов"))


def test_a_sources_authors_link_to_people_with_their_original_names(client, researcher, suvorov):
    client.force_login(researcher)
    response = client.post(
        "/sources/new/",
        {
            "key": "ochishchenie-1998",
            "kind": "monograph",
            "level": "secondary",
            "title": "The Cleansing",
            "title_original": "Очищение",
            "authors": "Suvorov, Viktor (pseudonym of Vladimir Rezun)",
            "author_people": "Суворов",
            "date": "1998",
            "language": "ru",
        },
    )
    assert response.status_code == 302, text_of(response)[:3000]
    source = Source.objects.get(key="ochishchenie-1998")
    assert list(source.author_people.all()) == [suvorov]
    text = text_of(client.get("/sources/ochishchenie-1998/"))
    assert "Authors Suvorov, Viktor (pseudonym of Vladimir Rezun)" in text  # as written on it
    assert "Authors among the people Viktor Suvorov (Суворов, Виктор)" in text
    assert "Sources by Viktor Suvorov The Cleansing (1998)" in text_of(client.get("/people/suvorov/"))


def test_changing_a_sources_author_people_alone_is_a_change_in_its_history(researcher, source, suvorov):
    services.source_update(actor=researcher, source=source, data={"author_people": [suvorov]})
    source.refresh_from_db()
    assert source.version == 2
    latest = Source.history.filter(id=source.pk).latest("history_date", "history_id")
    assert [link.person.slug for link in latest.author_people.all()] == ["suvorov"]


def test_the_admin_offers_both_with_autocomplete(client, staff, hypothesis, source):
    client.force_login(staff)
    claim_page = client.get(f"/admin/claims/claim/{hypothesis.pk}/change/").content.decode()
    assert re.search(r'<select[^>]*name="attributed_to"[^>]*admin-autocomplete', claim_page)
    source_page = client.get(f"/admin/claims/source/{source.pk}/change/").content.decode()
    assert re.search(r'<select[^>]*name="author_people"[^>]*admin-autocomplete', source_page)
