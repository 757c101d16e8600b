"""The egress guard: workflow HTTP calls may not reach this machine, the private network or cloud
metadata, unless ``OPSGATE_EGRESS_ALLOW`` lists the address.

A host name is resolved and every address it resolves to must pass, so a public name pointing at
127.0.0.1 is refused too. The http node connects to the addresses returned here (no second lookup,
so a rebinding DNS server cannot swap them) and checks each redirect's target again.

Many IPv6 forms carry an IPv4 address inside (IPv4-mapped and -compatible, SIIT, NAT64, 6to4,
Teredo, ISATAP), and a stack or gateway on the way may deliver to that IPv4 address: ``::127.0.0.1``
is loopback in disguise. Every such reading is decoded and an address passes only when each reading
is globally routable. The allow list is matched against the address exactly as resolved, so it opens
what it names and nothing else (allowing ``127.0.0.1`` does not allow ``::ffff:127.0.0.1``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import Forbidden

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d (also :: and ::1)
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT ::ffff:0:a.b.c.d
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # local-use NAT64 (RFC 8215)
_ISATAP_IDS = (0x00005EFE, 0x02005EFE)  # interface identifiers that carry an IPv4 address
# Not globally routable, though Python's ``is_global`` says they are (on this version at least).
_NEVER_GLOBAL = tuple(
    ipaddress.ip_network(net)
    for net in ("fec0::/10", "64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96", "2001::/32")
)


class EgressRefused(Forbidden):
    default_code = "EGRESS_REFUSED"
    default_message = "Outbound request refused by the egress guard"


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(entry.strip(), strict=False)
        for entry in settings.OPSGATE_EGRESS_ALLOW
        if entry.strip()
    ]


def _low32(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def address_readings(address: Address) -> Iterator[Address]:
    """``address`` itself, then every IPv4 address embedded in it."""
    yield address
    if isinstance(address, ipaddress.IPv4Address):
        return
    if address.ipv4_mapped:
        yield address.ipv4_mapped
    if address in _IPV4_COMPATIBLE or address in _IPV4_TRANSLATED or address in _NAT64:
        yield _low32(address)
    if address in _NAT64_LOCAL:  # a /48 prefix: the IPv4 address straddles the reserved u octet
        value = int(address)
        yield ipaddress.IPv4Address(((value >> 64) & 0xFFFF) << 16 | ((value >> 40) & 0xFFFF))
    if address.sixtofour:
        yield address.sixtofour
    if address.teredo:
        yield from address.teredo
    if (int(address) >> 32) & 0xFFFFFFFF in _ISATAP_IDS:
        yield _low32(address)


def _globally_routable(address: Address) -> bool:
    return (
        address.is_global
        and not address.is_multicast
        and not any(address in network for network in _NEVER_GLOBAL)
    )


def _is_allowed(address: Address) -> bool:
    if any(address in network for network in _allowed_networks()):
        return True
    return all(_globally_routable(reading) for reading in address_readings(address))


def _resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise EgressRefused(f"Cannot resolve host '{host}'") from exc
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


def egress_check(url: str) -> list[Address]:
    """The addresses ``url`` may be fetched from; ``EgressRefused`` if any of them is off limits."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # out of range or not a number
        port = None
    if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
        raise EgressRefused(f"Only http(s) URLs with a host and a valid port can be fetched: '{url}'")
    addresses = _resolve(parts.hostname, port)
    refused = [str(a) for a in addresses if not _is_allowed(a)]
    if refused:
        raise EgressRefused(
            f"'{parts.hostname}' resolves to {', '.join(refused)}: loopback, private, link-local and "
            "metadata addresses (also embedded in an IPv6 address) are refused unless "
            "OPSGATE_EGRESS_ALLOW lists them"
        )
    return addresses
