"""EDTF dates: every form docs/design.md lists parses, with the calendar bounds a historian expects."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.dates import edtf_bounds

D = datetime.date


@pytest.mark.parametrize(
    "text,earliest,latest",
    [
        ("1937-06-11T23:35:00", D(1937, 6, 11), D(1937, 6, 11)),  # the verdict, to the minute
        ("1937-06-11", D(1937, 6, 11), D(1937, 6, 11)),
        ("1937-06", D(1937, 6, 1), D(1937, 6, 30)),  # a month
        ("1937", D(1937, 1, 1), D(1937, 12, 31)),
        ("1937-06-11/1937-06-12", D(1937, 6, 11), D(1937, 6, 12)),  # an interval
        ("[1937-06-11,1937-06-12]", D(1937, 6, 11), D(1937, 6, 12)),  # one of a set
        ("1937?", D(1937, 1, 1), D(1937, 12, 31)),  # uncertain
        ("1937~", D(1937, 1, 1), D(1937, 12, 31)),  # approximate
        ("1937-06-01/1937-06-04", D(1937, 6, 1), D(1937, 6, 4)),  # the Military Council
        ("1920/1939", D(1920, 1, 1), D(1939, 12, 31)),
        ("193X", D(1930, 1, 1), D(1939, 12, 31)),  # unspecified digit
        ("../1937", None, D(1937, 12, 31)),  # open start
        ("1937-05-22/..", D(1937, 5, 22), None),  # open end
        ("1936-02", D(1936, 2, 1), D(1936, 2, 29)),  # leap year
    ],
)
def test_edtf_form_has_bounds(text, earliest, latest):
    bounds = edtf_bounds(text)
    assert (bounds.earliest, bounds.latest) == (earliest, latest)


@pytest.mark.parametrize(
    "text,problem",
    [
        ("1937-06-31", "not a valid EDTF date"),
        ("1937-13", "not a valid EDTF date"),
        ("11 June 1937", "not a valid EDTF date"),
        ("1937-06-11T23:35", "not a valid EDTF date"),  # EDTF times carry seconds
        ("1937-06-12/1937-06-11", "ends before it starts"),
        (" 1937", "spaces"),
        ("-0100", "years before 1 CE"),
    ],
)
def test_invalid_edtf_is_refused_with_the_reason(text, problem):
    with pytest.raises(ValidationError) as caught:
        edtf_bounds(text)
    assert problem in caught.value.messages[0]


def test_claim_saved_through_service_stores_derived_bounds(researcher, topic):
    claim = services.claim_create(
        actor=researcher,
        key="shot-night",
        topic=topic,
        statement="Shot on the night of 11-12 June 1937.",
        event_date="[1937-06-11,1937-06-12]",
    )
    claim.refresh_from_db()
    assert (claim.date_earliest, claim.date_latest) == (D(1937, 6, 11), D(1937, 6, 12))


def test_changing_the_date_moves_the_bounds_and_clearing_it_removes_them(researcher, claim):
    services.claim_update(actor=researcher, claim=claim, data={"event_date": "1937-06"})
    claim.refresh_from_db()
    assert (claim.date_earliest, claim.date_latest) == (D(1937, 6, 1), D(1937, 6, 30))
    services.claim_update(actor=researcher, claim=claim, data={"event_date": ""})
    claim.refresh_from_db()
    assert (claim.date_earliest, claim.date_latest) == (None, None)


def test_invalid_date_through_service_changes_nothing(researcher, claim):
    with pytest.raises(ValidationError) as caught:
        services.claim_update(actor=researcher, claim=claim, data={"event_date": "12 June 1937"})
    assert "event_date" in caught.value.message_dict
    claim.refresh_from_db()
    assert claim.event_date == "1937-06-12"


def test_date_range_filter_uses_bounds(researcher, topic, claim):
    from claims.models import Claim

    services.claim_create(
        actor=researcher, key="rehab", topic=topic, statement="Rehabilitated.", event_date="1957-01-31"
    )
    services.claim_create(actor=researcher, key="undated", topic=topic, statement="No date.")
    services.claim_create(actor=researcher, key="open-start", topic=topic, statement="Before.", event_date="../1936")
    in_1937 = Claim.objects.dated_between(D(1937, 1, 1), D(1937, 12, 31))
    assert sorted(in_1937.values_list("key", flat=True)) == ["execution-12-june"]
    before_1950 = Claim.objects.dated_between(None, D(1950, 1, 1))
    assert sorted(before_1950.values_list("key", flat=True)) == ["execution-12-june", "open-start"]
