"""RIS records as CSL items (read with rispy), and items as RIS.

Zotero writes an item's archive as DB and its location in the archive as AN; other tools put the
whole reference in AV ("availability"). Our export adds what RIS has no tag for in C1-C3 (kind, level,
the archive's place) and the original title in OP.
"""

import re
from typing import Any

import rispy

from . import archival
from .csl import Record, RecordError

# RIS type -> CSL type
TYPE_OF_RIS = {
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CLSWK": "classic",
    "PAMP": "pamphlet",
    "THES": "thesis",
    "CHAP": "chapter",
    "ECHAP": "chapter",
    "JOUR": "article-journal",
    "EJOUR": "article-journal",
    "JFULL": "periodical",
    "SER": "periodical",
    "MGZN": "article-magazine",
    "NEWS": "article-newspaper",
    "CONF": "paper-conference",
    "CPAPER": "paper-conference",
    "ENCYC": "entry-encyclopedia",
    "DICT": "entry-dictionary",
    "RPRT": "report",
    "GOVDOC": "report",
    "STAND": "standard",
    "STAT": "legislation",
    "BILL": "bill",
    "UNBILL": "bill",
    "LEGAL": "legislation",
    "CASE": "legal_case",
    "HEAR": "hearing",
    "ELEC": "webpage",
    "WEB": "webpage",
    "BLOG": "post-weblog",
    "MANSCPT": "manuscript",
    "UNPB": "manuscript",
    "ARCH": "manuscript",
    "PCOMM": "personal_communication",
    "ICOMM": "personal_communication",
    "MAP": "map",
    "ART": "graphic",
    "SOUND": "interview",
    "VIDEO": "interview",
    "INTV": "interview",
    "GEN": "document",
}
RIS_OF_TYPE = {
    "manuscript": "MANSCPT",
    "report": "RPRT",
    "article-newspaper": "NEWS",
    "book": "BOOK",
    "article-journal": "JOUR",
    "webpage": "ELEC",
    "interview": "SOUND",
}
MAPPING = {**rispy.TAG_KEY_MAPPING, "AV": "availability"}  # (rispy has no name for AV)
_ISBN = re.compile(r"^(?:97[89][- ]?)?(?:\d[- ]?){9}[\dXx]$")
_RIS_DATE = re.compile(r"^(\d{4})(?:/(\d{1,2})?(?:/(\d{1,2})?(?:/.*)?)?)?$")  # 1937/06/11/, 1937///, 1937


def records(text: str) -> list[Record]:
    try:
        entries = rispy.loads(text, mapping=MAPPING, skip_unknown_tags=True)
    except (OSError, ValueError, KeyError) as exc:
        raise RecordError(f"The file cannot be read as RIS: {exc}.") from None
    found = []
    for number, entry in enumerate(entries, start=1):
        try:
            found.append(Record(number, _item(entry)))
        except RecordError as exc:
            found.append(Record(number, {}, problem=exc, hint=_first(entry, "id") or _first(entry, "title")))
    return found


def _first(entry: dict, name: str) -> str:
    value = entry.get(name, "")
    if isinstance(value, list):
        value = next((v for v in value if str(v).strip()), "")
    return str(value).strip()


