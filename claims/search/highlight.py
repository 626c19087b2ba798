"""Showing why a claim was found: the matching words of its statement marked, and the names
of its people and titles of its sources that matched. For the rows of one page only."""

import json

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from . import words
from .query import Match


def word_matches(word: str, match: Match) -> bool:
    """Whether a word of a text matches some word of the search (as the index would find it)."""
    keys = words.index_keys(word).split()
    plain = words.plain(word)
    latin = words.romanize(plain)
    for prefix, exact, substrings in zip(match.prefixes, match.exact, match.substrings):
        if any(k.startswith(prefix) for k in keys) or any(k in exact for k in keys):
            return True
        if any(s in plain or s in latin for s in substrings):
            return True
    return False


def marked(text: str, match: Match) -> SafeString:
    """text, escaped, with each matching word in <mark>."""
    parts, end = [], 0
    for found in words.WORD.finditer(text):
        if word_matches(found[0], match):
            parts += [escape(text[end : found.start()]), format_html("<mark>{}</mark>", found[0])]
            end = found.end()
    parts.append(escape(text[end:]))
    return mark_safe("".join(parts))  # every part is escaped above


def _any_word_matches(text: str, match: Match) -> bool:
    return any(word_matches(word, match) for word in words.WORD.findall(text))


def annotate(claims: list, match: Match | None) -> list:
    """Set statement_marked, matched_people and matched_sources on each claim. One query."""
    from .models import ClaimSearch

    if match is None or not claims:
        return claims
    entries = {
        pk: (people, sources)
        for pk, people, sources in ClaimSearch.objects.filter(claim_id__in=[c.pk for c in claims]).values_list(
            "claim_id", "people", "sources"
        )
    }
    for claim in claims:
        people, sources = entries.get(claim.pk, ("", ""))
        claim.statement_marked = marked(claim.statement, match)
        claim.matched_people = [
            names[0] for names in json.loads(people or "[]") if any(_any_word_matches(name, match) for name in names)
        ]
        claim.matched_sources = [
            titles[0]
            for titles in json.loads(sources or "[]")
            if any(_any_word_matches(title, match) for title in titles)
        ]
    return claims
