"""Authority ids that people and sources may carry: Wikidata, VIAF and GND (issue 16).

The formats are the ones Wikidata itself enforces on its properties for these ids (P214 VIAF,
P227 GND), so an id that passes here is one the authority could have issued. Pasted
addresses (https://www.wikidata.org/wiki/Q123, https://viaf.org/viaf/123/,
https://d-nb.info/gnd/118…) are read as the id they end in (normalize_*).
"""

import re

from django.core.exceptions import ValidationError

WIKIDATA_RE = re.compile(r"Q[1-9]\d{0,11}")
VIAF_RE = re.compile(r"[1-9]\d{1,21}")
GND_RE = re.compile(r"1[0123]?\d{7}[0-9X]|[47]\d{6}-\d|[1-9]\d{0,7}-[0-9X]|3\d{7}[0-9X]")

WIKIDATA_URL = "https://www.wikidata.org/wiki/{}"
VIAF_URL = "https://viaf.org/viaf/{}/"
GND_URL = "https://d-nb.info/gnd/{}"

_ADDRESS = {
    "wikidata": re.compile(r"^https?://(?:www\.|m\.)?wikidata\.org/(?:wiki|entity)/(Q\d+)/?$", re.I),
    "viaf": re.compile(r"^https?://(?:www\.)?viaf\.org/viaf/(\d+)/?$", re.I),
    "gnd": re.compile(r"^https?://d-nb\.info/gnd/([0-9X-]+)/?$", re.I),
}


def _normalize(kind: str, value: str) -> str:
    value = (value or "").strip()
    found = _ADDRESS[kind].match(value)
    if found:
        value = found.group(1)
    if kind == "wikidata":
        value = value.upper()
    return value


def normalize_wikidata(value: str) -> str:
    return _normalize("wikidata", value)


def normalize_viaf(value: str) -> str:
    return _normalize("viaf", value)


def normalize_gnd(value: str) -> str:
    return _normalize("gnd", value).upper()


def validate_wikidata(value: str) -> None:
    if value and not WIKIDATA_RE.fullmatch(value):
        raise ValidationError(
            "'%(value)s' is not a Wikidata id: it is Q followed by digits, e.g. Q191480.",
            code="invalid_wikidata",
            params={"value": value},
        )


def validate_viaf(value: str) -> None:
    if value and not VIAF_RE.fullmatch(value):
        raise ValidationError(
            "'%(value)s' is not a VIAF id: it is 2 to 22 digits, not starting with 0, e.g. 56609913.",
            code="invalid_viaf",
            params={"value": value},
        )


def validate_gnd(value: str) -> None:
    if value and not GND_RE.fullmatch(value):
        raise ValidationError(
            "'%(value)s' is not a GND id: e.g. 118624822 or 4036568-6 (digits, a hyphen and a check digit or X).",
            code="invalid_gnd",
            params={"value": value},
        )


def links(obj) -> list[tuple[str, str, str]]:
    """(authority, id, address) for each id the person or source carries, for its page."""
    found = []
    for label, field, url in (
        ("Wikidata", "wikidata_id", WIKIDATA_URL),
        ("VIAF", "viaf_id", VIAF_URL),
        ("GND", "gnd_id", GND_URL),
    ):
        value = getattr(obj, field, "")
        if value:
            found.append((label, value, url.format(value)))
    return found
