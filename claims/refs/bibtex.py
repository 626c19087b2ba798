"""BibTeX (and biblatex) entries as CSL items, and items as BibTeX, read with bibtexparser 2.

LaTeX in a field ({\\'e}, \\"u, \\&) is decoded, except in url and doi, which BibTeX keeps verbatim;
an export escapes what LaTeX would read, so that its text comes back as it went.
"""

import re
from typing import Any

import bibtexparser
from bibtexparser.model import Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text

from . import csl
from .csl import Record, RecordError

# entry type (lower case) -> CSL type; misc is decided by its fields (_misc_type)
TYPE_OF_ENTRY = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "booklet": "pamphlet",
    "collection": "book",
    "proceedings": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "manual": "report",
    "report": "report",
    "techreport": "report",
    "thesis": "thesis",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "unpublished": "manuscript",
    "manuscript": "manuscript",
    "letter": "letter",
    "periodical": "periodical",
    "newspaper": "article-newspaper",
    "legislation": "legislation",
    "jurisdiction": "legal_case",
    "interview": "interview",
}
SUBTYPES = {"newspaper": "article-newspaper", "magazine": "article-magazine"}  # biblatex's entrysubtype of an article
ENTRY_OF_TYPE = {
    "manuscript": "unpublished",
    "report": "report",
    "article-newspaper": "article",
    "book": "book",
    "article-journal": "article",
    "webpage": "online",
    "interview": "misc",
}
VERBATIM = {"url", "doi", "eprint", "date"}  # (biblatex dates are EDTF: 1987~ is approximate, not a space)
MONTHS = {m: n for n, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
# The fields our export adds for what BibTeX has no field for (read back on import).
CUSTOM = {"kind": "kind", "level": "level", "wikidata": "wikidata_id", "viaf": "viaf_id", "gnd": "gnd_id"}

_decoder = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def records(text: str) -> list[Record]:
    """The entries of a BibTeX file as records (a block bibtexparser could not read: a record with
    its problem); @string, @preamble and @comment blocks are not entries."""
    library = bibtexparser.parse_string(text)
    found: list[tuple[int, Record]] = []
    for entry in library.entries:
        number = entry.start_line or 0
        try:
            found.append((number, Record(0, _item(entry))))
        except RecordError as exc:
            found.append((number, Record(0, {}, problem=exc, hint=entry.key)))
    for block in library.failed_blocks:
        if isinstance(block, ParsingFailedBlock) and not _is_entry(block.raw):
            continue
        key = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]*)", block.raw or "")
        line = (block.start_line or 0) + 1
        reason = getattr(block.error, "abort_reason", "") or "an unclosed brace or quote?"
        problem = RecordError(f"This entry (line {line} of the file) cannot be read as BibTeX: {reason}")
        found.append((block.start_line or 0, Record(0, {}, problem=problem, hint=key[1] if key and key[1] else "")))
    found.sort(key=lambda pair: pair[0])
    for number, (_, record) in enumerate(found, start=1):
        record.number = number
    return [record for _, record in found]


def _is_entry(raw: str | None) -> bool:
    return bool(raw) and not re.match(r"\s*@(?:string|preamble|comment)\b", raw or "", re.IGNORECASE)


def _item(entry: Entry) -> dict[str, Any]:
    fields = {f.key.lower(): f.value for f in entry.fields}
    values = {name: _decoded(name, value) for name, value in fields.items() if isinstance(value, str)}
    entry_type = entry.entry_type.lower()
    item_type = TYPE_OF_ENTRY.get(entry_type) or _misc_type(entry_type, values)
    if entry_type == "article" and values.get("entrysubtype", "").lower() in SUBTYPES:
        item_type = SUBTYPES[values["entrysubtype"].lower()]
    item: dict[str, Any] = {"id": entry.key, "type": item_type}
    custom = {name: values[field] for field, name in CUSTOM.items() if values.get(field)}
    if custom:
        item["custom"] = custom
    simple = {
        "title": ("title",),
        "original-title": ("origtitle",),
        "container-title": ("journaltitle", "journal", "booktitle"),
        "publisher": ("publisher", "institution", "organization", "school"),
        "publisher-place": ("location", "address"),
        "archive": ("archive",),
        "archive_location": ("archive_location", "archivelocation"),
        "archive-place": ("archive_place", "archiveplace"),
        "URL": ("url",),
        "DOI": ("doi",),
        "ISBN": ("isbn",),
        "language": ("langid", "language"),
        "note": ("note", "annote"),
    }
    for variable, names in simple.items():
        for name in names:
            if values.get(name):
                item[variable] = values[name]
                break
    _howpublished(item, values.get("howpublished", ""))
    if "URL" not in item and values.get("archiveprefix", "").lower() == "arxiv" and values.get("eprint"):
        item["URL"] = f"https://arxiv.org/abs/{values['eprint']}"
    for role in ("author", "editor"):
        if fields.get(role):
            item[role] = [_name(written) for written in _split_names(fields[role])]
    item["issued"] = _date(values)
    return item


