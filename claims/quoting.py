"""Quoting what someone typed or uploaded back to them in a message, at a bounded length.

An error message names the offending value so that a person can find it, but a value can
be a megabyte (a pasted document, a CSV header line without a newline): quoting it whole
would turn a one-line message into a page of megabytes. quoted() keeps its start and says
how much was left out.
"""

QUOTE_LIMIT = 80  # characters of a value shown in a message


def shorten(value: object, limit: int = QUOTE_LIMIT) -> str:
    """The value as text, cut to about `limit` characters, saying how many were left out."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """repr()-style quotes around shorten(value): control characters and quotes made visible."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text) - limit:,} more characters)"


class Bounded:
    """A value for the %-parameters of a message (Django's ValidationError params):
    "%(value)r" quotes it as quoted() does and "%(value)s" shows it as shorten() does."""

    __slots__ = ("value",)

    def __init__(self, value: object):
        self.value = value

    def __repr__(self) -> str:
        return quoted(self.value)

    def __str__(self) -> str:
        return shorten(self.value)
