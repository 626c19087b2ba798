"""CSL-JSON items (the citation style language's data model) to the sources CSV import's row dicts, and
sources to items.

An item gives every field a reference manager can carry: a field the item leaves out is emptied on
import (the file is the whole reference), except the level and the authority ids, which only our own
export writes (in the item's "custom" object, the CSL schema's place for data it has no variable for):
without them a stored source keeps its own, and a new one is primary or secondary by its kind.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from claims.dates import edtf_bounds
from claims.keys import key_from_text
from claims.models import Source, SourceKind, SourceLevel
from claims.quoting import quoted, shorten
from claims.services import SOURCE_FIELDS
from claims.translit import slug_for

from . import archival

# CSL type -> our kind. The types a historian's library holds, each to the kind nearest it; a type not
# here (software, dataset, song, ...) is not a source this tool grades, and its record gets an error.
KIND_OF_TYPE = {
    "manuscript": SourceKind.ARCHIVAL_FILE,
    "document": SourceKind.ARCHIVAL_FILE,
    "letter": SourceKind.ARCHIVAL_FILE,
    "personal_communication": SourceKind.ARCHIVAL_FILE,
    "map": SourceKind.ARCHIVAL_FILE,
    "graphic": SourceKind.ARCHIVAL_FILE,
    "report": SourceKind.OFFICIAL_REPORT,
    "legislation": SourceKind.OFFICIAL_REPORT,
    "bill": SourceKind.OFFICIAL_REPORT,
    "legal_case": SourceKind.OFFICIAL_REPORT,
    "regulation": SourceKind.OFFICIAL_REPORT,
    "treaty": SourceKind.OFFICIAL_REPORT,
    "hearing": SourceKind.OFFICIAL_REPORT,
    "standard": SourceKind.OFFICIAL_REPORT,
    "article-newspaper": SourceKind.PERIODICAL,
    "article-magazine": SourceKind.PERIODICAL,
    "periodical": SourceKind.PERIODICAL,
    "book": SourceKind.MONOGRAPH,
    "thesis": SourceKind.MONOGRAPH,
    "classic": SourceKind.MONOGRAPH,
    "collection": SourceKind.MONOGRAPH,
    "pamphlet": SourceKind.MONOGRAPH,
    "article-journal": SourceKind.ARTICLE,
    "article": SourceKind.ARTICLE,
    "chapter": SourceKind.ARTICLE,
    "paper-conference": SourceKind.ARTICLE,
    "entry": SourceKind.ARTICLE,
    "entry-encyclopedia": SourceKind.ARTICLE,
    "entry-dictionary": SourceKind.ARTICLE,
    "review": SourceKind.ARTICLE,
    "review-book": SourceKind.ARTICLE,
    "webpage": SourceKind.WEB_PAGE,
    "post": SourceKind.WEB_PAGE,
    "post-weblog": SourceKind.WEB_PAGE,
    "interview": SourceKind.ORAL_TESTIMONY,
    "speech": SourceKind.ORAL_TESTIMONY,
    "broadcast": SourceKind.ORAL_TESTIMONY,
}
# Our kind -> the CSL type an export gives it (a memoir is a book; "custom" keeps it a memoir).
TYPE_OF_KIND: dict[str, str] = {
    SourceKind.ARCHIVAL_FILE: "manuscript",
    SourceKind.OFFICIAL_REPORT: "report",
    SourceKind.PERIODICAL: "article-newspaper",
    SourceKind.MONOGRAPH: "book",
    SourceKind.MEMOIR: "book",
    SourceKind.ARTICLE: "article-journal",
    SourceKind.WEB_PAGE: "webpage",
    SourceKind.ORAL_TESTIMONY: "interview",
}
# What a source written, said or kept at the time is, unless the file says otherwise.
PRIMARY_KINDS = {
    SourceKind.ARCHIVAL_FILE,
    SourceKind.OFFICIAL_REPORT,
    SourceKind.PERIODICAL,
    SourceKind.MEMOIR,
    SourceKind.ORAL_TESTIMONY,
}
# Kinds whose "publisher or periodical" is the periodical: the item's container-title.
IN_A_CONTAINER = {SourceKind.PERIODICAL, SourceKind.ARTICLE, SourceKind.WEB_PAGE}
# The fields only our export writes, in "custom" (kept as stored when a file leaves them out).
CUSTOM_FIELDS = ("level", "wikidata_id", "viaf_id", "gnd_id")
# Every field an import may set: the sources CSV's, then those a reference brings besides.
FIELDS = tuple(
    dict.fromkeys(
        [*SOURCE_FIELDS, "publisher_place", "archive_place", "doi", "isbn", "wikidata_id", "viaf_id", "gnd_id"]
    )
)
LANGUAGE_NAMES = {
    "russian": "ru",
    "русский": "ru",
    "rus": "ru",
    "english": "en",
    "eng": "en",
    "german": "de",
    "deutsch": "de",
    "ger": "de",
    "deu": "de",
    "french": "fr",
    "fre": "fr",
    "fra": "fr",
    "ukrainian": "uk",
    "ukr": "uk",
    "polish": "pl",
    "pol": "pl",
}
ARCHIVE_LOCATION_NOTE = "Archive location: "  # a location outside the Russian system, kept in the notes
KEY_LENGTH = 100  # Source.key's max_length


class RecordError(Exception):
    """A record that cannot be read: the message says what is wrong (its column: which field)."""

    def __init__(self, message: str, column: str = ""):
        super().__init__(message)
        self.message, self.column = message, column


@dataclass
class Record:
    """One entry of a reference file as a CSL item, with what names it in an error message."""

    number: int  # its place in the file, from 1
    item: dict[str, Any]
    problem: RecordError | None = None  # the format's reader could not make an item of it
    hint: str = ""  # what names it when there is no item (a BibTeX key, a title)
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """'rogovin-1998' “1937: Stalin's Year of Terror”, or what there is of it."""
        key = self.hint
        if self.item:
            try:
                key = _key(self.item)  # (the key the import gives it)
            except RecordError:
                key = _text(self.item.get("citation-key") or self.item.get("id"))
        title = _text(self.item.get("title")) if self.item else ""
        parts = [quoted(key) if key else f"Record {self.number}"]
        if title:
            parts.append(f"“{shorten(title, 60)}”")
        return " ".join(parts)


