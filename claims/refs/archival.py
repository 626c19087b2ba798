"""Archival locations in the Russian system ("f. 17, op. 3, d. 1052, l. 5") read into their parts and written back.

Reference managers keep the location in one field (CSL archive_location, Zotero's "Loc. in Archive"),
often with the archive's name in front ("RGVA, f. 37837, op. 1, d. 12"); the source keeps the parts
apart so that files can be sorted and matched by fond.
"""

import re
from dataclasses import dataclass

# Each label in Latin transliteration, Cyrillic, or spelled out (longest first), then a full stop or a
# space; a value runs to the next comma, semicolon or label (a list may be "5-7 ob." or "12 об.").
_LABELS = {
    "fond": r"fond|фонд|f|ф",
    "opis": r"opis'?|опись|op|оп",
    "delo": r"delo|дело|d|д",
    "list": r"listy|list|листы|лист|ll|лл|l|л",
}
_ANY_LABEL = "|".join(_LABELS.values())
_AFTER_LABEL = r"(?:\.\s*|\s+|(?=\d))"
_PART = re.compile(
    r"(?:^|(?<=[\s,;]))(?:"
    + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _LABELS.items())
    + ")"
    + _AFTER_LABEL
    + r"(?P<value>[^,;]+?)\s*(?=[,;]|\s+(?:"
    + _ANY_LABEL
    + ")"
    + _AFTER_LABEL
    + r"|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Location:
    archive: str = ""
    fond: str = ""
    opis: str = ""
    delo: str = ""
    list: str = ""
    rest: str = ""  # what is not in the Russian system (a box, a folder): kept as written

    @property
    def parts(self) -> dict[str, str]:
        return {
            "archive_fond": self.fond,
            "archive_opis": self.opis,
            "archive_delo": self.delo,
            "archive_list": self.list,
        }


def parse(location: str, archive: str = "") -> Location:
    """The parts of an archival location, and the archive if the location starts with its name.

    "RGVA, f. 37837, op. 1, d. 12" -> archive RGVA, fond 37837, opis 1, delo 12; a location with no
    fond, opis, delo or list is kept whole in rest."""
    text = " ".join(location.split())
    found: dict[str, str] = {}
    first = None
    for match in _PART.finditer(text):
        name = next(n for n in _LABELS if match.group(n))
        if name in found:
            break  # a second fond: the text is not one location
        value = match.group("value")
        found[name] = (
            value if name == "list" else value.rstrip(".")
        )  # ("ГАРФ. Ф. Р-9401. Оп. 2.": a list may end "ob.")
        first = match.start() if first is None else first
    if not found or first is None:
        return Location(archive=archive, rest=text)
    before = text[:first].strip(" ,;.")
    return Location(
        archive=archive or before,
        rest="" if not before or not archive else before,
        fond=found.get("fond", ""),
        opis=found.get("opis", ""),
        delo=found.get("delo", ""),
        list=found.get("list", ""),
    )


def written(*, fond: str, opis: str, delo: str, list: str) -> str:
    """The location as it is cited: "f. 17, op. 3, d. 1052, l. 5" (empty parts left out)."""
    labelled = (("f.", fond), ("op.", opis), ("d.", delo), ("l.", list))
    return ", ".join(f"{label} {value}" for label, value in labelled if value)
