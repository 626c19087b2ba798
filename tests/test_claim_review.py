"""Issue 16, point 3: each claim as a schema.org ClaimReview, embedded in its page and at
/claims/<key>.jsonld, valid against schema.org's vocabulary (a vendored subset, tests/vendor/)."""

import csv
import json
import re
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from claims import services
from claims.models import Claim
from claims.roles import Role
from tests.conftest import make_user, rows_for_the_module

HOST = "http://testserver"
VOCABULARY = Path(__file__).parent / "vendor" / "schemaorg"
SCHEMA = "https://schema.org/"


def _read(name: str) -> list[dict[str, str]]:
    with open(VOCABULARY / name, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _names(cell: str) -> set[str]:
    return {iri.strip().removeprefix(SCHEMA) for iri in cell.split(",") if iri.strip()}


SUPERTYPES = {row["label"]: _names(row["subTypeOf"]) for row in _read("types.csv")}
PROPERTIES = {
    row["label"]: (_names(row["domainIncludes"]), _names(row["rangeIncludes"])) for row in _read("properties.csv")
}


def lineage(kind: str) -> set[str]:
    """A type and all its supertypes."""
    found, todo = set(), [kind]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(SUPERTYPES[current])
    return found


def literal_types(value) -> set[str]:
    """The schema.org data types a JSON literal can be read as."""
    if isinstance(value, bool):
        return {"Boolean"}
    if isinstance(value, int | float):
        return {"Number", "Integer"} if isinstance(value, int) else {"Number"}
    kinds = {"Text"}
    if re.match(r"^https?://\S+$", value):
        kinds.add("URL")
    if re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", value):
        kinds.add("Date")
    elif "T" in value:
        try:
            datetime.fromisoformat(value)
            kinds.add("DateTime")
        except ValueError:
            pass
    return kinds


def schema_errors(node: dict, where: str = "") -> list[str]:
    """Every way the node breaks schema.org's vocabulary: a type it does not define, a property it
    does not define or not for the node's types, a value outside the property's range."""
    errors = []
    types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
    unknown = [t for t in types if t not in SUPERTYPES]
    if unknown:
        return [f"{where}: {unknown} are no schema.org types"]
    lineages = set().union(*(lineage(t) for t in types))
    for name, values in node.items():
        if name.startswith("@"):
            continue
        if name not in PROPERTIES:
            errors.append(f"{where}.{name}: no schema.org property")
            continue
        domain, range_ = PROPERTIES[name]
        if not domain & lineages:
            errors.append(f"{where}.{name}: not a property of {types}")
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, dict):
                value_types = value["@type"] if isinstance(value["@type"], list) else [value["@type"]]
                if not range_ & set().union(*(lineage(t) for t in value_types if t in SUPERTYPES)):
                    errors.append(f"{where}.{name}: a {value_types} where {sorted(range_)} is expected")
                errors += schema_errors(value, f"{where}.{name}")
            elif not range_ & literal_types(value):
                errors.append(f"{where}.{name}: {value!r} is none of {sorted(range_)}")
    return errors


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker, tmp_path_factory):
    """A contested claim attributed to a person, citing two sources (one dated, with its own URL),
    the citation graded 2 by victor_reviewer and its source B; the editor decided the status."""
    with rows_for_the_module(django_db_blocker, tmp_path_factory):
        researcher = make_user("rita_researcher", Role.RESEARCHER)
        victor = make_user("victor_reviewer", Role.REVIEWER)
        vera = make_user("vera_reviewer", Role.REVIEWER)
        editor = make_user("edith_editor", Role.EDITOR)
        topic = services.topic_create(actor=editor, title="Date of execution")
        suvorov = services.person_create(actor=researcher, name="Viktor Suvorov", slug="suvorov")
        claim = services.claim_create(
            actor=researcher,
            key="execution-12-june",
            topic=topic,
            statement="The convicted were shot on 12 June 1937 </script><script>alert(1)</script> & more.",
            attributed_to=[suvorov],
        )
        rogovin = services.source_create(
            actor=researcher,
            key="rogovin-1937",
            kind="monograph",
            level="secondary",
            title="1937: Stalin's Year of Terror",
            authors="Vadim Rogovin",
            date="1998",
            url="https://example.org/rogovin",
        )
        report = services.source_create(
            actor=researcher,
            key="shvernik-1964",
            kind="official_report",
            level="primary",
            title="Report of the Shvernik commission",
            date="1964~",
        )
        citation = services.citation_create(actor=researcher, claim=claim, source=rogovin, locator="ch. 9")
        services.citation_create(actor=researcher, claim=claim, source=report, stance="mentions")
        services.grade_set(actor=victor, target=citation, grade=2, rationale="Two witnesses.")
        services.grade_set(actor=victor, target=rogovin, grade="B", rationale="Usually right.")
        claim = services.claim_update(actor=editor, claim=claim, data={"status": Claim.Status.CONTESTED})
        services.claim_update(actor=researcher, claim=claim, data={"kind": Claim.Kind.HYPOTHESIS})
        yield SimpleNamespace(**locals())


