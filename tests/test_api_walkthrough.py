"""The README's API walkthrough, step by step, against the seed: a researcher, a reviewer and
an editor each with a personal token made as the account page makes it (services.api_token_create)."""

import re
from pathlib import Path

import pytest
from django.test import Client

from claims import services
from claims.roles import Role
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("seed_for_the_module")

API = "/api/v1"
README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def scripts(db) -> dict[str, Client]:
    clients = {}
    for name, role in (("researcher", Role.RESEARCHER), ("reviewer", Role.REVIEWER), ("editor", Role.EDITOR)):
        _, token = services.api_token_create(actor=make_user(name, role), name="walkthrough")
        clients[name] = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    return clients


def keys(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [claim["key"] for claim in response.json()["results"]]


def test_the_readme_walks_through_the_addresses_tested_here(db):
    # (db: a test of this module runs among the database tests, before any transactional test's
    # flush would leave the seed without the role groups it names)
    walkthrough = README.read_text().split("## The JSON API: a walkthrough with curl")[1].split("\n## ")[0]
    for step in ('"$API/claims/"', '-X POST "$API/citations/"', '-X POST "$API/citation-grades/"', "-X PATCH"):
        assert step in walkthrough
    assert "tests/test_api_walkthrough.py" in walkthrough


def test_a_search_in_either_script_finds_the_same_claims(scripts):
    cyrillic = keys(scripts["researcher"].get(f"{API}/claims/", {"q": "Тухачевский"}))
    latin = keys(scripts["researcher"].get(f"{API}/claims/", {"q": "Tukhachevsky"}))
    assert "tukhachevsky-arrest" in cyrillic
    assert cyrillic == latin
    contested = keys(scripts["researcher"].get(f"{API}/claims/", {"q": "Tukhachevsky", "status": "contested"}))
    assert contested and set(contested) < set(latin)


def test_a_citation_added_then_graded_blind_then_a_stale_write_refused(scripts):
    researcher, reviewer, editor = scripts["researcher"], scripts["reviewer"], scripts["editor"]
    added = researcher.post(
        f"{API}/citations/",
        {"claim": "execution-12-june", "source": "rogovin-1937", "locator": "ch. 9", "stance": "supports"},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    citation = added.json()["id"]

    def grade(client: Client, value: int, rationale: str):
        body = {"citation": citation, "grade": value, "rationale": rationale}
        return client.post(f"{API}/citation-grades/", body, content_type="application/json")

    def grades_seen_by(client: Client) -> list[int]:
        response = client.get(f"{API}/citation-grades/", {"citation": citation})
        assert response.status_code == 200, response.content
        return sorted(g["grade"] for g in response.json()["results"])

    assert grade(editor, 2, "Confirmed by the verdict record.").status_code == 201
    assert grades_seen_by(reviewer) == []  # blind: he has not graded it yet
    assert grade(reviewer, 3, "One memoir, no record cited.").status_code == 201
    assert grades_seen_by(reviewer) == [2, 3]

    # (The seeded claims were added by the data set's loader: an editor changes them.)
    claim = f"{API}/claims/execution-12-june/"
    version = editor.get(claim).json()["version"]
    first = editor.patch(
        claim, {"version": version, "event_date": "1937-06-12/1937-06-13"}, content_type="application/json"
    )
    assert first.status_code == 200 and first.json()["version"] == version + 1
    stale = editor.patch(claim, {"version": version, "event_date": "1937-06-11"}, content_type="application/json")
    assert stale.status_code == 409
    message = " ".join(stale.json()["non_field_errors"])
    assert re.search(rf"you started from version {version}, it is now at version {version + 1}", message)
    assert "saved by editor" in message
    assert editor.get(claim).json()["event_date"] == "1937-06-12/1937-06-13"
