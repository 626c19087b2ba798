"""Actions a persona may not take are not offered (issue 15): on the seeded pages, every link to
an action (edit, add, grade, dispute, resolve, withdraw, restore, relate, import, …) and every
form that posts one, followed or sent by the persona who was shown it, is not answered 403.
Researchers saw "Edit this person" on every person and were refused each time."""

import html
import re
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import Client
from django.urls import Resolver404, resolve

from claims import services
from claims.models import Claim, Dispute, Person, Source, Topic
from claims.roles import Role
from tests.conftest import make_user
from tests.test_pages import text_of

pytestmark = pytest.mark.django_db

# The views that do something (or show the form that does): what the crawl follows.
ACTIONS = {
    "claim_create",
    "claim_edit",
    "claim_restore",
    "claim_import",
    "citation_create",
    "citation_edit",
    "citation_grade",
    "consistency_cell",
    "source_create",
    "source_edit",
    "source_grade",
    "source_import",
    "source_relation_create",
    "source_relation_edit",
    "source_relation_remove",
    "person_create",
    "person_edit",
    "annotation_create",
    "annotation_reply",
    "annotation_edit",
    "annotation_withdraw",
    "dispute_raise",
    "dispute_withdraw",
    "dispute_resolve",
    "agreement_recompute",
    "claims_export_start",
}
LINK = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')
POST_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def seeded_pages() -> list[str]:
    """The pages a new user of the demo opens: the lists, and one of each kind of record, the
    claim with the most citations and an open dispute among them."""
    claim = Claim.objects.annotate(cited=Count("citations")).order_by("-cited", "key").first()
    dispute = Dispute.objects.filter(state="open").order_by("pk").first()
    source = Source.objects.order_by("-citation_count", "key").first()
    person = Person.objects.order_by("slug").first()
    topic = Topic.objects.order_by("slug").first()
    assert claim and dispute and source and person and topic, "the seed has each kind of record"
    return [
        "/",
        "/claims/",
        "/sources/",
        "/disputes/",
        "/review/",
        "/review/adjudicate/",
        f"/topics/{topic.slug}/",
        f"/topics/{topic.slug}/matrix/",
        f"/claims/{claim.key}/",
        f"/sources/{source.key}/",
        f"/people/{person.slug}/",
        f"/disputes/{dispute.pk}/",
    ]


def _action(url: str) -> str:
    path = urlsplit(html.unescape(url)).path
    try:
        return resolve(path).url_name if path.startswith("/") else ""
    except Resolver404:
        return ""


def offered(page: str) -> tuple[list[str], list[tuple[str, dict]]]:
    """The action links of a page, and its action forms that POST (address, hidden fields)."""
    links = [html.unescape(url) for url in LINK.findall(page) if _action(url) in ACTIONS]
    forms = []
    for attributes, body in POST_FORM.findall(page):
        action = re.search(r'action="([^"]+)"', attributes)
        if 'method="post"' in attributes and action and _action(action[1]) in ACTIONS:
            forms.append(
                (html.unescape(action[1]), {name: html.unescape(value) for name, value in HIDDEN.findall(body)})
            )
    return links, forms


def refused_actions(client: Client, pages: list[str]) -> tuple[list[str], int]:
    """(the offered actions answered 403, how many were tried). Each POST is rolled back."""
    refused, tried = [], 0
    for address in pages:
        response = client.get(address)
        if response.status_code in (403, 404):
            continue  # a page this persona may not open (or see: a blind reviewer's dispute) offers nothing
        assert response.status_code == 200, address
        links, forms = offered(response.content.decode())
        for link in dict.fromkeys(links):
            tried += 1
            if client.get(link).status_code == 403:
                refused.append(f"{address}: link {link}")
        for action, fields in forms:
            tried += 1
            with transaction.atomic():
                status = client.post(action, fields).status_code
                transaction.set_rollback(True)
            if status == 403:
                refused.append(f"{address}: form posting to {action}")
    return refused, tried


@pytest.fixture
def seed(db, seed_for_the_module) -> None:
    """The seed data set (loaded once for the module)."""


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "editor", "staff"])
def test_every_action_offered_on_the_seeded_pages_is_allowed_to_whoever_is_shown_it(seed, persona):
    # As the demo accounts: new users, none of whom added what the seed holds.
    roles = {"researcher": [Role.RESEARCHER], "reviewer": [Role.REVIEWER], "editor": [Role.EDITOR]}.get(persona, [])
    user = make_user(f"new_{persona}", *roles, staff=persona == "staff")
    client = Client()
    client.force_login(user)
    refused, tried = refused_actions(client, seeded_pages())
    assert refused == []
    assert tried >= 5  # every persona is offered something: adding a claim, a person, a citation at least


def test_a_researcher_is_offered_edit_this_person_only_for_people_they_added(seed):
    researcher = make_user("new_researcher", Role.RESEARCHER)
    own = services.person_create(actor=researcher, name="Avgust Kork")
    someone_elses = Person.objects.exclude(created_by=researcher).order_by("slug").first()
    client = Client()
    client.force_login(researcher)
    theirs = client.get(f"/people/{someone_elses.slug}/").content.decode()
    mine = client.get(f"/people/{own.slug}/").content.decode()
    assert "Edit this person" not in text_of(theirs)
    assert f"/people/{someone_elses.slug}/edit/" not in theirs
    assert "Add a person" in text_of(theirs)  # what they may do is still offered
    assert "Edit this person" in text_of(mine)
    assert client.get(f"/people/{own.slug}/edit/").status_code == 200


def test_an_editor_is_offered_edit_this_person_on_everyone(seed):
    editor = make_user("new_editor", Role.EDITOR)
    client = Client()
    client.force_login(editor)
    person = Person.objects.order_by("slug").first()
    assert "Edit this person" in text_of(client.get(f"/people/{person.slug}/").content.decode())
