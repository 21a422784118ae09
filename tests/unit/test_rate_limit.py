import pytest

from tasks.rate_limit import headers
from tasks.rate_limit.client_key import BadAddressError, client_key
from tasks.rate_limit.window import TTL_GRACE_SECONDS, Window


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:0db8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("::FFFF:CB00:7107", "203.0.113.7"),
    ],
)
def test_addresses_map_to_their_counter(source, expected):
    assert client_key(source, 64) == expected


def test_compressed_and_expanded_ipv6_share_a_key():
    assert client_key("2001:db8::1", 64) == client_key("2001:0db8:0000:0000:0000:0000:0000:0001", 64)


def test_the_ipv6_prefix_is_configurable():
    assert client_key("2001:db8:1:2::1", 128) == "2001:db8:1:2::1/128"
    assert client_key("2001:db8:1:2::1", 48) == "2001:db8:1::/48"


@pytest.mark.parametrize("source", ["", "localhost", "203.0.113.300", "1.2.3.4, 5.6.7.8"])
def test_what_is_not_an_address_is_refused(source):
    with pytest.raises(BadAddressError):
        client_key(source, 64)


def test_windows_are_aligned_to_multiples_of_their_length():
    window = Window.at(1_764_770_999.9, 600)
    assert (window.start, window.end) == (1_764_770_400, 1_764_771_000)
    assert window.expires_at == window.end + TTL_GRACE_SECONDS
    assert window.counter_key("203.0.113.7") == "rate#203.0.113.7#1764770400"


def test_seconds_left_is_at_least_one():
    window = Window.at(1_764_770_400, 600)
    assert window.seconds_left(1_764_770_400) == 600
    assert window.seconds_left(1_764_770_999.99) == 1


def test_header_fields_follow_draft_09():
    assert headers.policy(210, 600) == '"per-ip";q=210;w=600'
    assert headers.remaining(12, 30) == '"per-ip";r=12;t=30'
    assert headers.remaining(-1, 30) == '"per-ip";r=0;t=30'
