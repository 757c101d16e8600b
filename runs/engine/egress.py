"""The egress guard: workflow HTTP calls may not reach this machine, the private network or cloud
metadata, unless ``OPSGATE_EGRESS_ALLOW`` lists the address (ARCHITECTURE section 6).

A host name is resolved and every address it resolves to must pass, so a public name pointing at
127.0.0.1 is refused too. The http node connects to the addresses returned here (no second lookup,
so a rebinding DNS server cannot swap them) and checks each redirect's target again.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import Forbidden

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class EgressRefused(Forbidden):
    default_code = "EGRESS_REFUSED"
    default_message = "Outbound request refused by the egress guard"


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(entry.strip(), strict=False)
        for entry in settings.OPSGATE_EGRESS_ALLOW
        if entry.strip()
    ]


def _is_allowed(address: Address) -> bool:
    if any(address in network for network in _allowed_networks()):
        return True
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise EgressRefused(f"Cannot resolve host '{host}'") from exc
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


def egress_check(url: str) -> list[Address]:
    """The addresses ``url`` may be fetched from; ``EgressRefused`` if any of them is off limits."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EgressRefused(f"Only http(s) URLs with a host can be fetched: '{url}'")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(parts.hostname, port)
    refused = [str(a) for a in addresses if not _is_allowed(a)]
    if refused:
        raise EgressRefused(
            f"'{parts.hostname}' resolves to {', '.join(refused)}: loopback, private, link-local and "
            "metadata addresses are refused unless OPSGATE_EGRESS_ALLOW lists them"
        )
    return addresses
