"""Messages quote at most about 80 characters of an offending value (issue 10)."""

from claims.quoting import QUOTE_LIMIT, quoted, shorten


def test_a_short_value_is_quoted_whole():
    assert quoted("rogovin-1937") == "'rogovin-1937'"
    assert shorten("Тухачевский") == "Тухачевский"


def test_a_megabyte_value_is_cut_to_its_start_and_says_how_much_was_left_out():
    value = "x" * 1_000_000
    message = quoted(value)
    assert len(message) < QUOTE_LIMIT + 40
    assert message.startswith("'" + "x" * QUOTE_LIMIT + "'")
    assert "999,920 more characters" in message
    assert len(shorten(value)) < QUOTE_LIMIT + 40


def test_control_characters_in_a_quoted_value_are_shown_not_written():
    assert quoted("a\x00b\nc") == "'a\\x00b\\nc'"