def _misc_type(entry_type: str, values: dict[str, str]) -> str:
    if entry_type != "misc":
        raise RecordError(
            f"Its entry type @{entry_type} is no kind of source here; the types read are "
            f"{', '.join('@' + t for t in sorted([*TYPE_OF_ENTRY, 'misc']))}.",
            "kind",
        )
    howpublished = csl.archival.parse(values.get("howpublished", ""))
    if values.get("archive") or values.get("archive_location") or values.get("archivelocation") or howpublished.fond:
        return "manuscript"
    return "webpage" if values.get("url") and not values.get("publisher") else "book"


def _howpublished(item: dict[str, Any], text: str) -> None:
    """howpublished: an archival location ("RGVA, f. 37837, ..."), a URL, or whoever published it."""
    if not text:
        return
    location = csl.archival.parse(text)
    if location.fond or location.opis or location.delo:
        item.setdefault("archive_location", text)
    elif re.match(r"https?://", text) or text.startswith(r"\url{"):
        item.setdefault("URL", text.removeprefix(r"\url{").rstrip("}"))
    else:
        item.setdefault("publisher", text)


def _date(values: dict[str, str]) -> dict[str, Any] | str:
    if values.get("date"):
        return {"raw": values["date"]}
    year = values.get("year", "")
    if not year:
        return ""
    month = values.get("month", "").strip().lower()[:3]
    number = MONTHS.get(month) or (int(month) if month.isdigit() else 0)
    return {"raw": f"{year}-{number:02d}" if number and re.fullmatch(r"\d{4}", year) else year}


def _decoded(name: str, value: str) -> str:
    if name in VERBATIM:
        return value.strip()
    return _decoder.latex_to_text(value).replace("\xa0", " ").strip()


def _split_names(value: str) -> list[str]:
    """ "A and {B and C} and D" -> A, {B and C}, D: an "and" inside braces is part of a name."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    return [name.strip() for name in names if name.strip()]


def _name(written: str) -> dict[str, str]:
    """A BibTeX name: "{Institution}" literal, "Family, Given", or "Given Family"."""
    if written.startswith("{") and written.endswith("}") and _split_names(written[1:-1]) == [written[1:-1].strip()]:
        return {"literal": _decoded("name", written[1:-1])}
    text = _decoded("name", written)
    family, comma, given = text.partition(",")
    if comma:
        return {"family": family.strip(), "given": given.strip()}
    words = text.split()
    return {"family": words[-1], "given": " ".join(words[:-1])} if len(words) > 1 else {"literal": text}


# --- Export ----------------------------------------------------------------------------

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
}
_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _SPECIAL))


def escaped(text: str) -> str:
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group()], text)


def entry_of(item: dict[str, Any]) -> str:
    """One item as a BibTeX entry (biblatex's fields where BibTeX has none: date, origtitle, ...)."""
    item_type = item["type"]
    fields: list[tuple[str, str]] = []
    if item_type == "article-newspaper":
        fields.append(("entrysubtype", "newspaper"))
    names = "author"
    if item.get("author"):
        fields.append((names, " and ".join(_written_name(n) for n in item["author"])))
    for variable, name in (
        ("title", "title"),
        ("original-title", "origtitle"),
        ("container-title", "journaltitle"),
        ("publisher", "publisher"),
        ("publisher-place", "location"),
        ("archive", "archive"),
        ("archive_location", "archive_location"),
        ("archive-place", "archive_place"),
        ("language", "langid"),
        ("ISBN", "isbn"),
        ("note", "note"),
    ):
        if item.get(variable):
            fields.append((name, escaped(item[variable])))
    if item.get("issued"):
        raw = item["issued"]["raw"]
        fields.append(("date", raw))
        if re.match(r"\d{4}", raw):
            fields.append(("year", raw[:4]))
    for variable, name in (("URL", "url"), ("DOI", "doi")):
        if item.get(variable):
            fields.append((name, item[variable].replace("{", "%7B").replace("}", "%7D")))
    custom = item.get("custom", {})
    fields += [(field, escaped(custom[name])) for field, name in CUSTOM.items() if custom.get(name)]
    body = "".join(f",\n  {name} = {{{value}}}" for name, value in fields)
    return f"@{ENTRY_OF_TYPE[item_type]}{{{item['citation-key']}{body}\n}}\n\n"


def _written_name(name: dict[str, str]) -> str:
    if "literal" in name:
        return "{" + escaped(name["literal"]) + "}"
    return f"{escaped(name['family'])}, {escaped(name['given'])}"
