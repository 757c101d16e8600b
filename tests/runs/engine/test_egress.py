"""The egress guard refuses this machine, private networks and metadata unless allowed."""

import socket

import pytest

from runs.engine.egress import EgressRefused, egress_check


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.9.9.9:8080/x",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost:8000/",  # a name that resolves to loopback
        "http://224.0.0.1/",
    ],
)
def test_internal_addresses_are_refused(url, settings):
    settings.OPSGATE_EGRESS_ALLOW = []
    with pytest.raises(EgressRefused, match="refused unless OPSGATE_EGRESS_ALLOW"):
        egress_check(url)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "http:///nohost", "gopher://x/"])
def test_only_http_urls_with_a_host(url):
    with pytest.raises(EgressRefused, match="Only http"):
        egress_check(url)


def test_a_public_address_passes(settings):
    settings.OPSGATE_EGRESS_ALLOW = []
    assert [str(a) for a in egress_check("https://93.184.215.14/path")] == ["93.184.215.14"]


def test_the_allow_list_opens_exactly_what_it_names(settings):
    settings.OPSGATE_EGRESS_ALLOW = ["127.0.0.1/32", "10.1.0.0/16"]
    assert [str(a) for a in egress_check("http://127.0.0.1:9000/")] == ["127.0.0.1"]
    assert egress_check("http://10.1.2.3/")
    with pytest.raises(EgressRefused):
        egress_check("http://10.2.0.1/")
    with pytest.raises(EgressRefused):
        egress_check("http://127.0.0.2/")


def test_a_name_that_does_not_resolve_is_refused(settings):
    with pytest.raises(EgressRefused, match="Cannot resolve"):
        egress_check("http://no-such-host.invalid/")


@pytest.mark.parametrize(
    "url",
    [
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[::a9fe:a9fe]/",  # IPv4-compatible 169.254.169.254 (metadata)
        "http://[::ffff:0:7f00:1]/",  # IPv4-translated (SIIT) 127.0.0.1
        "http://[::ffff:a9fe:a9fe]/",  # IPv4-mapped metadata
        "http://[64:ff9b::7f00:1]/",  # NAT64 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 metadata
        "http://[64:ff9b::a00:1]/",  # NAT64 10.0.0.1
        "http://[64:ff9b:1:7f00:0:100::]/",  # local-use NAT64 (/48) 127.0.0.1
        "http://[64:ff9b:1:808:8:800::]/",  # local-use NAT64, even of a public address
        "http://[2002:7f00:1::1]/",  # 6to4 127.0.0.1
        "http://[2002:a9fe:a9fe::]/",  # 6to4 metadata
        "http://[2002:c0a8:101::1]/",  # 6to4 192.168.1.1
        "http://[fec0::1]/",  # site-local
        "http://[fec0:0:0:ffff::1]/",
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
        "http://[2606:4700::5efe:7f00:1]/",  # ISATAP interface id carrying 127.0.0.1
        "http://[ff02::1]/",  # multicast
    ],
)
def test_internal_addresses_inside_ipv6_are_refused(url, settings):
    settings.OPSGATE_EGRESS_ALLOW = []
    with pytest.raises(EgressRefused, match="refused unless OPSGATE_EGRESS_ALLOW"):
        egress_check(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://[2606:4700:4700::1111]/",
        "http://[64:ff9b::808:808]/",  # NAT64 of 8.8.8.8: how an IPv6-only host reaches the IPv4 internet
        "http://[2002:808:808::1]/",  # 6to4 of 8.8.8.8
    ],
)
def test_public_ipv6_passes_in_every_reading(url, settings):
    settings.OPSGATE_EGRESS_ALLOW = []
    assert egress_check(url)


def test_allowing_an_address_does_not_allow_its_ipv6_disguises(settings):
    settings.OPSGATE_EGRESS_ALLOW = ["127.0.0.1"]
    assert [str(a) for a in egress_check("http://127.0.0.1:8000/")] == ["127.0.0.1"]
    for disguise in ("::127.0.0.1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1"):
        with pytest.raises(EgressRefused):
            egress_check(f"http://[{disguise}]:8000/")
    settings.OPSGATE_EGRESS_ALLOW = ["127.0.0.1", "64:ff9b::/96"]  # an operator may name one explicitly
    assert egress_check("http://[64:ff9b::7f00:1]/")


def test_a_name_resolving_to_a_disguised_address_is_refused(settings, monkeypatch):
    settings.OPSGATE_EGRESS_ALLOW = []

    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("64:ff9b::a9fe:a9fe", port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(EgressRefused, match=r"'metadata\.example' resolves to 64:ff9b::a9fe:a9fe"):
        egress_check("http://metadata.example/")


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/", "http://127.0.0.1:0x1/"])
def test_a_port_that_is_not_one_is_refused_not_raised(url, settings):
    settings.OPSGATE_EGRESS_ALLOW = ["127.0.0.1"]
    with pytest.raises(EgressRefused, match="valid port"):
        egress_check(url)
