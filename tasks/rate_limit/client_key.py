"""Which counter a source address is charged to.

IPv4 addresses count one by one. IPv6 addresses count per network of the
configured prefix length (a /64 by default: one subscriber usually holds a
whole /64, so counting single addresses would let one caller rotate through
2**64 of them). Compressed and expanded spellings give the same key, and an
IPv4-mapped IPv6 address counts as its IPv4 address.
"""

from __future__ import annotations

import ipaddress


class BadAddressError(ValueError):
    """The source address is not an IP address."""


def client_key(source_ip: str, ipv6_prefix_length: int) -> str:
    try:
        address = ipaddress.ip_address(source_ip.strip())
    except ValueError:
        raise BadAddressError(f"source address {source_ip!r} is not an IP address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    network = ipaddress.IPv6Network((address, ipv6_prefix_length), strict=False)
    return network.compressed
