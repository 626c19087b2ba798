"""Authority ids that people and sources may carry: Wikidata, VIAF and GND (issue 16).

The formats are the ones Wikidata itself enforces on its properties for these ids (P214 VIAF,
P227 GND), so an id that passes here is one the authority could have issued. Pasted
addresses (https://www.wikidata.org/wiki/Q123, https://viaf.org/viaf/123/,
https://d-nb.info/gnd/118…) are read as the id they end in (normalize_*).
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Q

from .quoting import shorten

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
            "'%(value)s' is not a Wikidata id: it is Q followed by digits, e.g. Q855.",
            code="invalid_wikidata",
            params={"value": shorten(value)},
        )


def validate_viaf(value: str) -> None:
    if value and not VIAF_RE.fullmatch(value):
        raise ValidationError(
            "'%(value)s' is not a VIAF id: it is 2 to 22 digits, not starting with 0, e.g. 56609913.",
            code="invalid_viaf",
            params={"value": shorten(value)},
        )


def validate_gnd(value: str) -> None:
    if value and not GND_RE.fullmatch(value):
        raise ValidationError(
            "'%(value)s' is not a GND id: e.g. 118624822 or 4036568-6 (digits, a hyphen and a check digit or X).",
            code="invalid_gnd",
            params={"value": shorten(value)},
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


# --- Every kind, by the field that holds it ----------------------------------------------

# (field, what it is called, normalize, its form): what forms, the CSV and the search share.
KINDS = (
    ("wikidata_id", "Wikidata", normalize_wikidata, WIKIDATA_RE),
    ("viaf_id", "VIAF", normalize_viaf, VIAF_RE),
    ("gnd_id", "GND", normalize_gnd, GND_RE),
)
FIELDS = tuple(field for field, *_ in KINDS)
NORMALIZERS = {field: normalize for field, _label, normalize, _form in KINDS}
LABELS = {field: label for field, label, *_ in KINDS}


def normalize_fields(obj) -> None:
    """The ids obj (a person or a source) carries, as ids: a pasted address becomes the id."""
    for field, normalize in NORMALIZERS.items():
        setattr(obj, field, normalize(getattr(obj, field) or ""))


def readings(text: str) -> dict[str, str]:
    """field -> id, for each kind of id text could be (typed or pasted as an address): "Q855"
    is a Wikidata id only; "118624822" could be a VIAF or a GND id. Empty when it is none."""
    found = {}
    for field, _label, normalize, form in KINDS:
        value = normalize(text or "")
        if form.fullmatch(value):
            found[field] = value
    return found


def carrying_q(text: str) -> Q | None:
    """The records (people or sources) that carry text as one of their ids, or None when text
    is no id. Each term repeats its unique constraint's condition (the id is not blank): that
    lets SQLite use the constraint's partial index, which it takes only for a query that says
    what the index's WHERE says (PostgreSQL proves it from the equality as well)."""
    found = readings(text)
    if not found:
        return None
    condition = Q()
    for field, value in found.items():
        condition |= Q(**{field: value}) & ~Q(**{field: ""})
    return condition


def carrying(model, text: str):
    """The model's records (Person or Source) that carry text as an id; none when text is no id
    (and then no query)."""
    condition = carrying_q(text)
    return model.objects.none() if condition is None else model.objects.filter(condition)


def holder(obj) -> str:
    """Who or what carries an id, as a message names it."""
    key = getattr(obj, "key", None)
    return f"the source «{obj.title}» [{key}]" if key else obj.name


def duplicate_message(*, field: str, value: str, other) -> str:
    """What the one-record-per-id rule says of an id that another record carries."""
    label = LABELS[field]
    if getattr(other, "key", None):
        return f"{value} is already the {label} id of {holder(other)}."
    return f"{value} is already {other.name}'s {label} id."


def duplicate_errors(obj) -> dict[str, str]:
    """field -> message, for each id of obj (a person or a source) that another record of its
    kind carries already: the rule of the unique constraints <model>_<field>_unique, saying
    whose id it is. A query for each id obj carries (none for a record without ids)."""
    errors = {}
    model = type(obj)
    for field in FIELDS:
        value = getattr(obj, field, "")
        if not value:
            continue
        others = model.objects.filter(**{field: value}).exclude(**{field: ""})
        if obj.pk is not None:
            others = others.exclude(pk=obj.pk)
        other = others.first()
        if other is not None:
            errors[field] = duplicate_message(field=field, value=value, other=other)
    return errors


def normalized_duplicate_errors(obj) -> dict[str, str]:
    """duplicate_errors of obj's ids read as ids (normalize_fields): a write's rule (services)."""
    normalize_fields(obj)
    return duplicate_errors(obj)


# --- The reference fields a reference manager exports: DOI and ISBN -----------------------

DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
_DOI_ADDRESS = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
DOI_URL = "https://doi.org/{}"
ISBN_RE = re.compile(r"(?:\d[- ]?){9}[\dX]|(?:\d[- ]?){12}\d")


def normalize_doi(value: str) -> str:
    """A DOI as its bare name: https://doi.org/10.1/x and doi:10.1/x become 10.1/x."""
    return _DOI_ADDRESS.sub("", (value or "").strip())


def doi_error(value: str) -> str:
    if value and not DOI_RE.fullmatch(value):
        return f"'{value[:100]}' is not a DOI: it begins 10., a number, then / and the item's name, e.g. 10.1080/09668136.2011.547697."
    return ""


def isbn_error(value: str) -> str:
    """Loosely: 10 digits (the last may be X) or 13, with hyphens or spaces between; the check
    digit is not computed (a misprinted ISBN on a book is still the book's)."""
    if value and not ISBN_RE.fullmatch(value.strip().upper()):
        return (
            f"'{value[:100]}' is not an ISBN: it is 10 digits (the last may be X) or 13, "
            "with hyphens between if you like, e.g. 978-3-16-148410-0."
        )
    return ""


def doi_url(value: str) -> str:
    return DOI_URL.format(value) if value else ""
