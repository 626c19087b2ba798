"""Words as the search index keeps them: one key per word, the same for every spelling.

A word's key is its stem (Snowball: Russian for a Cyrillic word, English for a Latin one),
romanized (claims/translit.py), lowercased, without diacritics, and with the usual variants
of romanizing Russian folded together, so that «Тухачевский», «Тухачевского»,
Tukhachevsky, Tukhachevskii, Toukhatchevski and Tuchatschewski all give "tuhahevsk".
Both databases index and query these keys, so they find the same claims.

The folding is lossy on purpose (English "church" and "hurh" share a key); it is applied
alike to what is indexed and to what is searched, so a word still finds itself, and the
substring search (the raw text) is there for what a key cannot express.
"""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

from claims.translit import romanize

# Words are runs of letters and digits, as SQLite's unicode61 tokenizer splits them (an
# underscore or an apostrophe separates words).
WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")

_STEMMERS = {"ru": snowballstemmer.stemmer("russian"), "en": snowballstemmer.stemmer("english")}

# One pass, longest spelling first, so that a replacement is never replaced again.
# х (kh, German ch) and ч (ch, French tch, German tsch, Polish cz) share "h": "ch" is
# both of them in one spelling or another.
_CONSONANTS = re.compile(r"shch|tsch|sch|tch|kh|ch|sh|zh|ts|tz|cz|ph|ck|x|w|y|j|q")
_CONSONANT = {
    "shch": "s",
    "tsch": "h",
    "sch": "s",
    "tch": "h",
    "kh": "h",
    "ch": "h",
    "sh": "s",
    "zh": "z",
    "ts": "c",
    "tz": "c",
    "cz": "h",
    "ph": "f",
    "ck": "k",
    "x": "ks",
    "w": "v",
    "y": "i",
    "j": "i",
    "q": "k",
}
# After y and j became i: ю (yu, iu, ju, French ou), я (ya, ia, ja), е/ё (ye, ie, yo, io).
_VOWELS = re.compile(r"iu|ia|ie|io|ou")
_VOWEL = {"iu": "u", "ia": "a", "ie": "e", "io": "e", "ou": "u"}
_DOUBLE = re.compile(r"(.)\1+")


def plain(text: str) -> str:
    """Lowercase (every script) and without diacritics: what the substring search compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _fold(word: str) -> str:
    """A lowercased word (stemmed or not) as the index writes it: romanized, plain, folded."""
    word = plain(romanize(word)) or plain(word)  # (ъ and ь alone romanize to nothing)
    if not word.isascii():
        return word  # another script: as it is, lowercased
    word = _CONSONANTS.sub(lambda m: _CONSONANT[m[0]], word)
    word = _VOWELS.sub(lambda m: _VOWEL[m[0]], word)
    word = _DOUBLE.sub(r"\1", word)
    # Endings are the least stable part of a romanized name (-ii, -y, -i, -iy; -a, -ia).
    return word.rstrip("aeiou") or word[:1]


def _stem(word: str) -> str:
    if _CYRILLIC.search(word):
        return _STEMMERS["ru"].stemWord(word)
    if _LATIN.search(word):
        return _STEMMERS["en"].stemWord(word)
    return word


@lru_cache(maxsize=200_000)
def key(word: str) -> str:
    """The key a searched word is looked up by: its folded stem, matched as a prefix."""
    return _fold(_stem(word.casefold()))


def whole_key(word: str) -> str:
    """The key of a word itself, unstemmed (see index_keys)."""
    return _fold(word.casefold())


@lru_cache(maxsize=200_000)
def index_keys(word: str) -> str:
    """The keys the index holds for one word: the folded word itself, and its folded stem
    when that is not the start of it. A search looks its words up by their stems as prefixes,
    so the whole word is enough when it begins with its stem (the usual case); the whole word
    is always there because the Russian stemmer takes -ов, -ан off names that the English one
    leaves whole («Ежов» -> "ez", Yezhov -> "ezov"): with it, either spelling finds the other.
    (One key a word where two would do the same: the import writes half as many.)"""
    word = word.casefold()
    stem, whole = _fold(_stem(word)), _fold(word)
    return whole if whole.startswith(stem) else f"{stem} {whole}"


class _Memo(dict):
    """word -> value, computed once: a dict's lookup costs a fifth of an lru_cache call, and
    an import looks up every word of 100,000 statements. Emptied when it grows too large."""

    LIMIT = 500_000

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def __missing__(self, word):
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[word] = self.compute(word)
        return value


_INDEX_KEYS = _Memo(index_keys.__wrapped__)


def _spellings(word: str) -> tuple[str, ...]:
    """A word as the vocabulary holds it: plain, and romanized too if it is Cyrillic."""
    word = plain(word)
    latin = romanize(word)
    return (word,) if latin == word else (word, latin)


_SPELLINGS = _Memo(_spellings)


def _nfc(text: str) -> str:
    # (A letter written as a base and a combining accent would otherwise split its word.)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def tokens(text: str) -> list[str]:
    """The words of text, in order."""
    return WORD.findall(_nfc(text))


def indexed_tokens(found: list[str]) -> str:
    """The keys of these words, space-separated, in order (repeats kept: they weigh in the ranking)."""
    return " ".join(map(_INDEX_KEYS.__getitem__, found))


def indexed(text: str) -> str:
    """The keys of every word of text (see indexed_tokens)."""
    return indexed_tokens(tokens(text))


def vocabulary_of(found) -> set[str]:
    """These words as the vocabulary holds them (see _spellings)."""
    out: set[str] = set()
    for spellings in map(_SPELLINGS.__getitem__, found):
        out.update(spellings)
    return out


def query_words(query: str) -> list[str]:
    """The words of a search, each once: every one must match. Punctuation separates words."""
    seen, out = set(), []
    for word in WORD.findall(_nfc(query)):
        if word.casefold() not in seen:
            seen.add(word.casefold())
            out.append(word)
    return out