def _item(entry: dict[str, Any]) -> dict[str, Any]:
    ris_type = _first(entry, "type_of_reference").upper()
    if ris_type not in TYPE_OF_RIS:
        raise RecordError(
            f"Its type TY {ris_type or '(none)'} is no kind of source here; the types read are "
            f"{', '.join(sorted(TYPE_OF_RIS))}.",
            "kind",
        )
    item: dict[str, Any] = {"type": TYPE_OF_RIS[ris_type]}
    if _first(entry, "id"):
        item["id"] = _first(entry, "id")
    custom = {
        name: _first(entry, tag) for tag, name in (("custom1", "kind"), ("custom2", "level")) if _first(entry, tag)
    }
    if custom:
        item["custom"] = custom
    for variable, names in {
        "title": ("title", "primary_title"),
        "original-title": ("original_publication",),
        "container-title": ("secondary_title", "journal_name", "alternate_title3", "alternate_title1"),
        "publisher": ("publisher",),
        "publisher-place": ("place_published",),
        "archive-place": ("custom3",),
        "URL": ("urls",),
        "DOI": ("doi",),
        "language": ("language",),
    }.items():
        for name in names:
            if _first(entry, name):
                item[variable] = _first(entry, name)
                break
    isbn = _first(entry, "issn")
    if isbn and _ISBN.match(isbn.split()[0]):  # (SN holds an ISSN for a periodical)
        item["ISBN"] = isbn.split()[0]
    notes = entry.get("notes") or []
    if notes:
        item["note"] = "\n".join(str(line) for line in notes).strip()
    _archive(item, entry)
    people = entry.get("authors") or entry.get("first_authors") or entry.get("secondary_authors") or []
    if people:
        item["author"] = [_name(str(n)) for n in people if str(n).strip()]
    item["issued"] = _date(_first(entry, "date"), _first(entry, "year") or _first(entry, "publication_year"))
    return item


def _archive(item: dict[str, Any], entry: dict[str, Any]) -> None:
    """DB and AN (Zotero's archive and location in it), else AV holding both."""
    database, accession = _first(entry, "name_of_database"), _first(entry, "accession_number")
    availability = _first(entry, "availability")
    if accession and (database or item["type"] == "manuscript"):
        item["archive"], item["archive_location"] = database, accession
    elif availability:
        location = archival.parse(availability)
        if location.fond or location.opis or location.delo:
            item["archive"], item["archive_location"] = location.archive, availability
    elif database and item["type"] == "manuscript":
        item["archive"] = database


def _name(written: str) -> dict[str, str]:
    family, comma, given = written.partition(",")
    if comma and family.strip() and given.strip():
        return {"family": family.strip(), "given": given.strip()}
    return {"literal": written.strip()}


def _date(date: str, year: str) -> dict[str, str] | str:
    """DA as RIS writes it (1937/06/11/), or an EDTF date as our export writes it; else PY's year."""
    for written in (date, year):
        if not written:
            continue
        ris = _RIS_DATE.match(written)
        if ris:
            parts = [ris[1], *(f"{int(p):02d}" for p in (ris[2], ris[3]) if p)]
            if ris[3] and not ris[2]:
                parts = [ris[1]]
            return {"raw": "-".join(parts)}
        return {"raw": written}
    return ""


# --- Export ----------------------------------------------------------------------------


def record_of(item: dict[str, Any]) -> str:
    """One item as a RIS record (lines end in CR LF, as the format asks)."""
    lines = [("TY", RIS_OF_TYPE[item["type"]]), ("ID", item["citation-key"])]
    lines += [("AU", _written_name(name)) for name in item.get("author", [])]
    for variable, tag in (
        ("title", "TI"),
        ("original-title", "OP"),
        ("container-title", "T2"),
        ("publisher", "PB"),
        ("publisher-place", "CY"),
        ("archive", "DB"),
        ("archive_location", "AN"),
        ("URL", "UR"),
        ("DOI", "DO"),
        ("ISBN", "SN"),
        ("language", "LA"),
    ):
        if item.get(variable):
            lines.append((tag, item[variable]))
    if item.get("issued"):
        raw = item["issued"]["raw"]
        plain = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", raw)
        lines.append(("PY", raw[:4]) if re.match(r"\d{4}", raw) else ("PY", ""))
        lines.append(("DA", "/".join([plain[1], plain[2] or "", plain[3] or "", ""]) if plain else raw))
    custom = item.get("custom", {})
    for tag, value in (("C1", custom.get("kind")), ("C2", custom.get("level")), ("C3", item.get("archive-place"))):
        if value:
            lines.append((tag, value))
    lines += [("N1", line) for line in item.get("note", "").splitlines()]
    lines.append(("ER", ""))
    kept = [(tag, re.sub(r"[\r\n]+", " ", str(value))) for tag, value in lines if value or tag in ("ER", "N1")]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in kept) + "\r\n"


def _written_name(name: dict[str, str]) -> str:
    return name["literal"] if "literal" in name else f"{name['family']}, {name['given']}"
