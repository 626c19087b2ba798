"""Latin spellings of Cyrillic text, for slugs (and later for search across scripts).

The table follows the common English-language scholarly practice (a simplified
Library of Congress romanization without diacritics): Тухачевский -> Tukhachevskii.
"""

from django.utils.text import slugify

TABLE = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    "і": "i",
    "ї": "i",
    "є": "ie",
    "ґ": "g",
    "ў": "u",
}


def romanize(text: str) -> str:
    out = []
    for char in text:
        latin = TABLE.get(char.lower())
        if latin is None:
            out.append(char)
        else:
            out.append(latin.capitalize() if char.isupper() and latin else latin)
    return "".join(out)


def slug_for(text: str, max_length: int = 200) -> str:
    """An ASCII slug for text in any script we can romanize."""
    return slugify(romanize(text))[:max_length].strip("-")