@pytest.fixture
def world(shared, db):
    return shared


def review_of(client, user, key="execution-12-june") -> dict:
    client.force_login(user)
    response = client.get(f"/claims/{key}.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    return response.json()


def embedded(client, user, key="execution-12-june") -> list[dict]:
    client.force_login(user)
    html = client.get(f"/claims/{key}/").content.decode()
    return [
        json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


def test_the_claim_page_embeds_the_same_claim_review_as_its_jsonld_address(client, world):
    assert embedded(client, world.researcher) == [review_of(client, world.researcher)]


def test_a_statement_that_closes_the_script_cannot_break_out_of_the_data_block(client, world):
    client.force_login(world.researcher)
    html = client.get("/claims/execution-12-june/").content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    assert "<script>alert(1)" not in html
    [review] = embedded(client, world.researcher)
    assert review["claimReviewed"] == world.claim.statement


def test_the_review_names_the_claim_its_sources_and_who_made_it(client, world):
    review = review_of(client, world.researcher)
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["url"] == f"{HOST}/claims/execution-12-june/"
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"] == [{"@type": "Person", "name": "Viktor Suvorov", "url": f"{HOST}/people/suvorov/"}]
    rogovin, report = item["appearance"]
    assert rogovin == {
        "@type": "CreativeWork",
        "name": "1937: Stalin's Year of Terror",
        "author": [{"@type": "Person", "name": "Vadim Rogovin"}],
        "datePublished": "1998",
        "url": [f"{HOST}/sources/rogovin-1937/", "https://example.org/rogovin"],
    }
    # An approximate date ("1964~") is no schema.org Date: left out rather than guessed.
    assert "datePublished" not in report and report["url"] == f"{HOST}/sources/shvernik-1964/"
    assert item["firstAppearance"]["name"] == "Report of the Shvernik commission"


def test_the_rating_says_the_status_and_the_evidence_grade(client, world):
    rating = review_of(client, world.editor)["reviewRating"]
    assert rating == {
        "@type": "Rating",
        "ratingValue": 2,
        "bestRating": 4,
        "worstRating": 1,
        "alternateName": "Contested — evidence B2",
    }


def test_the_author_is_the_editor_who_last_decided_the_status_not_who_edited_since(client, world):
    assert review_of(client, world.researcher)["author"] == {"@type": "Person", "name": "edith_editor"}


def test_a_claim_whose_status_nobody_decided_is_reviewed_by_the_site(client, world):
    services.claim_create(actor=world.researcher, key="undecided", topic=world.topic, statement="Nobody knows.")
    review = review_of(client, world.researcher, "undecided")
    assert review["author"] == {"@type": "Organization", "name": "Source criticism", "url": f"{HOST}/"}
    assert review["reviewRating"]["alternateName"] == "Open — no supporting citation"
    assert "appearance" not in review["itemReviewed"] and "author" not in review["itemReviewed"]


def test_a_blind_reviewer_gets_no_evidence_grade_in_the_review_as_on_the_page(client, world):
    for review in [review_of(client, world.vera), *embedded(client, world.vera)]:
        assert review["reviewRating"]["alternateName"] == "Contested"
        assert "B2" not in json.dumps(review)
    services.grade_set(actor=world.vera, target=world.citation, grade=2, rationale="Agreed.")
    services.grade_set(actor=world.vera, target=world.rogovin, grade="B", rationale="Agreed.")
    assert review_of(client, world.vera)["reviewRating"]["alternateName"] == "Contested — evidence B2"


def test_the_review_is_valid_against_schema_orgs_vocabulary(client, world):
    review = review_of(client, world.researcher)
    assert schema_errors(review, "ClaimReview") == []
    # The check itself finds what is wrong.
    broken = review | {"reviewRating": review["reviewRating"] | {"author": "nobody"}, "ratingValue": 2}
    assert sorted(schema_errors(broken)) == [
        ".ratingValue: not a property of ['ClaimReview']",
        ".reviewRating.author: 'nobody' is none of ['Organization', 'Person']",
    ]
    assert schema_errors({"@type": "FactCheck"}) == [": ['FactCheck'] are no schema.org types"]


def test_a_claim_that_does_not_exist_has_no_review(client, world):
    client.force_login(world.researcher)
    assert client.get("/claims/no-such-claim.jsonld").status_code == 404