# --- Items -> rows ---------------------------------------------------------------------


def cells_of(item: dict[str, Any]) -> dict[str, str]:
    """The row dict of one item (the sources CSV's columns and the reference fields); RecordError
    if the item cannot be one (not an object, a type that is no kind of source here)."""
    if not isinstance(item, dict):
        raise RecordError(f"This is not a reference (a JSON object) but {_json_kind(item)}.")
    custom: dict = item["custom"] if isinstance(item.get("custom"), dict) else {}
    kind = _kind(item, custom)
    cells = {
        "key": _key(item),
        "kind": kind,
        "title": _text(item.get("title")),
        "title_original": _text(item.get("original-title")),
        "authors": names_text(item.get("author") or item.get("editor") or []),
        "date": date_text(item.get("issued")),
        "publisher": _publisher(item, kind),
        "publisher_place": _text(item.get("publisher-place")),
        "archive_place": _text(item.get("archive-place")),
        "url": _text(item.get("URL")),
        "doi": _doi(_text(item.get("DOI"))),
        "isbn": _text(item.get("ISBN")).split()[0] if _text(item.get("ISBN")) else "",
        "language": language_code(_text(item.get("language"))),
        "notes": _text(item.get("note")),
    }
    archive_text, location_text = _text(item.get("archive")), _text(item.get("archive_location"))
    archive = archival.parse(archive_text)
    if archive.rest or not archive_text:  # the archive's name (or none)
        location = archival.parse(location_text, archive.rest)
    else:  # the archive field holds the location too: "RGVA, f. 37837, op. 1, d. 12"
        location = archival.parse(location_text, archive.archive) if location_text else archive
    cells["archive"] = location.archive
    cells.update(location.parts)
    if location.rest:
        line = ARCHIVE_LOCATION_NOTE + location.rest
        if line not in cells["notes"].splitlines():
            cells["notes"] = f"{cells['notes']}\n{line}" if cells["notes"] else line
    for name in CUSTOM_FIELDS:
        if _text(custom.get(name)):
            cells[name] = _text(custom.get(name))
    return cells


