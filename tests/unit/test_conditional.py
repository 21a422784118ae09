import pytest

from tasks.http.conditional import etag, none_match

CURRENT = etag("ab" * 32)


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        (CURRENT, True),
        ("W/" + CURRENT, True),
        ('"other", ' + CURRENT, True),
        ("*", True),
        ('"other"', False),
        ("ab" * 32, False),  # unquoted: malformed, no match
        ('"unterminated', False),
        (CURRENT + " junk", False),
        ("", False),
    ],
)
def test_if_none_match(header, matches):
    assert none_match(header, CURRENT) is matches
