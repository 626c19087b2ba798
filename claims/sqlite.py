"""Case-insensitive search for every script on SQLite.

SQLite's LIKE ignores case only for ASCII letters, so a search for «тухачевский» would
miss «Тухачевский» (PostgreSQL's UPPER()/LIKE have no such gap). Django runs contains
and icontains as LIKE on SQLite, so we replace SQLite's like() with one that folds case
in every script, as SQLite's documentation allows an application to do.
"""

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _like_regex(pattern: str, escape: str | None) -> re.Pattern:
    parts, chars = [], iter(pattern)
    for char in chars:
        if escape and char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL | re.IGNORECASE)


def unicode_like(pattern, value, escape=None):
    if pattern is None or value is None:
        return None
    return _like_regex(str(pattern).casefold(), escape).fullmatch(str(value).casefold()) is not None


def install_unicode_like(sender, connection, **kwargs) -> None:
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("like", 2, unicode_like, deterministic=True)
    raw.create_function("like", 3, unicode_like, deterministic=True)
