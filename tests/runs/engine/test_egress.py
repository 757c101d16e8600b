"""The egress guard refuses this machine, private networks and metadata unless allowed."""

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