def new_level(kind: str) -> str:
    return SourceLevel.PRIMARY if kind in PRIMARY_KINDS else SourceLevel.SECONDARY


def _kind(item: dict, custom: dict) -> str:
    if _text(custom.get("kind")) in SourceKind.values:
        return _text(custom.get("kind"))
    kind_type = _text(item.get("type"))
    if kind_type not in KIND_OF_TYPE:
        raise RecordError(
            f"Its type {quoted(kind_type) if kind_type else '(none)'} is no kind of source here; the types read are "
            f"{', '.join(sorted(KIND_OF_TYPE))}. Give it one of them in the reference manager.",
            "kind",
        )
    return KIND_OF_TYPE[kind_type]


def _key(item: dict) -> str:
    """The key: the citation key, else the item's id (of a Zotero URI, its last part), slugified; an
    item with neither gets one from its first author, year and title (the same each time)."""
    given = _text(item.get("citation-key")) or _text(item.get("id"))
    if given:
        key = slug_for(given.rstrip("/").rsplit("/", 1)[-1], max_length=KEY_LENGTH)
        if key:
            return key
    first = (names_text(item.get("author") or []).split(";")[0]).split(",")[0]
    year = date_text(item.get("issued"))[:4]
    return key_from_text(f"{first} {year} {_text(item.get('title'))}", max_length=60)


def _publisher(item: dict, kind: str) -> str:
    container, publisher = _text(item.get("container-title")), _text(item.get("publisher"))
    if kind in IN_A_CONTAINER:
        return container or publisher
    return publisher or container


def _doi(text: str) -> str:
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", text.strip(), flags=re.IGNORECASE)


def language_code(text: str) -> str:
    text = text.strip()
    return LANGUAGE_NAMES.get(text.lower(), text)


def names_text(names: Any) -> str:
    """CSL names as the source's authors: "Family, Given; Literal"."""
    if not isinstance(names, list):
        raise RecordError("Its names are not a list of names.", "authors")
    written = []
    for name in names:
        if not isinstance(name, dict):
            raise RecordError(f"A name of it is {_json_kind(name)}, not a name.", "authors")
        if _text(name.get("literal")):
            written.append(_text(name.get("literal")))
            continue
        family = " ".join(
            part for part in (_text(name.get("non-dropping-particle")), _text(name.get("family"))) if part
        )
        given = " ".join(part for part in (_text(name.get("given")), _text(name.get("dropping-particle"))) if part)
        suffix = _text(name.get("suffix"))
        written.append(", ".join(part for part in (family, given, suffix) if part))
    return "; ".join(name for name in written if name)


def date_text(issued: Any) -> str:
    """A CSL date as EDTF: a raw or literal string that is EDTF already ("1937-06?", "1937/1938"), else
    its date-parts (two of them an interval; "circa" approximate), else the string as written (then the
    import's own check of the date names it)."""
    if issued in (None, "", {}):
        return ""
    if isinstance(issued, str):
        return edtf_from_text(issued)
    if not isinstance(issued, dict):
        raise RecordError(f"Its date is {_json_kind(issued)}, not a date.", "date")
    written = _text(issued.get("raw")) or _text(issued.get("literal"))
    if written and _is_edtf(written.strip()):
        return written.strip()
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and all(isinstance(p, list) for p in parts):
        days = [_day(p) for p in parts[:2]]
        if days[0]:
            text = "/".join(d or ".." for d in days) if len(days) == 2 and days[1] != days[0] else days[0]
            return f"{text}~" if issued.get("circa") and "/" not in text else text
    return edtf_from_text(written) if written else ""


def _day(parts: list) -> str:
    try:
        numbers = [int(str(p).strip()) for p in parts[:3] if str(p).strip()]
    except ValueError:
        raise RecordError(f"Its date-parts {quoted(json.dumps(parts))} are not numbers.", "date") from None
    if not numbers:
        return ""
    return "-".join([f"{numbers[0]:04d}", *(f"{n:02d}" for n in numbers[1:])])


