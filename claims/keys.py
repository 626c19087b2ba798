"""Keys and slugs made from what a person typed, for a record added without one: a claim's key
from its statement, a person's slug from the name, a source's key from its title.

The claim form's key is suggested the same way in the browser (claims/static/claims/key_suggest.js
is given the transliteration table of claims/translit.py), so the key one sees is the key kept.
"""

from django.db import models

from claims.models import RESERVED_KEYS
from claims.translit import slug_for

KEY_WORDS_LENGTH = 60  # characters of a suggested key: the first words of a statement, not all of it


def key_from_text(text: str, max_length: int = KEY_WORDS_LENGTH) -> str:
    """The slug of text cut to max_length at a word's end: "the-convicted-were-shot-on-12-june-1937"."""
    slug = slug_for(text, max_length=10_000)
    if len(slug) > max_length:
        slug = slug[:max_length]
        slug = slug[: slug.rfind("-")] if "-" in slug else slug
    return slug.strip("-")


def unique_key(model: type[models.Model], field: str, base: str) -> str:
    """base, or base-2, base-3, … : the first that no row of model has in field (one query)."""
    taken = set(model._default_manager.filter(**{f"{field}__startswith": base}).values_list(field, flat=True))
    key, number = base, 1
    while key in taken or key in RESERVED_KEYS:
        number += 1
        key = f"{base}-{number}"
    return key
