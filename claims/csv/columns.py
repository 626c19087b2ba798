"""The columns of each CSV file, once: the importers read their names and which are required
from here, and the upload pages list them (name, required, what it holds, an example), so the
page cannot describe a column the reader does not know."""

from dataclasses import dataclass

from claims.models import Citation, Claim, Source


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    holds: str
    example: str


def _choices(choices) -> str:
    return " / ".join(value for value, _ in choices)


CLAIM_COLUMN_TABLE = (
    Column(
        "key",
        True,
        "The claim's stable identifier: a known key updates that claim, a new one creates it.",
        "execution-11-june",
    ),
    Column("topic", True, "The topic's title; a new title creates the topic.", "Date of execution"),
    Column("statement", True, "The claim's text.", "The convicted were shot on 11 June 1937."),
    Column(
        "kind",
        False,
        f"{_choices(Claim.Kind.choices)} (empty: the stored one, or {Claim.Kind.FACT} for a new claim).",
        "fact",
    ),
    Column("event_date", False, "When it happened, as an EDTF date.", "1937-06-11"),
    Column(
        "status",
        False,
        f"{_choices(Claim.Status.choices)} (empty: the stored one, or {Claim.Status.OPEN} for a new claim).",
        "contested",
    ),
    Column(
        "people",
        False,
        "The people it is about, separated by |: a name in any script, an alias or a slug.",
        "Iona Yakir | Mikhail Tukhachevsky",
    ),
    Column(
        "attributed_to",
        False,
        "The people who made the claim (said, wrote or argued it), separated by | as in people.",
        "Viktor Suvorov",
    ),
    Column(
        "sources",
        False,
        "Its citations, separated by |: a source key (import the sources first), optionally followed by : and a locator. "
        "Citations are added, never removed.",
        "rogovin-1937: ch. 9 | izvestiya-tsk-1989-4",
    ),
)

SOURCE_COLUMN_TABLE = (
    Column(
        "key",
        True,
        "The source's stable identifier: a known key updates that source, a new one creates it.",
        "rogovin-1937",
    ),
    Column("kind", True, f"{_choices(Source.Kind.choices)}.", "monograph"),
    Column("level", True, f"{_choices(Source.Level.choices)}.", "secondary"),
    Column("title", True, "The title, in English.", "1937: Stalin's Year of Terror"),
    Column("title_original", False, "The title in its own language and script.", "1937"),
    Column("authors", False, "Its authors.", "Rogovin, Vadim Z."),
    Column("date", False, "When it was written or published, as an EDTF date.", "1998"),
    Column("publisher", False, "Its publisher.", "Mehring Books"),
    Column("publisher_place", False, "Where it was published (CSL publisher-place).", "Moscow"),
    Column("archive", False, "The archive holding it.", "RGVA"),
    Column("archive_place", False, "Where the archive is (CSL archive-place).", "Moscow"),
    Column("archive_fond", False, "The archive's fond.", "37837"),
    Column("archive_opis", False, "The fond's opis.", "1"),
    Column("archive_delo", False, "The opis's delo.", "12"),
    Column("archive_list", False, "The delo's list (sheets).", "45-47"),
    Column("url", False, "Where it is online.", "https://example.org/rogovin-1937"),
    Column("doi", False, "Its DOI, or the https://doi.org/ address (kept as the DOI).", "10.1080/09668136.2011.547697"),
    Column(
        "isbn",
        False,
        "Its ISBN: 10 digits (the last may be X) or 13, hyphens allowed (the check digit is not checked).",
        "978-3-16-148410-0",
    ),
    Column("language", False, "Its language (a code).", "en"),
    Column("notes", False, "Anything else worth knowing about it.", "English translation of the Russian «1937»."),
    Column(
        "wikidata_id",
        False,
        "The work's Wikidata id, Q and digits; a pasted https://www.wikidata.org/wiki/ address is read as the id. "
        "One source for each id.",
        "Q4115189",
    ),
    Column(
        "viaf_id",
        False,
        "Its VIAF id: digits (or the https://viaf.org/viaf/ address). One source for each id.",
        "56609913",
    ),
    Column(
        "gnd_id",
        False,
        "Its GND id: digits, often a hyphen and a check digit or X (or the https://d-nb.info/gnd/ address). "
        "One source for each id.",
        "4036568-6",
    ),
    Column(
        "derived_from",
        False,
        "The sources it derives from, separated by |, each key: kind (copy, translation, quotes, based_on, summary); "
        "the cell is its whole genealogy, and a file without the column leaves relations alone.",
        "rogovin-1937-ru: translation",
    ),
)

CITATION_COLUMN_TABLE = (
    Column("claim", True, "The key of the claim that cites (import the claims first).", "execution-11-june"),
    Column(
        "source", True, "The key of the source cited (import the sources first).", "wikipedia-case-of-military-2010"
    ),
    Column(
        "locator",
        False,
        "Where in the source: page, chapter, sheet. Claim, source and locator name the citation: "
        "a known one is updated, a new one created.",
        "para. on the verdict",
    ),
    Column(
        "stance",
        False,
        f"{_choices(Citation.Stance.choices)} (empty: the stored one, or {Citation.Stance.SUPPORTS} for a new citation).",
        "supports",
    ),
    Column("quote", False, "The passage, in the source's own language.", "The sentence was carried out on 12 June."),
    Column("translation", False, "The passage in English.", "The sentence was carried out on 12 June."),
)

TABLES = {"claims": CLAIM_COLUMN_TABLE, "sources": SOURCE_COLUMN_TABLE, "citations": CITATION_COLUMN_TABLE}


def names(table: tuple[Column, ...]) -> list[str]:
    return [column.name for column in table]


def required(table: tuple[Column, ...]) -> list[str]:
    return [column.name for column in table if column.required]