_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # 11.06.1937, as Russian archives date
_CIRCA = re.compile(r"^(?:ca?\.|circa|около|ок\.)\s*(\d{4})$", re.IGNORECASE)


def edtf_from_text(text: str) -> str:
    """A date written in a reference as EDTF, where it is one of the usual spellings; else as written."""
    text = " ".join(text.split())
    if dotted := _DOTTED.match(text):
        return f"{dotted[3]}-{int(dotted[2]):02d}-{int(dotted[1]):02d}"
    if circa := _CIRCA.match(text):
        return f"{circa[1]}~"
    if re.fullmatch(r"\d{4}\s*[-–]\s*\d{4}", text):
        return re.sub(r"\s*[-–]\s*", "/", text)  # 1937–1938: an interval
    return text


def _is_edtf(text: str) -> bool:
    try:
        edtf_bounds(text)
    except ValidationError:
        return False
    return True


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # (some exporters give a field several values: the first)
        return _text(value[0]) if value else ""
    return str(value).strip() if not isinstance(value, dict) else ""


def _json_kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true or false"}.get(
        type(value), "null" if value is None else "an object"
    )


# --- Sources -> items ------------------------------------------------------------------


def item_of(source: Source) -> dict[str, Any]:
    """The CSL item of a source: cells_of(item_of(source)) gives back its fields."""
    kind = source.kind
    item: dict[str, Any] = {"id": source.key, "citation-key": source.key, "type": TYPE_OF_KIND[kind]}
    item["title"] = source.title
    if source.title_original:
        item["original-title"] = source.title_original
    if source.authors:
        item["author"] = csl_names(source.authors)
    if source.date:
        item["issued"] = csl_date(source.date)
    if source.publisher:
        item["container-title" if kind in IN_A_CONTAINER else "publisher"] = source.publisher
    for name, variable in (
        ("publisher_place", "publisher-place"),
        ("archive", "archive"),
        ("archive_place", "archive-place"),
        ("url", "URL"),
        ("doi", "DOI"),
        ("isbn", "ISBN"),
        ("language", "language"),
        ("notes", "note"),
    ):
        if getattr(source, name):
            item[variable] = getattr(source, name)
    location = archival.written(
        fond=source.archive_fond, opis=source.archive_opis, delo=source.archive_delo, list=source.archive_list
    )
    if location:
        item["archive_location"] = location
    custom = {"kind": kind, **{name: getattr(source, name) for name in CUSTOM_FIELDS if getattr(source, name)}}
    item["custom"] = custom
    return item


def csl_names(authors: str) -> list[dict[str, str]]:
    """The source's authors ("Family, Given; Literal") as CSL names."""
    names = []
    for written in (part.strip() for part in authors.split(";")):
        if not written:
            continue
        family, comma, given = written.partition(",")
        if comma and family.strip() and given.strip() and "," not in given:
            names.append({"family": family.strip(), "given": given.strip()})
        else:
            names.append({"literal": written})
    return names


_SIMPLE_DAY = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def csl_date(edtf: str) -> dict[str, Any]:
    """An EDTF date as a CSL date: "raw" the EDTF itself (read back as it is), date-parts where the
    EDTF is a plain day, month or year or an interval of them (for styles that read only those)."""
    date: dict[str, Any] = {"raw": edtf}
    plain = edtf.rstrip("?~%")
    ends = plain.split("/") if "/" in plain else [plain]
    matches = [_SIMPLE_DAY.match(end) for end in ends]
    if len(ends) <= 2 and all(matches):
        date["date-parts"] = [[int(g) for g in m.groups() if g] for m in matches if m]
    if edtf.endswith(("~", "%")):
        date["circa"] = True
    return date


def items_json(items: Iterable[dict[str, Any]]) -> Iterable[str]:
    """CSL-JSON text, an item at a time: a JSON array, one item a line."""
    first = True
    for item in items:
        yield ("[\n" if first else ",\n") + json.dumps(item, ensure_ascii=False)
        first = False
    yield "[]\n" if first else "\n]\n"
