"""Dates typed as historians write them are read into EDTF (issue 15): the date fields take
"12 June 1937?", "June 1937", "11 or 12 June 1937", "about 1937", "before 22 May 1937",
"11.06.1937", «12 июня 1937» and keep the EDTF, and /dates/parse.json says what a date is
understood as while one types it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from edtf import parse_edtf
from hypothesis import given
from hypothesis import strategies as st

from claims.dates import DateBounds, _to_date, edtf_bounds
from claims.models import Claim, Source
from claims.typed_dates import read_date
from tests.test_records import field_errors, logged_in

# Typed, the EDTF kept, and the words shown for it.
EXAMPLES = [
    # The examples
    ("12 June 1937?", "1937-06-12?", "possibly 12 June 1937"),
    ("June 1937", "1937-06", "June 1937"),
    ("11 or 12 June 1937", "[1937-06-11,1937-06-12]", "11 or 12 June 1937"),
    ("about 1937", "1937~", "about 1937"),
    ("before 22 May 1937", "[..1937-05-22]", "on or before 22 May 1937"),
    ("11.06.1937", "1937-06-11", "11 June 1937"),
    ("12 июня 1937", "1937-06-12", "12 June 1937"),
    # And what else the brief names: circa, after, ranges, Russian words, month first
    ("c. 1937", "1937~", "about 1937"),
    ("circa June 1937", "1937-06~", "about June 1937"),
    ("ca. 1937?", "1937%", "possibly about 1937"),
    ("after 12 June 1937", "[1937-06-12..]", "on or after 12 June 1937"),
    ("February 1937 to March 1937", "1937-02/1937-03", "February 1937 to March 1937"),
    ("February to March 1937", "1937-02/1937-03", "February 1937 to March 1937"),
    ("between 1936 and 1937", "1936/1937", "1936 to 1937"),
    ("1937–1938", "1937/1938", "1937 to 1938"),
    ("June 12, 1937", "1937-06-12", "12 June 1937"),
    ("12th of June 1937", "1937-06-12", "12 June 1937"),
    ("Jun 1937", "1937-06", "June 1937"),
    ("1930s", "193X", "the 1930s"),
    ("9 мая 1945 года", "1945-05-09", "9 May 1945"),
    ("12 июня 1937 г.", "1937-06-12", "12 June 1937"),
    ("около 1937", "1937~", "about 1937"),
    ("до 1937", "[..1937]", "on or before 1937"),
    ("после мая 1937", "[1937-05..]", "on or after May 1937"),
    ("с 11 по 12 июня 1937", "1937-06-11/1937-06-12", "11–12 June 1937"),
    ("11 или 12 июня 1937", "[1937-06-11,1937-06-12]", "11 or 12 June 1937"),
    ("  12   JUNE 1937 ", "1937-06-12", "12 June 1937"),
    # EDTF is taken as it is
    ("1937-06-11T23:35:00", "1937-06-11T23:35:00", "11 June 1937, 23:35"),
    ("../1937", "../1937", "until 1937"),
    ("", "", ""),
]


@pytest.mark.parametrize(("typed", "edtf", "words"), EXAMPLES)
def test_a_date_typed_as_historians_write_it_is_kept_as_edtf_with_its_words(typed, edtf, words):
    reading = read_date(typed)
    assert (reading.edtf, reading.words) == (edtf, words)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("yesterday", "“yesterday” is not a date this form understands"),
        ("06/11/1937", "is not a date this form understands"),  # month or day first? not guessed
        ("31 June 1937", "31 June 1937: that month has no day 31."),
        ("30.13.1937", "there is no month 13"),
        ("June", "“June” is not a date this form understands"),  # no year
        ("11 or 12", "is not a date this form understands"),
        ("1938 to 1937", "“1938 to 1937”, read as 1938/1937: 1938/1937 ends before it starts."),
        ("before about 1937", "“before about 1937” is not a date this form understands"),
    ],
)
def test_a_date_that_cannot_be_read_is_refused_naming_the_problem(typed, problem):
    with pytest.raises(ValidationError) as refused:
        read_date(typed)
    assert problem in " ".join(refused.value.messages)


def _library_bounds(edtf: str) -> DateBounds:
    parsed = parse_edtf(edtf)
    return DateBounds(_to_date(parsed.lower_strict(), edtf), _to_date(parsed.upper_strict(), edtf))


MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]  # fmt: skip
RUSSIAN_GENITIVE = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                    "октября", "ноября", "декабря"]  # fmt: skip


def _typed(day: datetime.date, form: str) -> str:
    return {
        "english": f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}",
        "month-first": f"{MONTH_NAMES[day.month - 1][:3]} {day.day}, {day.year}",
        "russian": f"{day.day} {RUSSIAN_GENITIVE[day.month - 1]} {day.year}",
        "dotted": f"{day.day:02d}.{day.month:02d}.{day.year}",
        "iso": day.isoformat(),
    }[form]


DAYS = st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(2100, 12, 31))
FORMS = st.sampled_from(["english", "month-first", "russian", "dotted", "iso"])


@st.composite
def typed_dates(draw) -> tuple[str, datetime.date | None, datetime.date | None]:
    """A date as typed, with the first and last day it can mean (None: open)."""
    one, other = sorted([draw(DAYS), draw(DAYS)])
    text, second = _typed(one, draw(FORMS)), _typed(other, draw(FORMS))
    return draw(
        st.sampled_from(
            [
                (text, one, one),
                (f"{text}?", one, one),
                (f"about {text}", one, one),
                (f"c. {text}", one, one),
                (f"before {text}", None, one),
                (f"after {text}", one, None),
                (f"{text} or {second}", one, other),
                (f"{text} to {second}", one, other),
                (f"between {text} and {second}", one, other),
            ]
        )
    )


@given(typed_dates())
def test_any_edtf_the_parser_makes_is_edtf_to_the_library_and_means_the_days_typed(case):
    typed, earliest, latest = case
    edtf = read_date(typed).edtf
    parse_edtf(edtf)  # the edtf library reads it (raises if not)
    assert edtf_bounds(edtf) == _library_bounds(edtf) == DateBounds(earliest, latest)
    assert read_date(edtf).edtf == edtf  # read again, the EDTF is kept as it is


@given(
    st.lists(
        st.sampled_from([*"0123456789 .-/?~,[]abcdefjnoruy", "June", " or ", " to ", "июня", "about ", "before "]),
        max_size=12,
    ).map("".join)
)
def test_whatever_is_typed_is_either_refused_or_read_into_edtf_the_library_accepts(typed):
    try:
        edtf = read_date(typed).edtf
    except ValidationError:
        return
    if edtf:
        parse_edtf(edtf)
        assert edtf_bounds(edtf) == _library_bounds(edtf)


# --- The endpoint and the forms ------------------------------------------------------


def test_the_parse_endpoint_answers_the_edtf_and_its_words(client, researcher):
    logged_in(client, researcher)
    answer = client.get("/dates/parse.json", {"q": "12 June 1937?"}).json()
    assert answer == {"edtf": "1937-06-12?", "words": "possibly 12 June 1937", "error": ""}
    refused = client.get("/dates/parse.json", {"q": "the 12th"}).json()
    assert refused["edtf"] == "" and "“the 12th” is not a date this form understands" in refused["error"]
    assert client.get("/dates/parse.json").json() == {"edtf": "", "words": "", "error": ""}
    too_long = client.get("/dates/parse.json", {"q": "1" * 201}).json()
    assert too_long["error"] == "Type at most 200 characters."


def test_the_parse_endpoint_needs_a_login_and_a_role(client, outsider):
    assert client.get("/dates/parse.json", {"q": "1937"}).status_code == 302
    logged_in(client, outsider)
    assert client.get("/dates/parse.json", {"q": "1937"}).status_code == 403


def test_a_claim_dated_as_historians_write_it_keeps_the_edtf(client, researcher, topic):
    logged_in(client, researcher)
    response = client.post(
        "/claims/new/",
        {
            "key": "shot",
            "topic": topic.pk,
            "statement": "They were shot.",
            "kind": "fact",
            "event_date": "11 or 12 June 1937",
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get(key="shot")
    assert claim.event_date == "[1937-06-11,1937-06-12]"
    assert (claim.date_earliest, claim.date_latest) == (datetime.date(1937, 6, 11), datetime.date(1937, 6, 12))


def test_a_form_shown_again_says_what_its_date_was_understood_as(client, researcher, topic):
    logged_in(client, researcher)
    # The statement is missing: the form comes back, and says what the date was read as.
    response = client.post(
        "/claims/new/",
        {"key": "shot", "topic": topic.pk, "statement": "", "kind": "fact", "event_date": "12 June 1937?"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="12 June 1937?"' in page  # what was typed is kept
    assert "Understood as <code>1937-06-12?</code> — possibly 12 June 1937" in page


def test_a_source_dated_in_russian_keeps_the_edtf(client, researcher):
    logged_in(client, researcher)
    response = client.post(
        "/sources/new/",
        {"key": "pravda-1937", "kind": "periodical", "level": "primary", "title": "Pravda", "date": "12 июня 1937"},
    )
    assert response.status_code == 302, field_errors(response, "date")
    assert Source.objects.get(key="pravda-1937").date == "1937-06-12"
