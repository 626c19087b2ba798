"""Independent lines of evidence (issue 13): citations whose sources go back to a shared original
confirm nothing twice (claims/selectors/lines.py), on the pages, the CSV and at a fixed cost."""

import csv
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.csv.claims_csv import claims_import
from claims.models import Citation, Claim, Source, SourceRelation
from claims.selectors.lines import claim_evidence_lines
from tests.csv_support import exported_claims

SUPPORTS, CONTRADICTS, MENTIONS = Citation.Stance.SUPPORTS, Citation.Stance.CONTRADICTS, Citation.Stance.MENTIONS
ONE_LINE_WARNING = "Graded 1 (confirmed by independent sources), but every supporting citation is one line of evidence."


def text_of(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def seen(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return text_of(response.content.decode())


class World:
    """Sources and claims made through the services, by a researcher."""

    def __init__(self, researcher, topic):
        self.researcher, self.topic = researcher, topic

    def source(self, key: str, title: str = "") -> Source:
        return services.source_create(
            actor=self.researcher, key=key, kind="monograph", level="secondary", title=title or f"The work {key}"
        )

    def relate(self, source: Source, derived_from: Source, kind: str) -> None:
        services.source_relation_add(actor=self.researcher, source=source, derived_from=derived_from, kind=kind)

    def claim(self, key: str, *cited: tuple[Source, str] | Source) -> Claim:
        claim = services.claim_create(actor=self.researcher, key=key, topic=self.topic, statement=f"Claim {key}.")
        for n, item in enumerate(cited):
            source, stance = item if isinstance(item, tuple) else (item, SUPPORTS)
            self.cite(claim, source, stance, locator=f"p. {n + 1}")
        return claim

    def cite(self, claim: Claim, source: Source, stance: str = SUPPORTS, locator: str = "") -> Citation:
        return services.citation_create(
            actor=self.researcher, claim=claim, source=source, stance=stance, locator=locator
        )


@pytest.fixture
def world(researcher, topic) -> World:
    return World(researcher, topic)


def lines_of(claim: Claim):
    return claim_evidence_lines([claim])[claim.pk]


def roots_of(claim: Claim, citation_source_key: str) -> list[str]:
    citation = claim.citations.get(source__key=citation_source_key)
    return [root.key for root in lines_of(claim).line_of[citation.pk].roots]


# --- the rule ---------------------------------------------------------------------------------


def test_a_translation_and_its_original_are_one_line_going_back_to_the_original(world):
    original = world.source("rogovin-ru", "1937 (Russian)")
    translation = world.source("rogovin-en", "1937: Stalin's Year of Terror")
    world.relate(translation, original, "translation")
    claim = world.claim("inquest-in-weeks", original, translation)
    lines = lines_of(claim)
    assert (lines.supporting_citations, lines.supporting_lines) == (2, 1)
    assert roots_of(claim, "rogovin-en") == roots_of(claim, "rogovin-ru") == ["rogovin-ru"]
    assert lines.summary == "supports: 2 citations, 1 independent line"


def test_a_copy_of_a_copy_and_its_original_are_one_line_however_long_the_chain(world):
    report = world.source("report", "Report of the commission")
    reprint = world.source("reprint")
    reprint_of_reprint = world.source("reprint-2")
    quoting = world.source("quoting")
    world.relate(reprint, report, "copy")
    world.relate(reprint_of_reprint, reprint, "copy")
    world.relate(quoting, reprint_of_reprint, "quotes")
    claim = world.claim("chain", quoting, report)
    assert (lines_of(claim).supporting_citations, lines_of(claim).supporting_lines) == (2, 1)
    assert roots_of(claim, "quoting") == ["report"]
    # The root is named even when the claim does not cite it.
    only_the_last = world.claim("chain-end", quoting)
    line = lines_of(only_the_last).line_of[only_the_last.citations.get().pk]
    assert line.label == "line 1 · from «Report of the commission» [report]"


def test_two_works_one_summary_draws_on_stay_independent_unless_the_summary_is_cited(world):
    x, y, summary = world.source("x"), world.source("y"), world.source("summary")
    world.relate(summary, x, "based_on")
    world.relate(summary, y, "summary")
    independent = world.claim("both-originals", x, y)
    assert (lines_of(independent).supporting_citations, lines_of(independent).supporting_lines) == (2, 2)
    assert lines_of(independent).summary == "supports: 2 citations, 2 independent lines"

    joined = world.claim("with-the-summary", x, y, summary)
    lines = lines_of(joined)
    assert (lines.supporting_citations, lines.supporting_lines) == (3, 1)
    assert roots_of(joined, "summary") == roots_of(joined, "x") == ["x", "y"]


def test_without_relations_each_source_is_a_line_and_two_places_in_one_source_are_one(world):
    a, b, c = world.source("a"), world.source("b"), world.source("c")
    claim = world.claim("three-sources", a, b, c)
    world.cite(claim, a, locator="p. 99")
    lines = lines_of(claim)
    assert (lines.supporting_citations, lines.supporting_lines) == (4, 3)
    numbers = {
        (citation.source.key, citation.locator): lines.line_of[citation.pk].number
        for citation in claim.citations.select_related("source")
    }
    # Numbered by each line's first citation in the claim page's order (source key, locator).
    assert numbers == {("a", "p. 1"): 1, ("a", "p. 99"): 1, ("b", "p. 2"): 2, ("c", "p. 3"): 3}


def test_contradicting_citations_have_lines_of_their_own_and_mentions_count_in_neither(world):
    original, translation, other, aside = (
        world.source("o"),
        world.source("t"),
        world.source("other"),
        world.source("aside"),
    )
    world.relate(translation, original, "translation")
    claim = world.claim(
        "disputed", original, (translation, CONTRADICTS), (other, CONTRADICTS), (aside, MENTIONS), (original, MENTIONS)
    )
    lines = lines_of(claim)
    assert (lines.supporting_citations, lines.supporting_lines) == (1, 1)
    assert (lines.contradicting_citations, lines.contradicting_lines) == (2, 2)
    assert lines.summary == "supports: 1 citation · contradicts: 2 citations, 2 independent lines"
    mention = claim.citations.get(stance=MENTIONS, source=aside)
    assert mention.pk not in lines.line_of

    nothing_supports = world.claim("refuted", (other, CONTRADICTS), (aside, MENTIONS))
    assert lines_of(nothing_supports).summary == "no supporting citation · contradicts: 1 citation"
    assert lines_of(world.claim("bare")).summary == "no supporting citation"


@pytest.fixture
def seed(db, seed_for_the_module) -> None:
    """The seed data set (loaded once for the module)."""


@pytest.mark.parametrize(
    ("key", "copy", "original"),
    [
        ("shvernik-commission-review", "izvestiya-tsk-1989-4", "shvernik-commission-1964"),
        ("rogovin-speed-of-inquest", "rogovin-1937", "rogovin-1937-ru"),
    ],
)
def test_in_the_seed_a_publication_or_translation_adds_no_line_to_its_original(seed, key, copy, original):
    claim = Claim.objects.get(key=key)
    assert lines_of(claim).summary == "supports: 2 citations, 1 independent line"
    assert roots_of(claim, copy) == [original]
    relation = SourceRelation.objects.get(source__key=copy, derived_from__key=original)
    services.source_relation_remove(actor=relation.created_by, relation=relation)
    assert lines_of(claim).summary == "supports: 2 citations, 2 independent lines"


def test_in_the_seed_the_article_based_on_the_shvernik_report_is_one_line_with_it(seed):
    # motive-real-conspiracy: the article supports it, the Shvernik report contradicts it; lines
    # are by stance, so the article's dependence on the report joins nothing across them.
    claim = Claim.objects.get(key="motive-real-conspiracy")
    lines = lines_of(claim)
    assert lines.summary == "supports: 1 citation · contradicts: 1 citation"
    assert roots_of(claim, "wikipedia-case-of-military-2010") == [
        "pasu-1990-1-3",
        "shvernik-commission-1964",
        "suvorov-ochishchenie-1998",
        "via-1997-1",
    ]


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def translated(world, editor) -> dict:
    """A claim supported by a report and by its translation (one line), contradicted by a memoir."""
    report = world.source("shvernik-commission-1964", "Report of the Shvernik commission")
    translation = world.source("shvernik-en", "The Shvernik report in English")
    memoir = world.source("memoir", "A general's memoir")
    world.relate(translation, report, "translation")
    claim = world.claim("tortured", report, translation, (memoir, CONTRADICTS))
    return {"claim": claim, "report": report, "translation": translation, "memoir": memoir}


def test_the_claim_page_names_each_citations_line_and_its_root(client, researcher, translated):
    client.force_login(researcher)
    page = seen(client, "/claims/tortured/")
    assert "supports: 2 citations, 1 independent line · contradicts: 1 citation" in page
    assert page.count("supporting line 1 · from «Report of the Shvernik commission» [shvernik-commission-1964]") == 2
    assert "contradicting line 1 · from «A general's memoir» [memoir]" in page


def test_the_lists_of_claims_show_the_lines_beside_the_evidence_grade(
    client, researcher, translated, tukhachevsky, world
):
    translated["claim"].people.add(tukhachevsky)
    world.claim("unsupported")
    client.force_login(researcher)
    expected = "supports: 2 citations, 1 independent line · contradicts: 1 citation"
    for url in ("/claims/", f"/topics/{translated['claim'].topic.slug}/", f"/people/{tukhachevsky.slug}/"):
        assert expected in seen(client, url), url
    assert "none no supporting citation" in seen(client, "/claims/")
    assert "supports: 2 citations, 1 independent line" in seen(client, "/sources/shvernik-en/")


@pytest.fixture
def confirmed(translated, editor) -> dict:
    """The editor grades the report's citation 1: "confirmed by independent sources"."""
    citation = translated["claim"].citations.get(source=translated["report"])
    services.grade_set(actor=editor, target=citation, grade=1, rationale="Confirmed, it seems.")
    return {**translated, "citation": citation}


def test_a_credibility_of_1_on_one_line_is_flagged_for_those_who_see_it(client, researcher, editor, confirmed):
    for user in (researcher, editor):
        client.force_login(user)
        assert seen(client, "/claims/tortured/").count(ONE_LINE_WARNING) == 1


def test_the_flag_gives_nothing_away_to_a_blind_reviewer_until_they_grade_the_citation(client, reviewer, confirmed):
    client.force_login(reviewer)
    page = seen(client, "/claims/tortured/")
    assert ONE_LINE_WARNING not in page
    assert "supports: 2 citations, 1 independent line" in page  # the lines show no grade
    services.grade_set(actor=reviewer, target=confirmed["citation"], grade=1, rationale="Confirmed.")
    assert seen(client, "/claims/tortured/").count(ONE_LINE_WARNING) == 1


def test_no_flag_once_an_independent_line_supports_the_claim(client, researcher, world, confirmed):
    world.cite(confirmed["claim"], world.source("independent"))
    client.force_login(researcher)
    page = seen(client, "/claims/tortured/")
    assert "supports: 3 citations, 2 independent lines" in page
    assert ONE_LINE_WARNING not in page


# --- the CSV -----------------------------------------------------------------------------------


def test_the_claims_csv_counts_the_lines_and_imports_back_cleanly(editor, translated, world):
    world.claim("bare")
    text = exported_claims(actor=editor)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-3:-1] == ["supporting_lines", "contradicting_lines"]
    by_key = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert (by_key["tortured"]["supporting_lines"], by_key["tortured"]["contradicting_lines"]) == ("1", "1")
    assert (by_key["bare"]["supporting_lines"], by_key["bare"]["contradicting_lines"]) == ("0", "0")
    report = claims_import(actor=editor, data=text.encode())
    assert report.ok, report.errors


# --- a fixed cost ------------------------------------------------------------------------------


def test_pages_cost_the_same_queries_however_many_relations_and_citations(
    client, researcher, translated, world, tukhachevsky
):
    claim = translated["claim"]
    claim.people.add(tukhachevsky)
    client.force_login(researcher)
    urls = ("/claims/tortured/", f"/topics/{claim.topic.slug}/", "/claims/", f"/people/{tukhachevsky.slug}/")

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    before = counts()
    previous = translated["translation"]
    for n in range(6):  # a chain of copies six deep, each cited, and more claims citing them
        copy = world.source(f"copy-{n}")
        world.relate(copy, previous, "copy")
        world.cite(claim, copy, locator=f"p. {n}")
        world.cite(claim, copy, CONTRADICTS, locator=f"p. {n} again")
        other = world.claim(f"other-{n}", copy, previous, (translated["memoir"], CONTRADICTS))
        other.people.add(tukhachevsky)
        previous = copy
    pages = seen(client, "/claims/tortured/") + seen(client, "/claims/tortured/?citations=2")  # 10 a page
    assert pages.count("supporting line 1 · from «Report of the Shvernik commission»") == 8
    # The copies contradict as one line, numbered before the memoir's by their keys (copy-0 < memoir).
    assert pages.count("contradicting line 1 · from «Report of the Shvernik commission»") == 6
    assert pages.count("contradicting line 2 · from «A general's memoir» [memoir]") == 1
    assert counts() == before


def test_the_export_reads_the_lines_in_the_same_queries_however_many_relations(editor, translated, world):
    def export_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            text = exported_claims(actor=editor)
        return len(queries), text

    before, _ = export_queries()
    previous = translated["translation"]
    for n in range(5):
        copy = world.source(f"copy-{n}")
        world.relate(copy, previous, "copy")
        world.claim(f"copied-{n}", copy, world.source(f"own-{n}"), (previous, CONTRADICTS))
        previous = copy
    after, text = export_queries()
    assert after == before
    copied = next(row for row in csv.reader(io.StringIO(text)) if row[0] == "copied-4")
    assert copied[-3:-1] == ["2", "1"]  # the copy and a source of its own; the copy it was made from
