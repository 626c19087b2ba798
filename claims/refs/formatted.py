"""A source as a formatted reference: Chicago author-date (the CSL style vendored in claims/csl/),
rendered by citeproc-py with the en-US locale it ships.

citeproc-py's HTML formatter puts the item's text into its markup as it is (a title holding <script>
would be markup), so the style is rendered with markers for italics instead of tags: the whole text
is then escaped, and only the markers become <i> and </i>.
"""

import functools
import io
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import model as citeproc_model
from citeproc.source.json import CiteProcJSON
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from claims.dates import edtf_in_words
from claims.models import Source

from . import csl

STYLE = Path(__file__).resolve().parent.parent / "csl" / "chicago-author-date.csl"
_OPEN, _CLOSE = "\ue000", "\ue001"  # (private-use characters: no text of ours holds them; they are removed from it)


def _italic(text: str) -> str:
    return f"{_OPEN}{text}{_CLOSE}"


# The formatter interface citeproc-py calls (see citeproc.formatter.plain): italics kept, the rest plain.
_MARKED = SimpleNamespace(
    preformat=lambda text: text,
    Italic=_italic,
    Oblique=_italic,
    Bold=str,
    Light=str,
    Underline=str,
    Superscript=str,
    Subscript=str,
    SmallCaps=str,
)


def _type_is_one_of(condition, item) -> list[bool]:
    """A type condition (<if type="book chapter">) holds when the item is one of its types.

    citeproc-py tests each type apart, so that under the default match="all" a list of types never
    holds; the styles are written for citeproc-js (Zotero's), where it holds for any of them."""
    return [any(kind.lower() == item.reference.type for kind in condition.get("type").split())]


citeproc_model.If._type = _type_is_one_of  # (ElseIf inherits it)


@functools.cache
def _style(english: bool) -> CitationStylesStyle:
    """The style, parsed once; for a source not in English without its title case (which CSL reserves
    for English titles: «Партия расстрелянных» is not «Партия Расстрелянных»)."""
    text = STYLE.read_bytes()
    if not english:
        text = text.replace(b' text-case="title"', b"")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (citeproc-py warns of CSL 1.0.2 terms it does not know)
        return CitationStylesStyle(io.BytesIO(text), locale="en-US", validate=False)


def reference(source: Source) -> SafeString:
    """The bibliography entry of the source as HTML: its text escaped, titles in <i> where Chicago sets them."""
    item = _clean(_item(source))
    style = _style(english=not source.language or source.language.lower().startswith("en"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (of variables the style does not use)
        bibliography = CitationStylesBibliography(style, CiteProcJSON([item]), _MARKED)
        bibliography.register(Citation([CitationItem(item["id"])]))
        text = str(bibliography.bibliography()[0])
    return mark_safe(escape(text).replace(_OPEN, "<i>").replace(_CLOSE, "</i>"))  # noqa: S308 (escaped above)


def _item(source: Source) -> dict[str, Any]:
    """The source's CSL item as a style should see it: the archive and its fond, opis, delo and list in
    one reference ("RGVA, f. 37837, op. 1, d. 12"), as Russian archival citations run; the date as
    date-parts, or in words where it is no plain date or interval (citeproc-py does not read EDTF)."""
    item = csl.item_of(source)
    for name in ("custom", "note", "citation-key"):
        item.pop(name, None)
    if source.archive:
        item.pop("archive_location", None)
        item["archive"] = ", ".join(p for p in (source.archive, source.archive_call_number) if p)
    if "issued" in item:
        parts = item["issued"].get("date-parts")
        if parts and len(parts) == 2 and parts[0][0] == parts[1][0]:
            parts = parts[:1]  # (citeproc-py prints nothing for an interval within one year: its first day)
        item["issued"] = {"date-parts": parts} if parts else {"literal": edtf_in_words(source.date)}
        if source.date.endswith(("?", "%")):
            item["issued"]["circa"] = True  # (Chicago's "[1937?]")
    return item


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(_OPEN, "").replace(_CLOSE, "")
    if isinstance(value, dict):
        return {key: _clean(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
